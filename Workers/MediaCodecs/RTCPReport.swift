/// A reception report block (RFC 3550 section 6.4.1): what a receiver
/// tells a sender about the sender's source.
public struct RTCPReportBlock: Sendable, Hashable {
    /// The source reported about.
    public var ssrc: UInt32
    /// Packets lost since the previous report, as a fixed-point fraction (/256).
    public var fractionLost: UInt8
    /// Cumulative packets lost (24-bit signed on the wire; clamped).
    public var cumulativeLost: Int64
    /// Extended highest sequence number received (wrap count << 16 | highest).
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter, in timestamp units.
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR received from the source (0: none).
    public var lastSR: UInt32
    /// Delay since that SR was received, in 1/65536 seconds (0: none).
    public var delaySinceLastSR: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int64, extendedHighestSequence: UInt32, jitter: UInt32,
                lastSR: UInt32, delaySinceLastSR: UInt32) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSR = lastSR
        self.delaySinceLastSR = delaySinceLastSR
    }
}

/// The sender info of an SR (RFC 3550 section 6.4.1).
public struct RTCPSenderInfo: Sendable, Hashable {
    /// Wallclock time of the report, NTP format (RFC 5905: seconds since 1900 << 32 | fraction).
    public var ntp: UInt64
    /// The same instant in the RTP clock of the media sent.
    public var rtpTimestamp: UInt32
    /// RTP packets sent (wrapping).
    public var packetCount: UInt32
    /// RTP payload octets sent (wrapping).
    public var octetCount: UInt32

    public init(ntp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32, octetCount: UInt32) {
        self.ntp = ntp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
    }
}

/// Writes the minimal compound RTCP report of an RTP endpoint: an SR (when
/// it has sent media) or an RR, with at most one report block, followed by
/// the SDES CNAME every compound packet must carry (RFC 3550 section 6.1).
public enum RTCPReport {
    /// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
    public static let ntpUnixOffset: UInt64 = 2_208_988_800
    /// Bytes of the CNAME written: `sb-` and the SSRC in 8 hex digits.
    public static let cnameLength = 11
    /// The longest report written: SR + one block (52) + SDES (24).
    public static let maximumLength = 8 + RTCP.senderInfoLength + RTCP.reportBlockLength + 24

    /// The NTP timestamp of a Unix time in nanoseconds.
    public static func ntp(unixNanoseconds: UInt64) -> UInt64 {
        let seconds = unixNanoseconds / 1_000_000_000 + ntpUnixOffset
        let fraction = (unixNanoseconds % 1_000_000_000) << 32 / 1_000_000_000
        return seconds << 32 | fraction
    }

    /// The fraction lost of an interval (RFC 3550 appendix A.3): lost / expected
    /// in 1/256, 0 when nothing was expected or duplicates outnumber losses.
    public static func fractionLost(expected: Int64, received: Int64) -> UInt8 {
        let lost = expected - received
        guard expected > 0, lost > 0 else { return 0 }
        return UInt8(clamping: (lost << 8) / expected)
    }

    /// Writes the report of `ssrc` into `out`; returns its length, or 0 if
    /// `out` is shorter than ``maximumLength``.
    public static func write(into out: UnsafeMutableRawBufferPointer, ssrc: UInt32, sender: RTCPSenderInfo?,
                             block: RTCPReportBlock?) -> Int {
        guard out.count >= maximumLength else { return 0 }
        var w = 8
        RTCP.write32(out, 4, ssrc)
        if let sender {
            RTCP.write32(out, w, UInt32(truncatingIfNeeded: sender.ntp >> 32))
            RTCP.write32(out, w + 4, UInt32(truncatingIfNeeded: sender.ntp))
            RTCP.write32(out, w + 8, sender.rtpTimestamp)
            RTCP.write32(out, w + 12, sender.packetCount)
            RTCP.write32(out, w + 16, sender.octetCount)
            w += RTCP.senderInfoLength
        }
        if let block {
            RTCP.write32(out, w, block.ssrc)
            let lost = UInt32(bitPattern: Int32(clamping: max(-0x80_0000, min(0x7F_FFFF, block.cumulativeLost)))) & 0xFF_FFFF
            RTCP.write32(out, w + 4, UInt32(block.fractionLost) << 24 | lost)
            RTCP.write32(out, w + 8, block.extendedHighestSequence)
            RTCP.write32(out, w + 12, block.jitter)
            RTCP.write32(out, w + 16, block.lastSR)
            RTCP.write32(out, w + 20, block.delaySinceLastSR)
            w += RTCP.reportBlockLength
        }
        RTCP.writeHeader(out, 0, count: block == nil ? 0 : 1, type: sender == nil ? RTCP.receiverReport : RTCP.senderReport,
                         length: w)
        // SDES: one chunk, CNAME "sb-XXXXXXXX", the null item, padding to 32 bits.
        let sdes = w
        RTCP.write32(out, sdes + 4, ssrc)
        out[sdes + 8] = 1  // CNAME
        out[sdes + 9] = UInt8(cnameLength)
        out[sdes + 10] = UInt8(ascii: "s")
        out[sdes + 11] = UInt8(ascii: "b")
        out[sdes + 12] = UInt8(ascii: "-")
        for k in 0..<8 {
            let digit = UInt8(truncatingIfNeeded: ssrc >> (28 - 4 * UInt32(k)) & 0xF)
            out[sdes + 13 + k] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
        }
        var end = sdes + 10 + cnameLength
        repeat {
            out[end] = 0
            end += 1
        } while (end - sdes) % 4 != 0
        RTCP.writeHeader(out, sdes, count: 1, type: RTCP.sourceDescription, length: end - sdes)
        return end
    }
}

/// RTCP (RFC 3550 section 6): the checks a relay makes on a compound packet
/// before it forwards or reads one, and the few fields it reads.
///
/// Every RTCP packet starts with the same 4-byte header:
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|  count  |      PT       |   length (32-bit words - 1)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                  SSRC of the sender (SR, RR, BYE, APP, ...)   |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// A *compound* packet is several of them back to back in one datagram.
/// Nothing here traps on any input.
public enum RTCP {
    /// Sender report (SR).
    public static let senderReport: UInt8 = 200
    /// Receiver report (RR).
    public static let receiverReport: UInt8 = 201
    /// Source description (SDES).
    public static let sourceDescription: UInt8 = 202
    /// Goodbye (BYE).
    public static let goodbye: UInt8 = 203
    /// Bytes of a report block in an SR or RR.
    public static let reportBlockLength = 24
    /// Bytes of an SR's sender info (NTP, RTP timestamp, packet and octet counts).
    public static let senderInfoLength = 20

    /// Whether `packet` is a well-formed compound RTCP packet (RFC 3550
    /// appendix A.2, without its "first packet is SR or RR" rule, so that
    /// reduced-size RTCP (RFC 5506) passes too): at least one packet; every
    /// packet version 2 with a length inside the datagram; the lengths add up
    /// to the datagram exactly; padding only in the last packet. SR, RR, SDES
    /// and BYE must also hold what their count field announces.
    public static func isValidCompound(_ packet: UnsafeRawBufferPointer) -> Bool {
        let n = packet.count
        guard n >= 4 else { return false }
        var offset = 0
        while offset < n {
            guard offset + 4 <= n else { return false }
            let b0 = packet[offset]
            guard b0 >> 6 == 2 else { return false }
            let length = packetLength(packet, offset)
            guard offset + length <= n else { return false }
            let last = offset + length == n
            if b0 & 0x20 != 0 {
                guard last else { return false }
                let padding = Int(packet[n - 1])
                guard padding > 0, padding <= length - 4 else { return false }
            }
            let count = Int(b0 & 0x1F)
            switch packet[offset + 1] {
            case senderReport: guard length >= 8 + senderInfoLength + count * reportBlockLength else { return false }
            case receiverReport: guard length >= 8 + count * reportBlockLength else { return false }
            case goodbye: guard length >= 4 + count * 4 else { return false }
            case sourceDescription: guard count == 0 || length >= 8 else { return false }
            default: break
            }
            offset += length
        }
        return true
    }

    /// The SSRC of the first packet of a compound (its sender), or `nil` if it has none.
    public static func firstSSRC(_ packet: UnsafeRawBufferPointer) -> UInt32? {
        guard packet.count >= 8 else { return nil }
        return read32(packet, 4)
    }

    /// Of the first sender report in a valid compound packet: its SSRC and
    /// the middle 32 bits of its NTP timestamp (what a receiver echoes as LSR).
    public static func senderReportTime(_ packet: UnsafeRawBufferPointer) -> (ssrc: UInt32, ntpMiddle: UInt32)? {
        var offset = 0
        while offset + 4 <= packet.count {
            let length = packetLength(packet, offset)
            if packet[offset + 1] == senderReport, offset + 16 <= packet.count {
                return (read32(packet, offset + 4), read32(packet, offset + 10))
            }
            offset += length
        }
        return nil
    }

    /// Bytes of the packet whose header is at `offset` (from its length field).
    static func packetLength(_ p: UnsafeRawBufferPointer, _ offset: Int) -> Int {
        ((Int(p[offset + 2]) << 8 | Int(p[offset + 3])) + 1) * 4
    }

    static func read32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(p[i]) << 24 | UInt32(p[i + 1]) << 16 | UInt32(p[i + 2]) << 8 | UInt32(p[i + 3])
    }

    static func write32(_ p: UnsafeMutableRawBufferPointer, _ i: Int, _ v: UInt32) {
        p[i] = UInt8(truncatingIfNeeded: v >> 24)
        p[i + 1] = UInt8(truncatingIfNeeded: v >> 16)
        p[i + 2] = UInt8(truncatingIfNeeded: v >> 8)
        p[i + 3] = UInt8(truncatingIfNeeded: v)
    }

    static func writeHeader(_ p: UnsafeMutableRawBufferPointer, _ i: Int, count: Int, type: UInt8, length: Int) {
        p[i] = 0x80 | UInt8(truncatingIfNeeded: count & 0x1F)
        p[i + 1] = type
        let words = length / 4 - 1
        p[i + 2] = UInt8(truncatingIfNeeded: words >> 8)
        p[i + 3] = UInt8(truncatingIfNeeded: words)
    }
}

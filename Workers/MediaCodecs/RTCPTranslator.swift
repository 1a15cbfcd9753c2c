/// How RTCP from one peer is rewritten for the peer on the other leg when
/// the worker relays between them as an RTP translator (RFC 3550 section
/// 7.2): the worker sends each peer media under an SSRC of its own and with
/// its own sequence and timestamp bases, so RTCP must be told the same story.
///
/// Reporter X sends RTP as `senderIn` and receives the worker's media as
/// `reportedIn`; peer Y receives X's media as `senderOut` and sends its own
/// as `reportedOut`.
public struct RTCPTranslation: Sendable, Hashable {
    /// The SSRC X sends RTP with, if any was seen. It, and the SSRC of the
    /// compound's first packet (X's own, even if X sends no RTP), become ``senderOut``.
    public var senderIn: UInt32?
    /// The SSRC Y receives X's media under.
    public var senderOut: UInt32
    /// The SSRC X receives the worker's media under.
    public var reportedIn: UInt32
    /// The SSRC of Y's own media, which is what X receives as ``reportedIn``;
    /// `nil` (not relayed yet) drops X's report blocks about ``reportedIn``.
    public var reportedOut: UInt32?
    /// What the worker adds to Y's sequence numbers when it sends Y's media to
    /// X: subtracted from the extended highest sequence number of report blocks.
    public var sequenceOffset: UInt16
    /// The extended highest sequence number the worker received from Y: the
    /// wrap count of a mapped report block is the one that puts it nearest
    /// (`nil`: the reporter's wrap count is kept).
    public var sequenceReference: UInt32?
    /// Added (wrapping) to an SR's RTP timestamp to put it on the timeline Y
    /// sees; `nil` (no media relayed yet) turns the SR into an RR.
    public var timestampDelta: UInt32?

    public init(senderIn: UInt32?, senderOut: UInt32, reportedIn: UInt32, reportedOut: UInt32?, sequenceOffset: UInt16,
                sequenceReference: UInt32?, timestampDelta: UInt32?) {
        self.senderIn = senderIn
        self.senderOut = senderOut
        self.reportedIn = reportedIn
        self.reportedOut = reportedOut
        self.sequenceOffset = sequenceOffset
        self.sequenceReference = sequenceReference
        self.timestampDelta = timestampDelta
    }

    /// The extended highest sequence number `reported` (the worker's numbering
    /// towards X) in Y's numbering.
    public func mapSequence(_ reported: UInt32) -> UInt32 {
        let low = UInt32(UInt16(truncatingIfNeeded: reported) &- sequenceOffset)
        guard let reference = sequenceReference else { return reported & 0xFFFF_0000 | low }
        let candidate = reference & 0xFFFF_0000 | low
        let step = Int32(bitPattern: candidate &- reference)
        if step > 0x8000 && candidate >= 0x1_0000 { return candidate &- 0x1_0000 }
        if step < -0x8000 && candidate < 0xFFFF_0000 { return candidate &+ 0x1_0000 }
        return candidate
    }
}

/// Rewrites a compound RTCP packet under an ``RTCPTranslation``, so that the
/// peer receiving it never sees an SSRC it does not know:
///
/// - SR and RR: the sender SSRC is mapped (or the packet dropped); report
///   blocks about ``RTCPTranslation/reportedIn`` are mapped, with the
///   extended highest sequence number shifted; other blocks and
///   profile-specific extensions are dropped (the extended highest sequence
///   number is mapped with ``RTCPTranslation/mapSequence(_:)``); fraction lost, cumulative
///   lost, jitter, LSR and DLSR pass unchanged (a relay keeps losses, clock
///   and the NTP timestamps of relayed SRs). An SR's RTP timestamp is shifted.
/// - SDES chunks and BYE SSRCs of the sender are mapped, others dropped
///   (a BYE keeps its reason).
/// - APP, RTPFB, PSFB, XR and unknown types are dropped: they carry SSRCs
///   and sequence numbers in type-specific places the worker does not map.
public enum RTCPTranslator {
    /// Writes the rewritten compound of `input` into `output`, which must be at
    /// least as long as `input`. Returns its length: 0 when nothing is left to
    /// send, or when `input` is not a valid compound (``RTCP/isValidCompound(_:)``).
    public static func translate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                                 _ t: RTCPTranslation) -> Int {
        guard input.count >= 8, output.count >= input.count, RTCP.isValidCompound(input) else { return 0 }
        let reporter = RTCP.read32(input, 4)
        func sender(_ ssrc: UInt32) -> Bool { ssrc == reporter || ssrc == t.senderIn }
        var r = 0, w = 0
        while r + 4 <= input.count {
            let length = min(RTCP.packetLength(input, r), input.count - r)
            let packet = UnsafeRawBufferPointer(rebasing: input[r..<(r + length)])
            let count = Int(packet[0] & 0x1F)
            let out = UnsafeMutableRawBufferPointer(rebasing: output[w...])
            switch packet[1] {
            case RTCP.senderReport, RTCP.receiverReport:
                if length >= 8, sender(RTCP.read32(packet, 4)) { w += report(packet, count: count, into: out, t) }
            case RTCP.sourceDescription:
                w += sourceDescription(packet, count: count, into: out, sender: sender, t)
            case RTCP.goodbye:
                w += goodbye(packet, count: count, into: out, sender: sender, t)
            default:
                break
            }
            r += length
        }
        return w
    }

    private static func report(_ p: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutableRawBufferPointer,
                               _ t: RTCPTranslation) -> Int {
        let isSR = p[1] == RTCP.senderReport && t.timestampDelta != nil
        guard p[1] != RTCP.senderReport || p.count >= 8 + RTCP.senderInfoLength else { return 0 }
        var w = 8
        RTCP.write32(out, 4, t.senderOut)
        var r = 8
        if p[1] == RTCP.senderReport {
            if let delta = t.timestampDelta {
                copy(p, r, out, w, RTCP.senderInfoLength)
                RTCP.write32(out, w + 8, RTCP.read32(p, r + 8) &+ delta)
                w += RTCP.senderInfoLength
            }
            r += RTCP.senderInfoLength
        }
        var blocks = 0
        for _ in 0..<count where r + RTCP.reportBlockLength <= p.count {
            if RTCP.read32(p, r) == t.reportedIn, let reported = t.reportedOut {
                copy(p, r, out, w, RTCP.reportBlockLength)
                RTCP.write32(out, w, reported)
                RTCP.write32(out, w + 8, t.mapSequence(RTCP.read32(p, r + 8)))
                w += RTCP.reportBlockLength
                blocks += 1
            }
            r += RTCP.reportBlockLength
        }
        RTCP.writeHeader(out, 0, count: blocks, type: isSR ? RTCP.senderReport : RTCP.receiverReport, length: w)
        return w
    }

    private static func sourceDescription(_ p: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutableRawBufferPointer,
                                          sender: (UInt32) -> Bool, _ t: RTCPTranslation) -> Int {
        var r = 4, w = 4, chunks = 0
        for _ in 0..<count {
            guard r + 4 <= p.count else { return 0 }
            let start = r
            var i = r + 4
            // Items until the null item, then padding to the next 32-bit boundary.
            while i < p.count && p[i] != 0 {
                guard i + 2 <= p.count else { return 0 }
                i += 2 + Int(p[i + 1])
            }
            guard i < p.count else { return 0 }
            let end = min((i + 4) & ~3, p.count)
            if sender(RTCP.read32(p, start)) {
                copy(p, start, out, w, end - start)
                RTCP.write32(out, w, t.senderOut)
                w += end - start
                chunks += 1
            }
            r = end
        }
        guard chunks > 0 else { return 0 }
        RTCP.writeHeader(out, 0, count: chunks, type: RTCP.sourceDescription, length: w)
        return w
    }

    private static func goodbye(_ p: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutableRawBufferPointer,
                                sender: (UInt32) -> Bool, _ t: RTCPTranslation) -> Int {
        var w = 4, kept = 0
        for k in 0..<count where 4 + 4 * k + 4 <= p.count {
            if sender(RTCP.read32(p, 4 + 4 * k)) && kept == 0 {
                RTCP.write32(out, w, t.senderOut)
                w += 4
                kept += 1
            }
        }
        guard kept > 0 else { return 0 }
        // The reason (length byte + text), padded to 32 bits, follows the SSRCs.
        let reason = 4 + 4 * count
        if reason < p.count {
            let n = min(1 + Int(p[reason]), p.count - reason)
            copy(p, reason, out, w, n)
            w += n
            while w % 4 != 0 {
                out[w] = 0
                w += 1
            }
        }
        RTCP.writeHeader(out, 0, count: kept, type: RTCP.goodbye, length: w)
        return w
    }

    private static func copy(_ p: UnsafeRawBufferPointer, _ from: Int, _ out: UnsafeMutableRawBufferPointer, _ to: Int, _ n: Int) {
        guard n > 0 else { return }
        UnsafeMutableRawBufferPointer(rebasing: out[to..<(to + n)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: p[from..<(from + n)]))
    }
}

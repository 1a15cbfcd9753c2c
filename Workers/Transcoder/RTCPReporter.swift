import MediaCodecs

/// The state behind the RTCP reports the worker writes itself to one leg's
/// peer on a transcoding stream, where the peers' own reports describe
/// packets the other peer never sees (see `MediaStream+RTCP.swift`): what
/// was sent (for an SR's sender info) and the peer's last SR (for LSR/DLSR).
///
/// Made only for the legs of transcoding streams: a relayed stream pays 8
/// bytes per leg for the reference.
final class RTCPReporter {
    /// RTP payload octets sent to the peer (wrapping, as in an SR).
    private var octetsOut: UInt32 = 0
    /// Timestamp of the last media packet sent, and when (monotonic nanoseconds).
    private var lastTimestamp: UInt32 = 0
    private var lastSentAt: UInt64 = 0
    private var hasSentMedia = false
    /// Middle 32 bits of the NTP timestamp of the peer's last SR, and when it arrived.
    private var lastSR: UInt32 = 0
    private var lastSRAt: UInt64 = 0
    /// Source, packets expected and received at the previous report (for the fraction lost).
    private var priorSSRC: UInt32?
    private var priorExpected: Int64 = 0
    private var priorReceived: Int64 = 0

    /// An RTP packet with `octets` of payload went to the peer.
    func sent(octets: Int) { octetsOut &+= UInt32(truncatingIfNeeded: octets) }

    /// A media packet with `timestamp` went to the peer at `now`.
    func sentMedia(timestamp: UInt32, at now: UInt64) {
        lastTimestamp = timestamp
        lastSentAt = now
        hasSentMedia = true
    }

    /// A valid compound RTCP packet arrived from the peer at `now`: notes its SR, if any.
    func received(_ compound: UnsafeRawBufferPointer, at now: UInt64) {
        guard let sr = RTCP.senderReportTime(compound) else { return }
        lastSR = sr.ntpMiddle
        lastSRAt = now
    }

    /// Writes the leg's report into `out`: an SR once media was sent (else an
    /// RR), a report block about the peer's source once one was received,
    /// and the SDES CNAME. Returns its length (0: no room).
    func report(_ leg: MediaLeg, now: UInt64, wallclock: UInt64, into out: UnsafeMutableRawBufferPointer) -> Int {
        var sender: RTCPSenderInfo?
        if hasSentMedia {
            let elapsed = (now &- lastSentAt) / 1000 &* UInt64(leg.clockRate) / 1_000_000
            sender = RTCPSenderInfo(ntp: RTCPReport.ntp(unixNanoseconds: wallclock),
                                    rtpTimestamp: lastTimestamp &+ UInt32(truncatingIfNeeded: elapsed),
                                    packetCount: UInt32(truncatingIfNeeded: leg.stats.packetsOut), octetCount: octetsOut)
        }
        var block: RTCPReportBlock?
        if let ssrc = leg.sourceSSRC {
            if priorSSRC != ssrc {
                priorSSRC = ssrc
                priorExpected = 0
                priorReceived = 0
            }
            let reception = leg.reception
            let expected = reception.expected, received = Int64(truncatingIfNeeded: reception.received)
            let fraction = RTCPReport.fractionLost(expected: expected - priorExpected, received: received - priorReceived)
            priorExpected = expected
            priorReceived = received
            let delay = lastSRAt == 0 ? 0 : (now &- lastSRAt) / 1000 &* 65536 / 1_000_000
            block = RTCPReportBlock(ssrc: ssrc, fractionLost: fraction, cumulativeLost: reception.lost,
                                    extendedHighestSequence: reception.extendedHighestSequence,
                                    jitter: reception.jitter.isFinite ? UInt32(max(0, min(reception.jitter, 4e9))) : 0, lastSR: lastSR,
                                    delaySinceLastSR: UInt32(clamping: delay))
        }
        return RTCPReport.write(into: out, ssrc: leg.ssrcOut, sender: sender, block: block)
    }
}

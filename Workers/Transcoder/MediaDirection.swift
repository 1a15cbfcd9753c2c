import MediaCodecs

/// One direction of a stream, from leg X's peer to leg Y's peer: relays the
/// payload when both legs speak the same codec, transcodes it otherwise, and
/// rewrites the RTP header with Y's SSRC, sequence and timestamp.
///
/// Sequence numbers out: relayed packets keep the input's gaps (an offset
/// maps input to output sequence numbers, so Y's receiver still sees losses
/// and can conceal them itself); transcoded packets are contiguous, because
/// the worker fills each gap itself (Opus FEC for one lost packet, PLC for
/// more, up to ``maximumConcealedFrames``).
///
/// Timestamps out keep their relation to the input: the first packet sent
/// carries Y's `timestamp_out`, later ones advance by the input's timestamp
/// difference scaled to Y's clock, so a gap in the input is a gap in the
/// output. A new input SSRC (or the first packet) re-bases both maps on Y's
/// next sequence number and timestamp, so the output stays continuous.
///
/// Packet durations: a relay forwards packets as they come, whatever Y's
/// ptime (as rtpengine does unless asked to repacketize). Transcoded audio
/// leaves in packets of Y's ptime (see `MediaDirection+Transcode.swift`).
final class MediaDirection {
    /// Gaps longer than this many frames are not concealed: the timestamp jumps instead.
    static let maximumConcealedFrames = 5

    let from: MediaLeg
    let to: MediaLeg
    /// Whether the legs' codecs differ (payloads are transcoded).
    let transcodes: Bool
    /// Codec state and repacketizing queue, made on the first media packet to
    /// transcode (never for a relay, which stays this small object).
    var transcoding: TranscodingState?
    private var started = false
    private var inputSSRC: UInt32 = 0
    /// The timestamp map: input `anchorIn` is output `anchorOut`.
    var anchorIn: UInt32 = 0
    var anchorOut: UInt32 = 0
    /// Relay: output sequence = input sequence + offset.
    private var sequenceOffset: UInt16 = 0

    init(from: MediaLeg, to: MediaLeg) {
        self.from = from
        self.to = to
        transcodes = from.format != to.format
    }

    /// Whether payloads are relayed unchanged.
    var isRelay: Bool { !transcodes }

    /// Once media flowed: the input SSRC, and what a relay adds to its sequence
    /// numbers and timestamps (for translating RTCP; `nil` before any packet).
    var relayMap: (ssrc: UInt32, sequenceOffset: UInt16, timestampOffset: UInt32)? {
        started ? (inputSSRC, sequenceOffset, anchorOut &- anchorIn) : nil
    }

    /// Input timestamp `t` in Y's clock.
    func mapTimestamp(_ t: UInt32) -> UInt32 {
        let delta = Int64(Int32(bitPattern: t &- anchorIn))
        let scaled = delta * Int64(to.clockRate) / Int64(from.clockRate)
        return anchorOut &+ UInt32(truncatingIfNeeded: scaled)
    }

    /// A new input source (or the first packet): what was queued for the old
    /// one goes out first, then both maps re-base on Y's next values.
    private func rebase(_ header: RTPHeader, buffers: PacketBuffers) {
        if transcodes { flush(buffers: buffers) }
        started = true
        inputSSRC = header.ssrc
        anchorIn = header.timestamp
        anchorOut = to.nextTimestamp
        sequenceOffset = to.nextSequence &- header.sequenceNumber
    }

    /// Forwards one media packet, whose payload is `input[header.payloadOffset...]`.
    func forwardMedia(_ header: RTPHeader, arrival: RTPReceptionStatistics.Arrival, buffers: PacketBuffers) {
        guard to.remote != nil else {
            to.stats.unsent &+= 1
            return
        }
        var missing = 0
        if !started || header.ssrc != inputSSRC {
            rebase(header, buffers: buffers)
        } else {
            switch arrival {
            case .first: rebase(header, buffers: buffers)
            case .suspicious: return
            case .late: if !isRelay { return }  // already concealed
            case let .inOrder(n): missing = n
            }
        }
        let payload = UnsafeRawBufferPointer(rebasing: buffers.input[header.payloadOffset..<(header.payloadOffset + header.payloadLength)])
        guard transcodes else {
            let inOrder = arrival != .late
            let timestamp = mapTimestamp(header.timestamp)
            let sequence = header.sequenceNumber &+ sequenceOffset
            buffers.placePayload(payload)
            send(header.marker, to.payloadType, sequence, timestamp, payloadLength: payload.count, buffers: buffers)
            if inOrder {
                to.advanceSequence(past: sequence)
                to.nextTimestamp = timestamp &+ UInt32(truncatingIfNeeded: to.duration(of: payload))
                anchorIn = header.timestamp
                anchorOut = timestamp
            }
            return
        }
        transcode(header, missing: missing, payload: payload, buffers: buffers)
    }

    /// Forwards a telephone-event (RFC 4733) packet: payload type remapped to
    /// Y's, timestamp mapped like media, each event's duration scaled to Y's
    /// clock. Events are never repacketized; when transcoding, a new event
    /// first sends the audio queued before it (see ``flush(buffers:)``).
    func forwardEvent(_ header: RTPHeader, arrival: RTPReceptionStatistics.Arrival, buffers: PacketBuffers) {
        guard let pt = to.telephoneEventPT, to.remote != nil else {
            to.stats.unsent &+= 1
            return
        }
        if !started || header.ssrc != inputSSRC || arrival == .first {
            rebase(header, buffers: buffers)
        } else if arrival == .suspicious || (arrival == .late && !isRelay) {
            return
        }
        if let state = transcoding, state.eventTimestamp != header.timestamp {
            flush(buffers: buffers)
            state.eventTimestamp = header.timestamp
        }
        let n = header.payloadLength
        let payload = UnsafeRawBufferPointer(rebasing: buffers.input[header.payloadOffset..<(header.payloadOffset + n)])
        buffers.placePayload(payload)
        var i = RTPHeader.fixedLength
        while i + 4 <= RTPHeader.fixedLength + n {
            let duration = Int64(buffers.output[i + 2]) << 8 | Int64(buffers.output[i + 3])
            let scaled = UInt16(clamping: duration * Int64(to.clockRate) / Int64(from.clockRate))
            buffers.output[i + 2] = UInt8(truncatingIfNeeded: scaled >> 8)
            buffers.output[i + 3] = UInt8(truncatingIfNeeded: scaled)
            i += 4
        }
        let sequence = isRelay ? header.sequenceNumber &+ sequenceOffset : to.nextSequence
        send(header.marker, pt, sequence, mapTimestamp(header.timestamp), payloadLength: n, buffers: buffers)
        if arrival != .late { to.advanceSequence(past: sequence) }
    }

    /// Writes the header before the payload already in `buffers.output`, protects and sends it to Y's peer.
    func send(_ marker: Bool, _ pt: UInt8, _ sequence: UInt16, _ timestamp: UInt32, payloadLength: Int,
              buffers: PacketBuffers) {
        guard let remote = to.remote else { return }
        RTPHeader(marker: marker, payloadType: pt, sequenceNumber: sequence, timestamp: timestamp, ssrc: to.ssrcOut)
            .write(into: buffers.output)
        var length = RTPHeader.fixedLength + payloadLength
        if let srtp = to.srtpOut {
            do {
                length = try srtp.protect(buffers.output, length: length)
            } catch {
                to.stats.srtpFailures &+= 1
                return
            }
        }
        if to.rtp.send(UnsafeRawBufferPointer(rebasing: buffers.output[0..<length]), to: remote) {
            to.stats.packetsOut &+= 1
            to.stats.bytesOut &+= UInt64(length)
            to.reporter?.sent(octets: payloadLength)
        }
    }
}

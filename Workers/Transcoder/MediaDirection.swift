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
final class MediaDirection {
    /// Gaps longer than this many frames are not concealed: the timestamp jumps instead.
    static let maximumConcealedFrames = 5

    let from: MediaLeg
    let to: MediaLeg
    /// Whether the legs' codecs differ (payloads are transcoded).
    private let transcodes: Bool
    private let settings: TranscodingEngine.Settings
    private let scratch: TranscodingScratch
    /// Codec state, made on the first media packet to transcode (never for a relay).
    private var codec: TranscodingEngine?
    private var started = false
    private var inputSSRC: UInt32 = 0
    /// The timestamp map: input `anchorIn` is output `anchorOut`.
    private var anchorIn: UInt32 = 0
    private var anchorOut: UInt32 = 0
    /// Relay: output sequence = input sequence + offset.
    private var sequenceOffset: UInt16 = 0

    /// `scratch` is the worker's PCM/packet scratch, shared by every direction (one thread).
    init(from: MediaLeg, to: MediaLeg, settings: TranscodingEngine.Settings, scratch: TranscodingScratch) {
        self.from = from
        self.to = to
        self.settings = settings
        self.scratch = scratch
        transcodes = from.format != to.format
    }

    /// Whether payloads are relayed unchanged.
    var isRelay: Bool { !transcodes }

    /// The codec engine of a transcoding direction, made on first use (its
    /// context, with the Opus decoder or encoder, is made by its first frame).
    private func engine() -> TranscodingEngine {
        if let codec { return codec }
        let made = TranscodingEngine(settings: settings, scratch: scratch)
        codec = made
        return made
    }

    /// Input timestamp `t` in Y's clock.
    private func mapTimestamp(_ t: UInt32) -> UInt32 {
        let delta = Int64(Int32(bitPattern: t &- anchorIn))
        let scaled = delta * Int64(to.clockRate) / Int64(from.clockRate)
        return anchorOut &+ UInt32(truncatingIfNeeded: scaled)
    }

    private func rebase(_ header: RTPHeader) {
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
            rebase(header)
        } else {
            switch arrival {
            case .first: rebase(header)
            case .suspicious: return
            case .late: if !isRelay { return }  // already concealed
            case let .inOrder(n): missing = n
            }
        }
        let payload = UnsafeRawBufferPointer(rebasing: buffers.input[header.payloadOffset..<(header.payloadOffset + header.payloadLength)])
        let inOrder = arrival != .late
        let timestamp = mapTimestamp(header.timestamp)
        guard transcodes else {
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
        let engine = engine()
        let inDuration = from.duration(of: payload)
        if missing > 0 && from.format.isOpus && missing <= Self.maximumConcealedFrames && !payload.isEmpty {
            conceal(missing, before: header.timestamp, frame: inDuration, next: payload, engine: engine, buffers: buffers)
        }
        buffers.media.removeAll(keepingCapacity: true)
        do {
            try engine.transcode(context: 0, from: from.format, to: to.format, media: payload, appendingTo: &buffers.media)
        } catch {
            to.stats.transcodeErrors &+= 1
            return
        }
        sendMedia(header.marker, timestamp, buffers: buffers)
        anchorIn = header.timestamp
        anchorOut = timestamp
    }

    /// Rebuilds `missing` lost frames before the packet `next`: PLC for all
    /// but the last, Opus in-band FEC (from `next`) for the last.
    private func conceal(_ missing: Int, before timestamp: UInt32, frame: Int, next: UnsafeRawBufferPointer,
                         engine: TranscodingEngine, buffers: PacketBuffers) {
        for k in stride(from: missing, through: 1, by: -1) {
            buffers.media.removeAll(keepingCapacity: true)
            do {
                if k == 1 {
                    try engine.recoverLost(context: 0, from: from.format, to: to.format, next: next, appendingTo: &buffers.media)
                } else {
                    try engine.transcode(context: 0, from: from.format, to: to.format, media: UnsafeRawBufferPointer(start: nil, count: 0),
                                         appendingTo: &buffers.media)
                }
            } catch {
                to.stats.transcodeErrors &+= 1
                continue
            }
            to.stats.concealed &+= 1
            sendMedia(false, mapTimestamp(timestamp &- UInt32(truncatingIfNeeded: k * frame)), buffers: buffers)
        }
    }

    /// Sends the transcoded frame in `buffers.media` with the next sequence number.
    private func sendMedia(_ marker: Bool, _ timestamp: UInt32, buffers: PacketBuffers) {
        let n = min(buffers.media.count, PacketBuffers.capacity - RTPHeader.fixedLength - SRTPSession.maximumTrailerLength)
        buffers.media.withUnsafeBytes { buffers.placePayload(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        let sequence = to.nextSequence
        send(marker, to.payloadType, sequence, timestamp, payloadLength: n, buffers: buffers)
        to.advanceSequence(past: sequence)
        let duration = to.format.isOpus ? to.duration(of: UnsafeRawBufferPointer(rebasing: buffers.output[RTPHeader.fixedLength..<(RTPHeader.fixedLength + n)]))
                                        : n
        to.nextTimestamp = timestamp &+ UInt32(truncatingIfNeeded: duration)
    }

    /// Forwards a telephone-event (RFC 4733) packet: payload type remapped to
    /// Y's, timestamp mapped like media, each event's duration scaled to Y's clock.
    func forwardEvent(_ header: RTPHeader, arrival: RTPReceptionStatistics.Arrival, buffers: PacketBuffers) {
        guard let pt = to.telephoneEventPT, to.remote != nil else {
            to.stats.unsent &+= 1
            return
        }
        if !started || header.ssrc != inputSSRC || arrival == .first {
            rebase(header)
        } else if arrival == .suspicious || (arrival == .late && !isRelay) {
            return
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
    private func send(_ marker: Bool, _ pt: UInt8, _ sequence: UInt16, _ timestamp: UInt32, payloadLength: Int,
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
        }
    }
}

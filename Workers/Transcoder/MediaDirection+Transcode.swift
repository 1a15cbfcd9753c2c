import MediaCodecs

/// The state of a transcoding direction (see the extension below).
final class TranscodingState {
    /// Codec state: Opus decoder or encoder, resampler history.
    let codec: TranscodingContext
    /// Decoded audio waiting to fill a packet of Y's ptime, made when a frame
    /// in does not last exactly Y's ptime (so never when the ptimes match).
    var queue: PCMQueue?
    /// Output timestamp (Y's clock) of the first frame in ``queue``.
    var queueTimestamp: UInt32 = 0
    /// Whether the next packet made from ``queue`` starts a talkspurt.
    var queueMarker = false
    /// Input timestamp of the telephone-event last forwarded (a new one flushes ``queue``).
    var eventTimestamp: UInt32?

    init(codec: TranscodingContext) { self.codec = codec }
}

/// The transcoding half of a direction: decode each packet to PCM (with
/// Opus FEC/PLC for lost packets), then encode packets of Y's ptime.
///
/// Repacketization: when a decoded frame lasts exactly Y's ptime and
/// nothing is queued, it is encoded at once (the usual case, no copy).
/// Otherwise the PCM goes to the direction's ``PCMQueue`` and leaves in
/// frames of Y's ptime, each timestamped ptime x clock after the previous
/// one, with the next sequence number; a remainder waits for the next
/// packet. Around discontinuities:
///
/// - A gap in the input timestamps (loss not concealed, silence
///   suppression, DTX) fills the pending frame with silence up to the gap,
///   at most to complete it; the next frame starts at the new timestamp.
/// - A new input SSRC and the start of a telephone-event send the pending
///   frame padded with silence, so the audio before them goes out before
///   them; the audio after starts a new frame at its own timestamp. Events
///   themselves are relayed as they come, never repacketized.
extension MediaDirection {
    /// The transcoding state, made on first use; `nil` (counted) if the codec cannot be made.
    private func state(_ buffers: PacketBuffers) -> TranscodingState? {
        if let transcoding { return transcoding }
        do {
            let codec = try TranscodingContext(from: from.format, to: to.format, settings: buffers.settings, scratch: buffers.scratch)
            let made = TranscodingState(codec: codec)
            transcoding = made
            return made
        } catch {
            to.stats.transcodeErrors &+= 1
            return nil
        }
    }

    /// PCM frames (per channel, at the codec's PCM rate) in one packet of Y's ptime.
    private func packetFrames(_ codec: TranscodingContext) -> Int { codec.pcmRate * to.ptime / 1000 }

    /// `frames` of PCM in Y's RTP clock.
    private func clockUnits(_ frames: Int, _ codec: TranscodingContext) -> UInt32 {
        UInt32(truncatingIfNeeded: frames * to.clockRate / codec.pcmRate)
    }

    /// Transcodes one media packet, first rebuilding up to ``maximumConcealedFrames``
    /// lost Opus frames before it: PLC for all but the last, FEC (from this packet) for the last.
    func transcode(_ header: RTPHeader, missing: Int, payload: UnsafeRawBufferPointer, buffers: PacketBuffers) {
        guard let state = state(buffers) else { return }
        let codec = state.codec
        let timestamp = mapTimestamp(header.timestamp)
        if missing > 0 && from.format.isOpus && missing <= Self.maximumConcealedFrames && !payload.isEmpty {
            let frame = from.duration(of: payload)
            for k in stride(from: missing, through: 1, by: -1) {
                let lostAt = mapTimestamp(header.timestamp &- UInt32(truncatingIfNeeded: k * frame))
                do {
                    let pcm = try codec.decode(k == 1 ? payload : UnsafeRawBufferPointer(start: nil, count: 0), fec: k == 1)
                    to.stats.concealed &+= 1
                    feed(pcm, at: lostAt, marker: false, state, buffers: buffers)
                } catch {
                    to.stats.transcodeErrors &+= 1
                }
            }
        }
        do {
            let pcm = try codec.decode(payload)
            feed(pcm, at: timestamp, marker: header.marker, state, buffers: buffers)
        } catch {
            to.stats.transcodeErrors &+= 1
            return
        }
        anchorIn = header.timestamp
        anchorOut = timestamp
    }

    /// Takes decoded PCM whose first frame has output timestamp `timestamp`,
    /// and sends every packet of Y's ptime it completes.
    private func feed(_ pcm: UnsafeBufferPointer<Int16>, at timestamp: UInt32, marker: Bool, _ state: TranscodingState,
                      buffers: PacketBuffers) {
        let codec = state.codec
        let frames = pcm.count / codec.pcmChannels
        let size = packetFrames(codec)
        let pending = state.queue?.frames ?? 0
        if pending == 0 {
            if frames == size {
                encodeAndSend(pcm, at: timestamp, marker: marker, codec, buffers: buffers)
                return
            }
            if state.queue == nil { state.queue = PCMQueue(channels: codec.pcmChannels) }
            state.queueTimestamp = timestamp
            state.queueMarker = marker
        } else {
            let end = state.queueTimestamp &+ clockUnits(pending, codec)
            let gap = Int(Int32(bitPattern: timestamp &- end))
            if gap > 0 {
                let silence = gap * codec.pcmRate / to.clockRate
                let needed = size - pending
                if silence >= needed {
                    state.queue?.appendSilence(frames: needed)
                    drain(state, buffers: buffers)
                    state.queueTimestamp = timestamp
                    state.queueMarker = marker
                } else {
                    state.queue?.appendSilence(frames: silence)
                }
            }
            // gap <= 0: contiguous (or overlapping: the queue's timeline wins).
        }
        state.queue?.append(pcm)
        drain(state, buffers: buffers)
    }

    /// Sends a packet for every whole ptime in the queue.
    private func drain(_ state: TranscodingState, buffers: PacketBuffers) {
        let codec = state.codec
        let size = packetFrames(codec)
        while let pending = state.queue?.frames, pending >= size {
            let timestamp = state.queueTimestamp
            let marker = state.queueMarker
            state.queue?.popFront(size) { encodeAndSend($0, at: timestamp, marker: marker, codec, buffers: buffers) }
            state.queueTimestamp = timestamp &+ clockUnits(size, codec)
            state.queueMarker = false
        }
    }

    /// Sends what is queued, padded with silence to a whole packet (before a new
    /// input source or a telephone-event); the next audio starts a packet of its own.
    func flush(buffers: PacketBuffers) {
        guard let state = transcoding, let pending = state.queue?.frames, pending > 0 else { return }
        state.queue?.appendSilence(frames: packetFrames(state.codec) - pending)
        drain(state, buffers: buffers)
        state.queue?.removeAll()
    }

    /// Encodes one packet of PCM and sends it with the next sequence number.
    private func encodeAndSend(_ pcm: UnsafeBufferPointer<Int16>, at timestamp: UInt32, marker: Bool, _ codec: TranscodingContext,
                               buffers: PacketBuffers) {
        buffers.media.removeAll(keepingCapacity: true)
        do {
            try codec.encode(pcm, appendingTo: &buffers.media)
        } catch {
            to.stats.transcodeErrors &+= 1
            return
        }
        let n = min(buffers.media.count, PacketBuffers.capacity - RTPHeader.fixedLength - SRTPSession.maximumTrailerLength)
        buffers.media.withUnsafeBytes { buffers.placePayload(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        let sequence = to.nextSequence
        send(marker, to.payloadType, sequence, timestamp, payloadLength: n, buffers: buffers)
        to.advanceSequence(past: sequence)
        // The PCM's duration (the packet may be encrypted by now).
        to.nextTimestamp = timestamp &+ clockUnits(pcm.count / codec.pcmChannels, codec)
        to.reporter?.sentMedia(timestamp: timestamp, at: StandardStreams.monotonicNanoseconds())
    }
}

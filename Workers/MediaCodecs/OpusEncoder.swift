import COpus

/// An Opus encoder for voice (`OPUS_APPLICATION_VOIP`, `OPUS_SIGNAL_VOICE`
/// forced, in-band FEC on), owning its libopus state.
///
/// Input is interleaved signed 16-bit PCM at 8000 or 48000 Hz (libopus
/// resamples internally, so an 8 kHz G.711 leg needs no resampler), 1 or 2
/// channels. A frame must last 2.5, 5, 10, 20, 40, 60, 80, 100 or 120 ms.
/// Not thread-safe: one encoder belongs to one stream.
public final class OpusEncoder {
    /// The largest packet this encoder writes (RFC 6716 allows 1275 bytes per frame).
    public static let maximumPacketLength = 4000
    /// The largest frame RFC 6716 allows, in bytes.
    public static let maximumFrameLength = 1275
    /// Frames ``encodeJoined(_:samplesPerChannel:into:frames:repacketizer:)`` puts in one packet at most.
    public static let maximumFramesJoined = 3

    /// Input sample rate in Hz.
    public let sampleRate: Int
    /// Input channels (1 or 2).
    public let channels: Int
    private let state: OpaquePointer

    /// Creates an encoder.
    /// - Parameters:
    ///   - sampleRate: 8000 or 48000.
    ///   - channels: 1 or 2.
    ///   - bitrate: bits per second, or `nil` for libopus's default for the rate and channels.
    ///   - complexity: 0...10, default 5.
    ///   - expectedPacketLoss: percent the FEC is tuned for (0...100), default 10.
    public init(sampleRate: Int, channels: Int, bitrate: Int? = nil, complexity: Int = 5,
                expectedPacketLoss: Int = 10) throws(MediaCodecError) {
        guard sampleRate == 8000 || sampleRate == 48000 else {
            throw .unsupportedParameter("Opus encoder input rate \(sampleRate) (8000 or 48000)")
        }
        guard channels == 1 || channels == 2 else { throw .unsupportedParameter("Opus encoder channels \(channels) (1 or 2)") }
        guard (0...10).contains(complexity) else { throw .unsupportedParameter("Opus complexity \(complexity) (0...10)") }
        guard (0...100).contains(expectedPacketLoss) else { throw .unsupportedParameter("Opus packet loss \(expectedPacketLoss)%") }
        if let bitrate, !(500...512_000).contains(bitrate) { throw .unsupportedParameter("Opus bitrate \(bitrate) (500...512000)") }
        var status: Int32 = 0
        guard let st = opus_encoder_create(opus_int32(sampleRate), Int32(channels), OPUS_APPLICATION_VOIP, &status),
              status == OPUS_OK else {
            throw .opusFailure(call: "opus_encoder_create", status: status)
        }
        state = st
        self.sampleRate = sampleRate
        self.channels = channels
        try check("OPUS_SET_SIGNAL", sb_opus_encoder_set_signal(st, OPUS_SIGNAL_VOICE))
        try check("OPUS_SET_INBAND_FEC", sb_opus_encoder_set_inband_fec(st, 1))
        try check("OPUS_SET_PACKET_LOSS_PERC", sb_opus_encoder_set_packet_loss_perc(st, opus_int32(expectedPacketLoss)))
        try check("OPUS_SET_COMPLEXITY", sb_opus_encoder_set_complexity(st, opus_int32(complexity)))
        if let bitrate { try check("OPUS_SET_BITRATE", sb_opus_encoder_set_bitrate(st, opus_int32(bitrate))) }
    }

    deinit { opus_encoder_destroy(state) }

    private func check(_ call: String, _ status: Int32) throws(MediaCodecError) {
        if status != OPUS_OK { throw .opusFailure(call: call, status: status) }
    }

    /// The bitrate in use, in bits per second.
    public var bitrate: Int {
        var value: opus_int32 = 0
        _ = sb_opus_encoder_get_bitrate(state, &value)
        return Int(value)
    }

    /// Samples (per channel, at the input rate) the encoder delays its output by.
    public var lookahead: Int {
        var value: opus_int32 = 0
        _ = sb_opus_encoder_get_lookahead(state, &value)
        return Int(value)
    }

    /// Changes the bitrate (bits per second, 500...512000).
    public func setBitrate(_ bitsPerSecond: Int) throws(MediaCodecError) {
        guard (500...512_000).contains(bitsPerSecond) else { throw .unsupportedParameter("Opus bitrate \(bitsPerSecond)") }
        try check("OPUS_SET_BITRATE", sb_opus_encoder_set_bitrate(state, opus_int32(bitsPerSecond)))
    }

    /// Forgets all history, as at a new stream.
    public func reset() { _ = sb_opus_encoder_reset(state) }

    /// Whether `samplesPerChannel` at this encoder's rate is a legal Opus frame.
    public func isValidFrameSize(_ samplesPerChannel: Int) -> Bool {
        // 2.5 ms multiples that Opus accepts: 1, 2, 4, 8, 16, 24, 32, 40, 48.
        let unit = sampleRate / 400
        guard samplesPerChannel > 0, samplesPerChannel % unit == 0 else { return false }
        return [1, 2, 4, 8, 16, 24, 32, 40, 48].contains(samplesPerChannel / unit)
    }

    /// Encodes one frame of interleaved PCM into `packet`.
    /// - Parameters:
    ///   - pcm: `samplesPerChannel * channels` samples.
    ///   - packet: space for the packet; ``maximumPacketLength`` is always enough.
    /// - Returns: the packet length in bytes (1 or 2 bytes means DTX/silence).
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, samplesPerChannel: Int,
                       into packet: UnsafeMutableRawBufferPointer) throws(MediaCodecError) -> Int {
        guard isValidFrameSize(samplesPerChannel) else {
            throw .badFrameLength(format: "Opus encoder input", bytes: samplesPerChannel * channels * 2,
                                  expected: "2.5/5/10/20/40/60/80/100/120 ms at \(sampleRate) Hz")
        }
        guard pcm.count >= samplesPerChannel * channels, let input = pcm.baseAddress,
              let output = packet.baseAddress, packet.count > 0 else {
            throw .unsupportedParameter("Opus encode buffers too small")
        }
        let n = opus_encode(state, input, Int32(samplesPerChannel),
                            output.assumingMemoryBound(to: UInt8.self), opus_int32(min(packet.count, Int(Int32.max))))
        if n < 0 { throw .opusFailure(call: "opus_encode", status: n) }
        return Int(n)
    }

    /// Encodes a duration that is no legal Opus frame but a multiple of one,
    /// such as 30 ms, as up to ``maximumFramesJoined`` equal frames joined into
    /// one packet by libopus's repacketizer (RFC 6716 section 3.2.5, code 3).
    /// - Parameters:
    ///   - frames: scratch for the frames, ``maximumFramesJoined`` x ``maximumFrameLength`` bytes.
    ///   - repacketizer: a libopus `OpusRepacketizer` to use (its state is reset).
    /// - Returns: the packet length in bytes.
    public func encodeJoined(_ pcm: UnsafeBufferPointer<Int16>, samplesPerChannel: Int, into packet: UnsafeMutableRawBufferPointer,
                             frames: UnsafeMutableRawBufferPointer, repacketizer: OpaquePointer) throws(MediaCodecError) -> Int {
        guard let parts = (2...Self.maximumFramesJoined).first(where: {
            samplesPerChannel % $0 == 0 && isValidFrameSize(samplesPerChannel / $0)
        }) else {
            throw .badFrameLength(format: "Opus encoder input", bytes: samplesPerChannel * channels * 2,
                                  expected: "2.5/5/10/20/30/40/60/80/100/120 ms at \(sampleRate) Hz")
        }
        guard frames.count >= parts * Self.maximumFrameLength, let base = frames.baseAddress,
              let output = packet.baseAddress, pcm.count >= samplesPerChannel * channels else {
            throw .unsupportedParameter("Opus encode buffers too small")
        }
        let each = samplesPerChannel / parts
        opus_repacketizer_init(repacketizer)
        for k in 0..<parts {
            let slot = UnsafeMutableRawBufferPointer(start: base + k * Self.maximumFrameLength, count: Self.maximumFrameLength)
            let n = try encode(UnsafeBufferPointer(rebasing: pcm[(k * each * channels)...]), samplesPerChannel: each, into: slot)
            let status = opus_repacketizer_cat(repacketizer, base.assumingMemoryBound(to: UInt8.self) + k * Self.maximumFrameLength,
                                               opus_int32(n))
            if status != OPUS_OK { throw .opusFailure(call: "opus_repacketizer_cat", status: status) }
        }
        let n = opus_repacketizer_out(repacketizer, output.assumingMemoryBound(to: UInt8.self), opus_int32(min(packet.count, Int(Int32.max))))
        if n < 0 { throw .opusFailure(call: "opus_repacketizer_out", status: n) }
        return Int(n)
    }

    /// Encodes one frame (allocating; for tests and tools).
    public func encode(_ pcm: [Int16]) throws(MediaCodecError) -> [UInt8] {
        var packet = [UInt8](repeating: 0, count: Self.maximumPacketLength)
        let samplesPerChannel = pcm.count / channels
        let n = try pcm.withUnsafeBufferPointer { input in
            packet.withUnsafeMutableBytes { out in
                Result { () throws(MediaCodecError) in try encode(input, samplesPerChannel: samplesPerChannel, into: out) }
            }
        }.get()
        packet.removeSubrange(n...)
        return packet
    }
}

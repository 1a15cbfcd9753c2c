import COpus

/// An Opus decoder owning its libopus state, with packet-loss concealment
/// (PLC) and in-band forward error correction (FEC).
///
/// Output is interleaved signed 16-bit PCM at 8000 or 48000 Hz (libopus
/// decodes straight to 8 kHz for a G.711 leg), 1 or 2 channels: a stereo
/// stream is down-mixed for a mono decoder and a mono stream duplicated for a
/// stereo one. Not thread-safe: one decoder belongs to one stream.
public final class OpusDecoder {
    /// Output sample rate in Hz.
    public let sampleRate: Int
    /// Output channels (1 or 2).
    public let channels: Int
    /// Samples per channel in the longest packet (120 ms).
    public var maximumFrameSize: Int { sampleRate * 120 / 1000 }
    private let state: OpaquePointer

    /// Creates a decoder for output at `sampleRate` (8000 or 48000) with `channels` (1 or 2).
    public init(sampleRate: Int, channels: Int) throws(MediaCodecError) {
        guard sampleRate == 8000 || sampleRate == 48000 else {
            throw .unsupportedParameter("Opus decoder output rate \(sampleRate) (8000 or 48000)")
        }
        guard channels == 1 || channels == 2 else { throw .unsupportedParameter("Opus decoder channels \(channels) (1 or 2)") }
        var status: Int32 = 0
        guard let st = opus_decoder_create(opus_int32(sampleRate), Int32(channels), &status), status == OPUS_OK else {
            throw .opusFailure(call: "opus_decoder_create", status: status)
        }
        state = st
        self.sampleRate = sampleRate
        self.channels = channels
    }

    deinit { opus_decoder_destroy(state) }

    /// Forgets all history, as at a new stream.
    public func reset() { _ = sb_opus_decoder_reset(state) }

    /// Samples per channel (at the output rate) of the last packet decoded or concealed.
    public var lastPacketDuration: Int {
        var value: opus_int32 = 0
        _ = sb_opus_decoder_get_last_packet_duration(state, &value)
        return Int(value)
    }

    /// Samples per channel (at the output rate) that `packet` decodes to.
    public func samplesPerChannel(in packet: UnsafeRawBufferPointer) throws(MediaCodecError) -> Int {
        try OpusPacket.samplesPerChannel(in: packet, sampleRate: sampleRate)
    }

    /// Decodes one packet into `pcm`.
    ///
    /// - An empty `packet` means it was lost: PLC fills `lostSamplesPerChannel`
    ///   samples (a multiple of 2.5 ms; 0 means the last packet's duration).
    /// - `fec: true` decodes the redundancy carried in `packet` for the packet
    ///   *before* it, which was lost; `lostSamplesPerChannel` is then the lost
    ///   packet's duration. Call it again without `fec` for `packet` itself.
    /// - Returns: samples per channel written.
    public func decode(_ packet: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>,
                       fec: Bool = false, lostSamplesPerChannel: Int = 0) throws(MediaCodecError) -> Int {
        guard let output = pcm.baseAddress else { throw .unsupportedParameter("Opus decode buffer empty") }
        let capacity = pcm.count / channels
        if packet.isEmpty || fec {
            var lost = lostSamplesPerChannel > 0 ? lostSamplesPerChannel : lastPacketDuration
            if lost <= 0 { lost = sampleRate / 50 }
            let unit = sampleRate / 400
            guard lost % unit == 0, lost <= min(capacity, maximumFrameSize) else {
                throw .unsupportedParameter("Opus concealment of \(lost) samples (a multiple of 2.5 ms up to 120 ms)")
            }
            let data = fec && !packet.isEmpty ? packet.baseAddress?.assumingMemoryBound(to: UInt8.self) : nil
            let n = opus_decode(state, data, data == nil ? 0 : opus_int32(min(packet.count, Int(Int32.max))),
                                output, Int32(lost), data == nil ? 0 : 1)
            if n < 0 { throw .opusFailure(call: fec ? "opus_decode (FEC)" : "opus_decode (PLC)", status: n) }
            return Int(n)
        }
        guard let data = packet.baseAddress else { throw .undecodableOpus(status: OPUS_INVALID_PACKET, bytes: 0) }
        let n = opus_decode(state, data.assumingMemoryBound(to: UInt8.self), opus_int32(min(packet.count, Int(Int32.max))),
                            output, Int32(min(capacity, maximumFrameSize)), 0)
        if n < 0 {
            if n == OPUS_BUFFER_TOO_SMALL { throw .unsupportedParameter("Opus packet longer than the decode buffer") }
            throw .undecodableOpus(status: n, bytes: packet.count)
        }
        return Int(n)
    }

    /// Decodes one packet, or conceals a lost one when `packet` is empty
    /// (allocating; for tests and tools).
    public func decode(_ packet: [UInt8], fec: Bool = false, lostSamplesPerChannel: Int = 0) throws(MediaCodecError) -> [Int16] {
        var pcm = [Int16](repeating: 0, count: maximumFrameSize * channels)
        let n = try packet.withUnsafeBytes { raw in
            pcm.withUnsafeMutableBufferPointer { out in
                Result { () throws(MediaCodecError) in
                    try decode(raw, into: out, fec: fec, lostSamplesPerChannel: lostSamplesPerChannel)
                }
            }
        }.get()
        pcm.removeSubrange((n * channels)...)
        return pcm
    }
}

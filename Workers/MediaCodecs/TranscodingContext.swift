import COpus

/// Scratch memory for transcoding: two PCM buffers and a packet buffer,
/// reused by every frame of every context that shares it, so the hot path
/// does not allocate. A context uses it only during one `run` (or one
/// `decode` and the `encode` that consumes its PCM), so any number of
/// contexts driven from one thread may share one (a worker keeps one for all
/// its streams: ~50 KB per worker instead of per stream direction).
/// Not thread-safe.
public final class TranscodingScratch {
    /// Samples in each PCM scratch buffer: 120 ms at 48 kHz stereo.
    public static let pcmSamples = 48_000 * 120 / 1000 * 2

    let pcmA: UnsafeMutableBufferPointer<Int16>
    let pcmB: UnsafeMutableBufferPointer<Int16>
    let packet: UnsafeMutableBufferPointer<UInt8>
    /// Opus frames waiting to be joined into one packet, and the libopus
    /// repacketizer that joins them: made on first use (30 ms Opus packets).
    private(set) var frames: UnsafeMutableRawBufferPointer?
    private(set) var repacketizer: OpaquePointer?

    /// Allocates the buffers (2 x 23,040 + 4,000 bytes).
    public init() {
        pcmA = .allocate(capacity: Self.pcmSamples)
        pcmB = .allocate(capacity: Self.pcmSamples)
        packet = .allocate(capacity: OpusEncoder.maximumPacketLength)
    }

    /// The frame buffer and repacketizer, made on first use; `nil` if libopus cannot allocate one.
    func joiner() -> (frames: UnsafeMutableRawBufferPointer, repacketizer: OpaquePointer)? {
        if frames == nil { frames = .allocate(byteCount: OpusEncoder.maximumFramesJoined * OpusEncoder.maximumFrameLength, alignment: 16) }
        if repacketizer == nil { repacketizer = opus_repacketizer_create() }
        guard let frames, let repacketizer else { return nil }
        return (frames, repacketizer)
    }

    deinit {
        pcmA.deallocate()
        pcmB.deallocate()
        packet.deallocate()
        frames?.deallocate()
        if let repacketizer { opus_repacketizer_destroy(repacketizer) }
    }
}

/// The codec state of one transcoding context (one stream direction, one
/// format pair): the Opus decoder/encoder and resampler history. The scratch
/// buffers are borrowed from a ``TranscodingScratch`` shared by the engine
/// (and possibly by other engines on the same thread).
///
/// The pipeline: ``decode(_:fec:)`` decodes the source to PCM, down-mixes if
/// the target is mono, changes the rate if needed and up-mixes if the
/// encoder is stereo, leaving PCM at ``pcmRate`` with ``pcmChannels``;
/// ``encode(_:appendingTo:)`` encodes such PCM. ``run(_:fec:appendingTo:)``
/// does both for one frame; a caller that repacketizes keeps the PCM
/// between the two. Opus is decoded straight to 8 kHz for an 8 kHz target
/// and encoded straight from 8 kHz input, so only L16/48000 <-> 8 kHz needs
/// the ``Resampler``. The Opus encoder has the source's channels when the
/// source is mono (a mono Opus stream is valid as `opus/48000/2`, RFC 7587,
/// and the encoder's state is smaller).
public final class TranscodingContext {
    /// Samples in each PCM scratch buffer: 120 ms at 48 kHz stereo.
    static let scratchSamples = TranscodingScratch.pcmSamples
    /// PCM source frame durations accepted, in milliseconds.
    static let pcmDurations = [10, 20, 30, 40, 60]

    /// The source format.
    public let from: AudioFormat
    /// The target format.
    public let to: AudioFormat
    /// Sample rate of the PCM between ``decode(_:fec:)`` and ``encode(_:appendingTo:)``.
    public let pcmRate: Int
    /// Channels of that PCM (interleaved).
    public let pcmChannels: Int
    private let decoder: OpusDecoder?
    private let encoder: OpusEncoder?
    private var upsampler: Resampler?
    private var downsampler: Resampler?
    private let scratch: TranscodingScratch

    /// Creates the codec state for `from` -> `to` (the formats must differ).
    public init(from: AudioFormat, to: AudioFormat, settings: TranscodingEngine.Settings,
                scratch: TranscodingScratch) throws(MediaCodecError) {
        self.scratch = scratch
        self.from = from
        self.to = to
        if to.isOpus {
            // Feed the encoder at the source's rate (after decoding): 8 kHz needs no resampler.
            let rate = from.isOpus ? 48000 : from.sampleRate
            encoder = try OpusEncoder(sampleRate: rate, channels: min(from.channels, to.channels), bitrate: settings.opusBitrate,
                                      complexity: settings.opusComplexity, expectedPacketLoss: settings.opusExpectedPacketLoss)
        } else {
            encoder = nil
        }
        pcmRate = encoder?.sampleRate ?? to.sampleRate
        pcmChannels = encoder?.channels ?? to.channels
        if from.isOpus {
            // Decode at the target's rate; libopus mixes channels as asked.
            let rate = pcmRate == 8000 ? 8000 : 48000
            decoder = try OpusDecoder(sampleRate: rate, channels: rate == 8000 ? 1 : pcmChannels)
        } else {
            decoder = nil
        }
        let decodedRate = decoder?.sampleRate ?? from.sampleRate
        if decodedRate == 8000 && pcmRate == 48000 { upsampler = Resampler(.upsample8to48) }
        if decodedRate == 48000 && pcmRate == 8000 { downsampler = Resampler(.downsample48to8) }
    }

    /// Converts one frame and appends the result to `output`; on error
    /// `output` is left as it was. With `fec`, `media` is the Opus packet that
    /// *follows* a lost one, and the frame produced is the lost packet's,
    /// rebuilt from the redundancy `media` carries (or concealed if it has none).
    func run(_ media: UnsafeRawBufferPointer, fec: Bool = false, appendingTo output: inout [UInt8]) throws(MediaCodecError) {
        let pcm = try decode(media, fec: fec)
        try encode(pcm, appendingTo: &output)
    }

    /// Decodes one frame to PCM at ``pcmRate`` with ``pcmChannels``, mixed and
    /// resampled for the encoder. Empty `media` from an Opus source is a lost
    /// packet: concealed (PLC) for the last packet's duration. With `fec`, see
    /// ``run(_:fec:appendingTo:)``. A PCM source may last 10, 20, 30, 40 or 60 ms.
    /// - Returns: the PCM, in the shared scratch: valid until the next call on any
    ///   context that shares the scratch.
    public func decode(_ media: UnsafeRawBufferPointer, fec: Bool = false) throws(MediaCodecError) -> UnsafeBufferPointer<Int16> {
        var pcm = scratch.pcmA
        var spare = scratch.pcmB
        var frames: Int         // samples per channel in `pcm`
        var rate: Int
        var channels: Int

        // 1. decode
        if let decoder {
            if fec {
                let lost = try OpusPacket.samplesPerChannel(in: media, sampleRate: decoder.sampleRate)
                frames = try decoder.decode(media, into: pcm, fec: true, lostSamplesPerChannel: lost)
            } else {
                frames = try decoder.decode(media, into: pcm)
            }
            rate = decoder.sampleRate
            channels = decoder.channels
        } else {
            rate = from.sampleRate
            channels = from.channels
            frames = try Self.checkPCMLength(media.count, format: from)
            switch from {
            case .pcmu: G711.ulawDecode(media, into: pcm)
            case .pcma: G711.alawDecode(media, into: pcm)
            default:
                for i in 0..<(frames * channels) {
                    pcm[i] = Int16(bitPattern: UInt16(media[2 * i]) | UInt16(media[2 * i + 1]) << 8)
                }
            }
        }

        // 2. down-mix
        if channels == 2 && pcmChannels == 1 {
            ChannelMixer.downmix(UnsafeBufferPointer(rebasing: pcm[0..<(frames * 2)]), into: spare)
            swap(&pcm, &spare)
            channels = 1
        }

        // 3. rate (mono here: every 8 kHz format is mono)
        if upsampler != nil, rate == 8000 {
            guard upsampler?.process(UnsafeBufferPointer(rebasing: pcm[0..<frames]), into: spare) != nil else {
                throw .unsupportedParameter("resampling \(frames) samples")
            }
            swap(&pcm, &spare)
            frames *= Resampler.factor
            rate = 48000
        } else if downsampler != nil, rate == 48000 {
            guard downsampler?.process(UnsafeBufferPointer(rebasing: pcm[0..<frames]), into: spare) != nil else {
                throw .badFrameLength(format: from.name, bytes: media.count, expected: "a whole number of 8 kHz samples")
            }
            swap(&pcm, &spare)
            frames /= Resampler.factor
            rate = 8000
        }

        // 4. up-mix
        if channels == 1 && pcmChannels == 2 {
            ChannelMixer.upmix(UnsafeBufferPointer(rebasing: pcm[0..<frames]), into: spare)
            swap(&pcm, &spare)
            channels = 2
        }
        return UnsafeBufferPointer(rebasing: pcm[0..<(frames * channels)])
    }

    /// Encodes PCM at ``pcmRate`` with ``pcmChannels`` (interleaved) as one
    /// frame of the target format, appended to `output` (left as it was on
    /// error). An Opus target takes 10, 20, 40 or 60 ms (any legal Opus frame),
    /// and 30 ms as three 10 ms frames in one packet.
    public func encode(_ samples: UnsafeBufferPointer<Int16>, appendingTo output: inout [UInt8]) throws(MediaCodecError) {
        let packet = scratch.packet
        let frames = samples.count / pcmChannels
        switch to {
        case .pcmu, .pcma:
            let bytes = UnsafeMutableBufferPointer(rebasing: packet[0..<min(frames, packet.count)])
            if bytes.count < frames { throw .unsupportedParameter("G.711 frame of \(frames) samples") }
            if to == .pcmu { G711.ulawEncode(samples, into: bytes) } else { G711.alawEncode(samples, into: bytes) }
            output.append(contentsOf: UnsafeBufferPointer(bytes))
        case .opusMono, .opusStereo:
            guard let encoder else { throw .unsupportedConversion(from: from.name, to: to.name, why: "no encoder") }
            let n: Int
            if encoder.isValidFrameSize(frames) {
                n = try encoder.encode(samples, samplesPerChannel: frames, into: UnsafeMutableRawBufferPointer(packet))
            } else {
                guard let joiner = scratch.joiner() else { throw .opusFailure(call: "opus_repacketizer_create", status: OPUS_ALLOC_FAIL) }
                n = try encoder.encodeJoined(samples, samplesPerChannel: frames, into: UnsafeMutableRawBufferPointer(packet),
                                             frames: joiner.frames, repacketizer: joiner.repacketizer)
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: packet[0..<n]))
        case .l16Mono8k, .l16Mono48k, .l16Stereo48k:
            output.reserveCapacity(output.count + samples.count * 2)
            for s in samples {
                let u = UInt16(bitPattern: s)
                output.append(UInt8(truncatingIfNeeded: u))
                output.append(UInt8(truncatingIfNeeded: u >> 8))
            }
        }
    }

    /// Samples per channel in a PCM frame of `bytes`, or an error naming the lengths accepted.
    static func checkPCMLength(_ bytes: Int, format: AudioFormat) throws(MediaCodecError) -> Int {
        let frameBytes = format.bytesPerSample * format.channels
        let durations = pcmDurations
        let perMs = format.sampleRate / 1000 * frameBytes
        if bytes % perMs == 0, durations.contains(bytes / perMs) { return bytes / frameBytes }
        let lengths = durations.map { String($0 * perMs) }
        throw .badFrameLength(format: format.name, bytes: bytes,
                              expected: lengths.joined(separator: ", ") + " (" + durations.map(String.init).joined(separator: "/") + " ms)")
    }
}

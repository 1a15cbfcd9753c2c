/// Scratch memory for transcoding: two PCM buffers and a packet buffer,
/// reused by every frame of every context that shares it, so the hot path
/// does not allocate. A context uses it only during one `run`, so any number
/// of contexts driven from one thread may share one (a worker keeps one for
/// all its streams: ~50 KB per worker instead of per stream direction).
/// Not thread-safe.
public final class TranscodingScratch {
    /// Samples in each PCM scratch buffer: 120 ms at 48 kHz stereo.
    public static let pcmSamples = 48_000 * 120 / 1000 * 2

    let pcmA: UnsafeMutableBufferPointer<Int16>
    let pcmB: UnsafeMutableBufferPointer<Int16>
    let packet: UnsafeMutableBufferPointer<UInt8>

    /// Allocates the buffers (2 x 23,040 + 4,000 bytes).
    public init() {
        pcmA = .allocate(capacity: Self.pcmSamples)
        pcmB = .allocate(capacity: Self.pcmSamples)
        packet = .allocate(capacity: OpusEncoder.maximumPacketLength)
    }

    deinit {
        pcmA.deallocate()
        pcmB.deallocate()
        packet.deallocate()
    }
}

/// The codec state of one transcoding context (one stream direction, one
/// format pair): the Opus decoder/encoder and resampler history. The scratch
/// buffers are borrowed from a ``TranscodingScratch`` shared by the engine
/// (and possibly by other engines on the same thread).
///
/// The pipeline: decode the source to PCM, down-mix if the target is mono,
/// change the rate if needed, up-mix if the target is stereo, encode. Opus
/// is decoded straight to 8 kHz for an 8 kHz target and encoded straight
/// from 8 kHz input, so only L16/48000 <-> 8 kHz needs the ``Resampler``.
final class TranscodingContext {
    /// Samples in each PCM scratch buffer: 120 ms at 48 kHz stereo.
    static let scratchSamples = TranscodingScratch.pcmSamples
    /// PCM source frame durations accepted, in milliseconds.
    static let pcmDurations = [10, 20, 30, 40, 60]

    let from: AudioFormat
    let to: AudioFormat
    private let decoder: OpusDecoder?
    private let encoder: OpusEncoder?
    private var upsampler: Resampler?
    private var downsampler: Resampler?
    private let scratch: TranscodingScratch

    init(from: AudioFormat, to: AudioFormat, settings: TranscodingEngine.Settings,
         scratch: TranscodingScratch) throws(MediaCodecError) {
        self.scratch = scratch
        self.from = from
        self.to = to
        if from.isOpus {
            // Decode at the target's rate; libopus mixes channels as asked.
            let rate = to.sampleRate == 8000 ? 8000 : 48000
            decoder = try OpusDecoder(sampleRate: rate, channels: rate == 8000 ? 1 : to.channels)
        } else {
            decoder = nil
        }
        if to.isOpus {
            // Feed the encoder at the source's rate (after decoding): 8 kHz needs no resampler.
            let rate = from.isOpus ? 48000 : from.sampleRate
            encoder = try OpusEncoder(sampleRate: rate, channels: to.channels, bitrate: settings.opusBitrate,
                                      complexity: settings.opusComplexity, expectedPacketLoss: settings.opusExpectedPacketLoss)
        } else {
            encoder = nil
        }
        let decodedRate = decoder?.sampleRate ?? from.sampleRate
        let encodeRate = encoder?.sampleRate ?? to.sampleRate
        if decodedRate == 8000 && encodeRate == 48000 { upsampler = Resampler(.upsample8to48) }
        if decodedRate == 48000 && encodeRate == 8000 { downsampler = Resampler(.downsample48to8) }
    }

    /// Converts one frame and appends the result to `output`; on error
    /// `output` is left as it was. With `fec`, `media` is the Opus packet that
    /// *follows* a lost one, and the frame produced is the lost packet's,
    /// rebuilt from the redundancy `media` carries (or concealed if it has none).
    func run(_ media: UnsafeRawBufferPointer, fec: Bool = false, appendingTo output: inout [UInt8]) throws(MediaCodecError) {
        var pcm = scratch.pcmA
        var spare = scratch.pcmB
        let packet = scratch.packet
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
            frames = try Self.checkPCMLength(media.count, format: from, toOpus: to.isOpus)
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
        if channels == 2 && to.channels == 1 {
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
        let targetChannels = encoder?.channels ?? to.channels
        if channels == 1 && targetChannels == 2 {
            ChannelMixer.upmix(UnsafeBufferPointer(rebasing: pcm[0..<frames]), into: spare)
            swap(&pcm, &spare)
            channels = 2
        }

        // 5. encode
        let samples = UnsafeBufferPointer(rebasing: pcm[0..<(frames * channels)])
        switch to {
        case .pcmu, .pcma:
            let bytes = UnsafeMutableBufferPointer(rebasing: packet[0..<min(frames, packet.count)])
            if bytes.count < frames { throw .unsupportedParameter("G.711 frame of \(frames) samples") }
            if to == .pcmu { G711.ulawEncode(samples, into: bytes) } else { G711.alawEncode(samples, into: bytes) }
            output.append(contentsOf: UnsafeBufferPointer(bytes))
        case .opusMono, .opusStereo:
            guard let encoder else { throw .unsupportedConversion(from: from.name, to: to.name, why: "no encoder") }
            let n = try encoder.encode(samples, samplesPerChannel: frames, into: UnsafeMutableRawBufferPointer(packet))
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
    static func checkPCMLength(_ bytes: Int, format: AudioFormat, toOpus: Bool) throws(MediaCodecError) -> Int {
        let frameBytes = format.bytesPerSample * format.channels
        let durations = toOpus ? pcmDurations.filter { $0 != 30 } : pcmDurations
        let perMs = format.sampleRate / 1000 * frameBytes
        if bytes % perMs == 0, durations.contains(bytes / perMs) { return bytes / frameBytes }
        let lengths = durations.map { String($0 * perMs) }
        throw .badFrameLength(format: format.name, bytes: bytes,
                              expected: lengths.joined(separator: ", ") + " (" + durations.map(String.init).joined(separator: "/") + " ms)")
    }
}

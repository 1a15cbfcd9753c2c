import Testing
@testable import MediaCodecs

/// Opus round trips of a 1 kHz tone: the frequency stays 1000 Hz and the level stays near the input's.
@Suite struct OpusTests {
    static let frames = 50          // 1 s of 20 ms frames

    /// Encodes and decodes `frames` frames of a 1 kHz tone; returns input and output (interleaved).
    func roundTrip(sampleRate: Int, channels: Int) throws -> (input: [Int16], output: [Int16]) {
        let encoder = try OpusEncoder(sampleRate: sampleRate, channels: channels, bitrate: 32_000 * channels)
        let decoder = try OpusDecoder(sampleRate: sampleRate, channels: channels)
        let frameSize = sampleRate / 50
        var input: [Int16] = [], output: [Int16] = []
        for f in 0..<Self.frames {
            let mono = SignalAnalysis.sine(frequency: 1000, sampleRate: Double(sampleRate), count: frameSize, phase: f * frameSize)
            let frame = channels == 1 ? mono : SignalAnalysis.interleave(mono, mono.map { $0 / 2 })
            input += frame
            let packet = try encoder.encode(frame)
            #expect(packet.count > 2 && packet.count <= OpusEncoder.maximumPacketLength)
            let decoded = try decoder.decode(packet)
            #expect(decoded.count == frame.count)
            output += decoded
        }
        return (input, output)
    }

    func expectTone(_ output: [Int16], reference: [Int16], sampleRate: Int, label: String) {
        // Skip the first 200 ms (codec start-up and look-ahead), analyse 0.5 s.
        let start = sampleRate / 5, window = sampleRate / 2
        let out = output[start..<(start + window)], ref = reference[start..<(start + window)]
        let frequency = SignalAnalysis.dominantFrequency(out, sampleRate: Double(sampleRate))
        #expect(abs(frequency - 1000) <= 20, "\(label): dominant frequency \(frequency) Hz")
        let delta = SignalAnalysis.levelDB(out) - SignalAnalysis.levelDB(ref)
        #expect(abs(delta) <= 3, "\(label): level differs by \(delta) dB")
    }

    @Test func monoAt48kKeepsA1kHzTone() throws {
        let (input, output) = try roundTrip(sampleRate: 48000, channels: 1)
        expectTone(output, reference: input, sampleRate: 48000, label: "mono 48k")
    }

    @Test func stereoAt48kKeepsA1kHzToneInBothChannels() throws {
        let (input, output) = try roundTrip(sampleRate: 48000, channels: 2)
        for c in 0..<2 {
            expectTone(SignalAnalysis.channel(c, of: output), reference: SignalAnalysis.channel(c, of: input),
                       sampleRate: 48000, label: "stereo channel \(c)")
        }
    }

    @Test func monoAt8kKeepsA1kHzTone() throws {
        let (input, output) = try roundTrip(sampleRate: 8000, channels: 1)
        expectTone(output, reference: input, sampleRate: 8000, label: "mono 8k")
    }

    /// PCMU -> Opus -> PCMU through the engine (Opus encoded from and decoded to 8 kHz).
    @Test func pcmuThroughOpusKeepsA1kHzTone() throws {
        let engine = TranscodingEngine()
        var input: [Int16] = [], output: [Int16] = []
        for f in 0..<Self.frames {
            let pcm = SignalAnalysis.sine(frequency: 1000, sampleRate: 8000, count: 160, phase: f * 160)
            let pcmu = G711.ulawEncode(pcm)
            input += G711.ulawDecode(pcmu)
            let opus = try engine.transcode(context: 1, from: .pcmu, to: .opusMono, media: pcmu)
            let back = try engine.transcode(context: 2, from: .opusMono, to: .pcmu, media: opus)
            #expect(back.count == 160)
            output += G711.ulawDecode(back)
        }
        expectTone(output, reference: input, sampleRate: 8000, label: "PCMU-Opus-PCMU")
        #expect(engine.contextCount == 2)
        #expect(engine.framesTranscoded == UInt64(2 * Self.frames))
    }

    @Test func emptyPacketIsConcealedAsAFullFrame() throws {
        let encoder = try OpusEncoder(sampleRate: 48000, channels: 1)
        let decoder = try OpusDecoder(sampleRate: 48000, channels: 1)
        let tone = SignalAnalysis.sine(frequency: 1000, sampleRate: 48000, count: 960)
        _ = try decoder.decode(try encoder.encode(tone))
        let concealed = try decoder.decode([])
        #expect(concealed.count == 960)
        // A 40 ms gap can be asked for explicitly.
        #expect(try decoder.decode([], lostSamplesPerChannel: 1920).count == 1920)
        // A fresh decoder conceals 20 ms by default.
        #expect(try OpusDecoder(sampleRate: 8000, channels: 1).decode([]).count == 160)
    }

    @Test func fecRecoversTheLostFrameFromTheNextPacket() throws {
        let encoder = try OpusEncoder(sampleRate: 48000, channels: 1, bitrate: 24_000, expectedPacketLoss: 20)
        let decoder = try OpusDecoder(sampleRate: 48000, channels: 1)
        var packets: [[UInt8]] = []
        for f in 0..<10 {
            packets.append(try encoder.encode(SignalAnalysis.sine(frequency: 440, sampleRate: 48000, count: 960, phase: f * 960)))
        }
        for p in packets[0..<5] { _ = try decoder.decode(p) }
        // packets[5] lost: recover it from packets[6], then decode packets[6] itself.
        let recovered = try decoder.decode(packets[6], fec: true, lostSamplesPerChannel: 960)
        #expect(recovered.count == 960)
        #expect(try decoder.decode(packets[6]).count == 960)
    }

    @Test func garbageIsAnErrorNotATrap() throws {
        let decoder = try OpusDecoder(sampleRate: 48000, channels: 2)
        // TOC code 3 with a frame count of 0 is invalid.
        #expect(throws: MediaCodecError.self) { try decoder.decode([0x03, 0x00]) }
        #expect(throws: MediaCodecError.self) { try decoder.decode([0xFF, 0xFF, 0xFF]) }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let junk = (0..<Int.random(in: 1...400, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try? decoder.decode(junk)       // either decodes (Opus is robust) or throws
        }
    }

    @Test func badParametersAreRejected() {
        #expect(throws: MediaCodecError.self) { try OpusEncoder(sampleRate: 44100, channels: 1) }
        #expect(throws: MediaCodecError.self) { try OpusEncoder(sampleRate: 48000, channels: 3) }
        #expect(throws: MediaCodecError.self) { try OpusEncoder(sampleRate: 48000, channels: 1, complexity: 11) }
        #expect(throws: MediaCodecError.self) { try OpusDecoder(sampleRate: 16000, channels: 1) }
        #expect(throws: MediaCodecError.self) { try OpusEncoder(sampleRate: 48000, channels: 1).encode([Int16](repeating: 0, count: 1000)) }
    }

    @Test func encoderReportsItsSettings() throws {
        let encoder = try OpusEncoder(sampleRate: 48000, channels: 1, bitrate: 20_000, complexity: 3)
        #expect(encoder.bitrate == 20_000)
        #expect(encoder.lookahead > 0)
        try encoder.setBitrate(40_000)
        #expect(encoder.bitrate == 40_000)
        #expect(CodecLibraries.opusVersion.hasPrefix("libopus"))
    }
}

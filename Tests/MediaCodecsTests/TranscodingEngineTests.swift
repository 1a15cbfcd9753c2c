import Testing
@testable import MediaCodecs

@Suite struct TranscodingEngineTests {
    /// One valid 20 ms frame of `format` carrying a 1 kHz tone.
    static func frame(_ format: AudioFormat, phase: Int = 0) throws -> [UInt8] {
        let mono = SignalAnalysis.sine(frequency: 1000, sampleRate: Double(format.sampleRate), count: format.sampleRate / 50,
                                       phase: phase * format.sampleRate / 50)
        switch format {
        case .pcmu: return G711.ulawEncode(mono)
        case .pcma: return G711.alawEncode(mono)
        case .l16Mono8k, .l16Mono48k: return SignalAnalysis.littleEndianBytes(mono)
        case .l16Stereo48k: return SignalAnalysis.littleEndianBytes(SignalAnalysis.interleave(mono, mono))
        case .opusMono: return try OpusEncoder(sampleRate: 48000, channels: 1).encode(mono)
        case .opusStereo: return try OpusEncoder(sampleRate: 48000, channels: 2).encode(SignalAnalysis.interleave(mono, mono))
        }
    }

    /// Bytes a 20 ms frame of an uncompressed format takes.
    static func frameBytes(_ format: AudioFormat) -> Int? {
        format.isOpus ? nil : format.sampleRate / 50 * format.channels * format.bytesPerSample
    }

    static let pairs: [(AudioFormat, AudioFormat)] = AudioFormat.allCases.flatMap { f in AudioFormat.allCases.map { (f, $0) } }

    @Test(arguments: pairs)
    func everyPairConverts(from: AudioFormat, to: AudioFormat) throws {
        let engine = TranscodingEngine()
        for i in 0..<5 {
            let output = try engine.transcode(context: 9, from: from, to: to, media: try Self.frame(from, phase: i))
            if let expected = Self.frameBytes(to) {
                #expect(output.count == expected, "\(from.name) -> \(to.name)")
            } else {
                #expect(try Self.opusSamples(output) == 960)
            }
        }
        if from.isOpus && from != to {
            // Lost packet: concealment still yields a full frame.
            let concealed = try engine.transcode(context: 9, from: from, to: to, media: [])
            if let expected = Self.frameBytes(to) { #expect(concealed.count == expected) } else { #expect(!concealed.isEmpty) }
        }
    }

    /// Samples per channel at 48 kHz in an Opus packet.
    static func opusSamples(_ packet: [UInt8]) throws -> Int {
        try packet.withUnsafeBytes { raw in Result { () throws(MediaCodecError) in try OpusPacket.samplesPerChannel(in: raw, sampleRate: 48000) } }.get()
    }

    /// The 1 kHz tone survives conversions through mixing, resampling and Opus.
    @Test(arguments: [(AudioFormat.pcmu, AudioFormat.l16Stereo48k), (.l16Stereo48k, .pcma), (.l16Mono48k, .l16Mono8k),
                      (.pcma, .pcmu), (.opusStereo, .pcmu), (.pcmu, .opusStereo), (.l16Stereo48k, .opusMono)])
    func toneSurvives(from: AudioFormat, to: AudioFormat) throws {
        let engine = TranscodingEngine()
        let back = TranscodingEngine()
        var pcm: [UInt8] = []
        for i in 0..<40 {
            let converted = try engine.transcode(context: 1, from: from, to: to, media: try Self.frame(from, phase: i))
            // Bring every target to L16/48000/2 or its own L16 form for analysis.
            switch to {
            case .pcmu, .pcma, .opusMono, .opusStereo: pcm += try back.transcode(context: 2, from: to, to: .l16Mono8k, media: converted)
            default: pcm += converted
            }
        }
        var samples = SignalAnalysis.samples(fromLittleEndian: pcm)
        if to == .l16Stereo48k { samples = SignalAnalysis.channel(1, of: samples) }
        let rate = Double(to == .l16Mono48k || to == .l16Stereo48k ? 48000 : 8000)
        let window = samples[(samples.count / 4)...]
        let frequency = SignalAnalysis.dominantFrequency(window, sampleRate: rate)
        #expect(abs(frequency - 1000) <= 20, "\(from.name) -> \(to.name): \(frequency) Hz")
        // The input tone is at -13.3 dBFS.
        #expect(SignalAnalysis.levelDB(window) > -16.5, "\(from.name) -> \(to.name): level \(SignalAnalysis.levelDB(window)) dBFS")
    }

    @Test func otherFrameDurationsAreAccepted() throws {
        let engine = TranscodingEngine()
        for ms in [10, 20, 40, 60] {
            let opus = try engine.transcode(context: 1, from: .pcmu, to: .opusMono, media: [UInt8](repeating: 0xFF, count: 8 * ms))
            #expect(try Self.opusSamples(opus) == 48 * ms)
            let pcma = try engine.transcode(context: 2, from: .opusMono, to: .pcma, media: opus)
            #expect(pcma.count == 8 * ms)
        }
        // 30 ms is fine between PCM formats, and into Opus as one packet of three 10 ms frames (code 3).
        #expect(try engine.transcode(context: 3, from: .pcmu, to: .l16Mono48k, media: [UInt8](repeating: 0xFF, count: 240)).count == 2880)
        let joined = try engine.transcode(context: 4, from: .pcmu, to: .opusMono, media: [UInt8](repeating: 0xFF, count: 240))
        #expect(try Self.opusSamples(joined) == 1440)
        #expect(joined.first.map { $0 & 0x03 } == 3 && joined.count > 1 && joined[1] & 0x3F == 3, "code 3, three frames")
        #expect(try engine.transcode(context: 5, from: .opusMono, to: .pcma, media: joined).count == 240)
    }

    /// A mono source is encoded as mono Opus even for `opus/48000/2` (RFC 7587
    /// allows it; the encoder is smaller); a stereo source stays stereo.
    @Test func monoSourcesMakeMonoOpus() throws {
        let engine = TranscodingEngine()
        let fromPCMU = try engine.transcode(context: 1, from: .pcmu, to: .opusStereo, media: try Self.frame(.pcmu))
        #expect(fromPCMU.first.map { $0 & 0x04 } == 0, "TOC stereo flag clear")
        let fromStereo = try engine.transcode(context: 2, from: .l16Stereo48k, to: .opusStereo, media: try Self.frame(.l16Stereo48k))
        #expect(fromStereo.first.map { $0 & 0x04 } == 0x04)
        let context = try TranscodingContext(from: .pcmu, to: .opusStereo, settings: .init(), scratch: TranscodingScratch())
        #expect(context.pcmChannels == 1 && context.pcmRate == 8000)
    }

    @Test(arguments: AudioFormat.allCases)
    func hostileInputIsAnError(from: AudioFormat) throws {
        let engine = TranscodingEngine()
        let to: AudioFormat = from == .pcmu ? .opusMono : .pcmu
        var inputs: [[UInt8]] = [[UInt8](repeating: 0x5A, count: 1 << 20), [UInt8](repeating: 7, count: 161)]
        // (a 1-byte Opus packet is a legal TOC-only packet, so odd sizes are hostile only to PCM)
        if !from.isOpus { inputs += [[], [0x01]] }
        if from.isOpus { inputs += [[0x03, 0x00], [0xFF, 0xFF, 0xFF]] }
        for input in inputs {
            let error = #expect(throws: MediaCodecError.self, "\(from.name) \(input.count) bytes") {
                try engine.transcode(context: 5, from: from, to: to, media: input)
            }
            #expect(error?.kind == .badInput)
            #expect(error?.description.isEmpty == false)
        }
        // Random bytes never trap (Opus may decode some of them).
        var random = SystemRandomNumberGenerator()
        for _ in 0..<100 {
            let junk = (0..<Int.random(in: 0...2000, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try? engine.transcode(context: 6, from: from, to: to, media: junk)
        }
        // The engine still works afterwards.
        #expect(!(try engine.transcode(context: 5, from: from, to: to, media: try Self.frame(from))).isEmpty)
    }

    @Test func errorLeavesOutputUntouchedAndCountsNothing() throws {
        let engine = TranscodingEngine()
        var output: [UInt8] = [1, 2, 3]
        let bad: [UInt8] = [0, 1, 2]
        #expect(throws: MediaCodecError.self) {
            try bad.withUnsafeBytes { raw in
                Result { () throws(MediaCodecError) in
                    try engine.transcode(context: 1, from: .pcma, to: .opusMono, media: raw, appendingTo: &output)
                }
            }.get()
        }
        #expect(output == [1, 2, 3])
        #expect(engine.framesTranscoded == 0)
    }

    @Test func contextsAreKeptClosedAndLimited() throws {
        let engine = TranscodingEngine(settings: .init(maximumContexts: 2))
        let pcmu = try Self.frame(.pcmu)
        _ = try engine.transcode(context: 1, from: .pcmu, to: .opusMono, media: pcmu)
        _ = try engine.transcode(context: 2, from: .pcmu, to: .pcma, media: pcmu)
        #expect(engine.contextCount == 2)
        let error = #expect(throws: MediaCodecError.self) { try engine.transcode(context: 3, from: .pcmu, to: .pcma, media: pcmu) }
        #expect(error?.kind == .capacity)
        // Re-using a context with another pair restarts it; it is not a new one.
        _ = try engine.transcode(context: 2, from: .pcma, to: .opusStereo, media: pcmu)
        #expect(engine.contextCount == 2)
        // Identical formats pass through without a context.
        #expect(try engine.transcode(context: 3, from: .pcmu, to: .pcmu, media: pcmu) == pcmu)
        #expect(engine.closeContext(1))
        #expect(!engine.closeContext(1))
        #expect(engine.contextCount == 1)
        _ = try engine.transcode(context: 3, from: .pcmu, to: .pcma, media: pcmu)
        engine.closeAllContexts()
        #expect(engine.contextCount == 0)
    }

    @Test func formatsMirrorThePortProtocol() {
        // Raw values and names are part of the wire format (PortProtocol.MediaFormat).
        #expect(AudioFormat.allCases.map(\.rawValue) == [0x01, 0x02, 0x03, 0x04, 0x10, 0x11, 0x12])
        #expect(AudioFormat.allCases.map(\.name) == ["PCMU", "PCMA", "opus/48000/1", "opus/48000/2", "L16/8000/1", "L16/48000/1", "L16/48000/2"])
    }
}

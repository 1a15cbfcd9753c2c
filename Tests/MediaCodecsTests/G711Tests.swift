import Testing
@testable import MediaCodecs

/// G.711 against tables generated once from Python's audioop (see make_g711_reference.py).
@Suite struct G711Tests {
    @Test func muLawDecodeTableMatchesReference() {
        #expect(G711.ulawDecodeTable == G711Reference.ulawDecode)
        for byte in 0...255 { #expect(G711.ulawDecode(UInt8(byte)) == G711Reference.ulawDecode[byte]) }
    }

    @Test func aLawDecodeTableMatchesReference() {
        #expect(G711.alawDecodeTable == G711Reference.alawDecode)
    }

    @Test func muLawEncodeMatchesReference() {
        let encoded = G711.ulawEncode(G711Reference.samples)
        let mismatches = zip(G711Reference.samples, zip(encoded, G711Reference.ulawEncode)).filter { $1.0 != $1.1 }
        #expect(mismatches.isEmpty, "first mismatches (sample, ours, reference): \(mismatches.prefix(5))")
    }

    @Test func aLawEncodeMatchesReference() {
        let encoded = G711.alawEncode(G711Reference.samples)
        let mismatches = zip(G711Reference.samples, zip(encoded, G711Reference.alawEncode)).filter { $1.0 != $1.1 }
        #expect(mismatches.isEmpty, "first mismatches (sample, ours, reference): \(mismatches.prefix(5))")
    }

    /// Decoding then re-encoding every code gives the code back (except mu-law's
    /// negative zero 0x7F, which decodes to 0 and encodes as 0xFF).
    @Test func everyCodeSurvivesDecodeThenEncode() {
        for byte in 0...255 {
            let u = UInt8(byte)
            if u != 0x7F { #expect(G711.ulawEncode(G711.ulawDecode(u)) == u, "mu-law 0x\(String(byte, radix: 16))") }
            #expect(G711.alawEncode(G711.alawDecode(u)) == u, "A-law 0x\(String(byte, radix: 16))")
        }
    }

    @Test func bufferAPIsAgreeWithSingleSamples() {
        let pcm = SignalAnalysis.sine(frequency: 1000, sampleRate: 8000, count: 160)
        var bytes = [UInt8](repeating: 0, count: 160)
        pcm.withUnsafeBufferPointer { p in bytes.withUnsafeMutableBufferPointer { G711.ulawEncode(p, into: $0) } }
        #expect(bytes == pcm.map { G711.ulawEncode($0) })
        var back = [Int16](repeating: 0, count: 160)
        bytes.withUnsafeBytes { b in back.withUnsafeMutableBufferPointer { G711.ulawDecode(b, into: $0) } }
        #expect(back == G711.ulawDecode(bytes))
    }
}

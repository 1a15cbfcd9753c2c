import Foundation
import Testing
@testable import MediaCodecs

@Suite struct ResamplerTests {
    @Test func toneSurvives8kTo48kTo8k() {
        var up = Resampler(.upsample8to48)
        var down = Resampler(.downsample48to8)
        var wide: [Int16] = [], back: [Int16] = [], input: [Int16] = []
        for f in 0..<50 {
            let frame = SignalAnalysis.sine(frequency: 1000, sampleRate: 8000, count: 160, phase: f * 160)
            input += frame
            let w = up.process(frame)
            #expect(w.count == 960)
            wide += w
            back += down.process(w)
        }
        #expect(back.count == input.count)
        let range = 1600..<5600
        let frequency48 = SignalAnalysis.dominantFrequency(wide[9600..<33600], sampleRate: 48000)
        #expect(abs(frequency48 - 1000) <= 5, "48 kHz: \(frequency48) Hz")
        let frequency = SignalAnalysis.dominantFrequency(back[range], sampleRate: 8000)
        #expect(abs(frequency - 1000) <= 5, "8 kHz: \(frequency) Hz")
        #expect(abs(SignalAnalysis.levelDB(back[range]) - SignalAnalysis.levelDB(input[range])) < 0.5)
        #expect(abs(SignalAnalysis.levelDB(wide[9600..<33600]) - SignalAnalysis.levelDB(input[range])) < 0.5)
    }

    /// A 1 kHz tone upsampled must not leave images at 7 kHz or 9 kHz (8 kHz +/- 1 kHz).
    @Test func upsamplingSuppressesImages() {
        var up = Resampler(.upsample8to48)
        var wide: [Int16] = []
        for f in 0..<25 { wide += up.process(SignalAnalysis.sine(frequency: 1000, sampleRate: 8000, count: 160, phase: f * 160)) }
        let window = wide[4800..<24000]
        let tone = SignalAnalysis.goertzel(window, frequency: 1000, sampleRate: 48000)
        for image in [7000.0, 9000.0, 15000.0] {
            let ratioDB = 10 * log10(SignalAnalysis.goertzel(window, frequency: image, sampleRate: 48000) / tone)
            #expect(ratioDB < -50, "image at \(image) Hz only \(ratioDB) dB down")
        }
    }

    /// A 6 kHz tone at 48 kHz must not alias into the 8 kHz output (it would appear at 2 kHz).
    @Test func downsamplingSuppressesAliases() {
        var down = Resampler(.downsample48to8)
        var out: [Int16] = []
        for f in 0..<25 { out += down.process(SignalAnalysis.sine(frequency: 6000, sampleRate: 48000, count: 960, phase: f * 960)) }
        #expect(SignalAnalysis.levelDB(out[800...]) < -60, "alias level \(SignalAnalysis.levelDB(out[800...])) dBFS")
    }

    @Test func badSizesAreRefused() {
        var down = Resampler(.downsample48to8)
        #expect(down.process([Int16](repeating: 1, count: 7)).isEmpty)
        var tooSmall = [Int16](repeating: 0, count: 10)
        let input = [Int16](repeating: 0, count: 60)
        let n = input.withUnsafeBufferPointer { i in tooSmall.withUnsafeMutableBufferPointer { o in down.process(i, into: o) } }
        #expect(n == 10)
        var up = Resampler(.upsample8to48)
        let m = input.withUnsafeBufferPointer { i in tooSmall.withUnsafeMutableBufferPointer { o in up.process(i, into: o) } }
        #expect(m == nil)
    }

    @Test func mixerDownAndUp() {
        #expect(ChannelMixer.downmix([100, 300, -32768, -32768, 32767, 32767]) == [200, -32768, 32767])
        #expect(ChannelMixer.upmix([1, -2]) == [1, 1, -2, -2])
    }
}

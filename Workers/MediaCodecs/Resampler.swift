#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A mono resampler between 8 kHz and 48 kHz (x6 up or down) with a
/// polyphase FIR low-pass, keeping its history across frames so a stream of
/// 20 ms frames resamples without seams.
///
/// The filter is a Kaiser-windowed sinc (192 taps at 48 kHz, beta 8, cut-off
/// 3.6 kHz): flat to about 3 kHz, at least ~70 dB down above 4.4 kHz. Its
/// delay is 95.5 samples at 48 kHz (about 2 ms). A value keeps the history
/// of one stream direction.
public struct Resampler: Sendable {
    /// Which way the resampler converts.
    public enum Direction: Sendable, Hashable {
        /// 8000 Hz in, 48000 Hz out.
        case upsample8to48
        /// 48000 Hz in, 8000 Hz out.
        case downsample48to8
    }

    /// The rate ratio.
    public static let factor = 6
    /// Taps of the prototype low-pass at 48 kHz (a multiple of ``factor``).
    public static let tapCount = 192
    static let tapsPerPhase = tapCount / factor

    /// The prototype filter, unity gain at DC.
    static let prototype: [Float] = {
        let n = tapCount
        let cutoff = 3600.0 / 48000.0          // cycles per sample
        let beta = 8.0
        let center = Double(n - 1) / 2
        var taps = (0..<n).map { i -> Double in
            let x = Double(i) - center
            let sinc = x == 0 ? 2 * cutoff : sin(2 * Double.pi * cutoff * x) / (Double.pi * x)
            let r = 2 * Double(i) / Double(n - 1) - 1
            return sinc * besselI0(beta * (1 - r * r).squareRoot()) / besselI0(beta)
        }
        let sum = taps.reduce(0, +)
        taps = taps.map { $0 / sum }
        return taps.map { Float($0) }
    }()

    /// Polyphase split for upsampling: phase p holds taps p, p+6, p+12, ...,
    /// scaled by 6 to restore the gain lost to the inserted zeros.
    static let upPhases: [[Float]] = (0..<factor).map { p in
        stride(from: p, to: tapCount, by: factor).map { prototype[$0] * Float(factor) }
    }

    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0, term = 1.0, k = 1.0
        while term > 1e-12 * sum {
            term *= (x / (2 * k)) * (x / (2 * k))
            sum += term
            k += 1
        }
        return sum
    }

    /// The conversion this resampler performs.
    public let direction: Direction
    /// Delay line: `historyCount` samples of history, then room for the input
    /// being processed. Reused across calls; it grows only for longer frames.
    private var line: [Float]
    private let historyCount: Int

    /// Creates a resampler with silent history.
    public init(_ direction: Direction) {
        self.direction = direction
        historyCount = direction == .upsample8to48 ? Self.tapsPerPhase - 1 : Self.tapCount - 1
        line = [Float](repeating: 0, count: historyCount + 960)
    }

    /// Forgets the history, as at a new stream.
    public mutating func reset() {
        for i in 0..<historyCount { line[i] = 0 }
    }

    /// Output samples for `inputCount` input samples (for downsampling, `inputCount` must be a multiple of 6).
    public func outputCount(forInput inputCount: Int) -> Int {
        direction == .upsample8to48 ? inputCount * Self.factor : inputCount / Self.factor
    }

    /// Resamples `input` into `output`, which must hold ``outputCount(forInput:)`` samples.
    /// - Returns: samples written, or `nil` if the sizes do not fit (nothing is written then).
    @discardableResult
    public mutating func process(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<Int16>) -> Int? {
        let produced = outputCount(forInput: input.count)
        guard output.count >= produced else { return nil }
        if direction == .downsample48to8 && input.count % Self.factor != 0 { return nil }
        let keep = historyCount
        if line.count < keep + input.count {
            line.append(contentsOf: repeatElement(0, count: keep + input.count - line.count))
        }
        let direction = self.direction
        line.withUnsafeMutableBufferPointer { w in
            for i in 0..<input.count { w[keep + i] = Float(input[i]) }
            switch direction {
            case .upsample8to48: Self.upsample(w, inputCount: input.count, into: output)
            case .downsample48to8: Self.downsample(w, outputCount: produced, into: output)
            }
            // The newest `keep` samples become the history of the next call.
            for i in 0..<keep { w[i] = w[input.count + i] }
        }
        return produced
    }

    /// Resamples a whole buffer (allocating; for tests and tools). Returns
    /// `[]` when a downsampling input is not a multiple of 6 samples.
    public mutating func process(_ input: [Int16]) -> [Int16] {
        var output = [Int16](repeating: 0, count: outputCount(forInput: input.count))
        let n = input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in process(i, into: o) }
        }
        return n == nil ? [] : output
    }

    @inline(__always)
    static func clamp(_ v: Float) -> Int16 {
        if v >= 32767 { return 32767 }
        if v <= -32768 { return -32768 }
        return Int16(v.rounded())
    }

    /// `work` = K-1 history samples + n inputs at 8 kHz; writes 6n outputs.
    static func upsample(_ work: UnsafeMutableBufferPointer<Float>, inputCount: Int, into output: UnsafeMutableBufferPointer<Int16>) {
        let k = tapsPerPhase
        upPhases.withUnsafeBufferPointer { phases in
            for p in 0..<factor {
                phases[p].withUnsafeBufferPointer { taps in
                    for n in 0..<inputCount {
                        // newest input sample for output n is work[k - 1 + n]
                        let newest = k - 1 + n
                        var acc: Float = 0
                        for j in 0..<k { acc += taps[j] * work[newest - j] }
                        output[n * factor + p] = clamp(acc)
                    }
                }
            }
        }
    }

    /// `work` = N-1 history samples + 6m inputs at 48 kHz; writes m outputs.
    static func downsample(_ work: UnsafeMutableBufferPointer<Float>, outputCount: Int, into output: UnsafeMutableBufferPointer<Int16>) {
        let n = tapCount
        prototype.withUnsafeBufferPointer { taps in
            for m in 0..<outputCount {
                let newest = n - 1 + m * factor + factor - 1
                var acc: Float = 0
                for j in 0..<n { acc += taps[j] * work[newest - j] }
                output[m] = clamp(acc)
            }
        }
    }
}

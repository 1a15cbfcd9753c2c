import Foundation

/// Test signals and measurements: sine generation, Goertzel power, dominant frequency, level.
enum SignalAnalysis {
    /// `count` samples of a sine at `frequency` Hz.
    static func sine(frequency: Double, sampleRate: Double, count: Int, amplitude: Double = 10_000, phase: Int = 0) -> [Int16] {
        (0..<count).map { i in Int16(amplitude * sin(2 * .pi * frequency * Double(i + phase) / sampleRate)) }
    }

    /// Power of `frequency` in `samples` (Goertzel).
    static func goertzel(_ samples: ArraySlice<Int16>, frequency: Double, sampleRate: Double) -> Double {
        let coefficient = 2 * cos(2 * .pi * frequency / sampleRate)
        var s1 = 0.0, s2 = 0.0
        for x in samples {
            let s0 = Double(x) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        return s1 * s1 + s2 * s2 - coefficient * s1 * s2
    }

    /// The frequency with the most power between 100 Hz and just under Nyquist: a coarse scan, then 1 Hz steps.
    static func dominantFrequency(_ samples: ArraySlice<Int16>, sampleRate: Double) -> Double {
        func best(_ candidates: StrideThrough<Double>) -> Double {
            var top = (frequency: 0.0, power: -1.0)
            for f in candidates {
                let p = goertzel(samples, frequency: f, sampleRate: sampleRate)
                if p > top.power { top = (f, p) }
            }
            return top.frequency
        }
        let coarse = best(stride(from: 100, through: min(sampleRate / 2 - 100, 8000), by: 25))
        return best(stride(from: coarse - 30, through: coarse + 30, by: 1))
    }

    /// RMS level in dBFS.
    static func levelDB(_ samples: ArraySlice<Int16>) -> Double {
        guard !samples.isEmpty else { return -200 }
        let sum = samples.reduce(0.0) { $0 + Double($1) * Double($1) }
        return 10 * log10(max(sum / Double(samples.count), 1e-20) / (32768.0 * 32768.0))
    }

    /// Every other sample starting at `channel` of interleaved stereo.
    static func channel(_ channel: Int, of stereo: [Int16]) -> [Int16] {
        stride(from: channel, to: stereo.count, by: 2).map { stereo[$0] }
    }

    /// Interleaves two channels.
    static func interleave(_ left: [Int16], _ right: [Int16]) -> [Int16] {
        var out: [Int16] = []
        out.reserveCapacity(left.count * 2)
        for i in left.indices { out.append(left[i]); out.append(right[i]) }
        return out
    }

    /// Little-endian bytes of 16-bit samples (the L16 formats).
    static func littleEndianBytes(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { [UInt8(truncatingIfNeeded: UInt16(bitPattern: $0)), UInt8(truncatingIfNeeded: UInt16(bitPattern: $0) >> 8)] }
    }

    /// Samples from little-endian bytes.
    static func samples(fromLittleEndian bytes: [UInt8]) -> [Int16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
    }
}

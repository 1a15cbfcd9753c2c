/// Stereo <-> mono conversion of interleaved 16-bit PCM.
public enum ChannelMixer {
    /// Averages each left/right pair of `stereo` into `mono`, which must hold `stereo.count / 2` samples.
    @inlinable
    public static func downmix(_ stereo: UnsafeBufferPointer<Int16>, into mono: UnsafeMutableBufferPointer<Int16>) {
        let frames = stereo.count / 2
        precondition(mono.count >= frames, "mono buffer too small")
        for i in 0..<frames {
            mono[i] = Int16(truncatingIfNeeded: (Int32(stereo[2 * i]) + Int32(stereo[2 * i + 1])) >> 1)
        }
    }

    /// Duplicates each sample of `mono` to both channels of `stereo`, which must hold `2 * mono.count` samples.
    @inlinable
    public static func upmix(_ mono: UnsafeBufferPointer<Int16>, into stereo: UnsafeMutableBufferPointer<Int16>) {
        precondition(stereo.count >= 2 * mono.count, "stereo buffer too small")
        for i in 0..<mono.count {
            stereo[2 * i] = mono[i]
            stereo[2 * i + 1] = mono[i]
        }
    }

    /// Down-mixes a whole buffer (allocating; for tests and tools).
    public static func downmix(_ stereo: [Int16]) -> [Int16] {
        var mono = [Int16](repeating: 0, count: stereo.count / 2)
        stereo.withUnsafeBufferPointer { s in mono.withUnsafeMutableBufferPointer { m in downmix(s, into: m) } }
        return mono
    }

    /// Up-mixes a whole buffer (allocating; for tests and tools).
    public static func upmix(_ mono: [Int16]) -> [Int16] {
        var stereo = [Int16](repeating: 0, count: mono.count * 2)
        mono.withUnsafeBufferPointer { m in stereo.withUnsafeMutableBufferPointer { s in upmix(m, into: s) } }
        return stereo
    }
}

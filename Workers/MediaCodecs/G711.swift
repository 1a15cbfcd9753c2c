/// ITU-T G.711 companding: mu-law (PCMU) and A-law (PCMA).
///
/// One byte per sample at 8 kHz. Decoding is a 256-entry table look-up;
/// encoding finds the segment with a leading-zero count instead of a search.
/// The bit patterns are those of the Sun reference implementation that
/// Python's `audioop` and most telephony stacks use (even-bit inversion for
/// A-law, all-bit inversion for mu-law).
///
/// ```
///  bit   7      6   5   4      3   2   1   0
///       +------+-----------+  +---------------+
///       | sign | segment   |  | quantization  |   (then inverted per law)
///       +------+-----------+  +---------------+
/// ```
public enum G711 {
    /// 16-bit linear value of each mu-law byte.
    public static let ulawDecodeTable: [Int16] = (0...255).map { ulawDecodeSlow(UInt8($0)) }
    /// 16-bit linear value of each A-law byte.
    public static let alawDecodeTable: [Int16] = (0...255).map { alawDecodeSlow(UInt8($0)) }

    // MARK: single samples

    /// Encodes one 16-bit linear sample as mu-law.
    @inlinable
    public static func ulawEncode(_ sample: Int16) -> UInt8 {
        var value = Int32(sample) >> 2          // 14-bit
        let mask: UInt8
        if value < 0 {
            value = -value
            mask = 0x7F
        } else {
            mask = 0xFF
        }
        if value > 8159 { value = 8159 }        // clip
        value += 0x21                           // bias >> 2
        // value is 33...8192; segment 0 covers up to 0x3F, each next one doubles.
        let topBit = 31 - value.leadingZeroBitCount
        let segment = topBit - 5
        if segment >= 8 { return 0x7F ^ mask }
        let code = UInt8(truncatingIfNeeded: segment << 4) | UInt8(truncatingIfNeeded: (value >> (segment + 1)) & 0x0F)
        return code ^ mask
    }

    /// Encodes one 16-bit linear sample as A-law.
    @inlinable
    public static func alawEncode(_ sample: Int16) -> UInt8 {
        var value = Int32(sample) >> 3          // 13-bit
        let mask: UInt8
        if value >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            value = -value - 1
        }
        // segment 0 covers up to 0x1F, each next one doubles; >= 0x1000 clips.
        if value > 0xFFF { return 0x7F ^ mask }
        let segment = value < 0x20 ? 0 : (31 - value.leadingZeroBitCount) - 4
        let quant = segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F
        let code = UInt8(truncatingIfNeeded: segment << 4) | UInt8(truncatingIfNeeded: quant)
        return code ^ mask
    }

    /// Decodes one mu-law byte.
    @inlinable
    public static func ulawDecode(_ byte: UInt8) -> Int16 { ulawDecodeTable[Int(byte)] }

    /// Decodes one A-law byte.
    @inlinable
    public static func alawDecode(_ byte: UInt8) -> Int16 { alawDecodeTable[Int(byte)] }

    // MARK: buffers

    /// Encodes `pcm` as mu-law into `output`, which must hold `pcm.count` bytes.
    @inlinable
    public static func ulawEncode(_ pcm: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count >= pcm.count, "output too small")
        for i in 0..<pcm.count { output[i] = ulawEncode(pcm[i]) }
    }

    /// Encodes `pcm` as A-law into `output`, which must hold `pcm.count` bytes.
    @inlinable
    public static func alawEncode(_ pcm: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count >= pcm.count, "output too small")
        for i in 0..<pcm.count { output[i] = alawEncode(pcm[i]) }
    }

    /// Decodes mu-law `bytes` into `output`, which must hold `bytes.count` samples.
    public static func ulawDecode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int16>) {
        precondition(output.count >= bytes.count, "output too small")
        ulawDecodeTable.withUnsafeBufferPointer { table in
            for i in 0..<bytes.count { output[i] = table[Int(bytes[i])] }
        }
    }

    /// Decodes A-law `bytes` into `output`, which must hold `bytes.count` samples.
    public static func alawDecode(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableBufferPointer<Int16>) {
        precondition(output.count >= bytes.count, "output too small")
        alawDecodeTable.withUnsafeBufferPointer { table in
            for i in 0..<bytes.count { output[i] = table[Int(bytes[i])] }
        }
    }

    /// Encodes a whole buffer as mu-law (allocating; for tests and tools).
    public static func ulawEncode(_ pcm: [Int16]) -> [UInt8] { pcm.map { ulawEncode($0) } }
    /// Encodes a whole buffer as A-law (allocating; for tests and tools).
    public static func alawEncode(_ pcm: [Int16]) -> [UInt8] { pcm.map { alawEncode($0) } }
    /// Decodes a whole mu-law buffer (allocating; for tests and tools).
    public static func ulawDecode(_ bytes: [UInt8]) -> [Int16] { bytes.map { ulawDecodeTable[Int($0)] } }
    /// Decodes a whole A-law buffer (allocating; for tests and tools).
    public static func alawDecode(_ bytes: [UInt8]) -> [Int16] { bytes.map { alawDecodeTable[Int($0)] } }

    // MARK: table construction (the G.711 expansion formulas)

    static func ulawDecodeSlow(_ byte: UInt8) -> Int16 {
        let u = ~byte
        var t = (Int32(u & 0x0F) << 3) + 0x84
        t <<= Int32((u & 0x70) >> 4)
        return Int16(truncatingIfNeeded: (u & 0x80) != 0 ? 0x84 - t : t - 0x84)
    }

    static func alawDecodeSlow(_ byte: UInt8) -> Int16 {
        let a = byte ^ 0x55
        var t = Int32(a & 0x0F) << 4
        let segment = Int32((a & 0x70) >> 4)
        switch segment {
        case 0: t += 8
        case 1: t += 0x108
        default: t = (t + 0x108) << (segment - 1)
        }
        return Int16(truncatingIfNeeded: (a & 0x80) != 0 ? t : -t)
    }
}

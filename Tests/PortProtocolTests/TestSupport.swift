import PortProtocol
import Testing

/// One `{packet,4}` frame around `body`.
func frame(_ body: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    Frame.append(body: body, to: &out)
    return out
}

/// A 4-byte big-endian length prefix alone, with no body.
func lengthPrefix(_ n: UInt32) -> [UInt8] {
    [UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16),
     UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)]
}

/// Bytes from a hex string; spaces and newlines are ignored. Nil on bad hex.
func bytes(hex: String) -> [UInt8]? {
    let digits = hex.filter { !$0.isWhitespace }
    guard digits.count.isMultiple(of: 2) else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(digits.count / 2)
    var index = digits.startIndex
    while index != digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        guard let byte = UInt8(digits[index..<next], radix: 16) else { return nil }
        out.append(byte)
        index = next
    }
    return out
}

/// The two ways of taking frames out of a decoder.
enum DrainAPI: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case next
    case forEachFrame

    var testDescription: String { rawValue }

    /// Every complete frame body now buffered in `decoder`.
    func drain(_ decoder: inout FrameDecoder) throws -> [[UInt8]] {
        var bodies: [[UInt8]] = []
        switch self {
        case .next:
            while let body = try decoder.next() { bodies.append(body) }
        case .forEachFrame:
            try decoder.forEachFrame { bodies.append(Array($0)) }
        }
        return bodies
    }
}

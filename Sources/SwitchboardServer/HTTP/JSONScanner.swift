import Foundation

/// A pull reader of JSON text for the payloads on the hot path (request
/// bodies, the workers' stream stats), where `JSONDecoder` costs tens of
/// microseconds per object. It is a fast path only: every method returns
/// nil or false on anything it does not expect (a malformed document, a
/// type it was not asked for, an escaped key, nesting deeper than 32), and
/// the caller then decodes with `JSONDecoder`, whose result and errors stay
/// the reference. No allocation but the strings it returns.
struct JSONScanner {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0
    static let maxDepth = 32

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// A member's name, compared without making a String.
    struct Key {
        let bytes: UnsafeRawBufferPointer
        static func == (key: Key, name: StaticString) -> Bool {
            name.withUTF8Buffer { name in
                guard name.count == key.bytes.count else { return false }
                guard let a = name.baseAddress, let b = key.bytes.baseAddress else { return true }  // both empty
                return memcmp(a, b, name.count) == 0
            }
        }
        var string: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Whether only whitespace is left.
    mutating func atEnd() -> Bool {
        skipSpace()
        return index == bytes.count
    }

    /// Reads an object, calling `member` with each key; `member` reads the
    /// value and returns false to give up. Nil and false both mean "not this shape".
    mutating func object(_ member: (inout JSONScanner, Key) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "{")), enter() else { return false }
        defer { depth -= 1 }
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            guard let key = rawKey(), consume(UInt8(ascii: ":")), member(&self, key) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// Reads an array, calling `element` for each element.
    mutating func array(_ element: (inout JSONScanner) -> Bool) -> Bool {
        guard consume(UInt8(ascii: "[")), enter() else { return false }
        defer { depth -= 1 }
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            guard element(&self) else { return false }
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// `null`, consumed; false (nothing consumed) for anything else.
    mutating func null() -> Bool {
        skipSpace()
        guard bytes.count - index >= 4, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
              bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l") else { return false }
        index += 4
        return true
    }

    mutating func bool() -> Bool? {
        skipSpace()
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// A string, escapes resolved; nil if the next value is not a string or is malformed.
    mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return String(validatingUTF8Bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { return nil }
            index += 1
        }
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(validatingUTF8Bytes: out)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { return nil }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard consumeRaw(UInt8(ascii: "\\")), consumeRaw(UInt8(ascii: "u")), let low = hex4(),
                              (0xDC00...0xDFFF).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: String(Character(unicode)).utf8)
                default:
                    return nil
                }
            default:
                guard byte >= 0x20 else { return nil }
                out.append(byte)
            }
        }
        return nil
    }

    /// A non-negative integer written as plain digits (no fraction, no exponent).
    mutating func uint64() -> UInt64? {
        skipSpace()
        return unsignedDigits()
    }

    private mutating func unsignedDigits() -> UInt64? {
        var value: UInt64 = 0
        let start = index
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (plus, o2) = times.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
            guard !o1, !o2 else { return nil }
            value = plus
            index += 1
        }
        guard index > start, !continuesNumber() else { return nil }
        if index - start > 1 && bytes[start] == UInt8(ascii: "0") { return nil }  // leading zero: not JSON
        return value
    }

    mutating func int64() -> Int64? {
        skipSpace()
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard let magnitude = unsignedDigits() else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        return Int64(exactly: magnitude)
    }

    /// Any JSON number.
    mutating func double() -> Double? {
        skipSpace()
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let intStart = index
        digits()
        guard index > intStart else { return nil }
        if index - intStart > 1 && bytes[intStart] == UInt8(ascii: "0") { return nil }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fraction = index
            digits()
            guard index > fraction else { return nil }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            let exponent = index
            digits()
            guard index > exponent else { return nil }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// Skips one value of any kind.
    mutating func skipValue() -> Bool {
        skipSpace()
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "{"): return object { scanner, _ in scanner.skipValue() }
        case UInt8(ascii: "["): return array { $0.skipValue() }
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return bool() != nil
        case UInt8(ascii: "n"): return null()
        default: return double() != nil
        }
    }

    /// An object of strings (`labels`); nil for any other shape, or a key given twice.
    mutating func stringDictionary() -> [String: String]? {
        var result: [String: String] = [:]
        let ok = object { scanner, key in
            guard let value = scanner.string() else { return false }
            return result.updateValue(value, forKey: key.string) == nil
        }
        return ok ? result : nil
    }

    mutating func stringArray() -> [String]? {
        var result: [String] = []
        let ok = array { scanner in
            guard let value = scanner.string() else { return false }
            result.append(value)
            return true
        }
        return ok ? result : nil
    }

    // MARK: lexing

    private mutating func enter() -> Bool {
        depth += 1
        guard depth <= Self.maxDepth else {
            depth -= 1
            return false
        }
        return true
    }

    private mutating func rawKey() -> Key? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                defer { index += 1 }
                return Key(bytes: UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
            }
            guard byte != UInt8(ascii: "\\"), byte >= 0x20 else { return nil }  // escaped keys: not on the fast path
            index += 1
        }
        return nil
    }

    private mutating func skipSpace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        skipSpace()
        return consumeRaw(byte)
    }

    private mutating func consumeRaw(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let matched = word.withUTF8Buffer { word in
            guard bytes.count - index >= word.count, let a = word.baseAddress, let b = bytes.baseAddress else { return false }
            return memcmp(a, b + index, word.count) == 0
        }
        if matched { index += word.utf8CodeUnitCount }
        return matched
    }

    private mutating func digits() {
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
    }

    /// Whether a number goes on past its digits (a fraction or exponent: not an integer).
    private func continuesNumber() -> Bool {
        guard index < bytes.count else { return false }
        let byte = bytes[index]
        return byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.count - index >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}

/// Which known keys an object has shown so far (bit per key): a fast reader
/// gives up on a key given twice, where `JSONDecoder` keeps the first value.
struct KeySet {
    private var bits: UInt64 = 0

    /// False if `index` (0...63) was seen already.
    mutating func insert(_ index: Int) -> Bool {
        let bit: UInt64 = 1 << UInt64(index)
        defer { bits |= bit }
        return bits & bit == 0
    }
}

extension String {
    /// The string if `bytes` are valid UTF-8, else nil (the fast path then defers to `JSONDecoder`).
    init?(validatingUTF8Bytes bytes: some Collection<UInt8>) {
        guard let string = String(validating: bytes, as: UTF8.self) else { return nil }
        self = string
    }
}

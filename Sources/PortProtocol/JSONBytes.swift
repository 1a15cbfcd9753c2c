// The byte-level JSON reader and writer of the control plane's hot paths,
// shared by the orchestrator (session requests and responses, stream
// payloads) and the workers (`open_stream`, stream stats): pure Swift, no
// Foundation, so the statically linked worker carries no extra weight.

/// A pull reader of JSON text for the payloads on the hot path (request
/// bodies, the workers' stream stats), where `JSONDecoder` costs tens of
/// microseconds per object. It is a fast path only: every method returns
/// nil or false on anything it does not expect (a malformed document, a
/// type it was not asked for, an escaped key, nesting deeper than 32), and
/// the caller then decodes with `JSONDecoder`, whose result and errors stay
/// the reference. No allocation but the strings it returns.
public struct JSONScanner {
    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0
    public static let maxDepth = 32

    public init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// A member's name, compared without making a String.
    public struct Key {
        public let bytes: UnsafeRawBufferPointer
        public static func == (key: Key, name: StaticString) -> Bool { key.matches(name) }

        public func matches(_ name: StaticString) -> Bool {
            name.withUTF8Buffer { name in
                guard name.count == bytes.count else { return false }
                for i in 0..<name.count where name[i] != bytes[i] { return false }
                return true
            }
        }
        public var string: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// Whether only whitespace is left.
    public mutating func atEnd() -> Bool {
        skipSpace()
        return index == bytes.count
    }

    /// Reads an object, calling `member` with each key; `member` reads the
    /// value and returns false to give up. Nil and false both mean "not this shape".
    public mutating func object(_ member: (inout JSONScanner, Key) -> Bool) -> Bool {
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
    public mutating func array(_ element: (inout JSONScanner) -> Bool) -> Bool {
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
    public mutating func null() -> Bool {
        skipSpace()
        guard bytes.count - index >= 4, bytes[index] == UInt8(ascii: "n"), bytes[index + 1] == UInt8(ascii: "u"),
              bytes[index + 2] == UInt8(ascii: "l"), bytes[index + 3] == UInt8(ascii: "l") else { return false }
        index += 4
        return true
    }

    public mutating func bool() -> Bool? {
        skipSpace()
        if literal("true") { return true }
        if literal("false") { return false }
        return nil
    }

    /// A string, escapes resolved; nil if the next value is not a string or is malformed.
    public mutating func string() -> String? {
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
    public mutating func uint64() -> UInt64? {
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

    public mutating func int64() -> Int64? {
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
    public mutating func double() -> Double? {
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
    public mutating func skipValue() -> Bool {
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
    public mutating func stringDictionary() -> [String: String]? {
        var result: [String: String] = [:]
        let ok = object { scanner, key in
            guard let value = scanner.string() else { return false }
            return result.updateValue(value, forKey: key.string) == nil
        }
        return ok ? result : nil
    }

    public mutating func stringArray() -> [String]? {
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
            guard bytes.count - index >= word.count else { return false }
            for i in 0..<word.count where word[i] != bytes[index + i] { return false }
            return true
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
public struct JSONKeySet {
    public init() {}
    private var bits: UInt64 = 0

    /// False if `index` (0...63) was seen already.
    public mutating func insert(_ index: Int) -> Bool {
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

/// JSON text written straight into bytes, for the payloads on the hot path
/// (session responses, `open_stream` requests). `JSONEncoder` costs tens of
/// microseconds per session object (keyed containers, boxing, key sorting);
/// this writes the same bytes as `JSONEncoder` with `.sortedKeys` — callers
/// write keys in sorted order and omit nil optionals as synthesized `Codable`
/// does — in a few hundred nanoseconds. Tests check the equality.
public struct JSONText {
    public private(set) var bytes: [UInt8] = []
    /// Whether the next member or element needs a comma before it.
    private var needsComma = false

    public init(capacity: Int = 512) { bytes.reserveCapacity(capacity) }

    // MARK: structure

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// `"name":` — the member's value follows.
    public mutating func key(_ name: StaticString) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        needsComma = false
    }

    /// A key that is data (a label's name): escaped like a string.
    public mutating func key(_ name: String) {
        string(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
    }

    // MARK: values

    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for i in 0..<utf8.count {
                let byte = utf8[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/") else { continue }
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                start = i + 1
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [0x5C, 0x22])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [0x5C, 0x5C])
                case UInt8(ascii: "/"): bytes.append(contentsOf: [0x5C, 0x2F])
                case 0x08: bytes.append(contentsOf: [0x5C, UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [0x5C, UInt8(ascii: "f")])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                              hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Array("true".utf8) : Array("false".utf8))
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
    }

    public mutating func number(_ value: some BinaryInteger) {
        separate()
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var n = 0
            while magnitude > 0 {
                raw[raw.count - 1 - n] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
                n += 1
            }
            return n
        }
        withUnsafeBytes(of: &digits) { raw in bytes.append(contentsOf: raw[(raw.count - count)...]) }
    }

    /// As `JSONEncoder` writes a `Double`: its shortest round-trip form, a
    /// trailing `.0` dropped. A non-finite value (which `JSONEncoder` refuses) is written as 0.
    public mutating func number(_ value: Double) {
        separate()
        guard value.isFinite else {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    // MARK: members

    public mutating func member(_ name: StaticString, _ value: String) { key(name); string(value) }
    public mutating func member(_ name: StaticString, _ value: String?) { if let value { key(name); string(value) } }
    public mutating func member(_ name: StaticString, _ value: some BinaryInteger) { key(name); number(value) }
    public mutating func member<T: BinaryInteger>(_ name: StaticString, _ value: T?) { if let value { key(name); number(value) } }
    public mutating func member(_ name: StaticString, _ value: Double) { key(name); number(value) }
    public mutating func member(_ name: StaticString, _ value: Bool) { key(name); bool(value) }

    /// A member whose nil is written as `null` (as `encode(_:forKey:)` of an optional does), not omitted.
    public mutating func member(_ name: StaticString, orNull value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    public mutating func member<T: BinaryInteger>(_ name: StaticString, orNull value: T?) {
        key(name)
        if let value { number(value) } else { null() }
    }

    /// An object of strings, keys in byte order (as `.sortedKeys` sorts them).
    public mutating func member(_ name: StaticString, _ value: [String: String]) {
        key(name)
        beginObject()
        for (k, v) in value.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            key(k)
            string(v)
        }
        endObject()
    }
}

/// An `a=` line, kept as written: a property (`a=rtcp-mux`) or a name and a
/// value (`a=rtpmap:0 PCMU/8000`).
///
/// Attributes stay in their order, unknown ones included, so a description
/// written back is the one that was read. Typed views (``RTPMap``,
/// ``CryptoAttribute``, ``MediaDirection`` ...) are read from these.
public struct Attribute: Sendable, Hashable, Codable {
    /// The name, before the first colon.
    public var name: String
    /// The value after the first colon; `nil` for a property attribute (no colon).
    public var value: String?

    /// An attribute.
    public init(_ name: String, _ value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// `name` or `name:value`, as it follows `a=`.
    public var text: String {
        if let value { return name + ":" + value }
        return name
    }

    init(parsing text: Substring) {
        if let colon = text.firstIndex(ofASCII: UInt8(ascii: ":")) {
            self.init(String(text[..<colon]), String(text[text.index(after: colon)...]))
        } else {
            self.init(String(text), nil)
        }
    }
}

extension [Attribute] {
    /// The values of the attributes with this name, in order.
    func values(named name: String) -> [String] {
        compactMap { $0.name == name ? $0.value : nil }
    }

    /// The value of the first attribute with this name.
    func first(named name: String) -> Attribute? {
        first { $0.name == name }
    }
}

/// Checked decimal parsing: ASCII digits only (no sign, no spaces), no overflow.
enum Digits {
    static func uint64(_ text: Substring) -> UInt64? {
        guard !text.isEmpty, text.utf8.count <= 20 else { return nil }
        var result: UInt64 = 0
        for byte in text.utf8 {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            let (times, o1) = result.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(UInt64(byte - 0x30))
            if o1 || o2 { return nil }
            result = sum
        }
        return result
    }

    static func int(_ text: Substring, max: Int = Int(Int32.max)) -> Int? {
        guard let value = uint64(text), value <= UInt64(max) else { return nil }
        return Int(value)
    }

    static func int(_ text: String, max: Int = Int(Int32.max)) -> Int? { int(text[...], max: max) }
}

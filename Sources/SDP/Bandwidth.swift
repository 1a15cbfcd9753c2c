/// A `b=` line: a proposed bandwidth, in kilobits per second for `AS` and `CT`,
/// bits per second for `TIAS`, `RS` and `RR`.
///
/// ```
/// b=<bwtype>:<bandwidth>
/// b=AS:64
/// ```
public struct Bandwidth: Sendable, Hashable, Codable {
    /// `AS`, `CT`, `TIAS`, `RS`, `RR`, or another token.
    public var type: String
    /// The value.
    public var value: UInt64

    /// A bandwidth line.
    public init(type: String, value: UInt64) {
        self.type = type
        self.value = value
    }

    var text: String { "\(type):\(value)" }

    init?(parsing text: Substring) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let type = text[..<colon]
        guard !type.isEmpty, !type.contains(" "),
              let value = Digits.uint64(text[text.index(after: colon)...]) else { return nil }
        self.init(type: String(type), value: value)
    }
}

/// An `a=fmtp` attribute: format-specific parameters of one payload type.
///
/// ```
/// a=fmtp:<format> <parameters>
/// a=fmtp:111 minptime=10;useinbandfec=1
/// a=fmtp:101 0-16
/// ```
public struct FormatParameters: Sendable, Hashable, Codable {
    /// The format (payload type number for RTP).
    public var format: String
    /// The parameters, as written.
    public var parameters: String

    /// Format parameters.
    public init(format: String, parameters: String) {
        self.format = format
        self.parameters = parameters
    }

    /// Parses the value of an `a=fmtp` attribute; `nil` when malformed.
    public init?(_ value: String) {
        let value = value[...]
        guard let space = value.firstIndex(ofASCII: UInt8(ascii: " ")) else { return nil }
        let format = value[..<space]
        guard !format.isEmpty else { return nil }
        self.init(format: String(format), parameters: String(value[value.index(after: space)...]))
    }

    /// The `key=value` pairs of a `;`-separated list, in order (keys without `=` get an empty value).
    public var pairs: [(key: String, value: String)] {
        parameters.split(separator: ";").map { item in
            let trimmed = item.drop { $0 == " " }
            if let equals = trimmed.firstIndex(of: "=") {
                return (String(trimmed[..<equals]), String(trimmed[trimmed.index(after: equals)...]))
            }
            return (String(trimmed), "")
        }
    }

    /// The value of one `key=value` parameter (`value(for: "useinbandfec")`).
    public func value(for key: String) -> String? {
        pairs.first { $0.key.lowercased() == key.lowercased() }?.value
    }

    /// The attribute, `fmtp:<format> <parameters>`.
    public var attribute: Attribute { Attribute("fmtp", "\(format) \(parameters)") }
}

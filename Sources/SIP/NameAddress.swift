/// A `name-addr` or `addr-spec` with header parameters: the value of From, To,
/// Contact, Route and Record-Route (RFC 3261 20.10, 20.20, 20.39).
///
/// ```
/// "Alice \"A\"" <sip:alice@example.com;transport=udp>;tag=1928301774
/// └────┬──────┘  └───────────────┬───────────────┘ └─────┬──────┘
///  displayName           uri (with its own params)    parameters
/// ```
///
/// Both forms are read: `"Name" <sip:...>;tag=x`, `Name <sip:...>`, `<sip:...>`
/// and the bare `sip:a@b;tag=x`. In the bare form everything after the first `;`
/// belongs to the header, not the URI (RFC 3261 20.10), so `sip:a@b;tag=x` has
/// the parameter `tag` and a URI without parameters.
///
/// ``description`` always writes the bracketed form (`"Name" <uri>;params`, or
/// `<uri>;params` without a display name), which is valid for every URI.
///
/// The wildcard Contact `*` (REGISTER, RFC 3261 10.2.2) is not an address: parsing
/// it throws ``SIPError/badAddress``; see ``SIPMessageProtocol/isWildcardContact``.
public struct NameAddress: Hashable, Sendable, CustomStringConvertible {
    /// The display name, unquoted and unescaped (`Alice "A"`); nil when there is none.
    public var displayName: String?
    /// The URI, with its own parameters (inside the angle brackets).
    public var uri: SIPURI
    /// The header parameters (`tag`, `expires`, `q`, ...), in order, values as written.
    public var parameters: [SIPParameter]

    /// An address; ``description`` writes it in the bracketed form.
    public init(displayName: String? = nil, uri: SIPURI, parameters: [SIPParameter] = []) {
        self.displayName = displayName
        self.uri = uri
        self.parameters = parameters
    }

    /// The `tag` parameter (From and To); setting nil removes it.
    public var tag: String? {
        get { parameters.value(of: "tag") ?? nil }
        set { parameters.set("tag", newValue.map { .some($0) }) }
    }

    /// The value of the header parameter `name` (case-insensitive): nil when absent,
    /// `.some(nil)` when present without a value.
    public func parameter(_ name: String) -> String?? {
        parameters.value(of: name)
    }

    /// Sets (or with nil, removes) the header parameter `name`.
    public mutating func setParameter(_ name: String, _ value: String??) {
        parameters.set(name, value)
    }

    /// `"Name" <uri>;params`.
    public var description: String {
        var text = ""
        if let displayName {
            var escaped = ""
            for character in displayName {
                if character == "\"" || character == "\\" { escaped.append("\\") }
                escaped.append(character)
            }
            text = "\"\(escaped)\" "
        }
        return text + "<\(uri)>" + parameters.rendered
    }
}

extension NameAddress {
    /// Parses one address (a single element of a list: split comma-separated
    /// lists with ``SIPHeaders/values(_:)`` first).
    public init(parsing text: some StringProtocol) throws(SIPError) {
        var scanner = SIPScanner(text.trimmingWhitespace)
        if scanner.bytes == [0x2A] { throw .badAddress("the wildcard '*' is not an address") }
        guard !scanner.isAtEnd else { throw .badAddress("empty address") }
        var displayName: String?
        var bracketed = false
        if scanner.peek == Octet.quote {
            guard let quoted = scanner.scanQuotedString() else {
                throw .badAddress("unterminated quoted display name in '\(text.prefix(80))'")
            }
            displayName = Self.unquote(quoted)
            scanner.skipWhitespace()
            guard scanner.peek == Octet.lessThan else {
                throw .badAddress("a quoted display name must be followed by '<uri>'")
            }
            bracketed = true
        } else {
            let start = scanner.index
            // display-name = *(token LWS); UTF-8 is tolerated too (`Jürgen <sip:...>`, seen in the wild).
            let tokens = scanner.scan { SIPScanner.isToken($0) || $0 == Octet.space || $0 == Octet.tab || $0 >= 0x80 }
            if scanner.peek == Octet.lessThan {
                let name = tokens.trimmingWhitespace
                displayName = name.isEmpty ? nil : String(name)
                bracketed = true
            } else {
                scanner = SIPScanner(bytes: Array(scanner.bytes[start...]))
            }
        }
        let uriText: String
        if bracketed {
            scanner.advance()  // '<'
            let inside = scanner.scan { $0 != Octet.greaterThan }
            guard scanner.consume(Octet.greaterThan) else { throw .badAddress("no '>' after '<\(inside.prefix(80))'") }
            uriText = String(inside.trimmingWhitespace)  // "< sip:a@b >" is tolerated (RFC 4475 badaspec)
        } else {
            // addr-spec: no ',', '?' or ';' in the URI (RFC 3261 20.10), parameters follow.
            let raw = scanner.scan { $0 != Octet.semicolon }
            let trimmed = raw.trimmingWhitespace
            guard !trimmed.utf8.contains(where: { $0 == Octet.comma || $0 == Octet.questionMark }) else {
                throw .badAddress("a URI with ',' or '?' must be enclosed in '<>'")
            }
            uriText = String(trimmed)
        }
        let uri: SIPURI
        do throws(SIPError) {
            uri = try SIPURI(parsing: uriText)
        } catch {
            throw .badAddress(error.message)
        }
        switch scanner.headerParameters() {
        case .success(let parameters): self.init(displayName: displayName, uri: uri, parameters: parameters)
        case .failure(let problem): throw .badAddress("\(problem) in '\(text.prefix(80))'")
        }
    }

    /// The content of a quoted string, its quoted pairs unescaped.
    static func unquote(_ quoted: String) -> String {
        let bytes = Array(quoted.utf8.dropFirst().dropLast())
        var index = 0
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        while index < bytes.count {
            if bytes[index] == Octet.backslash, index + 1 < bytes.count { index += 1 }
            output.append(bytes[index])
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}

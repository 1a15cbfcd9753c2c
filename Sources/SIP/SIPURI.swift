/// A URI as used in SIP (RFC 3261 19.1): `sip:`/`sips:` URIs in full, `tel:`
/// (RFC 3966) and any other scheme kept opaque.
///
/// ```
/// sip:alice:secret@[2001:db8::1]:5060;transport=udp;lr?subject=hi
/// └┬┘ └─┬─┘ └─┬──┘ └─────┬─────┘ └┬─┘ └──────┬─────────┘ └───┬────┘
/// scheme user password  host      port   parameters        headers
/// ```
///
/// - `sip`/`sips`: every part as above; the host is kept as written (an IPv6
///   reference keeps its brackets).
/// - `tel`: ``user`` is the number, ``host`` is empty, ``parameters`` follow.
/// - any other scheme (`urn:`, `http:`, `soap.beep:`): ``host`` is everything
///   after the colon, as written, and nothing else is read.
///
/// The scheme and every part are kept as written, escapes included; ``description``
/// renders them back, so a parsed URI renders to an equivalent text that parses to
/// an equal value. Equality is part by part as written, not the RFC 3261 19.1.4
/// comparison (which ignores the case of the host, unescapes, ...).
public struct SIPURI: Hashable, Sendable, CustomStringConvertible {
    /// `sip`, `sips`, `tel`, ... as written.
    public var scheme: String
    /// The user part as written (escapes kept); for `tel:`, the number.
    public var user: String?
    /// The password after `user:`, as written.
    public var password: String?
    /// A host name, an IPv4 address or a bracketed IPv6 reference (`[2001:db8::1]`).
    public var host: String
    /// The port, when written.
    public var port: Int?
    /// `;name[=value]` URI parameters, in order.
    public var parameters: [SIPParameter]
    /// The raw `?...` part, without the question mark.
    public var headers: String?

    /// A URI; for `sip:` only `host` is needed (`sip:example.com`).
    public init(
        scheme: String = "sip", user: String? = nil, password: String? = nil, host: String, port: Int? = nil,
        parameters: [SIPParameter] = [], headers: String? = nil
    ) {
        self.scheme = scheme
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
    }

    /// Whether the scheme is `sip` or `sips` (case-insensitive).
    public var isSIP: Bool {
        let lower = scheme.lowercased()
        return lower == "sip" || lower == "sips"
    }

    /// The value of the URI parameter `name` (case-insensitive): nil when absent,
    /// `.some(nil)` when present without a value (`;lr`).
    public func parameter(_ name: String) -> String?? {
        parameters.value(of: name)
    }

    /// Sets (or with nil, removes) the URI parameter `name`.
    public mutating func setParameter(_ name: String, _ value: String??) {
        parameters.set(name, value)
    }

    /// `host[:port]`.
    public var hostPort: String {
        port.map { "\(host):\($0)" } ?? host
    }

    /// The URI as text: `sip:user:password@host:port;parameters?headers`.
    public var description: String {
        switch scheme.lowercased() {
        case "sip", "sips":
            var text = scheme + ":"
            if let user {
                text += user
                if let password { text += ":" + password }
                text += "@"
            }
            text += hostPort + parameters.rendered
            if let headers { text += "?" + headers }
            return text
        case "tel":
            return scheme + ":" + (user ?? "") + parameters.rendered
        default:
            return scheme + ":" + host
        }
    }
}

extension SIPURI {
    /// Parses a URI (no surrounding white space or angle brackets).
    public init(parsing text: some StringProtocol) throws(SIPError) {
        let bytes = Array(text.utf8)
        guard let colon = bytes.firstIndex(of: Octet.colon), colon > 0 else {
            throw .badURI("'\(text.prefix(80))' has no scheme")
        }
        let schemeBytes = bytes[..<colon]
        guard let first = schemeBytes.first, SIPScanner.isAlphanumeric(first), !SIPScanner.isDigit(first),
              schemeBytes.allSatisfy({ SIPScanner.isAlphanumeric($0) || $0 == 0x2B || $0 == Octet.hyphen || $0 == Octet.dot })
        else { throw .badURI("'\(text.prefix(80))' has no valid scheme") }
        let scheme = String(decoding: schemeBytes, as: UTF8.self)
        let rest = Array(bytes[(colon + 1)...])
        guard !rest.isEmpty else { throw .badURI("nothing after '\(scheme):'") }
        guard rest.allSatisfy(SIPScanner.isURICharacter) else {
            throw .badURI("'\(text.prefix(80))' contains white space or a character that must be escaped")
        }
        switch scheme.lowercased() {
        case "sip", "sips": self = try Self.parseSIP(scheme: scheme, rest)
        case "tel":
            let parts = Self.split(rest, at: Octet.semicolon)
            let number = parts.first ?? []
            guard !number.isEmpty else { throw .badURI("tel: URI without a number") }
            self.init(scheme: scheme, user: String(decoding: number, as: UTF8.self), host: "",
                      parameters: try Self.uriParameters(parts.dropFirst()))
        default:
            self.init(scheme: scheme, host: String(decoding: rest, as: UTF8.self))
        }
    }

    private static func parseSIP(scheme: String, _ rest: [UInt8]) throws(SIPError) -> SIPURI {
        var user: String?
        var password: String?
        var hostPart = rest[...]
        if let at = rest.firstIndex(of: Octet.at) {
            let userinfo = rest[..<at]
            hostPart = rest[(at + 1)...]
            if let colon = userinfo.firstIndex(of: Octet.colon) {
                user = String(decoding: userinfo[..<colon], as: UTF8.self)
                password = String(decoding: userinfo[(colon + 1)...], as: UTF8.self)
            } else {
                user = String(decoding: userinfo, as: UTF8.self)
            }
            if user?.isEmpty ?? true { throw .badURI("empty user part before '@'") }
        }
        // The host ends at ';' (parameters) or '?' (headers); an IPv6 reference may hold ':'.
        var headers: String?
        if let question = hostPart.firstIndex(of: Octet.questionMark) {
            headers = String(decoding: hostPart[(question + 1)...], as: UTF8.self)
            hostPart = hostPart[..<question]
        }
        let pieces = split(Array(hostPart), at: Octet.semicolon)
        let (host, port) = try parseHostPort(pieces.first ?? [])
        return SIPURI(scheme: scheme, user: user, password: password, host: host, port: port,
                      parameters: try uriParameters(pieces.dropFirst()), headers: headers)
    }

    /// `host [":" port]`, the host a name, IPv4 address or bracketed IPv6 reference.
    static func parseHostPort(_ bytes: [UInt8]) throws(SIPError) -> (host: String, port: Int?) {
        var scanner = SIPScanner(bytes: bytes)
        let host: String
        if scanner.consume(Octet.leftBracket) {
            let inner = scanner.scan(while: SIPScanner.isIPv6Character)
            guard !inner.isEmpty, inner.contains(":"), scanner.consume(Octet.rightBracket) else {
                throw .badURI("malformed IPv6 reference in '\(String(decoding: bytes, as: UTF8.self))'")
            }
            host = "[" + inner + "]"
        } else {
            host = scanner.scan(while: SIPScanner.isHostCharacter)
            guard !host.isEmpty else { throw .badURI("no host in '\(String(decoding: bytes, as: UTF8.self))'") }
        }
        var port: Int?
        if scanner.consume(Octet.colon) {
            let digits = scanner.scan(while: SIPScanner.isDigit)
            guard let value = SIPScanner.decimal(digits, maximum: 65535) else {
                throw .badURI("bad port in '\(String(decoding: bytes, as: UTF8.self))'")
            }
            port = value
        }
        guard scanner.isAtEnd else {
            throw .badURI("unexpected '\(scanner.rest.prefix(40))' after the host")
        }
        return (host, port)
    }

    private static func uriParameters(_ pieces: ArraySlice<[UInt8]>) throws(SIPError) -> [SIPParameter] {
        var parameters: [SIPParameter] = []
        for piece in pieces {
            let name: [UInt8]
            var value: String?
            if let equals = piece.firstIndex(of: Octet.equals) {
                name = Array(piece[..<equals])
                value = String(decoding: piece[(equals + 1)...], as: UTF8.self)
            } else {
                name = piece
            }
            guard !name.isEmpty else { throw .badURI("a URI parameter without a name") }
            parameters.append(SIPParameter(name: String(decoding: name, as: UTF8.self), value: value))
        }
        return parameters
    }

    private static func split(_ bytes: [UInt8], at separator: UInt8) -> [[UInt8]] {
        bytes.split(separator: separator, omittingEmptySubsequences: false).map(Array.init)
    }
}

/// One Via value (RFC 3261 20.42): the transport and address a response goes
/// back to, and the branch that names the transaction.
///
/// ```
/// SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport=5060;received=198.51.100.7
///         └┬┘ └───┬───┘ └┬─┘ └──────────────────────┬──────────────────────────────┘
///    transport   host   port                    parameters
/// ```
///
/// Linear white space is allowed around `/`, `:`, `;` and `=` (`SIP / 2.0 / UDP
/// host ; branch = x`); ``description`` writes the compact form.
public struct Via: Hashable, Sendable, CustomStringConvertible {
    /// `UDP`, `TCP`, `TLS`, ... as written.
    public var transport: String
    /// The sent-by host: a name, an IPv4 address or a bracketed IPv6 reference.
    public var host: String
    /// The sent-by port, when written.
    public var port: Int?
    /// The Via parameters (`branch`, `received`, `rport`, `maddr`, `ttl`, ...), in order.
    public var parameters: [SIPParameter]

    /// The `rport` parameter (RFC 3581): absent, requested (`;rport`), or filled in.
    public enum RPort: Hashable, Sendable {
        case absent
        case flag
        case value(Int)
    }

    /// A Via; with a `branch`, it is the first parameter.
    public init(transport: String = "UDP", host: String, port: Int? = nil, branch: String? = nil,
                parameters: [SIPParameter] = []) {
        self.transport = transport
        self.host = host
        self.port = port
        self.parameters = (branch.map { [SIPParameter(name: "branch", value: $0)] } ?? []) + parameters
    }

    /// The `branch` parameter; setting nil removes it.
    public var branch: String? {
        get { parameters.value(of: "branch") ?? nil }
        set { parameters.set("branch", newValue.map { .some($0) }) }
    }

    /// The `received` parameter (RFC 3261 18.2.1); setting nil removes it.
    public var received: String? {
        get { parameters.value(of: "received") ?? nil }
        set { parameters.set("received", newValue.map { .some($0) }) }
    }

    /// The `rport` parameter (RFC 3581).
    public var rport: RPort {
        get {
            switch parameters.value(of: "rport") {
            case .none: .absent
            case .some(.none): .flag
            case .some(.some(let text)): SIPScanner.decimal(text, maximum: 65535).map { .value($0) } ?? .flag
            }
        }
        set {
            switch newValue {
            case .absent: parameters.set("rport", nil)
            case .flag: parameters.set("rport", .some(nil))
            case .value(let port): parameters.set("rport", .some("\(port)"))
            }
        }
    }

    /// The value of the parameter `name` (case-insensitive): nil when absent,
    /// `.some(nil)` when present without a value.
    public func parameter(_ name: String) -> String?? {
        parameters.value(of: name)
    }

    /// Sets (or with nil, removes) the parameter `name`.
    public mutating func setParameter(_ name: String, _ value: String??) {
        parameters.set(name, value)
    }

    /// `host[:port]`, the sent-by.
    public var sentBy: String {
        port.map { "\(host):\($0)" } ?? host
    }

    /// `SIP/2.0/UDP host:port;branch=...`.
    public var description: String {
        "SIP/2.0/\(transport) \(sentBy)\(parameters.rendered)"
    }
}

/// The `rport` states of a Via (``Via/RPort``), also spelled at top level.
public typealias RPort = Via.RPort

extension Via {
    /// Parses one Via value (a single element: split comma-separated lists with
    /// ``SIPHeaders/values(_:)`` first).
    public init(parsing text: some StringProtocol) throws(SIPError) {
        var scanner = SIPScanner(text.trimmingWhitespace)
        let name = scanner.scan(while: SIPScanner.isToken)
        scanner.skipWhitespace()
        guard name.uppercased() == "SIP", scanner.consume(Octet.slash) else {
            throw .badVia("'\(text.prefix(80))' does not start with 'SIP/2.0/'")
        }
        scanner.skipWhitespace()
        let version = scanner.scan(while: SIPScanner.isToken)
        scanner.skipWhitespace()
        guard version == "2.0", scanner.consume(Octet.slash) else {
            throw .badVia("'\(text.prefix(80))' does not start with 'SIP/2.0/'")
        }
        scanner.skipWhitespace()
        let transport = scanner.scan(while: SIPScanner.isToken)
        guard !transport.isEmpty, scanner.skipWhitespace() else {
            throw .badVia("no transport and sent-by in '\(text.prefix(80))'")
        }
        let hostStart = scanner.index
        if scanner.peek == Octet.leftBracket {
            _ = scanner.scan { $0 != Octet.rightBracket }
            _ = scanner.consume(Octet.rightBracket)
        } else {
            _ = scanner.scan(while: SIPScanner.isHostCharacter)
        }
        var hostPort = Array(scanner.bytes[hostStart..<scanner.index])
        scanner.skipWhitespace()
        if scanner.consume(Octet.colon) {
            scanner.skipWhitespace()
            hostPort += [Octet.colon] + Array(scanner.scan(while: SIPScanner.isDigit).utf8)
        }
        let host: String
        let port: Int?
        do throws(SIPError) {
            (host, port) = try SIPURI.parseHostPort(hostPort)
        } catch {
            throw .badVia("bad sent-by in '\(text.prefix(80))': \(error.message)")
        }
        switch scanner.headerParameters() {
        case .success(let parameters):
            self.init(transport: transport, host: host, port: port, parameters: parameters)
        case .failure(let problem):
            throw .badVia("\(problem) in '\(text.prefix(80))'")
        }
        if case .some(.some(let value)) = parameter("rport"), SIPScanner.decimal(value, maximum: 65535) == nil {
            throw .badVia("rport '\(value)' is not a port")
        }
        if case .some(.none) = parameter("branch") { throw .badVia("branch without a value") }
    }
}

/// A SIP response: `SIP/2.0 status reason`, header fields and a body.
public struct SIPResponse: Sendable, Equatable, SIPMessageProtocol {
    /// The status code, 100...699.
    public var status: Int
    /// The reason phrase, as written (may be empty).
    public var reason: String
    /// The header fields, in order.
    public var headers: SIPHeaders
    /// The body (Content-Length bytes of it, as received).
    public var body: [UInt8]

    /// A response; without a reason, the usual phrase for `status` (``reasonPhrase(_:)``).
    public init(status: Int, reason: String? = nil, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.reason = reason ?? Self.reasonPhrase(status)
        self.headers = headers
        self.body = body
    }

    /// Parses a datagram that must hold a response (a request is ``SIPError/badStartLine``).
    public init(parsing bytes: some Collection<UInt8>) throws(SIPError) {
        guard case .response(let response) = try SIPMessage(parsing: bytes) else {
            throw .badStartLine("expected a response, got a request", response: true)
        }
        self = response
    }

    /// 1xx.
    public var isProvisional: Bool { status >= 100 && status < 200 }
    /// 2xx.
    public var isSuccess: Bool { status >= 200 && status < 300 }
    /// 200...699.
    public var isFinal: Bool { status >= 200 }
}

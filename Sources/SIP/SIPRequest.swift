/// A SIP request: `METHOD Request-URI SIP/2.0`, header fields and a body.
public struct SIPRequest: Sendable, Equatable, SIPMessageProtocol {
    /// The method of the request line (and of CSeq).
    public var method: SIPMethod
    /// The Request-URI.
    public var uri: SIPURI
    /// The header fields, in order.
    public var headers: SIPHeaders
    /// The body (Content-Length bytes of it, as received).
    public var body: [UInt8]

    /// A request; ``serialized()`` adds Content-Length.
    public init(method: SIPMethod, uri: SIPURI, headers: SIPHeaders = SIPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
    }

    /// Parses a datagram that must hold a request (a response is ``SIPError/badStartLine``).
    public init(parsing bytes: some Collection<UInt8>) throws(SIPError) {
        guard case .request(let request) = try SIPMessage(parsing: bytes) else {
            throw .badStartLine("expected a request, got a response")
        }
        self = request
    }
}

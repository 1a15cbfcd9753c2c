/// A SIP message (RFC 3261 7): a request or a response, as carried in one UDP datagram.
///
/// ```
/// INVITE sip:bob@biloxi.example.com SIP/2.0                  start line: request line ─┐
///   or SIP/2.0 200 OK                                        ...or status line         │
/// Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds                    │
/// Max-Forwards: 70                                                                     │
/// To: Bob <sip:bob@biloxi.example.com>                       header fields:            │ header
/// From: Alice <sip:alice@atlanta.example.com>;tag=1928301774   name ":" value CRLF     │ section
/// Call-ID: a84b4c76e66710@pc33.atlanta.example.com             (a line starting with   │
/// CSeq: 314159 INVITE                                           SP/HT continues the    │
/// Contact: <sip:alice@pc33.atlanta.example.com>                 previous one)          │
/// Content-Type: application/sdp                                                        │
/// Content-Length: 142                                                                 ─┘
///                                                            empty line (CRLF)
/// v=0                                                        body: Content-Length bytes
/// o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com   (without Content-Length
/// ...                                                         over UDP: the rest of the datagram)
/// ```
///
/// Parse a datagram with ``init(parsing:)``: limits first (``SIP/maxMessageSize``,
/// ``SIP/maxHeaderFields``, ``SIP/maxHeaderFieldLength``), then the start line, the
/// header fields (unfolded, bare LF line endings accepted), the body by
/// Content-Length (RFC 3261 18.3: extra bytes are ignored, missing bytes are an
/// error), and the mandatory headers: Via, From, To, Call-ID and CSeq must be
/// present and readable, and a request's CSeq method must be its method. Every
/// input ends in a message or a ``SIPError``.
///
/// Write with ``serialized()``: the start line, the header fields in order as
/// `Name: value`, a correct `Content-Length`, an empty line and the body.
public enum SIPMessage: Sendable, Equatable {
    case request(SIPRequest)
    case response(SIPResponse)

    /// The request, if this is one.
    public var request: SIPRequest? {
        if case .request(let request) = self { request } else { nil }
    }

    /// The response, if this is one.
    public var response: SIPResponse? {
        if case .response(let response) = self { response } else { nil }
    }
}

extension SIPMessage: SIPMessageProtocol {
    /// The header fields of the request or response.
    public var headers: SIPHeaders {
        get {
            switch self {
            case .request(let request): request.headers
            case .response(let response): response.headers
            }
        }
        set {
            switch self {
            case .request(var request):
                request.headers = newValue
                self = .request(request)
            case .response(var response):
                response.headers = newValue
                self = .response(response)
            }
        }
    }

    /// The body of the request or response.
    public var body: [UInt8] {
        get {
            switch self {
            case .request(let request): request.body
            case .response(let response): response.body
            }
        }
        set {
            switch self {
            case .request(var request):
                request.body = newValue
                self = .request(request)
            case .response(var response):
                response.body = newValue
                self = .response(response)
            }
        }
    }
}

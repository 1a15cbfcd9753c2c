/// What requests and responses share: header fields, a body, and typed
/// accessors for the headers the message layer knows.
///
/// The non-throwing accessors return nil (or `[]`) when a header is missing or
/// cannot be read; the list accessors are all-or-nothing (`[]` when any element
/// is malformed), use the `parsed...()` variants to learn why. A message from
/// ``SIPMessage/init(parsing:)`` always has readable Via, From, To, Call-ID and
/// CSeq; Contact, Route and Record-Route are only read when asked for.
public protocol SIPMessageProtocol: Sendable {
    var headers: SIPHeaders { get set }
    var body: [UInt8] { get set }
}

extension SIPMessageProtocol {
    /// Call-ID; setting nil removes it.
    public var callID: String? {
        get { headers["Call-ID"].map { String($0.trimmingWhitespace) } }
        set { headers["Call-ID"] = newValue }
    }

    /// CSeq; setting nil removes it.
    public var cseq: CSeq? {
        get { headers["CSeq"].flatMap { try? CSeq(parsing: $0) } }
        set { headers["CSeq"] = newValue?.description }
    }

    /// From; setting nil removes it.
    public var from: NameAddress? {
        get { headers["From"].flatMap { try? NameAddress(parsing: $0) } }
        set { headers["From"] = newValue?.description }
    }

    /// To; setting nil removes it.
    public var to: NameAddress? {
        get { headers["To"].flatMap { try? NameAddress(parsing: $0) } }
        set { headers["To"] = newValue?.description }
    }

    /// Max-Forwards; setting nil removes it.
    public var maxForwards: Int? {
        get { headers["Max-Forwards"].flatMap { SIPScanner.decimal($0.trimmingWhitespace, maximum: Int(Int32.max)) } }
        set { headers["Max-Forwards"] = newValue.map { "\($0)" } }
    }

    /// Content-Type, as written (`application/sdp`); setting nil removes it.
    public var contentType: String? {
        get { headers["Content-Type"].map { String($0.trimmingWhitespace) } }
        set { headers["Content-Type"] = newValue }
    }

    /// Content-Length as received (``SIPMessage/serialized()`` always writes the
    /// body's real length instead).
    public var contentLength: Int? {
        headers["Content-Length"].flatMap { SIPScanner.decimal($0.trimmingWhitespace, maximum: SIP.maxMessageSize) }
    }

    /// Every Via value, topmost first; `[]` if any is malformed.
    public var vias: [Via] { (try? parsedVias()) ?? [] }

    /// The topmost Via, if readable.
    public var topVia: Via? { headers.values("Via").first.flatMap { try? Via(parsing: $0) } }

    /// Every Via value, topmost first.
    public func parsedVias() throws(SIPError) -> [Via] {
        var result: [Via] = []
        for value in headers.values("Via") { result.append(try Via(parsing: value)) }
        return result
    }

    /// Every Contact value, in order; `[]` if any is malformed or for the wildcard `*`.
    public var contacts: [NameAddress] { (try? parsedContacts()) ?? [] }
    /// Every Record-Route value, in order; `[]` if any is malformed.
    public var recordRoutes: [NameAddress] { (try? parsedRecordRoutes()) ?? [] }
    /// Every Route value, in order; `[]` if any is malformed.
    public var routes: [NameAddress] { (try? parsedRoutes()) ?? [] }

    /// Every Contact value, in order (the wildcard `*` throws ``SIPError/badAddress``).
    public func parsedContacts() throws(SIPError) -> [NameAddress] { try addresses("Contact") }
    /// Every Record-Route value, in order.
    public func parsedRecordRoutes() throws(SIPError) -> [NameAddress] { try addresses("Record-Route") }
    /// Every Route value, in order.
    public func parsedRoutes() throws(SIPError) -> [NameAddress] { try addresses("Route") }

    /// Whether the message has the wildcard `Contact: *` (REGISTER, RFC 3261 10.2.2).
    public var isWildcardContact: Bool {
        headers.values("Contact") == ["*"]
    }

    private func addresses(_ name: String) throws(SIPError) -> [NameAddress] {
        var result: [NameAddress] = []
        for value in headers.values(name) {
            do throws(SIPError) {
                result.append(try NameAddress(parsing: value))
            } catch {
                throw error.inHeader(name)
            }
        }
        return result
    }
}

extension SIPMessage {
    /// The `400 Bad Request` to answer a datagram that did not parse, or nil when
    /// none can be sent: the input is a response, an ACK (never answered, RFC 3261
    /// 17.2.3), garbage, too large, or a request whose Via, From, To, Call-ID or
    /// CSeq cannot be read (see ``SIPError/canRespond``).
    ///
    /// A lenient pass over `bytes` copies every Via field (in order), From, To
    /// (with `toTag` added when it has no tag and can be read), Call-ID and CSeq as
    /// written, as RFC 3261 8.2.6 asks; the reason phrase is the error's
    /// ``SIPError/reasonPhrase`` (`400 Missing Call-ID Header Field`).
    public static func badRequestResponse(
        for bytes: some Collection<UInt8>, error: SIPError, toTag: String? = SIP.newTag()
    ) -> SIPResponse? {
        guard bytes.count <= SIP.maxMessageSize, let scan = BadRequestScan(Array(bytes)) else { return nil }
        var headers = SIPHeaders()
        for via in scan.vias { headers.add("Via", via) }
        headers.add("From", scan.from)
        var to = scan.to
        if let toTag, var address = try? NameAddress(parsing: to), address.tag == nil {
            address.tag = toTag
            to = address.description
        }
        headers.add("To", to)
        headers.add("Call-ID", scan.callID)
        headers.add("CSeq", scan.cseq)
        return SIPResponse(status: 400, reason: error.reasonPhrase, headers: headers)
    }
}

/// What a 400 needs from a request that did not parse: read leniently, skipping
/// header fields that cannot be read. Nil for responses, ACKs and anything
/// without the five header fields (or without a readable top Via). A response
/// starts with `SIP/`, which is not a method token.
struct BadRequestScan {
    /// The Via field values, as written, in order.
    let vias: [String]
    let from: String
    let to: String
    let callID: String
    let cseq: String

    init?(_ data: [UInt8]) {
        guard data.count <= SIP.maxMessageSize,
              let head = try? SIPHead(data, lenient: true),
              let startLine = head.lines.first
        else { return nil }
        let line = data[startLine]
        let method = line.prefix { $0 != Octet.space }
        guard method.count < line.count, !method.isEmpty, method.allSatisfy(SIPScanner.isToken),
              Array(method) != Array("ACK".utf8),
              let fields = try? head.fields(data, lenient: true)
        else { return nil }
        let headers = SIPHeaders(fields)
        func single(_ name: String) -> String? {
            guard let value = headers[name], !value.trimmingWhitespace.isEmpty else { return nil }
            return value
        }
        let vias = fields.filter { SIPHeaders.canonicalName($0.name) == "via" }.map(\.value)
        guard let top = headers.values("Via").first, (try? Via(parsing: top)) != nil,
              let from = single("From"), let to = single("To"), let callID = single("Call-ID"), let cseq = single("CSeq")
        else { return nil }
        self.vias = vias
        self.from = from
        self.to = to
        self.callID = callID
        self.cseq = cseq
    }
}

extension SIP {
    /// The most header fields a message may have (RFC 3261 sets no limit; this one
    /// bounds the work a datagram can cause).
    public static let maxHeaderFields = 256
    /// The longest header field, name and folded lines included, in bytes.
    public static let maxHeaderFieldLength = 8192
}

extension SIPMessage {
    /// Parses one datagram (`[UInt8]`, an `ArraySlice`, ...).
    ///
    /// Leading CRLFs are skipped (RFC 3261 7.5); an input of only line breaks is
    /// ``SIPError/emptyInput``. Errors from a request whose Via, From, To, Call-ID
    /// and CSeq were readable have ``SIPError/canRespond`` set.
    public init(parsing bytes: some Collection<UInt8>) throws(SIPError) {
        let count = bytes.count
        guard count <= SIP.maxMessageSize else {
            throw .tooLarge("\(count) bytes, the limit is \(SIP.maxMessageSize)")
        }
        let data = Array(bytes)
        do throws(SIPError) {
            self = try SIPMessageParser.parse(data)
        } catch {
            throw error.responding(BadRequestScan(data) != nil)
        }
    }
}

/// The strict parser behind ``SIPMessage/init(parsing:)``.
enum SIPMessageParser {
    static func parse(_ data: [UInt8]) throws(SIPError) -> SIPMessage {
        let head = try SIPHead(data, lenient: false)
        guard let first = head.lines.first else { throw .emptyInput("only line breaks") }
        let start = try StartLine(data[first])
        let headers = SIPHeaders(try head.fields(data, lenient: false))

        for name in ["Via", "From", "To", "Call-ID", "CSeq"] where headers.values(name).isEmpty {
            throw .missingHeader(name)
        }
        for name in ["From", "To", "Call-ID", "CSeq", "Max-Forwards", "Content-Length"] where headers.count(of: name) > 1 {
            throw .duplicateHeader(name)
        }
        let body = try body(data, from: head.bodyStart, headers: headers)
        let cseq = try CSeq(parsing: headers["CSeq"] ?? "")
        if case .request(let method, _) = start, cseq.method != method {
            throw .cseqMismatch("CSeq method \(cseq.method) in a \(method) request")
        }
        let callID = (headers["Call-ID"] ?? "").trimmingWhitespace
        guard !callID.isEmpty, !callID.contains(" "), !callID.contains("\t") else {
            throw .badCallID("Call-ID '\(callID.prefix(80))' is empty or has white space")
        }
        for value in headers.values("Via") { _ = try Via(parsing: value) }
        for name in ["From", "To"] {
            do throws(SIPError) {
                _ = try NameAddress(parsing: headers[name] ?? "")
            } catch {
                throw error.inHeader(name)
            }
        }
        if let maxForwards = headers["Max-Forwards"],
           SIPScanner.decimal(maxForwards.trimmingWhitespace, maximum: Int(Int32.max)) == nil {
            throw .badMaxForwards("'\(maxForwards.prefix(40))' is not a number")
        }
        switch start {
        case .request(let method, let uri):
            return .request(SIPRequest(method: method, uri: uri, headers: headers, body: body))
        case .response(let status, let reason):
            return .response(SIPResponse(status: status, reason: reason, headers: headers, body: body))
        }
    }

    /// The body by Content-Length, or the rest of the datagram without one (RFC 3261 18.3).
    private static func body(_ data: [UInt8], from start: Int, headers: SIPHeaders) throws(SIPError) -> [UInt8] {
        let available = data.count - start
        guard let text = headers["Content-Length"] else { return Array(data[start...]) }
        let trimmed = text.trimmingWhitespace
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy(SIPScanner.isDigit) else {
            throw .badContentLength("'\(trimmed.prefix(40))' is not a number")
        }
        guard let length = SIPScanner.decimal(trimmed, maximum: available) else {
            throw .badContentLength("\(trimmed.prefix(40)) bytes announced, \(available) present")
        }
        return Array(data[start..<(start + length)])
    }
}

/// The first line of a message.
enum StartLine {
    case request(SIPMethod, SIPURI)
    case response(Int, String)

    init(_ bytes: ArraySlice<UInt8>) throws(SIPError) {
        if bytes.contains(0) { throw .nulByte("NUL byte in the start line") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidUTF8("the start line is not UTF-8")
        }
        let prefix = Array(bytes.prefix(4))
        let isResponse = prefix.count == 4 && prefix[0] & 0xDF == 0x53 && prefix[1] & 0xDF == 0x49
            && prefix[2] & 0xDF == 0x50 && prefix[3] == Octet.slash  // "SIP/", any case
        if bytes.contains(where: { ($0 < 0x20 && $0 != Octet.tab) || $0 == 0x7F }) {
            throw .badStartLine("control character in the start line", response: isResponse)
        }
        self = isResponse ? try Self.statusLine(text) : try Self.requestLine(text)
    }

    private static func requestLine(_ text: String) throws(SIPError) -> Self {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts.contains(where: \.isEmpty) else {
            throw .badStartLine("'\(text.prefix(80))' is not 'METHOD SP Request-URI SP SIP/2.0'")
        }
        guard SIPMethod.isValidToken(parts[0]) else {
            throw .badStartLine("'\(parts[0].prefix(40))' is not a method token")
        }
        try checkVersion(parts[2], line: text)
        do throws(SIPError) {
            let uri = try SIPURI(parsing: parts[1])
            if uri.headers != nil { throw SIPError.badURI("headers are not allowed in a Request-URI") }
            return .request(SIPMethod(String(parts[0])), uri)
        } catch {
            throw .badRequestURI(error.message)
        }
    }

    private static func statusLine(_ text: String) throws(SIPError) -> Self {
        let bytes = Array(text.utf8)
        let versionEnd = bytes.firstIndex(of: Octet.space) ?? bytes.count
        try checkVersion(String(decoding: bytes[..<versionEnd], as: UTF8.self), line: text, response: true)
        let codeStart = versionEnd + 1
        let codeEnd = codeStart + 3
        guard codeEnd <= bytes.count, bytes[codeStart..<codeEnd].allSatisfy(SIPScanner.isDigit),
              codeEnd == bytes.count || bytes[codeEnd] == Octet.space,
              let status = SIPScanner.decimal(String(decoding: bytes[codeStart..<codeEnd], as: UTF8.self), maximum: 699),
              status >= 100
        else { throw .badStartLine("'\(text.prefix(80))' is not 'SIP/2.0 SP 3DIGIT SP reason'", response: true) }
        let reason = codeEnd < bytes.count ? String(decoding: bytes[(codeEnd + 1)...], as: UTF8.self) : ""
        return .response(status, reason)
    }

    /// `SIP/2.0` (case-insensitive); another `SIP/x.y` is ``SIPError/unsupportedVersion``.
    private static func checkVersion(_ version: some StringProtocol, line: String, response: Bool = false) throws(SIPError) {
        let upper = version.uppercased()
        if upper == "SIP/2.0" { return }
        let numbers = upper.dropFirst(4).split(separator: ".", omittingEmptySubsequences: false)
        if upper.hasPrefix("SIP/"), numbers.count == 2,
           numbers.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(SIPScanner.isDigit) }) {
            throw .unsupportedVersion("'\(version.prefix(20))'; only SIP/2.0 is supported")
        }
        throw .badStartLine("'\(line.prefix(80))': no SIP version where one should be", response: response)
    }
}

extension SIPRequest {
    /// The request on the wire: `METHOD uri SIP/2.0`, the header fields in order,
    /// a `Content-Length` of the body's real size, an empty line and the body.
    /// See ``SIPMessage/serialized()``.
    public func serialized() -> [UInt8] {
        SIPWriter.write(startLine: "\(method) \(uri) SIP/2.0", headers: headers, body: body)
    }
}

extension SIPResponse {
    /// The response on the wire: `SIP/2.0 status reason`, the header fields in
    /// order, a `Content-Length` of the body's real size, an empty line and the body.
    /// See ``SIPMessage/serialized()``.
    public func serialized() -> [UInt8] {
        SIPWriter.write(startLine: "SIP/2.0 \(status) \(reason)", headers: headers, body: body)
    }
}

extension SIPMessage {
    /// The message on the wire, CRLF line endings.
    ///
    /// Header fields are written in order as `Name: value`, names as given. Any
    /// `Content-Length` (or `l`) is replaced, in place, by one `Content-Length`
    /// with the body's size; without one it is added after the last field. CR, LF
    /// and NUL in names, values or the start line are written as spaces, so no
    /// value can inject a header line; values should not start or end with white
    /// space, which parsing trims. Reading the output back gives an equal message
    /// (apart from Content-Length).
    public func serialized() -> [UInt8] {
        switch self {
        case .request(let request): request.serialized()
        case .response(let response): response.serialized()
        }
    }
}

enum SIPWriter {
    static func write(startLine: String, headers: SIPHeaders, body: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + body.count)
        append(startLine, to: &out)
        out += [Octet.carriageReturn, Octet.lineFeed]
        var wroteLength = false
        for (name, value) in headers {
            if SIPHeaders.canonicalName(name) == "content-length" {
                if !wroteLength { appendLength(body.count, to: &out) }
                wroteLength = true
                continue
            }
            append(name, to: &out)
            out += [Octet.colon, Octet.space]
            append(value, to: &out)
            out += [Octet.carriageReturn, Octet.lineFeed]
        }
        if !wroteLength { appendLength(body.count, to: &out) }
        out += [Octet.carriageReturn, Octet.lineFeed]
        out += body
        return out
    }

    private static func appendLength(_ length: Int, to out: inout [UInt8]) {
        out += Array("Content-Length: \(length)\r\n".utf8)
    }

    /// `text`, with CR, LF and NUL written as spaces.
    private static func append(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 {
            out.append(byte == Octet.carriageReturn || byte == Octet.lineFeed || byte == 0 ? Octet.space : byte)
        }
    }
}

extension SIPRequest {
    /// A response to this request, as a UAS builds it (RFC 3261 8.2.6).
    ///
    /// Copies every Via field (in order, values as received), From, To, Call-ID
    /// and CSeq; when To has no tag and `toTag` is given, adds it (8.2.6.2: every
    /// response but 100 needs one, and it must be the same for all responses of the
    /// dialog). A `100` also copies Timestamp (8.2.6.1). With a `contentType`, sets
    /// Content-Type. Record-Route is not copied: a dialog-creating response
    /// (RFC 3261 12.1.1) must copy it too, which is the dialog layer's business.
    public func makeResponse(
        status: Int, reason: String? = nil, toTag: String? = nil, body: [UInt8] = [], contentType: String? = nil
    ) -> SIPResponse {
        var response = SIPHeaders()
        for (name, value) in headers where SIPHeaders.canonicalName(name) == "via" {
            response.add("Via", value)
        }
        if let from = headers["From"] { response.add("From", from) }
        if let to = headers["To"] {
            if let toTag, var address = try? NameAddress(parsing: to), address.tag == nil {
                address.tag = toTag
                response.add("To", address.description)
            } else {
                response.add("To", to)
            }
        }
        if let callID = headers["Call-ID"] { response.add("Call-ID", callID) }
        if let cseq = headers["CSeq"] { response.add("CSeq", cseq) }
        if status == 100, let timestamp = headers["Timestamp"] { response.add("Timestamp", timestamp) }
        if let contentType { response.add("Content-Type", contentType) }
        return SIPResponse(status: status, reason: reason, headers: response, body: body)
    }
}

extension SIPResponse {
    /// The usual reason phrase for `status` (RFC 3261 21 and extensions); for an
    /// unknown code, the phrase of its class (`x00`), and `Unknown` outside 100...699.
    public static func reasonPhrase(_ status: Int) -> String {
        if let phrase = phrases[status] { return phrase }
        if status >= 100, status < 700, let phrase = phrases[status / 100 * 100] { return phrase }
        return "Unknown"
    }

    private static let phrases: [Int: String] = [
        100: "Trying", 180: "Ringing", 181: "Call Is Being Forwarded", 182: "Queued",
        183: "Session Progress", 199: "Early Dialog Terminated",
        200: "OK", 202: "Accepted", 204: "No Notification",
        300: "Multiple Choices", 301: "Moved Permanently", 302: "Moved Temporarily", 305: "Use Proxy",
        380: "Alternative Service",
        400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required",
        408: "Request Timeout", 410: "Gone", 412: "Conditional Request Failed", 413: "Request Entity Too Large",
        414: "Request-URI Too Long", 415: "Unsupported Media Type", 416: "Unsupported URI Scheme",
        420: "Bad Extension", 421: "Extension Required", 422: "Session Interval Too Small",
        423: "Interval Too Brief", 429: "Provide Referrer Identity", 480: "Temporarily Unavailable",
        481: "Call/Transaction Does Not Exist", 482: "Loop Detected", 483: "Too Many Hops",
        484: "Address Incomplete", 485: "Ambiguous", 486: "Busy Here", 487: "Request Terminated",
        488: "Not Acceptable Here", 489: "Bad Event", 491: "Request Pending", 493: "Undecipherable",
        500: "Server Internal Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
        504: "Server Time-out", 505: "Version Not Supported", 513: "Message Too Large",
        580: "Precondition Failure",
        600: "Busy Everywhere", 603: "Decline", 604: "Does Not Exist Anywhere", 606: "Not Acceptable",
    ]
}

/// The errors of the SIP message layer: a message, URI or header value that
/// cannot be read.
///
/// Two errors are equal when they are of the same kind (`error == .badCSeq`);
/// ``message``, ``reasonPhrase`` and ``canRespond`` are context. Never raised by a
/// trap: every input, however hostile, ends in a value or one of these.
///
/// When ``canRespond`` is true the input was a request (not an ACK) whose Via,
/// From, To, Call-ID and CSeq could be read, so a `400` can be sent back:
/// ``SIPMessage/badRequestResponse(for:error:)`` builds it, with ``reasonPhrase``
/// as its reason (RFC 3261 21.4.1: "the reason phrase SHOULD identify the syntax
/// problem in more detail").
public struct SIPError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case emptyInput = "empty message"
        case tooLarge = "message too large"
        case tooManyHeaders = "too many header fields"
        case headerTooLong = "header field too long"
        case nulByte = "NUL byte"
        case invalidUTF8 = "invalid UTF-8"
        case incompleteMessage = "incomplete message"
        case badStartLine = "malformed start line"
        case unsupportedVersion = "unsupported SIP version"
        case badRequestURI = "malformed Request-URI"
        case malformedHeader = "malformed header field"
        case missingHeader = "missing header field"
        case duplicateHeader = "duplicate header field"
        case badContentLength = "bad Content-Length"
        case badCSeq = "malformed CSeq"
        case cseqMismatch = "CSeq method does not match the request method"
        case badCallID = "malformed Call-ID"
        case badMaxForwards = "malformed Max-Forwards"
        case badVia = "malformed Via"
        case badAddress = "malformed address"
        case badURI = "malformed URI"
    }

    private let code: Code
    /// What exactly is wrong, for people (logs). May quote parts of the input.
    public let message: String
    /// A short, single-line text naming the problem, safe for a response's reason
    /// phrase (it never quotes the input): `Missing Call-ID Header Field`.
    public let reasonPhrase: String
    /// Whether a `400 Bad Request` can be answered: the input was a request other
    /// than ACK whose Via, From, To, Call-ID and CSeq header fields could be read.
    /// Set by ``SIPMessage/init(parsing:)``; false for errors made elsewhere.
    public internal(set) var canRespond: Bool

    private init(_ code: Code, _ message: String = "", reason: String? = nil) {
        self.code = code
        self.message = message
        self.reasonPhrase = reason ?? Self.defaultReason(code)
        self.canRespond = false
    }

    private static func defaultReason(_ code: Code) -> String {
        switch code {
        case .emptyInput: "Empty Message"
        case .tooLarge: "Message Too Large"
        case .tooManyHeaders: "Too Many Header Fields"
        case .headerTooLong: "Header Field Too Long"
        case .nulByte: "NUL Byte In Message"
        case .invalidUTF8: "Header Field Not UTF-8"
        case .incompleteMessage: "Incomplete Message"
        case .badStartLine: "Malformed Request-Line"
        case .unsupportedVersion: "SIP Version Not Supported"
        case .badRequestURI: "Malformed Request-URI"
        case .malformedHeader: "Malformed Header Field"
        case .missingHeader: "Missing Header Field"
        case .duplicateHeader: "Duplicate Header Field"
        case .badContentLength: "Bad Content-Length"
        case .badCSeq: "Malformed CSeq Header Field"
        case .cseqMismatch: "CSeq Method Does Not Match Request Method"
        case .badCallID: "Malformed Call-ID Header Field"
        case .badMaxForwards: "Malformed Max-Forwards Header Field"
        case .badVia: "Malformed Via Header Field"
        case .badAddress: "Malformed Address"
        case .badURI: "Malformed URI"
        }
    }

    /// The input has no bytes, or only line breaks (a keep-alive).
    public static let emptyInput = Self(.emptyInput)
    /// The input is larger than ``SIP/maxMessageSize``.
    public static let tooLarge = Self(.tooLarge)
    /// More than ``SIP/maxHeaderFields`` header fields.
    public static let tooManyHeaders = Self(.tooManyHeaders)
    /// A header field (after unfolding) longer than ``SIP/maxHeaderFieldLength`` bytes.
    public static let headerTooLong = Self(.headerTooLong)
    /// A NUL byte in the start line or the header section.
    public static let nulByte = Self(.nulByte)
    /// The start line or a header field is not valid UTF-8.
    public static let invalidUTF8 = Self(.invalidUTF8)
    /// The header section does not end with an empty line (a truncated datagram).
    public static let incompleteMessage = Self(.incompleteMessage)
    /// The first line is neither `METHOD SP Request-URI SP SIP/2.0` nor
    /// `SIP/2.0 SP 3DIGIT SP reason` (extra spaces, a bad method token or status code).
    public static let badStartLine = Self(.badStartLine)
    /// A well-formed start line with a version other than `SIP/2.0`.
    public static let unsupportedVersion = Self(.unsupportedVersion)
    /// The Request-URI is not a URI, or it carries `?headers` (RFC 3261 19.1.1).
    public static let badRequestURI = Self(.badRequestURI)
    /// A header line without a colon, with a name that is not a token, a stray CR,
    /// or a continuation line before the first header field.
    public static let malformedHeader = Self(.malformedHeader)
    /// One of Via, From, To, Call-ID or CSeq is missing.
    public static let missingHeader = Self(.missingHeader)
    /// A header field that must appear once appears more than once
    /// (From, To, Call-ID, CSeq, Max-Forwards, Content-Length).
    public static let duplicateHeader = Self(.duplicateHeader)
    /// Content-Length is not a number, or larger than the bytes that follow the header section.
    public static let badContentLength = Self(.badContentLength)
    /// CSeq is not `number SP method`, or the number does not fit 32 bits.
    public static let badCSeq = Self(.badCSeq)
    /// The CSeq method of a request is not the method of its request line.
    public static let cseqMismatch = Self(.cseqMismatch)
    /// An empty Call-ID, or one with white space in it.
    public static let badCallID = Self(.badCallID)
    /// Max-Forwards is present but not a number.
    public static let badMaxForwards = Self(.badMaxForwards)
    /// A Via value that is not `SIP/2.0/transport host[:port]*(;param)`.
    public static let badVia = Self(.badVia)
    /// A From, To, Contact, Route or Record-Route value that is not a name-addr or addr-spec
    /// with parameters (an unbalanced quote, a non-token display name, a wildcard Contact, ...).
    public static let badAddress = Self(.badAddress)
    /// A URI that cannot be read (no scheme, bad host or port, a forbidden character).
    public static let badURI = Self(.badURI)

    static func emptyInput(_ message: String) -> Self { Self(.emptyInput, message) }
    static func tooLarge(_ message: String) -> Self { Self(.tooLarge, message) }
    static func tooManyHeaders(_ message: String) -> Self { Self(.tooManyHeaders, message) }
    static func headerTooLong(_ message: String) -> Self { Self(.headerTooLong, message) }
    static func nulByte(_ message: String) -> Self { Self(.nulByte, message) }
    static func invalidUTF8(_ message: String) -> Self { Self(.invalidUTF8, message) }
    static func incompleteMessage(_ message: String) -> Self { Self(.incompleteMessage, message) }
    static func badStartLine(_ message: String, response: Bool = false) -> Self {
        Self(.badStartLine, message, reason: response ? "Malformed Status-Line" : nil)
    }
    static func unsupportedVersion(_ message: String) -> Self { Self(.unsupportedVersion, message) }
    static func badRequestURI(_ message: String) -> Self { Self(.badRequestURI, message) }
    static func malformedHeader(_ message: String) -> Self { Self(.malformedHeader, message) }
    static func missingHeader(_ name: String) -> Self {
        Self(.missingHeader, "no \(name) header field", reason: "Missing \(name) Header Field")
    }
    static func duplicateHeader(_ name: String) -> Self {
        Self(.duplicateHeader, "more than one \(name) header field", reason: "Duplicate \(name) Header Field")
    }
    static func badContentLength(_ message: String) -> Self { Self(.badContentLength, message) }
    static func badCSeq(_ message: String) -> Self { Self(.badCSeq, message) }
    static func cseqMismatch(_ message: String) -> Self { Self(.cseqMismatch, message) }
    static func badCallID(_ message: String) -> Self { Self(.badCallID, message) }
    static func badMaxForwards(_ message: String) -> Self { Self(.badMaxForwards, message) }
    static func badVia(_ message: String) -> Self { Self(.badVia, message) }
    static func badAddress(_ message: String, header: String? = nil) -> Self {
        Self(.badAddress, message, reason: header.map { "Malformed \($0) Header Field" })
    }
    static func badURI(_ message: String) -> Self { Self(.badURI, message) }

    /// The same error, found in `header` (a From, To, ... value); for the reason phrase.
    func inHeader(_ header: String) -> Self {
        switch code {
        case .badAddress, .badURI:
            Self(.badAddress, "\(header): \(message)", reason: "Malformed \(header) Header Field")
        default: self
        }
    }

    /// The same error with ``canRespond`` set.
    func responding(_ canRespond: Bool) -> Self {
        var copy = self
        copy.canRespond = canRespond
        return copy
    }

    /// A stable machine-readable name for the kind of error (`"bad_cseq"`, `"missing_header"`,
    /// `"unsupported_version"`), for logs and metrics labels.
    public var kind: String {
        var result = ""
        var previousLower = false
        for character in String(describing: code) {
            if character.isUppercase, previousLower { result += "_" }
            previousLower = character.isLowercase
            result += character.lowercased()
        }
        return result
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `malformed CSeq: sequence number '99999999999' does not fit 32 bits`.
    public var description: String {
        message.isEmpty ? code.rawValue : code.rawValue + ": " + message
    }
}

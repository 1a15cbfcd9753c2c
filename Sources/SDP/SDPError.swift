/// The errors of the SDP module: a parse error with the line it was found on,
/// or a negotiation error.
///
/// Two errors are equal when they are of the same kind (`error == .badPort`);
/// ``line`` and ``message`` are context. Never raised by a trap: every input,
/// however hostile, ends in a value or one of these.
public struct SDPError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case emptyInput = "empty session description"
        case tooLarge = "session description too large"
        case nulByte = "NUL byte"
        case invalidUTF8 = "invalid UTF-8"
        case controlCharacter = "control character"
        case malformedLine = "malformed line"
        case unknownLineType = "unknown line type"
        case unexpectedLine = "line not allowed here"
        case missingVersion = "missing v= line"
        case missingOrigin = "missing o= line"
        case missingSessionName = "missing s= line"
        case missingTiming = "missing t= line"
        case missingConnection = "missing c= line"
        case badMediaLine = "bad m= line"
        case badPort = "bad port"
        case badRTPMap = "bad rtpmap"
        case badAttribute = "bad attribute"
        case badCrypto = "bad crypto"
        case duplicateAttribute = "duplicate attribute"
        case unsupportedMedia = "unsupported media"
        case invalidRequest = "invalid request"
    }

    private let code: Code
    /// The 1-based line the error was found on, when it concerns a line of text.
    public let line: Int?
    /// What exactly is wrong, for people (logs, problem details).
    public let message: String

    private init(_ code: Code, line: Int? = nil, _ message: String = "") {
        self.code = code
        self.line = line
        self.message = message
    }

    /// The input has no lines at all.
    public static let emptyInput = Self(.emptyInput)
    /// The input is over one of the ``SDPLimits`` (bytes, lines or media sections).
    public static let tooLarge = Self(.tooLarge)
    /// The input contains a NUL byte (binary data, or a C-string attack).
    public static let nulByte = Self(.nulByte)
    /// A line is not valid UTF-8.
    public static let invalidUTF8 = Self(.invalidUTF8)
    /// A line contains a control character other than horizontal tab (a lone CR included).
    public static let controlCharacter = Self(.controlCharacter)
    /// A line is not `<type>=<value>`, or a field of a known line is malformed (`o=`, `c=`, `b=`, `t=`, `v=`).
    public static let malformedLine = Self(.malformedLine)
    /// A line type letter that SDP does not define (RFC 8866 says reject).
    public static let unknownLineType = Self(.unknownLineType)
    /// A known line type in the wrong place: out of order, repeated, or at the wrong level.
    public static let unexpectedLine = Self(.unexpectedLine)
    /// The first line is not `v=`.
    public static let missingVersion = Self(.missingVersion)
    /// The second line is not `o=`.
    public static let missingOrigin = Self(.missingOrigin)
    /// The third line is not `s=`.
    public static let missingSessionName = Self(.missingSessionName)
    /// No `t=` line before the first `m=` line.
    public static let missingTiming = Self(.missingTiming)
    /// A media section has no `c=` line and there is none at session level.
    public static let missingConnection = Self(.missingConnection)
    /// An `m=` line with too few fields or a bad format list.
    public static let badMediaLine = Self(.badMediaLine)
    /// A port that is not a number or not in 0...65535 (`m=`, `a=rtcp`).
    public static let badPort = Self(.badPort)
    /// An `a=rtpmap` that is not `<pt> <encoding>/<clock rate>[/<channels>]`.
    public static let badRTPMap = Self(.badRTPMap)
    /// A malformed typed attribute (`a=fmtp`, `a=ptime`, `a=maxptime`, `a=rtcp`).
    public static let badAttribute = Self(.badAttribute)
    /// A malformed `a=crypto` (RFC 4568): bad tag, key not base64, wrong key length, bad lifetime or MKI.
    public static let badCrypto = Self(.badCrypto)
    /// An attribute repeated where it must be unique (two rtpmaps for one payload type, two directions, ...).
    public static let duplicateAttribute = Self(.duplicateAttribute)
    /// Negotiation: the offer or answer has nothing we can carry (no supported audio codec,
    /// an unsupported profile, SAVP without a usable `a=crypto`, a rejected stream).
    /// Maps to HTTP 488-like `unsupported_media` and SIP 488.
    public static let unsupportedMedia = Self(.unsupportedMedia)
    /// Negotiation: the caller asked for something impossible (unknown codec or profile,
    /// a key of the wrong length from the key provider).
    public static let invalidRequest = Self(.invalidRequest)

    static func emptyInput(_ message: String) -> Self { Self(.emptyInput, line: 1, message) }
    static func tooLarge(line: Int, _ message: String) -> Self { Self(.tooLarge, line: line, message) }
    static func nulByte(line: Int) -> Self { Self(.nulByte, line: line, "NUL byte in the input") }
    static func invalidUTF8(line: Int) -> Self { Self(.invalidUTF8, line: line, "line is not valid UTF-8") }
    static func controlCharacter(line: Int, _ byte: UInt8) -> Self {
        let hex = String(byte, radix: 16, uppercase: true)
        return Self(.controlCharacter, line: line, "control character 0x\(hex.count == 1 ? "0" + hex : hex) in line")
    }
    static func malformedLine(line: Int, _ message: String) -> Self { Self(.malformedLine, line: line, message) }
    static func unknownLineType(line: Int, _ type: String) -> Self {
        Self(.unknownLineType, line: line, "unknown line type '\(type)='")
    }
    static func unexpectedLine(line: Int, _ message: String) -> Self { Self(.unexpectedLine, line: line, message) }
    static func missingVersion(line: Int) -> Self { Self(.missingVersion, line: line, "the first line must be v=0") }
    static func missingOrigin(line: Int) -> Self { Self(.missingOrigin, line: line, "the second line must be o=") }
    static func missingSessionName(line: Int) -> Self {
        Self(.missingSessionName, line: line, "the third line must be s=")
    }
    static func missingTiming(line: Int) -> Self {
        Self(.missingTiming, line: line, "no t= line in the session section")
    }
    static func missingConnection(line: Int) -> Self {
        Self(.missingConnection, line: line, "media section has no c= line and there is none at session level")
    }
    static func badMediaLine(line: Int, _ message: String) -> Self { Self(.badMediaLine, line: line, message) }
    static func badPort(line: Int, _ message: String) -> Self { Self(.badPort, line: line, message) }
    static func badRTPMap(line: Int, _ message: String) -> Self { Self(.badRTPMap, line: line, message) }
    static func badAttribute(line: Int, _ message: String) -> Self { Self(.badAttribute, line: line, message) }
    static func badCrypto(line: Int, _ message: String) -> Self { Self(.badCrypto, line: line, message) }
    static func duplicateAttribute(line: Int, _ message: String) -> Self {
        Self(.duplicateAttribute, line: line, message)
    }
    static func unsupportedMedia(_ message: String) -> Self { Self(.unsupportedMedia, message) }
    static func invalidRequest(_ message: String) -> Self { Self(.invalidRequest, message) }

    /// A stable machine-readable name for the kind of error (`"bad_port"`, `"bad_rtp_map"`, `"unsupported_media"`),
    /// for problem details and metrics labels.
    public var kind: String {
        let name = Array(String(describing: code))
        var result = ""
        for (index, character) in name.enumerated() {
            if character.isUppercase, index > 0 {
                let previousLower = name[index - 1].isLowercase
                let nextLower = index + 1 < name.count && name[index + 1].isLowercase
                if previousLower || (nextLower && name[index - 1].isUppercase) { result += "_" }
            }
            result += character.lowercased()
        }
        return result
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// `line 5: bad port: port '70000' is not in 0...65535`.
    public var description: String {
        var text = ""
        if let line { text += "line \(line): " }
        text += code.rawValue
        if !message.isEmpty { text += ": " + message }
        return text
    }
}

/// A request method (RFC 3261 7.1 and its extensions). Methods are case-sensitive:
/// `INVITE` is ``invite``, `invite` is `.other("invite")`.
///
/// Build from a wire token with ``init(_:)``, which maps the known methods to
/// their cases; two methods are equal when their tokens are
/// (`.other("INVITE") == .invite`).
public enum SIPMethod: Hashable, Sendable, CustomStringConvertible {
    case invite, ack, bye, cancel, options, register, info, update, prack, subscribe, notify, refer, message
    /// Any other method token, as written.
    case other(String)

    /// The method named by `token` (case-sensitive, as RFC 3261 says).
    public init(_ token: String) {
        switch token {
        case "INVITE": self = .invite
        case "ACK": self = .ack
        case "BYE": self = .bye
        case "CANCEL": self = .cancel
        case "OPTIONS": self = .options
        case "REGISTER": self = .register
        case "INFO": self = .info
        case "UPDATE": self = .update
        case "PRACK": self = .prack
        case "SUBSCRIBE": self = .subscribe
        case "NOTIFY": self = .notify
        case "REFER": self = .refer
        case "MESSAGE": self = .message
        default: self = .other(token)
        }
    }

    /// The wire token: `INVITE`, `ACK`, ...
    public var description: String {
        switch self {
        case .invite: "INVITE"
        case .ack: "ACK"
        case .bye: "BYE"
        case .cancel: "CANCEL"
        case .options: "OPTIONS"
        case .register: "REGISTER"
        case .info: "INFO"
        case .update: "UPDATE"
        case .prack: "PRACK"
        case .subscribe: "SUBSCRIBE"
        case .notify: "NOTIFY"
        case .refer: "REFER"
        case .message: "MESSAGE"
        case .other(let token): token
        }
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.description == rhs.description }
    public func hash(into hasher: inout Hasher) { hasher.combine(description) }

    /// Whether `token` is a valid method: a non-empty RFC 3261 `token`.
    static func isValidToken(_ token: some StringProtocol) -> Bool {
        !token.isEmpty && token.utf8.allSatisfy(SIPScanner.isToken)
    }
}

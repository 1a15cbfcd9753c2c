/// Why a supervised child ended.
///
/// ``normal`` and ``shutdown`` are the *normal* reasons (OTP's `normal`, `shutdown` and
/// `{shutdown, Term}`): a `transient` child that ends with one of them is not restarted.
/// Every other reason is abnormal.
public enum ExitReason: Sendable, Hashable, CustomStringConvertible {
    /// The child finished on its own with success (exit status 0).
    case normal
    /// The child was stopped by its supervisor, or was asked to stop and did.
    case shutdown
    /// The child exited on its own with a non-zero status.
    case exitCode(Int32)
    /// The child was killed by a signal that its supervisor did not send as part of a shutdown.
    case signal(Int32)
    /// The child never became ready (spawn error, handshake timeout, ...).
    case failedStart(String)
    /// The child was killed for cause: hung, protocol violation, operator restart, ...
    case killed(String)
    /// The child is a supervisor that reached its restart intensity and gave up.
    case gaveUp

    /// `true` for ``normal`` and ``shutdown``: the reasons after which a `transient` child stays down.
    public var isNormal: Bool {
        switch self {
        case .normal, .shutdown: true
        case .exitCode, .signal, .failedStart, .killed, .gaveUp: false
        }
    }

    public var description: String {
        switch self {
        case .normal: "normal"
        case .shutdown: "shutdown"
        case .exitCode(let code): "exit code \(code)"
        case .signal(let signal): "signal \(signal)"
        case .failedStart(let why): "failed start: \(why)"
        case .killed(let why): "killed: \(why)"
        case .gaveUp: "gave up (restart intensity reached)"
        }
    }
}

/// When a child is restarted after it ends (OTP's `restart` of a child spec).
///
/// | restart type | exit reason normal / shutdown | any other exit reason |
/// | --- | --- | --- |
/// | `permanent` | restarted | restarted |
/// | `transient` | not restarted | restarted |
/// | `temporary` | not restarted (removed) | not restarted (removed) |
public enum RestartType: String, Sendable, Codable, CaseIterable {
    /// Always restarted.
    case permanent
    /// Restarted only after an abnormal exit (see ``ExitReason/isNormal``).
    case transient
    /// Never restarted; removed from its supervisor's children when it ends.
    case temporary

    /// The restart decision table: whether a child of this type that ended with `reason` is restarted.
    public func restarts(after reason: ExitReason) -> Bool {
        switch self {
        case .permanent: true
        // OTP: a supervisor that reached its intensity exits with reason `shutdown`,
        // so a transient supervisor child is not restarted after giving up.
        case .transient: !reason.isNormal && reason != .gaveUp
        case .temporary: false
        }
    }
}

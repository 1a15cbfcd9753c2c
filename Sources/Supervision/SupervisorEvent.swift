/// Something that happened in a supervisor, for the event stream (`/v1/events`) and for tests.
///
/// Events are delivered synchronously from the supervisor's mailbox loop, in order; the closure
/// must not block.
public enum SupervisorEvent: Sendable, Hashable {
    /// A child was started for the first time (at init, or by ``Supervisor/startChild()``).
    case childStarted(supervisor: String, child: String, details: [String: String])
    /// A child ended. Children the supervisor itself terminates end with ``ExitReason/shutdown``;
    /// an operator restart ends the old instance with `.killed("operator restart")`.
    case childExited(supervisor: String, child: String, reason: ExitReason)
    /// A child was started again; `restartCount` is how many times it has been restarted so far.
    case childRestarted(supervisor: String, child: String, restartCount: Int, details: [String: String])
    /// Starting a child failed (`reason` is the error thrown by its start function).
    case childStartFailed(supervisor: String, child: String, reason: String)
    /// The supervisor reached its restart intensity, terminated its children and ended with
    /// ``ExitReason/gaveUp``.
    case gaveUp(supervisor: String, reason: String)
    /// The supervisor was stopped and all its children are gone.
    case stopped(supervisor: String)

    /// The supervisor that reported the event.
    public var supervisor: String {
        switch self {
        case .childStarted(let supervisor, _, _), .childExited(let supervisor, _, _),
             .childRestarted(let supervisor, _, _, _), .childStartFailed(let supervisor, _, _),
             .gaveUp(let supervisor, _), .stopped(let supervisor):
            supervisor
        }
    }

    /// The child concerned, if any.
    public var child: String? {
        switch self {
        case .childStarted(_, let child, _), .childExited(_, let child, _),
             .childRestarted(_, let child, _, _), .childStartFailed(_, let child, _):
            child
        case .gaveUp, .stopped:
            nil
        }
    }
}

/// How a supervisor stops one of its children (OTP's `shutdown` in a child spec).
public enum Shutdown: Sendable, Hashable, CustomStringConvertible {
    /// Kill at once, without asking (OTP `brutal_kill`; SIGKILL for an OS process).
    case brutalKill
    /// Ask politely, then kill when the deadline passes.
    case timeout(Duration)
    /// Ask politely and wait as long as it takes (the default for supervisor children).
    case infinity

    public var description: String {
        switch self {
        case .brutalKill: "brutal_kill"
        case .timeout(let limit): "timeout(\(limit))"
        case .infinity: "infinity"
        }
    }
}

/// A started child: something that runs until it exits.
///
/// The supervisor calls ``exitReason()`` exactly once, from a monitor task, right after the child
/// started; it calls ``stop(_:)`` when it terminates the child (shutdown, `one_for_all` and
/// `rest_for_one` restarts, ``Supervisor/terminateChild(_:)``, operator restarts).
///
/// Contract for implementers:
/// - ``exitReason()`` returns once the child is gone, whatever ended it (including ``stop(_:)``).
/// - ``stop(_:)`` returns only when the child is gone; it is idempotent, and a ``Shutdown/brutalKill``
///   call made while a polite stop is waiting kills at once (a supervisor uses this to enforce its own
///   shutdown deadline).
public protocol SupervisedChild: Sendable {
    /// Suspends until the child has exited; returns why. Called once by the supervisor's monitor.
    func exitReason() async -> ExitReason
    /// Stops the child per `shutdown` (polite stop, then kill at the deadline, or kill at once for
    /// ``Shutdown/brutalKill``) and returns when it is gone. Idempotent.
    func stop(_ shutdown: Shutdown) async
    /// Status details for the tree view (pid, state, ...). The default implementation returns `[:]`.
    func details() async -> [String: String]
}

extension SupervisedChild {
    /// No details.
    public func details() async -> [String: String] { [:] }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A supervisor's bookkeeping for one child (supervisor.erl's `#child{}` record).
struct ChildRecord: Sendable {
    var spec: ChildSpec
    /// Dynamic child of a `simple_one_for_one` supervisor: removed whenever it is not restarted.
    var isDynamic: Bool
    /// The running instance; `nil` while starting, restarting, stopping or stopped.
    var instance: (any SupervisedChild)?
    /// Instance number of the current (or last) instance; exits carrying another one are stale.
    var generation: UInt64 = 0
    var state: ChildState = .stopped
    var restarts = 0
    var startedAt: Date?
    var upSince: ContinuousClock.Instant?
    /// Consecutive restart attempts, the backoff exponent.
    var consecutiveRestarts = 0
    /// The pending retry, if the child is waiting in `.restarting`.
    var retryToken: UInt64?

    var id: String { spec.id }
}

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The state of one child as its supervisor sees it.
public enum ChildState: String, Sendable, Codable {
    /// Its start function is running.
    case starting
    case running
    /// Waiting to be started again (after a failed start, or during a backoff delay).
    case restarting
    /// Being terminated by its supervisor.
    case stopping
    /// Not running and not going to be restarted (transient child that ended normally, terminated
    /// child, or every child of a stopped supervisor).
    case stopped
}

/// The lifecycle of a supervisor.
public enum SupervisorState: String, Sendable, Codable {
    case idle
    case starting
    case running
    case stopping
    case stopped
    case gaveUp = "gave_up"
    case failedToStart = "failed_to_start"
}

/// One child in ``Supervisor/children()`` (OTP's `which_children`) and in a snapshot.
public struct ChildInfo: Sendable, Codable, Hashable {
    public var id: String
    public var kind: ChildKind
    public var restart: RestartType
    public var state: ChildState
    /// How many times the supervisor has started this child again (crash restarts, restarts along
    /// with a sibling, operator restarts).
    public var restarts: Int
    /// When the running instance started, if it is running.
    public var startedAt: Date?
    /// The child's own ``SupervisedChild/details()``.
    public var details: [String: String]
    /// For a running child that is a ``Supervisor``: its own snapshot.
    public var supervisor: SupervisorSnapshot?

    public init(
        id: String, kind: ChildKind, restart: RestartType, state: ChildState, restarts: Int,
        startedAt: Date?, details: [String: String], supervisor: SupervisorSnapshot?
    ) {
        self.id = id
        self.kind = kind
        self.restart = restart
        self.state = state
        self.restarts = restarts
        self.startedAt = startedAt
        self.details = details
        self.supervisor = supervisor
    }
}

/// A supervision tree, for the tree view and the admin API.
public struct SupervisorSnapshot: Sendable, Codable, Hashable {
    public var id: String
    public var strategy: Strategy
    public var state: SupervisorState
    public var intensity: Int
    /// In seconds.
    public var period: Double
    /// Restarts counted within the current period.
    public var recentRestarts: Int
    /// Messages (exits, calls) waiting in the supervisor's mailbox.
    public var mailboxDepth: Int
    /// In start order.
    public var children: [ChildInfo]

    public init(
        id: String, strategy: Strategy, state: SupervisorState, intensity: Int, period: Double,
        recentRestarts: Int, mailboxDepth: Int, children: [ChildInfo]
    ) {
        self.id = id
        self.strategy = strategy
        self.state = state
        self.intensity = intensity
        self.period = period
        self.recentRestarts = recentRestarts
        self.mailboxDepth = mailboxDepth
        self.children = children
    }
}

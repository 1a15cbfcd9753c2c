public import Logging

/// Whether a child is a worker or a supervisor (OTP's `type` in a child spec).
public enum ChildKind: String, Sendable, Codable {
    case worker
    case supervisor
}

/// How to start, restart and stop one child (OTP's child specification).
///
/// Defaults live here, in one place: restart `permanent`; shutdown `.timeout(.seconds(5))` for a
/// worker and `.infinity` for a supervisor (as OTP).
public struct ChildSpec: Sendable {
    /// Unique among the children of one supervisor. For `simple_one_for_one` this is the template
    /// id, and dynamic children are named `"\(id).\(n)"`.
    public var id: String
    public var restart: RestartType
    public var shutdown: Shutdown
    public var kind: ChildKind
    /// Starts the child and returns it once it is ready. A throw is a failed start. The argument
    /// is the id the child runs under (for `simple_one_for_one`, the dynamic `"\(id).\(n)"`).
    public var start: @Sendable (_ childID: String) async throws -> any SupervisedChild

    /// - Parameter shutdown: `nil` picks the default for `kind`.
    public init(
        id: String,
        restart: RestartType = .permanent,
        shutdown: Shutdown? = nil,
        kind: ChildKind = .worker,
        start: @escaping @Sendable () async throws -> any SupervisedChild
    ) {
        self.init(id: id, restart: restart, shutdown: shutdown, kind: kind, startWithID: { _ in try await start() })
    }

    /// Like ``init(id:restart:shutdown:kind:start:)``, for children that need to know the id they
    /// run under (worker ids in logs and metrics).
    public init(
        id: String,
        restart: RestartType = .permanent,
        shutdown: Shutdown? = nil,
        kind: ChildKind = .worker,
        startWithID: @escaping @Sendable (_ childID: String) async throws -> any SupervisedChild
    ) {
        self.id = id
        self.restart = restart
        self.shutdown = shutdown ?? Self.defaultShutdown(for: kind)
        self.kind = kind
        self.start = startWithID
    }

    /// OTP's defaults: 5 s for a worker, `infinity` for a supervisor.
    public static func defaultShutdown(for kind: ChildKind) -> Shutdown {
        switch kind {
        case .worker: .timeout(.seconds(5))
        case .supervisor: .infinity
        }
    }

    /// A child that is itself a supervisor with static children: starting it creates a
    /// ``Supervisor``, awaits ``Supervisor/start()`` and returns it.
    public static func supervisor(
        id: String,
        restart: RestartType = .permanent,
        shutdown: Shutdown = .infinity,
        flags: SupervisorFlags,
        children: [ChildSpec],
        logger: Logger,
        events: @escaping @Sendable (SupervisorEvent) -> Void = { _ in }
    ) -> ChildSpec {
        ChildSpec(id: id, restart: restart, shutdown: shutdown, kind: .supervisor) {
            let supervisor = Supervisor(id: id, flags: flags, children: children, logger: logger, events: events)
            try await supervisor.start()
            return supervisor
        }
    }

    /// A child that is a `simple_one_for_one` supervisor (a pool) built from `template`.
    public static func supervisor(
        id: String,
        restart: RestartType = .permanent,
        shutdown: Shutdown = .infinity,
        flags: SupervisorFlags,
        template: ChildSpec,
        logger: Logger,
        events: @escaping @Sendable (SupervisorEvent) -> Void = { _ in }
    ) -> ChildSpec {
        ChildSpec(id: id, restart: restart, shutdown: shutdown, kind: .supervisor) {
            let supervisor = Supervisor(id: id, flags: flags, template: template, logger: logger, events: events)
            try await supervisor.start()
            return supervisor
        }
    }
}

public import Logging

/// An OTP supervisor: starts children, watches them, restarts them per its strategy and restart
/// intensity, and stops them in reverse start order.
///
/// A supervisor is itself a ``SupervisedChild``, so trees nest: see
/// ``ChildSpec/supervisor(id:restart:shutdown:flags:children:logger:events:)``.
///
/// Every state change (a child's exit, a retry, an API call) goes through one mailbox and is
/// handled to completion before the next, as in a `gen_server`: restart decisions are
/// deterministic, and a call waits while a restart is in progress. Each running child has a monitor
/// task awaiting ``SupervisedChild/exitReason()``; it posts the exit with the instance number it
/// watched, so the exit of an instance that was already replaced is ignored. Monitors and backoff
/// timers run in a task group owned by the supervisor's loop.
///
/// ```swift
/// let root = Supervisor(id: "root", flags: SupervisorFlags(strategy: .oneForOne),
///                       children: [workerSpec, poolSpec], logger: logger, events: publish)
/// try await root.start()          // throws if a child fails to start
/// let reason = await root.run()   // .shutdown after stop(), .gaveUp when the intensity is exceeded
/// ```
public actor Supervisor: SupervisedChild {
    public nonisolated let id: String
    public nonisolated let flags: SupervisorFlags
    let template: ChildSpec?
    let initialSpecs: [ChildSpec]
    var logger: Logger
    let emit: @Sendable (SupervisorEvent) -> Void

    var state: SupervisorState = .idle
    /// Children in start order.
    var records: [ChildRecord] = []
    var intensity: RestartIntensity
    var nextGeneration: UInt64 = 0
    var nextDynamicNumber = 0
    var nextRetryToken: UInt64 = 0

    var queue = MessageQueue()
    var receiver: CheckedContinuation<SupervisorMessage, Never>?
    /// Monitors and timers to add to the loop's task group after the current message.
    var pendingMonitors: [(id: String, generation: UInt64, child: any SupervisedChild)] = []
    var pendingTimers: [(message: SupervisorMessage, delay: Duration)] = []
    var finalReason: ExitReason?
    var endWaiters: [CheckedContinuation<ExitReason, Never>] = []

    /// A supervisor with static children, started in the order given.
    ///
    /// With the `simple_one_for_one` strategy, `children` must hold exactly one spec: the template.
    public init(
        id: String,
        flags: SupervisorFlags,
        children: [ChildSpec],
        logger: Logger,
        events: @escaping @Sendable (SupervisorEvent) -> Void = { _ in }
    ) {
        let isTemplate = flags.strategy == .simpleOneForOne && children.count == 1
        self.init(id: id, flags: flags, template: isTemplate ? children.first : nil,
                  initialSpecs: isTemplate ? [] : children, logger: logger, events: events)
    }

    /// A `simple_one_for_one` supervisor: no children at start; ``startChild()`` adds instances of
    /// `template`, named `"\(template.id).\(n)"`.
    public init(
        id: String,
        flags: SupervisorFlags,
        template: ChildSpec,
        logger: Logger,
        events: @escaping @Sendable (SupervisorEvent) -> Void = { _ in }
    ) {
        self.init(id: id, flags: flags, template: template, initialSpecs: [], logger: logger, events: events)
    }

    private init(
        id: String, flags: SupervisorFlags, template: ChildSpec?, initialSpecs: [ChildSpec],
        logger: Logger, events: @escaping @Sendable (SupervisorEvent) -> Void
    ) {
        self.id = id
        self.flags = flags
        self.template = template
        self.initialSpecs = initialSpecs
        self.intensity = flags.intensity
        self.emit = events
        var logger = logger
        logger[metadataKey: "supervisor"] = "\(id)"
        self.logger = logger
    }

    var isSimple: Bool { flags.strategy == .simpleOneForOne }

    func index(of id: String) -> Int? { records.firstIndex { $0.id == id } }

    // MARK: lifecycle

    /// Validates the flags and specs, then starts the children in order (OTP `init`).
    ///
    /// If a child fails to start, the children already started are stopped in reverse order and
    /// this throws ``SupervisionError/startFailed``; ``run()`` then returns
    /// ``ExitReason/failedStart(_:)``.
    public func start() async throws {
        guard state == .idle else { throw SupervisionError.alreadyStarted }
        state = .starting
        try await withCheckedThrowingContinuation { (reply: CheckedContinuation<Void, any Error>) in
            Task { await self.main(startReply: reply) }
        }
    }

    /// Runs until the supervisor stops (after ``stop(_:)``) or gives up; returns
    /// ``ExitReason/shutdown`` or ``ExitReason/gaveUp`` (``ExitReason/failedStart(_:)`` if
    /// ``start()`` failed).
    ///
    /// Cancelling the task that awaits `run()` stops the supervisor, as a ServiceLifecycle service.
    public func run() async -> ExitReason {
        await withTaskCancellationHandler {
            await exitReason()
        } onCancel: {
            Task { await self.stop(.infinity) }
        }
    }

    /// Suspends until the supervisor has ended; the same result as ``run()``, without its
    /// cancellation handling. This is how a parent supervisor monitors it.
    public func exitReason() async -> ExitReason {
        if let finalReason { return finalReason }
        return await withCheckedContinuation { endWaiters.append($0) }
    }

    /// Terminates the children in reverse start order, each per its own shutdown spec (a
    /// `simple_one_for_one` supervisor stops its children concurrently, as OTP), then ends with
    /// ``ExitReason/shutdown``. Nothing is restarted once this has begun.
    ///
    /// - Parameter shutdown: the deadline for the whole supervisor. `.infinity` waits for the
    ///   children's own shutdowns; `.timeout(d)` kills the remaining children after `d`;
    ///   `.brutalKill` kills all children at once.
    public func stop(_ shutdown: Shutdown = .infinity) async {
        switch state {
        case .idle:
            finish(.shutdown, state: .stopped)
        case .stopped, .gaveUp, .failedToStart:
            return
        case .starting, .running, .stopping:
            await withCheckedContinuation { deliver(.call(.stop(shutdown, $0))) }
        }
    }

    // MARK: children

    /// `simple_one_for_one`: starts a new child from the template and returns its id,
    /// `"\(template.id).\(n)"`, `n` increasing and never reused (also consumed by a failed start).
    public func startChild() async throws -> String {
        try await call { .startDynamic($0) }
    }

    /// Adds a static child at the end of the start order and starts it (OTP `start_child/2` with a
    /// child spec). On a failed start the child is not added.
    @discardableResult
    public func startChild(_ spec: ChildSpec) async throws -> String {
        try await call { .startStatic(spec, $0) }
    }

    /// Stops the child per its shutdown spec; it is not restarted. Dynamic and temporary children
    /// are removed; a static child is kept, stopped, and can be started again by ``restartChild(_:)``.
    public func terminateChild(_ id: String) async throws {
        try await call { .terminate(id, $0) }
    }

    /// Operator restart: stops the child if it runs (its exit is reported as
    /// `.killed("operator restart")`) and starts it again. Does not count toward the restart
    /// intensity. Only this child is restarted, whatever the strategy. If the new start fails this
    /// throws, and the child is retried like any failed restart (counted), unless temporary.
    public func restartChild(_ id: String) async throws {
        try await call { .restart(id, $0) }
    }

    /// Removes a stopped static child's spec (OTP `delete_child/2`).
    public func deleteChild(_ id: String) async throws {
        try await call { .delete(id, $0) }
    }

    /// Waits until every message posted before it has been handled.
    func barrier() async {
        guard state != .idle else { return }
        await withCheckedContinuation { deliver(.call(.barrier($0))) }
    }

    /// The instance number of a child's current instance (for tests).
    func generation(of id: String) -> UInt64? {
        index(of: id).map { records[$0].generation }
    }

    private func call<T: Sendable>(_ make: (CheckedContinuation<T, any Error>) -> SupervisorCall) async throws -> T {
        guard state != .idle else { throw SupervisionError.notRunning }
        return try await withCheckedThrowingContinuation { deliver(.call(make($0))) }
    }
}

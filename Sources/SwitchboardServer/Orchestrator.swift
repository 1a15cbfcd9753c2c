import Foundation
import Logging
import ServiceLifecycle
import Supervision
import Synchronization
import WorkerPorts

/// The orchestrator: the supervision tree (root -> one supervisor per pool
/// -> workers), the event bus and the metrics. Runs as a Service: starts the
/// tree, and on graceful shutdown stops it, children in reverse start order.
/// If the root gives up, `run()` throws, so `switchboard serve` exits
/// non-zero and systemd or Kubernetes restarts it.
public final class Orchestrator: Service, Sendable {
    public let config: SwitchboardConfig
    public let events: EventBus
    public let metrics: SwitchboardMetrics
    public let pools: [WorkerPool]
    public let root: Supervisor
    /// The local edge's sessions, placed on the first pool's workers.
    public let sessions: SessionManager
    /// Every session, on the local edge or a remote one: what HTTP clients and SIP use.
    public let directory: SessionDirectory
    /// The API tokens by role (a reload replaces them).
    public let tokens: TokenStore
    /// Rolling upgrades of pools.
    public let rollouts: RolloutRunner
    /// Remote edges: registrations, heartbeats, failure detection.
    public let edges: EdgeRegistry
    /// The SIP B2BUA (nil with `sip.enabled: false`); a Service of its own, run by the application.
    public let sip: SIPService?
    let mailbox = MediaMailbox()
    let logger: Logger
    /// The configuration as last (re)loaded, for SIGHUP diffs.
    let loaded: Mutex<SwitchboardConfig>
    /// The HTTP port actually bound (with `http.listen` port 0), once the server runs.
    let boundHTTPPort = Mutex<Int?>(nil)

    public init(config: SwitchboardConfig, logger: Logger, metrics: SwitchboardMetrics = SwitchboardMetrics()) {
        self.config = config
        self.loaded = Mutex(config)
        self.logger = logger
        self.metrics = metrics
        let events = EventBus()
        self.events = events
        let hooks = SupervisionHooks(events: events, metrics: metrics)
        let mailbox = mailbox
        pools = config.pools.map {
            WorkerPool(config: $0, maxFrameLength: config.maxFrameLength, logger: logger, hooks: hooks, mailbox: mailbox)
        }
        sessions = SessionManager(config: config, pool: pools[0], events: events, mailbox: mailbox, logger: logger)
        edges = EdgeRegistry(settings: config.edges, events: events, metrics: metrics, logger: logger)
        rollouts = RolloutRunner(sessions: sessions, events: events, logger: logger)
        tokens = TokenStore(config.auth, ownEdgeToken: config.edge.token)
        directory = SessionDirectory(local: sessions, pool: pools[0], registry: edges, events: events, metrics: metrics, region: config.edge.region, logger: logger)
        // Sessions live on the first pool: scaling it down moves streams off the stopped workers first.
        pools[0].setDrainer { [sessions] id in _ = try await sessions.drain(worker: id) }
        sip = config.sip.enabled
            ? SIPService(settings: config.sip, sessions: directory, metrics: metrics, logger: logger) : nil
        root = Supervisor(
            id: "switchboard",
            flags: SupervisorFlags(strategy: .oneForOne,
                                   intensity: RestartIntensity(intensity: config.rootIntensity, period: config.rootPeriod)),
            children: pools.map { $0.childSpec() }, logger: logger, events: hooks.handler)
    }

    public func pool(named name: String) -> WorkerPool? { pools.first { $0.name == name } }

    public struct GaveUp: Error, CustomStringConvertible {
        public var description: String { "the root supervisor reached its restart intensity and gave up" }
    }

    public func run() async throws {
        try await root.start()
        logger.notice("supervision tree started", metadata: ["pools": "\(pools.map { "\($0.name)=\($0.desiredSize)" }.joined(separator: ","))"])
        // Graceful shutdown (SIGTERM/SIGINT) or cancellation of the group cancels
        // root.run(), which stops the tree: children in reverse start order.
        let reason = await withTaskGroup(of: ExitReason?.self) { group in
            group.addTask { [root] in await cancelWhenGracefulShutdown { await root.run() } }
            for pool in pools { group.addTask { await pool.spares.run(); return nil } }
            group.addTask { [sessions] in await sessions.run(); return nil }
            group.addTask { [edges] in await edges.run(); return nil }
            group.addTask { [directory] in await directory.run(); return nil }
            group.addTask { [rollouts] in await rollouts.run(); return nil }
            group.addTask { [pools, sessions, events, logger] in
                await Autoscaler(pools: pools, sessions: sessions, events: events, logger: logger).run()
                return nil
            }
            var result: ExitReason = .shutdown
            while let next = await group.next() {
                if let next { result = next; group.cancelAll() }  // the tree ended: stop the spares
            }
            return result
        }
        let gaveUp = reason == .gaveUp
        mailbox.finish()
        events.finishAll()
        if gaveUp {
            logger.error("root supervisor gave up; exiting")
            throw GaveUp()
        }
        logger.notice("supervision tree stopped")
    }

    /// Worker rows for `GET /v1/workers`.
    public func workers() async -> [WorkerRow] {
        var rows: [WorkerRow] = []
        let streams = await sessions.streamCounts()
        for pool in pools {
            guard let supervisor = pool.supervisor else { continue }
            for child in await supervisor.children() {
                var row = WorkerRow(pool: pool.name, child: child)
                row.streams = streams[child.id] ?? 0
                rows.append(row)
            }
        }
        return rows
    }

    /// The worker and its pool, if one has that id.
    func findWorker(_ id: String) async -> WorkerPool? {
        for pool in pools {
            guard let supervisor = pool.supervisor else { continue }
            if await supervisor.children().contains(where: { $0.id == id }) { return pool }
        }
        return nil
    }

    /// Pools where every desired worker... readiness: each pool with a
    /// desired size above zero has at least one ready worker.
    public func readiness() async -> (ready: Bool, pools: [String: Int]) {
        var counts: [String: Int] = [:]
        var ready = true
        for pool in pools {
            let n = await pool.readyCount()
            counts[pool.name] = n
            metrics.setWorkers(pool: pool.name, ready: n, desired: pool.desiredSize)
            if pool.desiredSize > 0 && n == 0 { ready = false }
        }
        return (ready, counts)
    }
}

extension WorkerPool {
    func readyCount() async -> Int {
        guard let supervisor else { return 0 }
        return await supervisor.children().filter { $0.state == .running }.count
    }
}

/// A worker as `GET /v1/workers` shows it.
public struct WorkerRow: Codable, Sendable {
    public var id: String
    public var pool: String
    public var pid: Int32?
    public var state: String
    public var streams: Int
    public var restarts: Int
    public var startedAt: String?
    public var mailboxDepth: Int
    public var kind: String?

    enum CodingKeys: String, CodingKey {
        case id, pool, pid, state, streams, restarts, startedAt = "started_at", mailboxDepth = "mailbox_depth", kind
    }

    init(pool: String, child: ChildInfo) {
        id = child.id
        self.pool = pool
        pid = child.details["pid"].flatMap { Int32($0) }
        state = switch child.state {
        case .running: "ready"
        case .starting, .restarting: "starting"
        case .stopping: "stopping"
        case .stopped: "exited"
        }
        streams = Int(child.details["streams"] ?? "") ?? 0
        restarts = child.restarts
        startedAt = child.startedAt.map { iso8601($0) }
        mailboxDepth = Int(child.details["mailbox_depth"] ?? "") ?? 0
        kind = child.details["kind"]
    }
}

extension Orchestrator {
    /// Sets `switchboard_mailbox_depth` per worker from the workers' details.
    func refreshMailboxGauges() async {
        for row in await workers() { metrics.setMailboxDepth(worker: row.id, depth: row.mailboxDepth) }
    }
}

extension Orchestrator {
    /// Applies a reloaded configuration (SIGHUP): pool sizes, SIP routes and
    /// timers, tokens, `limits.max_sessions`; returns every difference, applied or not.
    public func reload(_ new: SwitchboardConfig) async -> [ConfigChange] {
        let old = loaded.withLock { $0 }
        let changes = old.changes(to: new)
        for pool in pools {
            guard let wanted = new.pools.first(where: { $0.name == pool.name })?.size, wanted != pool.desiredSize else { continue }
            do { _ = try await pool.scale(to: wanted) } catch {
                logger.warning("reload: cannot scale pool", metadata: ["pool": "\(pool.name)", "to": "\(wanted)", "error": "\(error)"])
            }
        }
        if new.sip != old.sip { await sip?.update(new.sip) }
        if new.auth != old.auth { tokens.update(new.auth) }
        if new.maxSessions != old.maxSessions { await sessions.setMaxSessions(new.maxSessions) }
        loaded.withLock { $0 = new }
        var fields = ["changes": changes.isEmpty ? "none" : changes.map(\.description).joined(separator: "; ")]
        fields["applied"] = "\(changes.filter(\.applied).count)"
        events.publish("config.reloaded", fields)
        return changes
    }
}

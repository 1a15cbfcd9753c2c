import Foundation
import Logging

/// Where a pool's rollout stands (`GET /v1/pools/{name}/rollout`).
public struct RolloutStatus: Codable, Sendable {
    public var pool: String
    /// `running`, `done` or `failed`.
    public var state: String
    public var executable: String
    public var total: Int
    public var done: Int
    /// The worker being replaced.
    public var current: String?
    public var sessionsMoved: Int
    public var startedAt: String
    public var finishedAt: String?
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case pool, state, executable, total, done, current, sessionsMoved = "sessions_moved", startedAt = "started_at"
        case finishedAt = "finished_at", error
    }
}

/// Rolling upgrades of pools, one worker at a time: move the worker's
/// streams to workers already replaced (or any other), then restart it —
/// from the new executable, if one was given. No call is dropped: a stream
/// moves the way a drain moves it (same ports, keys and SSRC). A pool of one
/// worker gets a surge worker first, drained and stopped at the end.
///
/// Requests go through a bounded mailbox; `run()` performs them one at a
/// time, inside the orchestrator's task group (no loose tasks).
public actor RolloutRunner {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notFound(String), conflict(String), invalid(String)
        public var description: String {
            switch self {
            case let .notFound(s), let .conflict(s), let .invalid(s): s
            }
        }
    }

    struct Request: Sendable {
        var pool: WorkerPool
        var executable: String?
    }

    let sessions: SessionManager
    let events: EventBus
    let logger: Logger
    var statuses: [String: RolloutStatus] = [:]
    let requests: AsyncStream<Request>
    let sink: AsyncStream<Request>.Continuation

    init(sessions: SessionManager, events: EventBus, logger: Logger) {
        self.sessions = sessions
        self.events = events
        self.logger = logger
        (requests, sink) = AsyncStream<Request>.makeStream(bufferingPolicy: .bufferingOldest(16))
    }

    public func status(of pool: String) -> RolloutStatus? { statuses[pool] }

    /// Queues a rollout of `pool`; refused while one of that pool runs, or for an executable that is not there.
    public func start(_ pool: WorkerPool, executable: String?) throws(Failure) -> RolloutStatus {
        if statuses[pool.name]?.state == "running" { throw .conflict("a rollout of pool '\(pool.name)' is running") }
        var resolved = pool.executable
        if let executable {
            resolved = WorkerPool.resolve(executable: executable)
            guard FileManager.default.isExecutableFile(atPath: resolved) else {
                throw .invalid("'\(executable)' is not an executable file")
            }
        }
        let status = RolloutStatus(pool: pool.name, state: "running", executable: resolved, total: pool.desiredSize, done: 0,
                                   current: nil, sessionsMoved: 0, startedAt: iso8601(Date()), finishedAt: nil, error: nil)
        guard case .enqueued = sink.yield(Request(pool: pool, executable: executable == nil ? nil : resolved)) else {
            throw .conflict("too many rollouts queued")
        }
        statuses[pool.name] = status
        events.publish("pool.rollout_started", ["pool": pool.name, "executable": resolved])
        return status
    }

    public func run() async {
        for await request in requests {
            await perform(request)
        }
    }

    func perform(_ request: Request) async {
        let pool = request.pool
        do {
            try await rollout(pool, executable: request.executable)
            statuses[pool.name]?.state = "done"
            statuses[pool.name]?.current = nil
            events.publish("pool.rolled_out", ["pool": pool.name, "workers": "\(statuses[pool.name]?.done ?? 0)",
                                               "sessions_moved": "\(statuses[pool.name]?.sessionsMoved ?? 0)"])
            logger.notice("pool rolled out", metadata: ["pool": "\(pool.name)", "workers": "\(statuses[pool.name]?.done ?? 0)"])
        } catch {
            statuses[pool.name]?.state = "failed"
            statuses[pool.name]?.error = "\(error)"
            events.publish("pool.rollout_failed", ["pool": pool.name, "error": "\(error)"])
            logger.error("rollout failed", metadata: ["pool": "\(pool.name)", "error": "\(error)"])
        }
        statuses[pool.name]?.finishedAt = iso8601(Date())
    }

    func rollout(_ pool: WorkerPool, executable: String?) async throws {
        await pool.scaling.lock()
        defer { pool.scaling.unlock() }
        guard let supervisor = pool.supervisor else { throw Failure.invalid("pool '\(pool.name)' is not running") }
        if let executable { await pool.use(executable: executable) }
        let old = await supervisor.children().filter { $0.state == .running }.map(\.id).sorted { WorkerPool.newestFirst($1, $0) }
        statuses[pool.name]?.total = old.count
        var replaced: Set<String> = []
        var surge: String?
        if old.count == 1 {
            // Nowhere to move the only worker's streams: start one more first.
            let id = try await supervisor.startChild()
            surge = id
            replaced.insert(id)
        }
        for id in old {
            statuses[pool.name]?.current = id
            let moved = try await sessions.drain(worker: id, preferring: replaced)
            try await supervisor.restartChild(id)
            replaced.insert(id)
            statuses[pool.name]?.done += 1
            statuses[pool.name]?.sessionsMoved += moved.count
            events.publish("pool.rollout_progress", ["pool": pool.name, "worker": id, "done": "\(statuses[pool.name]?.done ?? 0)",
                                                     "total": "\(old.count)", "sessions_moved": "\(moved.count)"])
        }
        if let surge {
            let moved = try await sessions.drain(worker: surge, preferring: replaced.subtracting([surge]))
            statuses[pool.name]?.sessionsMoved += moved.count
            try await supervisor.terminateChild(surge)
            pool.forget(surge)
        }
    }
}

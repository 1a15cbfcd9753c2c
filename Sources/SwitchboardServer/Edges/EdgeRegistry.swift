import Edges
import Foundation
import Logging
import Synchronization

/// The control plane's view of the edges: registrations, heartbeats, and
/// the phi-accrual failure detector of each (module `Edges`). `run()`
/// evaluates every edge 10 times per heartbeat interval; each state change
/// (alive -> suspect -> dead and back) is an event, a metric and a log line.
public actor EdgeRegistry {
    struct Entry: Sendable {
        var registration: EdgeRegistration
        var health: EdgeHealth
        var report: HeartbeatReport?
        var reportedAt: Date?
        var registeredAt: Date
        var heartbeats: UInt64 = 0
        /// Reports since the last (re-)registration.
        var reportsSinceRegistration = 0
        /// The token the edge presented: the control plane calls the edge's API with it.
        var token: String
    }

    /// Why an edge request was refused.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notRegistered(String)
        case invalid(String)
        public var description: String {
            switch self {
            case let .notRegistered(s), let .invalid(s): s
            }
        }
    }

    let settings: EdgesSettings
    let events: EventBus
    let metrics: SwitchboardMetrics
    let logger: Logger
    var entries: [String: Entry] = [:]
    /// Told when an edge is declared dead (its sessions must move) or comes back (reconcile).
    var observer: (@Sendable (_ edge: String, _ action: EdgeAction) async -> Void)?
    /// Told of every report that lists the edge's streams (reconciliation).
    var reportObserver: (@Sendable (_ edge: String, _ report: HeartbeatReport) -> Void)?
    /// Told when an edge registers again as a new process (its `boot` changed).
    var restartObserver: (@Sendable (_ edge: String) -> Void)?
    private let edgeCount = Atomic<Int>(0)

    /// Whether any remote edge has registered (read without a hop to the actor:
    /// with none, sessions go straight to the local edge).
    public nonisolated var hasEdges: Bool { edgeCount.load(ordering: .relaxed) > 0 }

    public init(settings: EdgesSettings, events: EventBus, metrics: SwitchboardMetrics, logger: Logger) {
        self.settings = settings
        self.events = events
        self.metrics = metrics
        self.logger = logger
    }

    var healthConfiguration: EdgeHealth.Configuration {
        EdgeHealth.Configuration(heartbeatInterval: settings.heartbeatInterval, suspectThreshold: settings.phiSuspect,
                                 deadThreshold: settings.phiDead, acceptableHeartbeatPause: settings.acceptablePause)
    }

    public func observe(_ observer: @escaping @Sendable (_ edge: String, _ action: EdgeAction) async -> Void) {
        self.observer = observer
    }

    public func observeReports(_ observer: @escaping @Sendable (_ edge: String, _ report: HeartbeatReport) -> Void) {
        reportObserver = observer
    }

    public func observeRestarts(_ observer: @escaping @Sendable (_ edge: String) -> Void) {
        restartObserver = observer
    }

    /// `PUT /v1/edges/{id}`: registers or updates an edge. A (re-)registration
    /// starts its failure detector afresh, as if it had just reported. Returns
    /// true when the edge was new.
    @discardableResult
    public func register(_ id: String, _ registration: EdgeRegistration, token: String = "") throws(Failure) -> Bool {
        if let problem = registration.problems.first { throw .invalid(problem) }
        let now = ContinuousClock.now
        let created = entries[id] == nil
        let previous = entries[id]?.health.state
        let previousBoot = entries[id]?.registration.boot
        entries[id] = Entry(registration: registration, health: EdgeHealth(configuration: healthConfiguration, registeredAt: now),
                            report: entries[id]?.report, reportedAt: entries[id]?.reportedAt, registeredAt: Date(), token: token)
        if created { edgeCount.add(1, ordering: .relaxed) }
        events.publish(created ? "edge.registered" : "edge.updated",
                       ["edge": id, "url": registration.url, "region": registration.region ?? "", "capacity": "\(registration.capacity)"])
        logger.notice(created ? "edge registered" : "edge re-registered",
                      metadata: ["edge": "\(id)", "url": "\(registration.url)", "region": "\(registration.region ?? "-")"])
        metrics.setEdgeState(edge: id, state: EdgeState.alive.rawValue)
        if let previous, previous != .alive {
            events.publish("edge.alive", ["edge": id, "from": previous.rawValue, "phi": "0"])
        }
        if let previousBoot, let boot = registration.boot, boot != previousBoot {
            events.publish("edge.restarted", ["edge": id])
            logger.warning("edge restarted: its sessions went with the old process", metadata: ["edge": "\(id)"])
            restartObserver?(id)
        }
        return created
    }

    /// `POST /v1/edges/{id}/heartbeat`: one health report. An edge the
    /// control plane does not know (it restarted) must register again.
    public func heartbeat(_ id: String, _ report: HeartbeatReport) async throws(Failure) {
        guard var entry = entries[id] else { throw .notRegistered("edge '\(id)' is not registered: PUT /v1/edges/\(id) first") }
        if let problem = report.problems.first { throw .invalid(problem) }
        let now = ContinuousClock.now
        let actions = entry.health.heartbeat(at: now)
        if entry.reportsSinceRegistration == 0 {
            // The edge's rhythm starts with its first report, which an edge sends right after it
            // registers: that gap of a few milliseconds is not one of its intervals, and in the
            // detector's window it would widen the spread and slow every later detection
            // (measured: 4.2 s from freeze to dead with 1 s heartbeats, instead of <= 3.6 s).
            entry.health = EdgeHealth(configuration: healthConfiguration, registeredAt: now)
        }
        entry.reportsSinceRegistration += 1
        // Keep the newest figures: a delayed report (lower sequence) proves liveness but not load.
        // A (re-)registered edge starts counting again: its first report is the newest.
        let newest = entry.reportsSinceRegistration == 0 || report.sequence >= (entry.report?.sequence ?? 0) || report.sequence == 0
        if newest {
            entry.report = report
            entry.reportedAt = Date()
        }
        entry.heartbeats &+= 1
        entries[id] = entry
        metrics.edgeHeartbeat()
        // Only the newest list of streams reconciles: an older one may lack a session placed since.
        if newest, report.streamIDs != nil { reportObserver?(id, report) }
        if !actions.isEmpty { await perform(actions, edge: id) }
    }

    /// Runs every edge's detector; the owner calls it often (see ``run()``).
    public func evaluate() async {
        let now = ContinuousClock.now
        for id in entries.keys.sorted() {
            guard var entry = entries[id] else { continue }
            let actions = entry.health.evaluate(at: now)
            entries[id] = entry
            if !actions.isEmpty { await perform(actions, edge: id) }
        }
    }

    func perform(_ actions: [EdgeAction], edge id: String) async {
        for action in actions {
            switch action {
            case let .stateChanged(from, to, phi):
                let fields = ["edge": id, "from": from.rawValue, "to": to.rawValue, "phi": String(format: "%.2f", phi)]
                events.publish("edge.\(to.rawValue)", fields)
                metrics.setEdgeState(edge: id, state: to.rawValue)
                metrics.edgeTransition(to: to.rawValue)
                switch to {
                case .alive: logger.notice("edge alive again", metadata: ["edge": "\(id)", "from": "\(from.rawValue)"])
                case .suspect: logger.warning("edge suspect", metadata: ["edge": "\(id)", "phi": "\(fields["phi"] ?? "")"])
                case .dead: logger.error("edge dead", metadata: ["edge": "\(id)", "phi": "\(fields["phi"] ?? "")"])
                }
            case .moveSessions, .reconcileSessions:
                await observer?(id, action)
            }
        }
    }

    /// Evaluates 10 times per heartbeat interval until cancelled.
    ///
    /// If this process itself was stopped or starved (the evaluation comes
    /// more than two intervals late: SIGSTOP, a VM pause), silence is ours,
    /// not the edges': every detector restarts as if each edge had just
    /// reported, instead of declaring them all dead at once.
    public func run() async {
        let tick = settings.heartbeatInterval / 10
        var last = ContinuousClock.now
        while !Task.isCancelled {
            do { try await Task.sleep(for: tick) } catch { return }
            let now = ContinuousClock.now
            if now - last > settings.heartbeatInterval * 2 {
                restartDetectors(after: now - last)
            } else {
                await evaluate()
            }
            last = now
        }
    }

    /// After a pause of our own: the detectors of live edges start afresh.
    func restartDetectors(after pause: Duration) {
        let now = ContinuousClock.now
        for id in entries.keys {
            // A dead edge stays dead (its sessions have moved): its next heartbeat revives it.
            guard var entry = entries[id], entry.health.state != .dead else { continue }
            entry.health = EdgeHealth(configuration: healthConfiguration, registeredAt: now)
            entries[id] = entry
        }
        if !entries.isEmpty {
            logger.warning("the control plane was paused: edge failure detectors restarted", metadata: ["pause": "\(pause)"])
            events.publish("edges.detectors_restarted", ["pause": "\(pause)"])
        }
    }

    /// The edges as `GET /v1/edges` lists them, the embedded local edge first.
    public func list(local: EdgeView?) -> [EdgeView] {
        let now = ContinuousClock.now
        let remote = entries.keys.sorted().compactMap { id -> EdgeView? in
            guard let entry = entries[id] else { return nil }
            let streams = entry.report?.streams ?? 0
            return EdgeView(
                id: id, state: entry.health.state.rawValue, phi: (entry.health.phi(at: now) * 100).rounded() / 100,
                region: entry.registration.region, url: entry.registration.url, lastReport: entry.reportedAt.map(iso8601),
                load: entry.registration.capacity > 0 ? Double(streams) / Double(entry.registration.capacity) : 0,
                capacity: entry.registration.capacity, streams: streams, workersReady: entry.report?.workersReady ?? 0,
                cpu: entry.report?.cpu, packetLoss: entry.report?.packetLoss, heartbeats: entry.heartbeats,
                mediaAddress: entry.registration.mediaAddress)
        }
        return (local.map { [$0] } ?? []) + remote
    }

    /// Load figures of the alive and other edges, for placement.
    public func loads() -> [EdgeLoad] {
        entries.keys.sorted().compactMap { id in
            guard let entry = entries[id] else { return nil }
            return EdgeLoad(id: id, region: entry.registration.region, state: entry.health.state,
                            capacity: entry.registration.capacity, streams: entry.report?.streams ?? 0,
                            ready: entry.report?.workersReady ?? 0)
        }
    }

    public func registration(of id: String) -> EdgeRegistration? { entries[id]?.registration }

    /// The edge's session API, called with the token it registered with.
    func remoteEdge(_ id: String) -> RemoteEdge? {
        guard let entry = entries[id] else { return nil }
        return RemoteEdge(edgeID: id, url: entry.registration.url, token: entry.token)
    }
    public func state(of id: String) -> EdgeState? { entries[id]?.health.state }
}

/// An edge as `GET /v1/edges` shows it.
public struct EdgeView: Codable, Sendable {
    public var id: String
    public var state: String
    public var phi: Double
    public var region: String?
    public var url: String
    public var lastReport: String?
    /// Streams / capacity.
    public var load: Double
    public var capacity: Int
    public var streams: Int
    public var workersReady: Int
    public var cpu: Double?
    public var packetLoss: Double?
    public var heartbeats: UInt64
    public var mediaAddress: String?

    enum CodingKeys: String, CodingKey {
        case id, state, phi, region, url, lastReport = "last_report", load, capacity, streams, workersReady = "workers_ready"
        case cpu, packetLoss = "packet_loss", heartbeats, mediaAddress = "media_address"
    }
}

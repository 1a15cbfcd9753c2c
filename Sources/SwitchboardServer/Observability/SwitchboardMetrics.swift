import Metrics
import Prometheus
import Supervision

/// The metrics of the orchestrator, `switchboard_...`, registered in one
/// Prometheus registry that `/metrics` renders.
public final class SwitchboardMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    public func workerStarted(pool: String) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_worker_starts_total", unitName: "", helpText: "Worker processes started (first starts and restarts)."), labels: [("pool", pool)]).increment()
    }

    public func workerExited(pool: String, reason: ExitReason) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_worker_exits_total", unitName: "", helpText: "Worker exits by reason."), labels: [("pool", pool), ("reason", reason.metricLabel)]).increment()
    }

    public func workerRestarted(pool: String, reason: String) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_worker_restarts_total", unitName: "", helpText: "Worker restarts by pool and the reason of the exit that caused them."), labels: [("pool", pool), ("reason", reason)]).increment()
    }

    public func workerStartFailed(pool: String) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_worker_start_failures_total", unitName: "", helpText: "Worker starts that failed (spawn error, no hello, bad hello)."), labels: [("pool", pool)]).increment()
    }

    public func supervisorGaveUp(supervisor: String) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_supervisor_give_ups_total", unitName: "", helpText: "Supervisors that reached their restart intensity and gave up."), labels: [("supervisor", supervisor)]).increment()
    }

    public func setWorkers(pool: String, ready: Int, desired: Int) {
        registry.makeGauge(descriptor: .init(metricName: "switchboard_pool_workers_ready", unitName: "", helpText: "Workers ready per pool."), labels: [("pool", pool)]).set(Double(ready))
        registry.makeGauge(descriptor: .init(metricName: "switchboard_pool_size", unitName: "", helpText: "Desired workers per pool."), labels: [("pool", pool)]).set(Double(desired))
    }

    public func setMailboxDepth(worker: String, depth: Int) {
        registry.makeGauge(descriptor: .init(metricName: "switchboard_mailbox_depth", unitName: "", helpText: "Requests in flight per worker port."), labels: [("worker", worker)]).set(Double(depth))
    }

    public func recordRoundTrip(_ d: Duration) {
        registry.makeDurationHistogram(
            descriptor: .init(metricName: "switchboard_port_round_trip", unitName: "seconds",
                              helpText: "Ping-pong round trip through worker ports."),
            buckets: [.microseconds(10), .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250),
                      .microseconds(500), .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .seconds(1)]
        ).recordNanoseconds(d.nanoseconds)
    }

    /// Prometheus text format.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
    public var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

extension ExitReason {
    /// A bounded label value for metrics.
    public var metricLabel: String {
        switch self {
        case .normal: "normal"
        case .shutdown: "shutdown"
        case .exitCode: "exit_code"
        case .signal: "signal"
        case .failedStart: "failed_start"
        case .killed(let why) where why.hasPrefix("hung"): "hung"
        case .killed(let why) where why.hasPrefix("protocol"): "protocol_violation"
        case .killed: "killed"
        case .gaveUp: "gave_up"
        }
    }
}

// MARK: SIP
extension SwitchboardMetrics {
    /// A SIP message in or out: requests by method, responses by status class.
    public func sipMessage(direction: String, kind: String) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_sip_messages_total", unitName: "", helpText: "SIP messages by direction (in/out) and method or status class."), labels: [("direction", direction), ("kind", kind)]).increment()
    }

    /// A datagram that was not SIP, or failed to parse.
    public func sipMalformed(answered: Bool) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_sip_malformed_total", unitName: "", helpText: "Malformed SIP datagrams, answered with 400 or dropped."), labels: [("outcome", answered ? "400" : "dropped")]).increment()
    }

    /// A datagram dropped because the SIP mailbox was full.
    public func sipDropped() {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_sip_mailbox_dropped_total", unitName: "", helpText: "SIP datagrams dropped because the B2BUA mailbox was full.")).increment()
    }

    /// A call ended, by how.
    public func sipCallEnded(outcome: String) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_sip_calls_total", unitName: "", helpText: "SIP calls by outcome (answered, rejected, cancelled, ...)."), labels: [("outcome", outcome)]).increment()
    }

    /// Time from the INVITE to the 200 relayed to A.
    public func sipSetup(_ d: Duration) {
        registry.makeDurationHistogram(
            descriptor: .init(metricName: "switchboard_sip_setup", unitName: "seconds", helpText: "From A's INVITE to the 200 OK relayed to A."),
            buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                      .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5)]
        ).recordNanoseconds(d.nanoseconds)
    }
}

// MARK: edges
extension SwitchboardMetrics {
    /// `switchboard_edge_state{edge,state}`: 1 for the edge's current state, 0 for the others.
    public func setEdgeState(edge: String, state: String) {
        for candidate in ["alive", "suspect", "dead"] {
            registry.makeGauge(descriptor: .init(metricName: "switchboard_edge_state", unitName: "", helpText: "Edge states: 1 for the current one."),
                               labels: [("edge", edge), ("state", candidate)]).set(Double(candidate == state ? 1 : 0))
        }
    }

    public func edgeTransition(to state: String) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_edge_transitions_total", unitName: "", helpText: "Edge state changes by the state entered."), labels: [("to", state)]).increment()
    }

    public func edgeHeartbeat() {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_edge_heartbeats_total", unitName: "", helpText: "Edge heartbeats received.")).increment()
    }

    /// A session placed again after its edge died or lost it, by outcome (`moved`, `failed`).
    public func sessionMoved(outcome: String) {
        registry.makeCounter(descriptor: .init(metricName: "switchboard_sessions_moved_total", unitName: "", helpText: "Sessions of a dead edge placed again (moved) or ended for want of an edge (failed)."), labels: [("outcome", outcome)]).increment()
    }
}

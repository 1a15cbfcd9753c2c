import Logging
import Supervision
import Synchronization

/// Turns supervision events into `/v1/events` entries and metrics. (The
/// supervisor writes the log lines itself.)
final class SupervisionHooks: Sendable {
    let events: EventBus
    let metrics: SwitchboardMetrics
    /// The last exit reason per child, so a restart is counted by the reason of the exit that caused it.
    let lastExit = Mutex<[String: ExitReason]>([:])

    init(events: EventBus, metrics: SwitchboardMetrics) {
        self.events = events
        self.metrics = metrics
    }

    var handler: @Sendable (SupervisorEvent) -> Void {
        { [self] event in
            let events = self.events, metrics = self.metrics
            switch event {
            case let .childStarted(supervisor, child, details):
                var fields = details
                fields["supervisor"] = supervisor
                fields["child"] = child
                events.publish("worker.started", fields)
                if let pool = poolName(supervisor) { metrics.workerStarted(pool: pool) }
            case let .childExited(supervisor, child, reason):
                self.lastExit.withLock { $0[supervisor + "/" + child] = reason }
                events.publish("worker.exited", ["supervisor": supervisor, "child": child, "reason": "\(reason)"])
                if let pool = poolName(supervisor) { metrics.workerExited(pool: pool, reason: reason) }
            case let .childRestarted(supervisor, child, restarts, details):
                let reason = self.lastExit.withLock { $0[supervisor + "/" + child] }
                var fields = details
                fields["supervisor"] = supervisor
                fields["child"] = child
                fields["restarts"] = "\(restarts)"
                fields["reason"] = reason.map { "\($0)" } ?? "unknown"
                events.publish("worker.restarted", fields)
                if let pool = poolName(supervisor) { metrics.workerRestarted(pool: pool, reason: reason?.metricLabel ?? "unknown") }
            case let .childStartFailed(supervisor, child, error):
                events.publish("worker.start_failed", ["supervisor": supervisor, "child": child, "error": error])
            case let .stopped(supervisor):
                events.publish("supervisor.stopped", ["supervisor": supervisor])
            case let .gaveUp(supervisor, reason):
                events.publish("supervisor.gave_up", ["supervisor": supervisor, "reason": reason])
                metrics.supervisorGaveUp(supervisor: supervisor)
            }
        }
    }
}

private func poolName(_ supervisor: String) -> String? {
    supervisor.hasPrefix("pool.") ? String(supervisor.dropFirst(5)) : nil
}

/// `which_children` and the tree snapshot.
extension Supervisor {
    /// The children in start order, with their state and details (OTP `which_children/1`).
    /// Answered at once, not through the mailbox.
    public func children() async -> [ChildInfo] {
        var infos: [ChildInfo] = []
        for record in records {
            var details: [String: String] = [:]
            var nested: SupervisorSnapshot?
            if let child = record.instance {
                details = await child.details()
                if let supervisor = child as? Supervisor { nested = await supervisor.snapshot() }
            }
            infos.append(ChildInfo(
                id: record.id, kind: record.spec.kind, restart: record.spec.restart, state: record.state,
                restarts: record.restarts, startedAt: record.startedAt, details: details, supervisor: nested
            ))
        }
        return infos
    }

    /// The tree under this supervisor, `Codable` for the admin API and the CLI.
    public func snapshot() async -> SupervisorSnapshot {
        let children = await children()
        return SupervisorSnapshot(
            id: id, strategy: flags.strategy, state: state, intensity: flags.intensity.intensity,
            period: flags.intensity.period.seconds, recentRestarts: intensity.restartsInPeriod(endingAt: .now),
            mailboxDepth: queue.count, children: children
        )
    }

    /// Strategy, state and number of children.
    public func details() async -> [String: String] {
        ["strategy": flags.strategy.rawValue, "state": state.rawValue, "children": "\(records.count)"]
    }
}

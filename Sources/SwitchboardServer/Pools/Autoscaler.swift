import Logging

/// Keeps each autoscaled pool's size at ceil(streams / target_streams),
/// within [min, max], at most one change per `cooldown`. Scaling up starts
/// workers; scaling down moves their streams away first (no call dropped).
/// Runs in the orchestrator's task group; checks once a second.
struct Autoscaler: Sendable {
    let pools: [WorkerPool]
    let sessions: SessionManager
    let events: EventBus
    let logger: Logger

    /// The size a pool should have for `streams` streams.
    static func desiredSize(streams: Int, _ policy: SwitchboardConfig.Autoscale) -> Int {
        let needed = (streams + policy.targetStreams - 1) / policy.targetStreams
        return Swift.min(policy.max, Swift.max(policy.min, needed))
    }

    func run() async {
        let scaled = pools.filter { $0.config.autoscale != nil }
        guard !scaled.isEmpty else { return }
        var lastChange: [String: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(1)) } catch { return }
            let counts = await sessions.streamCounts()
            for pool in scaled {
                guard let policy = pool.config.autoscale, let supervisor = pool.supervisor else { continue }
                let workers = Set(await supervisor.children().map(\.id))
                let streams = counts.filter { workers.contains($0.key) }.values.reduce(0, +)
                let current = pool.desiredSize
                let desired = Self.desiredSize(streams: streams, policy)
                guard desired != current else { continue }
                if let last = lastChange[pool.name], ContinuousClock.now - last < policy.cooldown { continue }
                do {
                    _ = try await pool.scale(to: desired)
                    lastChange[pool.name] = .now
                    events.publish("pool.autoscaled", ["pool": pool.name, "from": "\(current)", "to": "\(desired)", "streams": "\(streams)"])
                    logger.notice("pool autoscaled", metadata: ["pool": "\(pool.name)", "from": "\(current)", "to": "\(desired)",
                                                                "streams": "\(streams)"])
                } catch {
                    lastChange[pool.name] = .now
                    logger.warning("autoscaling failed", metadata: ["pool": "\(pool.name)", "to": "\(desired)", "error": "\(error)"])
                }
            }
        }
    }
}

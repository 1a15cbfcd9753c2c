import Foundation
import PortProtocol
import Sessions
import WorkerPorts

extension SessionManager {
    /// Moves every stream off `worker` onto other ready workers, one by one:
    /// close it there (freeing its ports), re-open it elsewhere on the same
    /// ports and keys with the same SSRC and sequence/timestamp advanced, so
    /// endpoints see a gap of a few milliseconds and no re-signaling. The
    /// worker takes no new sessions meanwhile. Returns the sessions moved.
    ///
    /// With `preferring` (a rollout: the workers already replaced), streams
    /// go to those workers while they have room, so no stream moves twice.
    public func drain(worker: String, preferring: Set<String> = []) async throws(SessionFailure) -> [String] {
        draining.insert(worker)
        defer { draining.remove(worker) }
        var moved: [String] = []
        for id in (placed[worker] ?? []).sorted() {
            guard let record = sessions[id], !record.state.isTerminal else { continue }
            var chosen = preferredPlacement(excluding: worker, among: preferring)
            if chosen == nil { chosen = await placement(excluding: worker) }
            guard let target = chosen else {
                throw .noCapacity("no other ready worker with capacity for session \(id); \(moved.count) moved")
            }
            try await move(id, to: target)
            moved.append(id)
        }
        return moved
    }

    func move(_ id: String, to target: String) async throws(SessionFailure) {
        guard let record = sessions[id] else { return }
        let from = record.worker
        if record.plan != nil, let old = pool.port(from), old.isUsable,
           let request = try? PortMessage.json(.request, StreamSelector(stream: record.streamID)) {
            _ = try? await old.call(.closeStream, request.payload)
        }
        placed[from]?.remove(id)
        placed[target, default: []].insert(id)
        sessions[id]?.worker = target
        if let plan = record.plan {
            let advanced = Self.advance(plan, stats: record.stats, at: record.statsAt ?? record.openedAt ?? .now, now: .now)
            sessions[id]?.stats = nil
            try await open(advanced, session: id)
        }
        events.publish("session.moved", ["session": id, "from": from, "to": target])
        logger.notice("session moved", metadata: ["session": "\(id)", "from": "\(from)", "to": "\(target)"])
    }

    /// The least-loaded usable worker among `candidates` with room, or nil.
    func preferredPlacement(excluding excluded: String, among candidates: Set<String>) -> String? {
        guard !candidates.isEmpty else { return nil }
        let counts = streamCounts()
        return candidates.filter { $0 != excluded && !draining.contains($0) }
            .filter { (counts[$0] ?? 0) < pool.config.maxStreams && pool.port($0)?.isUsable == true }
            .min { (counts[$0] ?? 0, $0) < (counts[$1] ?? 0, $1) }
    }
}

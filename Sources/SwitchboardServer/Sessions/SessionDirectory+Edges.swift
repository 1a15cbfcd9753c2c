import Edges
import Foundation
import Sessions

extension SessionDirectory {
    /// One heartbeat of `edge` that lists its streams (`stream_ids`, and the
    /// sessions that ended on it lately, `ended`):
    /// - a session of ours the edge ended (no media, its max duration) ends here too, with the edge's reason;
    /// - one the edge listed before and no longer runs without saying why
    ///   (the edge restarted and lost it) is placed again, as from a dead edge;
    /// - one we ended or moved away while the edge was unreachable is closed there now;
    /// - a stream we never placed (this control plane restarted) is logged once and left running.
    func reconcile(_ edgeID: String, _ report: HeartbeatReport) async {
        sinceReport[edgeID] = 0
        guard let live = report.streamIDs else { return }
        let running = Set(live)
        let ended = report.ended ?? [:]
        var lost: [Placed] = []
        for (edgeSession, ours) in byEdge[edgeID] ?? [:] {
            guard let record = placed[ours], !record.isEnded, !record.moving else { continue }
            if running.contains(edgeSession) {
                record.seen = true
            } else if let reason = ended[edgeSession] {
                markEnded(record, reason: reason)
            } else if record.seen {
                lost.append(record)
            }
        }
        if var stale = tombstones[edgeID] {
            stale = stale.filter { running.contains($0.key) }  // the others are gone already
            tombstones[edgeID] = stale.isEmpty ? nil : stale
            if !stale.isEmpty, let remote = await registry.remoteEdge(edgeID) {
                for (edgeSession, reason) in stale {
                    do {
                        try await remote.end(edgeSession, reason: reason)
                    } catch {
                        if case .workerFailed = error { continue }  // unreachable again: the next report tries again
                    }
                    tombstones[edgeID]?[edgeSession] = nil
                    events.publish("edge.stream_closed", ["edge": edgeID, "edge_session": edgeSession])
                    logger.notice("closed a stream the control plane had ended or moved while the edge was away",
                                  metadata: ["edge": "\(edgeID)", "edge_session": "\(edgeSession)"])
                }
                if tombstones[edgeID]?.isEmpty == true { tombstones[edgeID] = nil }
            }
        }
        if (creating[edgeID] ?? 0) == 0 {
            let known = byEdge[edgeID] ?? [:]
            let stale = tombstones[edgeID] ?? [:]
            for edgeSession in live where known[edgeSession] == nil && stale[edgeSession] == nil
                && !unknownLogged.contains("\(edgeID)/\(edgeSession)") {
                guard unknownLogged.count < 10_000 else { break }
                unknownLogged.insert("\(edgeID)/\(edgeSession)")
                logger.warning("an edge runs a stream this control plane did not place: left running",
                               metadata: ["edge": "\(edgeID)", "edge_session": "\(edgeSession)"])
            }
        }
        if !lost.isEmpty {
            logger.warning("an edge no longer runs sessions it had: placing them again",
                           metadata: ["edge": "\(edgeID)", "sessions": "\(lost.count)"])
            await move(lost, from: edgeID)
        }
    }

    /// `edge` was declared dead: each of its sessions is placed again on an
    /// alive edge (least loaded, same region preferred).
    func moveAll(off edgeID: String) async {
        let records = (byEdge[edgeID] ?? [:]).values.compactMap { placed[$0] }.filter { !$0.isEnded && !$0.moving }
        guard !records.isEmpty else { return }
        logger.warning("moving the sessions of a dead edge", metadata: ["edge": "\(edgeID)", "sessions": "\(records.count)"])
        await move(records, from: edgeID)
    }

    /// Moves `records` off `edgeID`, eight at a time.
    func move(_ records: [Placed], from edgeID: String) async {
        for record in records { record.moving = true }
        await withTaskGroup(of: Void.self) { group in
            var inFlight = 0
            for id in records.map(\.id) {
                if inFlight == 8 {
                    await group.next()
                    inFlight -= 1
                }
                group.addTask { await self.move(id, from: edgeID) }
                inFlight += 1
            }
        }
    }

    /// Re-creates one session on another edge from A's offer and B's answer,
    /// closes it on the old one (now, or when it reports again), and tells
    /// its clients: SSE `session.moved` and, for a SIP call, a re-INVITE of
    /// both legs. A session no alive edge can take ends (`edge_failed`).
    func move(_ id: String, from edgeID: String) async {
        guard let record = placed[id], !record.isEnded, record.edgeID == edgeID else {
            placed[id]?.moving = false
            return
        }
        defer { record.moving = false }
        let old = record.edgeSession
        let target: any MediaEdge
        do {
            target = try await choose(edge: nil, region: record.region, excluding: edgeID)
        } catch {
            logger.error("no edge can take a session of a dead edge: ended", metadata: ["session": "\(id)", "edge": "\(edgeID)", "error": "\(error)"])
            tombstones[edgeID, default: [:]][old] = .edgeFailed
            markEnded(record, reason: EndReason.edgeFailed.rawValue)
            metrics.sessionMoved(outcome: "failed")
            return
        }
        var created: SessionView?
        do {
            creating[target.edgeID, default: 0] += 1
            defer { creating[target.edgeID, default: 1] -= 1 }
            var view = try await target.create(offer: record.offer, codecs: record.codecs, profile: record.profile, labels: record.labels)
            created = view
            let offerForB = view.sdp ?? ""
            var answerForA: String?
            if let answer = record.answer {
                view = try await target.answer(view.id, sdp: answer)
                answerForA = view.sdp
            }
            if record.isEnded {  // ended while it moved
                try? await target.end(view.id, reason: EndReason(rawValue: record.endReason ?? "") ?? .deleted)
                return
            }
            byEdge[edgeID]?[old] = nil
            tombstones[edgeID, default: [:]][old] = .moved
            record.edgeID = target.edgeID
            record.edgeSession = view.id
            record.seen = false
            record.view = rewritten(view, record)
            record.view.sdp = nil
            byEdge[target.edgeID, default: [:]][view.id] = id
            if target.edgeID == "local" { shared.aliases.withLock { $0[view.id] = id } }
            var fields = ["session": id, "from": edgeID, "to": target.edgeID, "sdp_b": offerForB]
            if let answerForA { fields["sdp_a"] = answerForA }
            events.publish("session.moved", fields)
            metrics.sessionMoved(outcome: "moved")
            logger.notice("session moved to another edge", metadata: ["session": "\(id)", "from": "\(edgeID)", "to": "\(target.edgeID)"])
            shared.notify(.moved(session: id, sdpForA: answerForA, sdpForB: offerForB))
        } catch {
            if let created { try? await target.end(created.id, reason: .placementFailed) }
            logger.error("cannot move a session off a dead edge: ended", metadata: ["session": "\(id)", "edge": "\(edgeID)", "error": "\(error)"])
            tombstones[edgeID, default: [:]][old] = .edgeFailed
            markEnded(record, reason: EndReason.edgeFailed.rawValue)
            metrics.sessionMoved(outcome: "failed")
        }
    }
}

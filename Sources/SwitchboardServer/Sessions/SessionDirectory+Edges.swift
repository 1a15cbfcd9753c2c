import Edges
import Foundation
import Sessions

extension SessionDirectory {
    /// One heartbeat of `edge` that lists its streams (`stream_ids`, and the
    /// sessions that ended on it lately, `ended`):
    /// - a session of ours the edge ended (no media, its max duration) ends here too, with the edge's reason;
    /// - one the edge listed before and no longer runs without a reason (it
    ///   ended longer ago than `ended` covers: this process was paused) ends
    ///   here too (`ended_on_edge`); an edge that restarted and lost its
    ///   sessions is told by its registration (``edgeRestarted(_:)``);
    /// - one we ended or moved away while the edge was unreachable is closed there now;
    /// - a stream we never placed (this control plane restarted) is logged once and left running.
    func reconcile(_ edgeID: String, _ report: HeartbeatReport) async {
        sinceReport[edgeID] = 0
        guard let live = report.streamIDs else { return }
        let running = Set(live)
        let ended = report.ended ?? [:]
        for (edgeSession, ours) in byEdge[edgeID] ?? [:] {
            guard let record = placed[ours], !record.isEnded, !record.moving else { continue }
            if running.contains(edgeSession) {
                record.seen = true
            } else if let reason = ended[edgeSession] {
                markEnded(record, reason: reason)
            } else if record.seen {
                markEnded(record, reason: "ended_on_edge")
            }
        }
        if var stale = tombstones[edgeID] {
            stale = stale.filter { running.contains($0.key) }  // the others are gone already
            tombstones[edgeID] = stale.isEmpty ? nil : stale
            if !stale.isEmpty, let remote = await registry.remoteEdge(edgeID) {
                // At once, each within the request timeout: a slow edge must not hold up the work queue for long.
                let closed = await withTaskGroup(of: String?.self) { group in
                    for (edgeSession, reason) in stale {
                        group.addTask {
                            do {
                                try await remote.end(edgeSession, reason: reason)
                            } catch SessionFailure.workerFailed {
                                return nil  // unreachable again: the next report tries again
                            } catch {}  // not found: gone already
                            return edgeSession
                        }
                    }
                    var closed: [String] = []
                    for await edgeSession in group { if let edgeSession { closed.append(edgeSession) } }
                    return closed
                }
                for edgeSession in closed {
                    tombstones[edgeID]?[edgeSession] = nil
                    events.publish("edge.stream_closed", ["edge": edgeID, "edge_session": edgeSession])
                }
                if !closed.isEmpty {
                    logger.notice("closed streams the control plane had ended or moved while the edge was away",
                                  metadata: ["edge": "\(edgeID)", "streams": "\(closed.count)"])
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
    }

    /// `edge` registered again as a new process (its `boot` changed): the
    /// sessions it ran are gone with the old one; each is placed again.
    func edgeRestarted(_ edgeID: String) async {
        let records = (byEdge[edgeID] ?? [:]).values.compactMap { placed[$0] }.filter { !$0.isEnded && !$0.moving }
        guard !records.isEmpty else { return }
        logger.warning("an edge restarted and lost its sessions: placing them again", metadata: ["edge": "\(edgeID)", "sessions": "\(records.count)"])
        await move(records, from: edgeID)
    }

    /// `edge` was declared dead: each of its sessions is placed again on an
    /// alive edge (least loaded, same region preferred).
    func moveAll(off edgeID: String) async {
        guard await registry.state(of: edgeID) == .dead else { return }  // back already (its death was queued behind other work)
        let records = (byEdge[edgeID] ?? [:]).values.compactMap { placed[$0] }.filter { !$0.isEnded && !$0.moving }
        guard !records.isEmpty else { return }
        logger.warning("moving the sessions of a dead edge", metadata: ["edge": "\(edgeID)", "sessions": "\(records.count)"])
        await move(records, from: edgeID)
    }

    /// Moves `records` off `edgeID`, eight at a time.
    func move(_ records: [Placed], from edgeID: String) async {
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
        guard let record = placed[id], !record.isEnded, !record.moving, record.edgeID == edgeID else { return }
        record.moving = true
        defer {
            record.moving = false
            for waiter in moveWaiters.removeValue(forKey: id) ?? [] { waiter.resume() }
        }
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
            // Its ends reach us from the moment it exists (a worker could fail it before the answer).
            if target.edgeID == "local" { shared.aliases.withLock { $0[view.id] = id } }
            let offerForB = view.sdp ?? ""
            var answerForA: String?
            if let answer = record.answer {
                view = try await target.answer(view.id, sdp: answer)
                answerForA = view.sdp
            }
            if record.isEnded {  // ended while it moved
                await close(view.id, on: target, reason: EndReason(rawValue: record.endReason ?? "") ?? .deleted)
                return
            }
            byEdge[edgeID]?[old] = nil
            tombstones[edgeID, default: [:]][old] = .moved
            record.edgeID = target.edgeID
            record.edgeSession = view.id
            record.seen = false
            record.view = rewritten(view, record)
            record.view.sdp = nil
            record.answerForA = answerForA
            byEdge[target.edgeID, default: [:]][view.id] = id
            var fields = ["session": id, "from": edgeID, "to": target.edgeID, "sdp_b": offerForB]
            if let answerForA { fields["sdp_a"] = answerForA }
            events.publish("session.moved", fields)
            metrics.sessionMoved(outcome: "moved")
            logger.notice("session moved to another edge", metadata: ["session": "\(id)", "from": "\(edgeID)", "to": "\(target.edgeID)"])
            shared.notify(.moved(session: id, sdpForA: answerForA, sdpForB: offerForB))
        } catch {
            if let created { await close(created.id, on: target, reason: .placementFailed) }
            logger.error("cannot move a session off a dead edge: ended", metadata: ["session": "\(id)", "edge": "\(edgeID)", "error": "\(error)"])
            tombstones[edgeID, default: [:]][old] = .edgeFailed
            markEnded(record, reason: EndReason.edgeFailed.rawValue)
            metrics.sessionMoved(outcome: "failed")
        }
    }
}

extension SessionDirectory {
    /// Ends a session we created on `target` and no longer want; if the
    /// edge does not confirm, it is closed when the edge next lists it.
    func close(_ edgeSession: String, on target: any MediaEdge, reason: EndReason) async {
        if target.edgeID == "local" { shared.aliases.withLock { _ = $0.removeValue(forKey: edgeSession) } }
        do { try await target.end(edgeSession, reason: reason) } catch {
            if case .notFound = error { return }
            tombstones[target.edgeID, default: [:]][edgeSession] = reason
        }
    }

    /// Returns once no move of `record` is in progress.
    func waitWhileMoving(_ record: Placed) async {
        while record.moving {
            await withCheckedContinuation { moveWaiters[record.id, default: []].append($0) }
        }
    }
}

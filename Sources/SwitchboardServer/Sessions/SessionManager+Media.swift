import Foundation
import PortProtocol
import Sessions
import WorkerPorts

extension SessionManager {
    /// Runs until cancelled: takes worker notices from the media mailbox and
    /// fires session timers (100 ms resolution).
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [mailbox] in
                for await notice in mailbox.notices {
                    mailbox.took()
                    await self.handle(notice)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: .milliseconds(100)) } catch { return }
                    await self.fireDueTimers(now: .now)
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    func handle(_ notice: MediaMailbox.Notice) async {
        switch notice {
        case let .workerStarted(_, worker, port):
            knownWorkers.insert(worker)
            await reopenStreams(on: worker, port: port)
        case let .workerEvent(worker, code, payload, at):
            guard code == EventCode.streamStats.rawValue, let report = try? StreamPayloads.streamStatsReport(payload) else { return }
            for stats in report.streams { await record(stats, from: worker, at: at) }
        }
    }

    func record(_ stats: StreamStats, from worker: String, at: ContinuousClock.Instant) async {
        guard let id = streamIDs[stats.stream], let record = sessions[id], record.worker == worker, !record.state.isTerminal else { return }
        let before = (record.stats?.a.packetsIn ?? 0) + (record.stats?.b.packetsIn ?? 0)
        // Received and lost packets over every stream, as running totals (the edge's packet loss per heartbeat).
        for (old, new) in [(record.stats?.a, stats.a), (record.stats?.b, stats.b)] {
            if new.packetsIn > (old?.packetsIn ?? 0) { mediaTotals.received &+= new.packetsIn - (old?.packetsIn ?? 0) }
            if new.lost > (old?.lost ?? 0) { mediaTotals.lost &+= UInt64(new.lost - max(old?.lost ?? 0, 0)) }
        }
        record.stats = stats
        record.statsAt = at
        if stats.a.packetsIn + stats.b.packetsIn > before { await perform(record.machine.handle(.mediaSeen), for: record) }
    }

    /// Sends `open_stream` to the session's worker. If the session's media
    /// was released meanwhile (ended while the request was out), the stream
    /// is closed again at once: nothing else would close it.
    func open(_ plan: OpenStream, session id: String) async throws(SessionFailure) {
        if let failure = await tryOpen(plan, session: id).failure { throw failure }
    }

    enum OpenOutcome {
        case opened
        /// The worker could not bind a port: another process holds it.
        case portTaken(SessionFailure)
        case failed(SessionFailure)

        var failure: SessionFailure? {
            switch self {
            case .opened: nil
            case let .portTaken(failure), let .failed(failure): failure
            }
        }
    }

    func tryOpen(_ plan: OpenStream, session id: String) async -> OpenOutcome {
        guard let record = sessions[id], let port = pool.port(record.worker), port.isUsable else {
            return .failed(.workerFailed("the session's worker is not running"))
        }
        let worker = record.worker
        do {
            _ = try await port.call(.openStream, StreamPayloads.openStream(plan))
        } catch {
            let failure = SessionFailure.workerFailed("open_stream on \(worker): \(error)")
            if case .remote(code: "unavailable", _) = error { return .portTaken(failure) }
            return .failed(failure)
        }
        record.plan = plan
        record.openedAt = .now
        if record.endedAt != nil {
            _ = try? await port.call(.closeStream, StreamPayloads.selector(plan.stream))
        }
        return .opened
    }

    /// A worker (re)started under an id that carries streams: re-open each on
    /// it, same ports and keys, same SSRC, sequence and timestamp advanced by
    /// the time since the last report. Endpoints see a short gap, no re-signaling.
    func reopenStreams(on worker: String, port: WorkerPort) async {
        let ids = placed[worker] ?? []
        for id in ids {
            guard let record = sessions[id], !record.state.isTerminal, let plan = record.plan else { continue }
            let advanced = Self.advance(plan, stats: record.stats, at: record.statsAt ?? record.openedAt ?? .now, now: .now)
            do {
                try await open(advanced, session: id)
                events.publish("session.media_restored", ["session": id, "worker": worker, "pid": "\(port.pid)"])
                logger.notice("stream re-opened on the replacement worker", metadata: ["session": "\(id)", "worker": "\(worker)"])
            } catch {
                logger.error("cannot re-open stream", metadata: ["session": "\(id)", "worker": "\(worker)", "error": "\(error)"])
                await perform(sessions[id]?.machine.handle(.placementFailed("\(error)")) ?? [], for: id)
            }
        }
    }

    /// The plan with each leg's outgoing sequence and timestamp moved on as
    /// if the stream had kept sending since `at`: packets = elapsed / ptime
    /// plus a margin of 3 (late stats, a sender running fast), so that a
    /// sequence number is never sent twice — a receiver takes a skipped one
    /// for a lost packet, a repeated one for a duplicate; timestamp +=
    /// (elapsed + margin) x clock.
    static func advance(_ plan: OpenStream, stats: StreamStats?, at: ContinuousClock.Instant, now: ContinuousClock.Instant) -> OpenStream {
        let elapsed = max(.zero, now - at)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        func moved(_ leg: StreamLeg, _ reported: LegStats?) -> StreamLeg {
            var leg = leg
            let clock = leg.codec.hasPrefix("opus") ? 48000.0 : 8000.0
            let baseSeq = reported?.nextSeqOut ?? leg.seqOut
            let baseROC = reported?.rocOut ?? leg.rocOut
            let baseTS = reported?.nextTimestampOut ?? leg.timestampOut
            let margin = 3
            let packets = Int(seconds * 1000 / Double(max(leg.ptime, 1))) + margin
            // Advance the 48-bit SRTP packet index (ROC << 16 | seq), so a wrap
            // during the outage carries into the rollover counter (RFC 3711 3.3.1).
            let index = (UInt64(baseROC) << 16 | UInt64(baseSeq)) &+ UInt64(packets)
            leg.seqOut = UInt16(truncatingIfNeeded: index)
            leg.rocOut = UInt32(truncatingIfNeeded: index >> 16)
            // The peer's SRTP state as last seen, so its packets keep authenticating.
            if let reported, let ssrc = reported.remoteSSRC {
                leg.remoteSSRC = ssrc
                leg.rocIn = reported.rocIn
                leg.remoteSeq = reported.rocIn == nil ? nil : reported.remoteSeq
            }
            leg.timestampOut = baseTS &+ UInt32(truncatingIfNeeded: Int(seconds * clock) + margin * Int(clock) * leg.ptime / 1000)
            return leg
        }
        var next = plan
        next.a = moved(plan.a, stats?.a)
        next.b = moved(plan.b, stats?.b)
        return next
    }

    // MARK: actions and timers

    func perform(_ actions: [SessionMachine.Action], for id: String) async {
        guard let record = sessions[id] else { return }
        await perform(actions, for: record)
    }

    func perform(_ actions: [SessionMachine.Action], for record: SessionRecord) async {
        let id = record.id
        for action in actions {
            switch action {
            case let .startTimer(timer, duration):
                let deadline = ContinuousClock.now + duration
                record.deadlines[timer] = deadline
                if nextDue.map({ deadline < $0 }) ?? true { nextDue = deadline }
            case let .cancelTimer(timer):
                record.deadlines[timer] = nil
            case let .transitioned(from, to):
                let reason = record.machine.endReason?.rawValue
                var fields = ["session": id, "from": from.rawValue, "to": to.rawValue]
                if let reason { fields["reason"] = reason }
                events.publish("session.\(to.rawValue)", fields)
                if to.isTerminal { ends((id, reason ?? record.machine.failure ?? to.rawValue)) }
                logger.debug("session \(to.rawValue)", metadata: ["session": "\(id)", "from": "\(from.rawValue)"])
            case .releaseMedia:
                await release(record)
            }
        }
    }

    func release(_ record: SessionRecord) async {
        guard record.endedAt == nil else { return }
        let id = record.id
        record.endedAt = .now
        liveCount -= 1
        ended.append(id, at: .now)
        record.deadlines.cancelAll()
        if record.plan != nil, let port = pool.port(record.worker), port.isUsable,
           let final = try? await port.call(.closeStream, StreamPayloads.selector(record.streamID)) {
            // The worker closed the stream's sockets: its ports are free right now.
            let now = ContinuousClock.now
            recentlyFreed.freed(record.portA, at: now)
            recentlyFreed.freed(record.portB, at: now)
            if let stats = try? StreamPayloads.streamStats(final) { record.stats = stats }
        }
        allocator.release(record.portA)
        allocator.release(record.portB)
        placed[record.worker]?.remove(id)
        streamIDs[record.streamID] = nil
        record.compact()
    }

    /// Fires the timers that are due (walking the sessions only when one may
    /// be: see ``nextDue``), then purges ended sessions past their retention.
    func fireDueTimers(now: ContinuousClock.Instant) async {
        if let due = nextDue, due <= now {
            var fired: [(SessionRecord, SessionTimer)] = []
            var next: ContinuousClock.Instant?
            for record in sessions.values where !record.state.isTerminal {
                for timer in SessionTimer.allCases {
                    guard let deadline = record.deadlines[timer] else { continue }
                    if deadline <= now {
                        fired.append((record, timer))
                    } else if next.map({ deadline < $0 }) ?? true {
                        next = deadline
                    }
                }
            }
            nextDue = next
            for (record, timer) in fired {
                record.deadlines[timer] = nil
                await perform(record.machine.handle(.timerFired(timer)), for: record)
            }
        }
        // Ended sessions stay visible for a while, then go (oldest first).
        for entry in ended.purge(now: now) { sessions[entry.id] = nil }
    }

    /// Ends every session (shutdown).
    func endAll() async {
        for record in Array(sessions.values) {
            await perform(record.machine.handle(.endRequested(.shutdown)), for: record)
        }
    }
}

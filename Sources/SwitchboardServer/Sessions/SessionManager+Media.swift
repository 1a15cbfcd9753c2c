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
            await reopenStreams(on: worker, port: port)
        case let .workerEvent(worker, code, payload, at):
            guard code == EventCode.streamStats.rawValue,
                  let report = try? PortMessage(type: .event, payload: payload).decodeJSON(StreamStatsReport.self) else { return }
            for stats in report.streams { await record(stats, from: worker, at: at) }
        }
    }

    func record(_ stats: StreamStats, from worker: String, at: ContinuousClock.Instant) async {
        guard let id = streamIDs[stats.stream], var record = sessions[id], record.worker == worker, !record.state.isTerminal else { return }
        let before = (record.stats?.a.packetsIn ?? 0) + (record.stats?.b.packetsIn ?? 0)
        record.stats = stats
        record.statsAt = at
        let grew = stats.a.packetsIn + stats.b.packetsIn > before
        let actions = grew ? record.machine.handle(.mediaSeen) : []
        sessions[id] = record
        await perform(actions, for: id)
    }

    /// Sends `open_stream` to the session's worker.
    func open(_ plan: OpenStream, session id: String) async throws(SessionFailure) {
        guard let worker = sessions[id]?.worker, let port = pool.port(worker), port.isUsable else {
            throw .workerFailed("the session's worker is not running")
        }
        do {
            let request = try PortMessage.json(.request, plan)
            _ = try await port.call(.openStream, request.payload)
        } catch {
            throw .workerFailed("open_stream on \(worker): \(error)")
        }
        sessions[id]?.plan = plan
        sessions[id]?.openedAt = .now
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
        for action in actions {
            switch action {
            case let .startTimer(timer, duration):
                deadlines[id, default: [:]][timer] = .now + duration
            case let .cancelTimer(timer):
                deadlines[id]?[timer] = nil
            case let .transitioned(from, to):
                var fields = ["session": id, "from": from.rawValue, "to": to.rawValue]
                if let reason = sessions[id]?.machine.endReason { fields["reason"] = reason.rawValue }
                events.publish("session.\(to.rawValue)", fields)
                if to.isTerminal { endObserver?(id, fields["reason"] ?? sessions[id]?.machine.failure ?? to.rawValue) }
                logger.info("session \(to.rawValue)", metadata: ["session": "\(id)", "from": "\(from.rawValue)"])
            case .releaseMedia:
                await release(id)
            }
        }
    }

    func release(_ id: String) async {
        guard var record = sessions[id], record.endedAt == nil else { return }
        record.endedAt = .now
        sessions[id] = record
        liveCount -= 1
        endedOrder.append((id, .now))
        deadlines[id] = nil
        if record.plan != nil, let port = pool.port(record.worker), port.isUsable,
           let request = try? PortMessage.json(.request, StreamSelector(stream: record.streamID)) {
            if let final = try? await port.call(.closeStream, request.payload),
               let stats = try? PortMessage(type: .reply, payload: final).decodeJSON(StreamStats.self) {
                sessions[id]?.stats = stats
            }
        }
        allocator.release(record.portA)
        allocator.release(record.portB)
        placed[record.worker]?.remove(id)
        streamIDs[record.streamID] = nil
    }

    func fireDueTimers(now: ContinuousClock.Instant) async {
        var due: [(String, SessionTimer)] = []
        for (id, timers) in deadlines {
            for (timer, deadline) in timers where deadline <= now { due.append((id, timer)) }
        }
        deadlines = deadlines.filter { !$0.value.isEmpty }
        for (id, timer) in due {
            deadlines[id]?[timer] = nil
            guard var record = sessions[id] else { continue }
            let actions = record.machine.handle(.timerFired(timer))
            sessions[id] = record
            await perform(actions, for: id)
        }
        // Ended sessions stay visible for a while, then go (oldest first).
        var purged = 0
        while purged < endedOrder.count, now - endedOrder[purged].at > .seconds(300) {
            sessions[endedOrder[purged].id] = nil
            purged += 1
        }
        if purged > 0 { endedOrder.removeFirst(purged) }
    }

    /// Ends every session (shutdown).
    func endAll() async {
        for id in sessions.keys {
            guard var record = sessions[id] else { continue }
            let actions = record.machine.handle(.endRequested(.shutdown))
            sessions[id] = record
            await perform(actions, for: id)
        }
    }
}

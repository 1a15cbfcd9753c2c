#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// Exits, the restart decision, the strategies and the restart intensity (supervisor.erl's
/// `restart_child/3`, `do_restart/3`, `restart/2`, `restart/3`, `try_again_restart/1`).
extension Supervisor {
    /// A monitor reports that instance `generation` of `id` ended.
    func handleExit(of id: String, generation: UInt64, reason: ExitReason) async {
        guard let index = index(of: id), records[index].instance != nil, records[index].generation == generation else {
            logger.debug("stale exit ignored", metadata: ["child": "\(id)", "reason": "\(reason)"])
            return
        }
        let record = records[index]
        records[index].instance = nil
        records[index].state = .stopped
        records[index].startedAt = nil
        if let backoff = flags.backoff, let upSince = record.upSince, ContinuousClock.now - upSince >= backoff.resetAfter {
            records[index].consecutiveRestarts = 0
        }
        let restart = record.spec.restart.restarts(after: reason)
        let metadata: Logger.Metadata = [
            "child": "\(id)", "reason": "\(reason)", "restart": "\(record.spec.restart.rawValue)",
        ]
        if reason.isNormal {
            logger.notice("child exited", metadata: metadata)
        } else {
            logger.warning("child exited", metadata: metadata)
        }
        if !restart, record.isDynamic || record.spec.restart == .temporary {
            records.remove(at: index)
        }
        emit(.childExited(supervisor: self.id, child: id, reason: reason))
        if restart {
            await self.restart(id)
        }
    }

    /// OTP `restart/2`: count the restart against the intensity (or give up), then apply the
    /// strategy, at once or after the backoff delay.
    func restart(_ id: String) async {
        guard recordRestart(of: id) else {
            await giveUp(offender: id)
            return
        }
        let delay = backoffDelay(for: id)
        guard delay > .zero else {
            await restartStrategy(id)
            return
        }
        // The dependent siblings go down now; the group comes back when the delay is over.
        await terminate(Array(restartGroup(of: id).filter { $0 != id }.reversed()))
        scheduleRetry(of: id, after: delay, counted: true)
    }

    /// OTP `try_again_restart`: a scheduled retry of a child left in `.restarting`.
    func handleRetry(of id: String, token: UInt64, counted: Bool) async {
        guard let index = index(of: id), records[index].state == .restarting, records[index].retryToken == token else {
            return
        }
        records[index].retryToken = nil
        if !counted {
            guard recordRestart(of: id) else {
                await giveUp(offender: id)
                return
            }
        }
        await restartStrategy(id)
    }

    /// OTP `restart/3`: terminate the siblings the strategy takes along (reverse start order;
    /// temporary ones are removed), then start the group in start order. A failed start leaves that
    /// child `.restarting` and schedules a retry, which counts as another restart.
    func restartStrategy(_ id: String) async {
        let group = restartGroup(of: id)
        await terminate(Array(group.filter { $0 != id }.reversed()))
        for member in group where index(of: member) != nil {
            do {
                try await startInstance(member, isRestart: true)
            } catch {
                scheduleRetry(of: member, after: backoffDelay(for: member), counted: false)
                return
            }
        }
    }

    /// The children restarted when `id` must be restarted, in start order.
    func restartGroup(of id: String) -> [String] {
        switch flags.strategy {
        case .oneForOne, .simpleOneForOne:
            return [id]
        case .oneForAll:
            return records.map(\.id)
        case .restForOne:
            guard let index = index(of: id) else { return [id] }
            return records[index...].map(\.id)
        }
    }

    func recordRestart(of id: String) -> Bool {
        if let index = index(of: id) { records[index].consecutiveRestarts += 1 }
        return intensity.record(restartAt: .now)
    }

    func backoffDelay(for id: String) -> Duration {
        guard let backoff = flags.backoff, let index = index(of: id) else { return .zero }
        return backoff.delay(attempt: max(1, records[index].consecutiveRestarts))
    }

    /// Leaves `id` in `.restarting` and posts a retry, at once (behind what is already in the
    /// mailbox, like OTP's cast to self) or after `delay`.
    func scheduleRetry(of id: String, after delay: Duration, counted: Bool) {
        guard let index = index(of: id) else { return }
        nextRetryToken += 1
        records[index].retryToken = nextRetryToken
        records[index].state = .restarting
        let message = SupervisorMessage.retry(child: id, token: nextRetryToken, counted: counted)
        if delay > .zero {
            logger.notice("child restart scheduled", metadata: ["child": "\(id)", "delay": "\(delay)"])
            pendingTimers.append((message, delay))
        } else {
            deliver(message)
        }
    }

    /// Starts `id` and records the new instance; rethrows the start error after reporting it.
    func startInstance(_ id: String, isRestart: Bool) async throws {
        guard let index = index(of: id) else { throw SupervisionError.childNotFound(id) }
        let spec = records[index].spec
        records[index].state = .starting
        let child: any SupervisedChild
        do {
            child = try await spec.start(id)
        } catch {
            if let index = self.index(of: id) { records[index].state = .stopped }
            logger.warning("child failed to start", metadata: ["child": "\(id)", "reason": "\(error)"])
            emit(.childStartFailed(supervisor: self.id, child: id, reason: String(describing: error)))
            throw error
        }
        guard let index = self.index(of: id) else {
            await child.stop(spec.shutdown)
            throw SupervisionError.childNotFound(id)
        }
        nextGeneration += 1
        records[index].instance = child
        records[index].generation = nextGeneration
        records[index].state = .running
        records[index].retryToken = nil
        records[index].startedAt = Date()
        records[index].upSince = .now
        if isRestart { records[index].restarts += 1 }
        let restarts = records[index].restarts
        pendingMonitors.append((id, nextGeneration, child))
        let details = await child.details()
        if isRestart {
            logger.notice("child restarted", metadata: ["child": "\(id)", "restarts": "\(restarts)"])
            emit(.childRestarted(supervisor: self.id, child: id, restartCount: restarts, details: details))
        } else {
            logger.info("child started", metadata: ["child": "\(id)"])
            emit(.childStarted(supervisor: self.id, child: id, details: details))
        }
    }

    /// Too many restarts: terminate every child and end with `.gaveUp`, so that the parent decides.
    func giveUp(offender id: String) async {
        state = .stopping
        let limits = flags.intensity
        let reason = "reached maximum restart intensity (\(limits.intensity) in \(limits.period)); last exit: child '\(id)'"
        logger.error("supervisor giving up", metadata: ["child": "\(id)", "reason": "\(reason)"])
        emit(.gaveUp(supervisor: self.id, reason: reason))
        await terminateAll(within: .infinity)
        finish(.gaveUp, state: .gaveUp)
    }
}

import Logging

/// Terminating children: one by one in reverse start order, each per its own shutdown spec
/// (supervisor.erl's `terminate_children/2`, `do_terminate/2`, `terminate_dynamic_children/1`).
extension Supervisor {
    typealias Victim = (id: String, child: any SupervisedChild, shutdown: Shutdown)

    /// Terminates these children in this order; temporary and dynamic ones are removed.
    func terminate(_ ids: [String]) async {
        for id in ids {
            await terminate(id)
            if let index = index(of: id), records[index].spec.restart == .temporary || records[index].isDynamic {
                records.remove(at: index)
            }
        }
    }

    /// Stops one child per its shutdown spec. A child waiting to be restarted just stops waiting.
    func terminate(_ id: String) async {
        guard let index = index(of: id) else { return }
        guard let child = records[index].instance else {
            if records[index].state == .restarting {
                records[index].state = .stopped
                records[index].retryToken = nil
            }
            return
        }
        let shutdown = records[index].spec.shutdown
        records[index].instance = nil
        records[index].state = .stopping
        logger.info("terminating child", metadata: ["child": "\(id)", "shutdown": "\(shutdown)"])
        await child.stop(shutdown)
        markTerminated(id)
    }

    private func markTerminated(_ id: String) {
        guard let index = index(of: id), records[index].state == .stopping else { return }
        records[index].state = .stopped
        records[index].startedAt = nil
        logger.info("child terminated", metadata: ["child": "\(id)"])
        emit(.childExited(supervisor: self.id, child: id, reason: .shutdown))
    }

    /// Terminates every child (stop or give-up). Pending restarts are dropped.
    ///
    /// - Parameter limit: the deadline for all of it: `.infinity` waits for each child's own
    ///   shutdown; `.timeout(d)` kills what is left after `d`; `.brutalKill` kills all at once.
    func terminateAll(within limit: Shutdown) async {
        for index in records.indices where records[index].state == .restarting {
            records[index].state = .stopped
            records[index].retryToken = nil
        }
        let victims: [Victim] = records.reversed().compactMap { record in
            record.instance.map { (record.id, $0, record.spec.shutdown) }
        }
        guard !victims.isEmpty else { return }
        switch limit {
        case .brutalKill:
            await kill(victims)
        case .infinity:
            await terminateInOrder(victims)
        case .timeout(let deadline):
            await withTaskGroup(of: Bool.self) { group in
                group.addTask {
                    await self.terminateInOrder(victims)
                    return true
                }
                group.addTask {
                    do { try await Task.sleep(for: deadline) } catch { return true }
                    return false
                }
                if await group.next() == false {
                    logger.warning("shutdown deadline passed; killing the remaining children", metadata: [
                        "deadline": "\(deadline)",
                    ])
                    await kill(victims)
                }
                group.cancelAll()
            }
        }
    }

    /// Reverse start order, one at a time; a `simple_one_for_one` supervisor stops all its
    /// (identical, independent) children concurrently, as OTP does.
    private func terminateInOrder(_ victims: [Victim]) async {
        guard isSimple else {
            for victim in victims { await terminate(victim.id) }
            return
        }
        let running = victims.filter { victim in
            guard let index = index(of: victim.id), records[index].instance != nil else { return false }
            records[index].instance = nil
            records[index].state = .stopping
            return true
        }
        logger.info("terminating dynamic children", metadata: ["children": "\(running.count)"])
        await withDiscardingTaskGroup { group in
            for victim in running {
                group.addTask { await victim.child.stop(victim.shutdown) }
            }
        }
        for victim in running { markTerminated(victim.id) }
    }

    /// Kills, concurrently, the victims not yet terminated.
    private func kill(_ victims: [Victim]) async {
        let remaining = victims.filter { victim in
            guard let index = index(of: victim.id), records[index].state != .stopped else { return false }
            records[index].instance = nil
            records[index].state = .stopping
            return true
        }
        await withDiscardingTaskGroup { group in
            for victim in remaining {
                group.addTask { await victim.child.stop(.brutalKill) }
            }
        }
        for victim in remaining { markTerminated(victim.id) }
    }
}

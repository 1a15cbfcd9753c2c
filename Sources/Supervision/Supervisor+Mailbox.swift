/// The mailbox and the loop that handles it, one message at a time.
extension Supervisor {
    /// Posts a message (OTP: a message to the supervisor process). After the supervisor ended,
    /// calls are answered at once and other messages dropped.
    func deliver(_ message: SupervisorMessage) {
        guard finalReason == nil else {
            if case .call(let call) = message { call.reject() }
            return
        }
        if let receiver {
            self.receiver = nil
            receiver.resume(returning: message)
        } else {
            queue.append(message)
        }
    }

    private func receive() async -> SupervisorMessage {
        if let message = queue.popFirst() { return message }
        return await withCheckedContinuation { receiver = $0 }
    }

    /// The supervisor's life: init, then the receive loop until it ends. Monitor tasks and backoff
    /// timers are children of this loop's task group.
    func main(startReply: CheckedContinuation<Void, any Error>) async {
        await withDiscardingTaskGroup { group in
            do {
                try await startInitialChildren()
            } catch {
                startReply.resume(throwing: error)
                return
            }
            state = .running
            startReply.resume()
            while finalReason == nil {
                spawnPending(in: &group)
                let message = await receive()
                await handle(message)
            }
            group.cancelAll()
        }
    }

    private func spawnPending(in group: inout DiscardingTaskGroup) {
        for (id, generation, child) in pendingMonitors {
            group.addTask {
                let reason = await child.exitReason()
                await self.deliver(.exited(child: id, generation: generation, reason: reason))
            }
        }
        pendingMonitors.removeAll()
        for (message, delay) in pendingTimers {
            group.addTask {
                do { try await Task.sleep(for: delay) } catch { return }
                await self.deliver(message)
            }
        }
        pendingTimers.removeAll()
    }

    /// Ends the supervisor: answers what is left in the mailbox and wakes those awaiting the end.
    func finish(_ reason: ExitReason, state: SupervisorState) {
        guard finalReason == nil else { return }
        finalReason = reason
        self.state = state
        while let message = queue.popFirst() {
            if case .call(let call) = message { call.reject() }
        }
        let waiters = endWaiters
        endWaiters.removeAll()
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    private func handle(_ message: SupervisorMessage) async {
        switch message {
        case .exited(let id, let generation, let reason):
            await handleExit(of: id, generation: generation, reason: reason)
        case .retry(let id, let token, let counted):
            await handleRetry(of: id, token: token, counted: counted)
        case .call(let call):
            await handle(call)
        }
    }

    private func startInitialChildren() async throws {
        do {
            try validate()
        } catch {
            logger.error("invalid supervisor configuration", metadata: ["reason": "\(error)"])
            finish(.failedStart(String(describing: error)), state: .failedToStart)
            throw error
        }
        logger.info("supervisor starting", metadata: [
            "strategy": "\(flags.strategy.rawValue)", "children": "\(initialSpecs.count)",
        ])
        for spec in initialSpecs {
            records.append(ChildRecord(spec: spec, isDynamic: false))
            do {
                try await startInstance(spec.id, isRestart: false)
            } catch {
                records.removeAll { $0.id == spec.id }
                logger.error("child failed to start; stopping the children already started", metadata: [
                    "child": "\(spec.id)", "reason": "\(error)",
                ])
                await terminateAll(within: .infinity)
                let failure = SupervisionError.startFailed(spec.id, error)
                finish(.failedStart(failure.description), state: .failedToStart)
                throw failure
            }
        }
    }

    private func validate() throws {
        let limits = flags.intensity
        guard limits.intensity >= 0 else { throw SupervisionError.invalidConfiguration("intensity must be >= 0") }
        guard limits.period > .zero else { throw SupervisionError.invalidConfiguration("period must be > 0") }
        if let backoff = flags.backoff {
            guard backoff.initial >= .zero, backoff.maximum >= backoff.initial, backoff.multiplier >= 1,
                  (0...1).contains(backoff.jitter)
            else { throw SupervisionError.invalidConfiguration("backoff needs 0 <= initial <= maximum, multiplier >= 1, jitter in 0...1") }
        }
        if isSimple {
            guard template != nil, initialSpecs.isEmpty else {
                throw SupervisionError.invalidConfiguration("simple_one_for_one needs exactly one child spec, the template")
            }
        } else if template != nil {
            throw SupervisionError.invalidConfiguration("a template needs the simple_one_for_one strategy")
        }
        var seen = Set<String>()
        for spec in initialSpecs where !seen.insert(spec.id).inserted {
            throw SupervisionError.invalidConfiguration("duplicate child id '\(spec.id)'")
        }
    }
}

import Logging

/// The API calls, handled in the mailbox loop (supervisor.erl's `handle_call/3`).
extension Supervisor {
    func handle(_ call: SupervisorCall) async {
        switch call {
        case .startDynamic(let reply):
            do { reply.resume(returning: try await startDynamicChild()) } catch { reply.resume(throwing: error) }
        case .startStatic(let spec, let reply):
            do { reply.resume(returning: try await startStaticChild(spec)) } catch { reply.resume(throwing: error) }
        case .terminate(let id, let reply):
            do { reply.resume(returning: try await terminateOnRequest(id)) } catch { reply.resume(throwing: error) }
        case .restart(let id, let reply):
            do { reply.resume(returning: try await restartOnRequest(id)) } catch { reply.resume(throwing: error) }
        case .delete(let id, let reply):
            do { reply.resume(returning: try deleteOnRequest(id)) } catch { reply.resume(throwing: error) }
        case .stop(let limit, let reply):
            state = .stopping
            logger.info("supervisor stopping", metadata: ["shutdown": "\(limit)"])
            await terminateAll(within: limit)
            logger.info("supervisor stopped")
            emit(.stopped(supervisor: id))
            finish(.shutdown, state: .stopped)
            reply.resume()
        case .barrier(let reply):
            reply.resume()
        }
    }

    private func startDynamicChild() async throws -> String {
        guard isSimple, let template else {
            throw SupervisionError.notSupported("startChild() needs a simple_one_for_one supervisor")
        }
        nextDynamicNumber += 1
        var spec = template
        spec.id = "\(template.id).\(nextDynamicNumber)"
        return try await addAndStart(spec, isDynamic: true)
    }

    private func startStaticChild(_ spec: ChildSpec) async throws -> String {
        guard !isSimple else {
            throw SupervisionError.notSupported("a simple_one_for_one supervisor starts children from its template")
        }
        guard index(of: spec.id) == nil else { throw SupervisionError.duplicateChild(spec.id) }
        return try await addAndStart(spec, isDynamic: false)
    }

    /// Adds the child and starts it; a child that fails to start is removed again.
    private func addAndStart(_ spec: ChildSpec, isDynamic: Bool) async throws -> String {
        records.append(ChildRecord(spec: spec, isDynamic: isDynamic))
        do {
            try await startInstance(spec.id, isRestart: false)
        } catch {
            records.removeAll { $0.id == spec.id }
            throw SupervisionError.startFailed(spec.id, error)
        }
        return spec.id
    }

    private func terminateOnRequest(_ id: String) async throws {
        guard index(of: id) != nil else { throw SupervisionError.childNotFound(id) }
        await terminate([id])
    }

    private func restartOnRequest(_ id: String) async throws {
        guard let index = index(of: id) else { throw SupervisionError.childNotFound(id) }
        let reason = ExitReason.killed("operator restart")
        if let child = records[index].instance {
            let shutdown = records[index].spec.shutdown
            records[index].instance = nil
            records[index].state = .stopping
            logger.notice("operator restart: stopping child", metadata: ["child": "\(id)", "shutdown": "\(shutdown)"])
            await child.stop(shutdown)
            if let index = self.index(of: id) {
                records[index].state = .stopped
                records[index].startedAt = nil
            }
            logger.notice("child exited", metadata: ["child": "\(id)", "reason": "\(reason)"])
            emit(.childExited(supervisor: self.id, child: id, reason: reason))
        }
        if let index = self.index(of: id) { records[index].retryToken = nil }
        do {
            try await startInstance(id, isRestart: true)
        } catch {
            if let index = self.index(of: id) {
                if records[index].spec.restart == .temporary {
                    records.remove(at: index)
                } else {
                    scheduleRetry(of: id, after: backoffDelay(for: id), counted: false)
                }
            }
            throw SupervisionError.startFailed(id, error)
        }
    }

    private func deleteOnRequest(_ id: String) throws {
        guard !isSimple else { throw SupervisionError.notSupported("dynamic children are removed by terminateChild") }
        guard let index = index(of: id) else { throw SupervisionError.childNotFound(id) }
        guard records[index].state == .stopped else { throw SupervisionError.childRunning(id) }
        records.remove(at: index)
        logger.info("child deleted", metadata: ["child": "\(id)"])
    }
}

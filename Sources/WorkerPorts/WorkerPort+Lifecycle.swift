import Foundation
import PortProtocol
import Supervision

extension WorkerPort {
    /// Runs until cancelled: pings every `heartbeatInterval` and kills the
    /// worker after `heartbeatMisses` unanswered pings in a row; expires
    /// requests past their deadline; retries flushing a full pipe.
    public func runHeartbeats() async {
        let tick = min(options.heartbeatInterval, .milliseconds(50))
        var sincePing: Duration = .zero
        while !Task.isCancelled && !isClosed {
            do { try await Task.sleep(for: tick) } catch { return }
            expireRequests(now: .now)
            sincePing += tick
            guard sincePing >= options.heartbeatInterval else { continue }
            sincePing = .zero
            let (hung, misses, nextPing): (Bool, Int, UInt32) = state.withLock { s in
                if s.lastPingID != s.lastPongID { s.missedPongs += 1 }
                let hung = s.missedPongs >= options.heartbeatMisses
                s.lastPingID &+= 1
                s.lastPingSentAt = .now
                return (hung, s.missedPongs, s.lastPingID)
            }
            if hung {
                kill(reason: "hung: \(misses) pongs missed in a row")
                return
            }
            post(.ping, id: nextPing)
        }
    }

    /// Fails requests whose deadline passed. The worker is not killed for a
    /// slow answer; a late reply is dropped.
    func expireRequests(now: ContinuousClock.Instant) {
        let expired: [Pending] = state.withLock { s in
            if !s.out.isEmpty && !s.corked { flushLocked(&s) }
            guard !s.pending.isEmpty else { return [] }
            var gone: [Pending] = []
            for (id, p) in s.pending where p.deadline <= now {
                gone.append(p)
                s.pending[id] = nil
            }
            return gone
        }
        for p in expired {
            p.completion.complete(.failure(.requestTimeout(method: p.method.name, timeout: p.timeout)))
        }
    }

    /// Stops the worker: `brutalKill` is SIGKILL at once; `timeout(T)` sends
    /// the `shutdown` message, then SIGTERM after T, then SIGKILL after T
    /// more; `infinity` sends `shutdown` and waits. Returns once reaped.
    public func stop(_ shutdown: Shutdown) async {
        state.withLock { $0.stopping = true }
        if process.currentTermination != nil { return }
        switch shutdown {
        case .brutalKill:
            process.kill(SIGKILL)
        case let .timeout(t):
            post(.shutdown)
            if await process.termination.value(within: t) != nil { break }
            logger.notice("worker ignored shutdown for \(t): SIGTERM")
            process.kill(SIGTERM)
            if await process.termination.value(within: t) != nil { break }
            logger.warning("worker ignored SIGTERM for \(t): SIGKILL")
            process.kill(SIGKILL)
        case .infinity:
            post(.shutdown)
        }
        _ = await process.terminated()
        _ = await stderrDrained.value(within: .milliseconds(200))
    }

    /// Why the worker ended, in supervision's terms. Waits for the exit.
    public func terminationReason() async -> ExitReason {
        let termination = await process.terminated()
        // The worker's last log lines (why it exited) before its exit is reported.
        _ = await stderrDrained.value(within: .milliseconds(200))
        if let why = killReason { return .killed(why) }
        if wasStopped { return .shutdown }
        switch termination {
        case .exited(0): return .normal
        case let .exited(code): return .exitCode(code)
        case let .signaled(sig): return .signal(sig)
        }
    }
}

extension WorkerPort: SupervisedChild {
    /// Runs the heartbeats while waiting for the exit (the supervisor's
    /// monitor calls this once), then says why the worker ended.
    public func exitReason() async -> ExitReason {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.runHeartbeats() }
            _ = await process.terminated()
            group.cancelAll()
        }
        return await terminationReason()
    }

    public func details() async -> [String: String] {
        var d = ["pid": "\(pid)", "mailbox_depth": "\(mailboxDepth)"]
        if let hello {
            d["kind"] = hello.kind
            d["max_streams"] = "\(hello.maxStreams)"
        }
        return d
    }
}

import Logging
import Synchronization
import WorkerPorts

/// Workers started ahead of need and kept idle, so that replacing a
/// crashed worker adopts a process that already said hello instead of
/// waiting for one to start (about 2-3 ms of the restart on this kind of
/// machine). A spare is an ordinary worker that has not been handed out:
/// adopting it is the supervisor's restart; the pool then starts another.
/// A spare that died while idle is discarded, never adopted.
final class WarmSpares: Sendable {
    let target: Int
    let logger: Logger
    let poolName: String
    let onRoundTrip: @Sendable (Duration) -> Void
    /// How workers start now, and the generation of those options: a rollout
    /// with a new executable bumps it, and spares of older generations are
    /// never adopted.
    private let current: Mutex<(options: WorkerPortOptions, generation: Int)>
    private let spares = Mutex<[(port: WorkerPort, generation: Int)]>([])
    private let wakeup = Wakeup()

    init(target: Int, options: WorkerPortOptions, poolName: String, logger: Logger,
         onRoundTrip: @escaping @Sendable (Duration) -> Void) {
        self.onRoundTrip = onRoundTrip
        self.target = target
        self.current = Mutex((options, 0))
        self.poolName = poolName
        self.logger = logger
    }

    /// The options new workers (and spares) start with.
    var options: WorkerPortOptions { current.withLock { $0.options } }

    var count: Int { spares.withLock { $0.count } }
    var pids: [Int32] { spares.withLock { $0.map(\.port.pid) } }

    /// Switches to `options` (a new executable): returns the spares started
    /// with the old ones, for the caller to stop; new spares follow.
    func update(options: WorkerPortOptions) -> [WorkerPort] {
        let stale = current.withLock { state -> Int in
            state.options = options
            state.generation += 1
            return state.generation
        }
        let old = spares.withLock { list -> [WorkerPort] in
            let old = list.filter { $0.generation < stale }.map(\.port)
            list.removeAll { $0.generation < stale }
            return old
        }
        wakeup.signal()
        return old
    }

    /// A usable spare of the current options, renamed to `id`, or nil (then the caller starts one).
    func take(as id: String) -> WorkerPort? {
        let generation = current.withLock { $0.generation }
        let spare: WorkerPort? = spares.withLock { list in
            while !list.isEmpty {
                let candidate = list.removeFirst()
                if candidate.port.isUsable && candidate.generation == generation { return candidate.port }
            }
            return nil
        }
        wakeup.signal()
        guard let spare else { return nil }
        spare.adopt(id: id)
        return spare
    }

    /// Keeps `target` spares ready until cancelled, then stops them.
    func run() async {
        guard target > 0 else { return }
        var failures = 0
        while !Task.isCancelled {
            let missing = spares.withLock { list in
                list.removeAll { !$0.port.isUsable }
                return target - list.count
            }
            if missing > 0 {
                do {
                    let (options, generation) = current.withLock { ($0.options, $0.generation) }
                    let port = try await WorkerPort.start(id: "\(poolName).spare", options: options, logger: logger,
                                                              onRoundTrip: onRoundTrip)
                    spares.withLock { $0.append((port, generation)) }
                    failures = 0
                    continue
                } catch {
                    failures += 1
                    logger.warning("cannot start a warm spare", metadata: ["pool": "\(poolName)", "error": "\(error)"])
                    // Back off: the supervisor's own restarts will report the real failure.
                    try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
                    continue
                }
            }
            // Sleep until a spare is taken, or check again in a while (a spare may die idle).
            await wakeup.wait(timeout: .seconds(5))
        }
        let leftovers = spares.withLock { list in
            defer { list = [] }
            return list.map(\.port)
        }
        // This task is cancelled by now, and a cancelled wait would turn the polite
        // stop into an immediate SIGKILL: stop them from a task of their own.
        let timeout = current.withLock { $0.options.requestTimeout }
        await Task {
            for spare in leftovers { await spare.stop(.timeout(timeout)) }
        }.value
    }
}

/// A one-waiter signal: `signal()` wakes the waiter, or the next `wait`
/// returns at once. Waiting ends on a signal, a timeout or cancellation.
final class Wakeup: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else { s.pending = true; return nil }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitForSignal() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pending || Task.isCancelled { s.pending = false; return true }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
    }
}

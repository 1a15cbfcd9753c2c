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
    let options: WorkerPortOptions
    let logger: Logger
    let poolName: String
    let onRoundTrip: @Sendable (Duration) -> Void
    private let spares = Mutex<[WorkerPort]>([])
    private let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))

    init(target: Int, options: WorkerPortOptions, poolName: String, logger: Logger,
         onRoundTrip: @escaping @Sendable (Duration) -> Void) {
        self.onRoundTrip = onRoundTrip
        self.target = target
        self.options = options
        self.poolName = poolName
        self.logger = logger
    }

    var count: Int { spares.withLock { $0.count } }
    var pids: [Int32] { spares.withLock { $0.map(\.pid) } }

    /// A usable spare, renamed to `id`, or nil (then the caller starts one).
    func take(as id: String) -> WorkerPort? {
        let spare: WorkerPort? = spares.withLock { list in
            while !list.isEmpty {
                let candidate = list.removeFirst()
                if candidate.isUsable { return candidate }
            }
            return nil
        }
        wake.yield()
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
                list.removeAll { !$0.isUsable }
                return target - list.count
            }
            if missing > 0 {
                do {
                    let port = try await WorkerPort.start(id: "\(poolName).spare", options: options, logger: logger,
                                                              onRoundTrip: onRoundTrip)
                    spares.withLock { $0.append(port) }
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
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: .seconds(5)) }
                group.addTask { for await _ in self.wakeups { return } }
                await group.next()
                group.cancelAll()
            }
        }
        let leftovers = spares.withLock { list in
            defer { list = [] }
            return list
        }
        for spare in leftovers { await spare.stop(.timeout(options.requestTimeout)) }
    }
}

import Foundation
import Logging
import PortProtocol
import Supervision
import Synchronization
import WorkerPorts

/// A pool of identical workers: a `simple_one_for_one` supervisor whose
/// size the operator sets at run time. The pool outlives its supervisor's
/// incarnations: when the root restarts the pool supervisor, the new one is
/// filled back to the desired size.
public final class WorkerPool: Sendable {
    public let config: SwitchboardConfig.Pool
    let maxFrameLength: Int
    let logger: Logger
    let hooks: SupervisionHooks
    private struct State {
        var desired: Int
        var supervisor: Supervisor?
        /// The port of each running worker, by worker id.
        var ports: [String: WorkerPort] = [:]
        /// Moves a worker's streams elsewhere before it stops (set by the orchestrator).
        var drainer: (@Sendable (String) async throws -> Void)?
    }
    private let state: Mutex<State>
    let spares: WarmSpares
    /// One scaling at a time (two PUTs must not interleave their starts and stops).
    let scaling = AsyncLock()

    let mailbox: MediaMailbox

    init(config: SwitchboardConfig.Pool, maxFrameLength: Int, logger: Logger, hooks: SupervisionHooks, mailbox: MediaMailbox) {
        self.config = config
        self.mailbox = mailbox
        self.maxFrameLength = maxFrameLength
        self.logger = logger
        self.hooks = hooks
        self.state = Mutex(State(desired: config.size))
        self.spares = WarmSpares(target: config.warmSpares,
                                 options: Self.options(config, executable: config.executable, maxFrameLength: maxFrameLength),
                                 poolName: config.name, logger: logger,
                                 onRoundTrip: { [metrics = hooks.metrics] in metrics.recordRoundTrip($0) })
    }

    static func options(_ config: SwitchboardConfig.Pool, executable name: String, maxFrameLength: Int) -> WorkerPortOptions {
        let executable = resolve(executable: name)
        // The transcoder enforces the same maximum frame on what it reads, and takes the pool's streams per worker.
        let isTranscoder = URL(fileURLWithPath: executable).lastPathComponent.hasPrefix("switchboard-transcoder")
        var frameArguments = isTranscoder && !config.arguments.contains("--max-frame") ? ["--max-frame", "\(maxFrameLength)"] : []
        if isTranscoder && !config.arguments.contains("--max-streams") { frameArguments += ["--max-streams", "\(config.maxStreams)"] }
        return WorkerPortOptions(
            executable: executable, arguments: frameArguments + config.arguments,
            maxFrameLength: maxFrameLength, startTimeout: config.startTimeout, requestTimeout: config.requestTimeout,
            heartbeatInterval: config.heartbeatInterval, heartbeatMisses: config.heartbeatMisses,
            mailboxLimit: config.mailboxLimit)
    }

    /// The executable workers start from now (resolved path).
    public var executable: String { spares.options.executable }

    /// From now on, workers start from `executable`; idle spares of the old one are stopped.
    func use(executable: String) async {
        let stale = spares.update(options: Self.options(config, executable: executable, maxFrameLength: maxFrameLength))
        for spare in stale { await spare.stop(.timeout(config.shutdownTimeout)) }
    }

    /// Warm spares ready to be adopted.
    public var readySpares: Int { spares.count }

    /// The port of a running worker of this pool.
    public func port(_ workerID: String) -> WorkerPort? { state.withLock { $0.ports[workerID] } }

    public var name: String { config.name }
    public var supervisorID: String { "pool.\(config.name)" }
    public var desiredSize: Int { state.withLock { $0.desired } }
    var supervisor: Supervisor? { state.withLock { $0.supervisor } }

    var workerOptions: WorkerPortOptions { spares.options }

    /// The pool's supervisor as a child of the root: permanent, so a pool
    /// that gave up is restarted by the root (escalation).
    func childSpec() -> ChildSpec {
        ChildSpec(id: supervisorID, restart: .permanent, shutdown: .infinity, kind: .supervisor) { [self] in
            let flags = SupervisorFlags(
                strategy: .simpleOneForOne,
                intensity: RestartIntensity(intensity: config.intensity, period: config.period),
                backoff: config.backoff)
            let supervisor = Supervisor(id: supervisorID, flags: flags, template: workerSpec(), logger: logger,
                                        events: hooks.handler)
            try await supervisor.start()
            let n = desiredSize
            do {
                for _ in 0..<n { _ = try await supervisor.startChild() }
            } catch {
                await supervisor.stop(.brutalKill)  // never leave a half-filled pool running unreferenced
                throw error
            }
            state.withLock { $0.supervisor = supervisor }
            return supervisor
        }
    }

    /// The template of every worker in this pool. Each start reads the
    /// pool's current options, so a rollout's new executable applies to
    /// every worker started after it.
    func workerSpec() -> ChildSpec {
        let logger = logger, hooks = hooks, pool = name, mailbox = mailbox
        return ChildSpec(id: name, restart: config.restart, shutdown: .timeout(config.shutdownTimeout), kind: .worker, startWithID: {
            [self] id in
            let options = workerOptions
            let port: WorkerPort
            if let spare = spares.take(as: id) {
                port = spare
            } else {
                do {
                    port = try await WorkerPort.start(id: id, options: options, logger: logger, onRoundTrip: { hooks.metrics.recordRoundTrip($0) })
                } catch {
                    hooks.metrics.workerStartFailed(pool: pool)
                    throw error
                }
            }
            state.withLock { $0.ports[id] = port }
            port.routeEvents(to: mailbox.eventHandler)
            mailbox.post(.workerStarted(pool: pool, worker: id, port: port))
            return port
        })
    }

    /// Sets the pool size, starting or stopping workers (newest first). A
    /// worker's streams are moved to the others before it stops; if they
    /// cannot move (no room), scaling down stops there and throws.
    public func scale(to size: Int) async throws -> Int {
        await scaling.lock()
        defer { scaling.unlock() }
        let old = state.withLock { s in
            defer { s.desired = size }
            return s.desired
        }
        guard let supervisor else { return size }
        var running = await supervisor.children().map(\.id)
        while running.count < size {
            running.append(try await supervisor.startChild())
        }
        while running.count > size, let victim = running.sorted(by: Self.newestFirst).first {
            // Never drop a call: its streams move first (a failure to move stops the scale-down here).
            if let drainer = state.withLock({ $0.drainer }) {
                do { try await drainer(victim) } catch {
                    state.withLock { $0.desired = running.count }
                    throw error
                }
            }
            try await supervisor.terminateChild(victim)
            running.removeAll { $0 == victim }
            _ = state.withLock { $0.ports.removeValue(forKey: victim) }
        }
        if old != size {
            hooks.events.publish("pool.scaled", ["pool": name, "from": "\(old)", "to": "\(size)"])
            logger.notice("pool scaled", metadata: ["pool": "\(name)", "from": "\(old)", "to": "\(size)"])
        }
        return size
    }

    /// Sets what moves a worker's streams away before scaling stops it.
    func setDrainer(_ drainer: @escaping @Sendable (String) async throws -> Void) {
        state.withLock { $0.drainer = drainer }
    }

    /// Drops a stopped worker's port (after `terminateChild`).
    func forget(_ workerID: String) {
        _ = state.withLock { $0.ports.removeValue(forKey: workerID) }
    }

    /// Orders `pool.12` before `pool.3`: numeric suffix, largest first.
    static func newestFirst(_ a: String, _ b: String) -> Bool {
        let na = Int(a.split(separator: ".").last ?? "") ?? 0
        let nb = Int(b.split(separator: ".").last ?? "") ?? 0
        return na > nb
    }

    /// Finds a bare executable name next to the running binary first
    /// (`.build/release/switchboard-transcoder`), then on PATH.
    public static func resolve(executable: String) -> String {
        guard !executable.contains("/") else { return executable }
        let own = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath().deletingLastPathComponent()
        var candidates = [own.appendingPathComponent(executable).path]
        if let bundle = Bundle.main.executableURL?.deletingLastPathComponent() {
            candidates.append(bundle.appendingPathComponent(executable).path)
        }
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            candidates.append("\(dir)/\(executable)")
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? executable
    }
}

/// A FIFO lock for async code: `lock()` suspends until it is free.
final class AsyncLock: Sendable {
    private let state = Mutex<(locked: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func lock() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { s -> Bool in
                if !s.locked { s.locked = true; return true }
                s.waiters.append(c)
                return false
            }
            if acquired { c.resume() }
        }
    }

    func unlock() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty { s.locked = false; return nil }
            return s.waiters.removeFirst()  // stays locked: handed over
        }
        next?.resume()
    }
}

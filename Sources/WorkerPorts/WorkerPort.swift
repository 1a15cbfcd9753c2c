import Foundation
import Logging
import PortProtocol
import Synchronization

/// The orchestrator's side of one worker: a spawned process and the framed
/// pipe to it, with request/response correlation.
///
/// One type per side of the boundary, as in mediasoup: ``WorkerProcess`` owns
/// the OS process; `WorkerPort` owns the framing, the table of pending
/// requests (every one with a deadline; all failed when the port closes),
/// pings, and the worker's stderr, re-logged with its id.
///
/// Threads: a reader thread blocks on the worker's stdout and completes
/// requests; a second one reads stderr. Writes are non-blocking under a lock;
/// frames sent while the reader is dispatching a batch of replies are
/// corked and leave in one `write` (this is what makes pipelined requests
/// fast). Bytes a full pipe did not take wait in the out-buffer and are
/// flushed by the next writer, reader batch or heartbeat tick.
public final class WorkerPort: Sendable {
    /// Completion of a request: a suspended task or a callback run on the
    /// reader thread.
    public typealias Callback = @Sendable (Result<[UInt8], WorkerPortError>) -> Void

    enum Completion {
        case continuation(UnsafeContinuation<Result<[UInt8], WorkerPortError>, Never>)
        case callback(Callback)

        func complete(_ result: Result<[UInt8], WorkerPortError>) {
            switch self {
            case let .continuation(c): c.resume(returning: result)
            case let .callback(f): f(result)
            }
        }
    }

    struct Pending {
        var completion: Completion
        var method: Method
        var deadline: ContinuousClock.Instant
        var timeout: Duration
    }

    struct State {
        var nextID: UInt32 = 0
        var pending: [UInt32: Pending] = [:]
        var out: [UInt8] = []
        var corked = false
        /// Why the port is closed; nil while open.
        var closed: String?
        /// Why the orchestrator killed the worker (first reason wins).
        var killReason: String?
        /// Set once a polite stop began.
        var stopping = false
        var lastPingID: UInt32 = 0
        var lastPongID: UInt32 = 0
        var lastPingSentAt: ContinuousClock.Instant?
        var missedPongs = 0
        var requestsSent: UInt64 = 0
    }

    /// The id the worker runs under (logs, metrics). A warm spare gets its
    /// id when it is adopted (``adopt(id:)``).
    public var id: String { identity.withLock { $0.id } }
    public let process: WorkerProcess
    public let options: WorkerPortOptions
    public let startedAt: Date
    var logger: Logger { identity.withLock { $0.logger } }
    private let identity: Mutex<(id: String, logger: Logger)>
    let state = Mutex(State())
    let helloLatch = Latch<Result<Hello, WorkerPortError>>()
    /// Set when the worker's stderr reached EOF and every line was re-logged.
    let stderrDrained = Latch<Bool>()
    let onEvent: @Sendable (UInt8, [UInt8]) -> Void
    /// Where events go with the worker's current id (set by the owner of the
    /// worker, e.g. when a pool adopts a spare).
    let eventRoute = CallbackSlot<(workerID: String, code: UInt8, payload: [UInt8])>()
    let onRoundTrip: @Sendable (Duration) -> Void

    /// Spawns the worker and waits for its hello. Throws if it cannot be
    /// spawned, exits, or stays silent past `options.startTimeout`; the
    /// process is then killed and reaped before this returns.
    public static func start(
        id: String, options: WorkerPortOptions, logger: Logger,
        onEvent: @escaping @Sendable (UInt8, [UInt8]) -> Void = { _, _ in },
        onRoundTrip: @escaping @Sendable (Duration) -> Void = { _ in }
    ) async throws(WorkerPortError) -> WorkerPort {
        let process = try WorkerProcess(executable: options.executable, arguments: options.arguments,
                                        environment: options.environment)
        let port = WorkerPort(id: id, process: process, options: options, logger: logger, onEvent: onEvent,
                              onRoundTrip: onRoundTrip)
        let outcome = await port.helloLatch.value(within: options.startTimeout)
        switch outcome {
        case .success?:
            return port
        case let .failure(error)?:
            port.kill(reason: error.description)
            _ = await process.terminated()
            throw error
        case nil:
            let error = WorkerPortError.helloTimeout(options.startTimeout)
            port.kill(reason: error.description)
            _ = await process.terminated()
            throw error
        }
    }

    init(id: String, process: WorkerProcess, options: WorkerPortOptions, logger: Logger,
         onEvent: @escaping @Sendable (UInt8, [UInt8]) -> Void, onRoundTrip: @escaping @Sendable (Duration) -> Void) {
        self.onRoundTrip = onRoundTrip
        self.process = process
        self.options = options
        self.startedAt = Date()
        var logger = logger
        logger[metadataKey: "worker"] = "\(id)"
        logger[metadataKey: "pid"] = "\(process.pid)"
        self.identity = Mutex((id, logger))
        self.onEvent = onEvent
        let flags = fcntl(process.stdinFD, F_GETFL)
        _ = fcntl(process.stdinFD, F_SETFL, flags | O_NONBLOCK)
        startReader()
        startStderrReader()
    }

    /// The worker's hello (after a successful ``start(id:options:logger:onEvent:)``).
    public var hello: Hello? {
        if case let .success(h)? = helloLatch.current { return h }
        return nil
    }

    public var pid: Int32 { process.pid }

    /// Gives a pre-started worker (a warm spare) the id it now runs under.
    public func adopt(id: String) {
        identity.withLock { identity in
            identity.id = id
            identity.logger[metadataKey: "worker"] = "\(id)"
        }
    }

    /// Sends every event from now on to `handler`, with the worker's current id.
    public func routeEvents(to handler: @escaping @Sendable (_ workerID: String, _ code: UInt8, _ payload: [UInt8]) -> Void) {
        eventRoute.set { handler($0.workerID, $0.code, $0.payload) }
    }

    /// True while the process runs and the port is open: fit to be adopted.
    public var isUsable: Bool { !isClosed && process.currentTermination == nil }

    /// Requests awaiting their reply: the mailbox depth.
    public var mailboxDepth: Int { state.withLock { $0.pending.count } }

    public var isClosed: Bool { state.withLock { $0.closed != nil } }

    /// True once a polite or brutal stop began (``stop(_:)``): the worker is on its way out.
    public var isStopping: Bool { state.withLock { $0.stopping } }

    // MARK: requests

    /// Sends a request and suspends until its reply, error or timeout.
    public func call(_ method: Method, _ payload: [UInt8] = [], timeout: Duration? = nil)
        async throws(WorkerPortError) -> [UInt8]
    {
        let result = await withUnsafeContinuation { (c: UnsafeContinuation<Result<[UInt8], WorkerPortError>, Never>) in
            if let error = submit(method, payload, timeout: timeout, completion: .continuation(c)) {
                c.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }

    /// Sends a request; `callback` runs on the reader thread with the result
    /// (or on the caller's thread if the request could not be sent). Requests
    /// sent from inside a callback leave together in one write.
    public func send(_ method: Method, _ payload: [UInt8] = [], timeout: Duration? = nil,
                     callback: @escaping Callback) {
        if let error = submit(method, payload, timeout: timeout, completion: .callback(callback)) {
            callback(.failure(error))
        }
    }

    private func submit(_ method: Method, _ payload: [UInt8], timeout: Duration?, completion: Completion) -> WorkerPortError? {
        let timeout = timeout ?? options.requestTimeout
        let deadline = ContinuousClock.now + timeout
        return state.withLock { s -> WorkerPortError? in
            if let why = s.closed { return .portClosed(why) }
            if payload.count + PortMessage.headerLength > options.maxFrameLength {
                return .requestTooLarge(bytes: payload.count + PortMessage.headerLength, maximum: options.maxFrameLength)
            }
            if s.pending.count >= options.mailboxLimit { return .mailboxFull(limit: options.mailboxLimit) }
            s.nextID &+= 1
            if s.nextID == 0 { s.nextID = 1 }
            let id = s.nextID
            s.pending[id] = Pending(completion: completion, method: method, deadline: deadline, timeout: timeout)
            s.requestsSent &+= 1
            PortMessage.appendFrame(type: .request, id: id, op: method.rawValue, payload: payload, to: &s.out)
            if !s.corked { flushLocked(&s) }
            return nil
        }
    }

    /// Sends a message that expects no reply (ping, shutdown).
    func post(_ type: MessageType, id: UInt32 = 0) {
        state.withLock { s in
            guard s.closed == nil else { return }
            PortMessage.appendFrame(type: type, id: id, op: 0, payload: EmptyCollection(), to: &s.out)
            if !s.corked { flushLocked(&s) }
        }
    }

    /// Writes as much of the out-buffer as the pipe takes, without blocking.
    func flushLocked(_ s: inout State) {
        var written = 0
        let total = s.out.count
        while written < total {
            let n = s.out.withUnsafeBytes { raw in
                guard let base = raw.baseAddress else { return 0 }
                return write(process.stdinFD, base + written, total - written)
            }
            if n > 0 { written += n; continue }
            if n < 0 && errno == EINTR { continue }
            break  // EAGAIN: the rest waits; EPIPE: the reader will see EOF
        }
        if written == total {
            s.out.removeAll(keepingCapacity: true)
        } else if written > 0 {
            s.out.removeSubrange(0..<written)
        }
    }

    // MARK: failure and stop

    /// Kills the worker (SIGKILL) for `reason`; its exit is then reported as
    /// killed for that reason.
    public func kill(reason: String) {
        let first = state.withLock { s -> Bool in
            guard s.killReason == nil else { return false }
            s.killReason = reason
            return true
        }
        if first { logger.warning("killing worker: \(reason)") }
        process.kill(SIGKILL)
    }

    var killReason: String? { state.withLock { $0.killReason } }
    var wasStopped: Bool { state.withLock { $0.stopping } }

    /// Fails every pending request and refuses new ones.
    func close(reason: String) {
        let pending: [Pending] = state.withLock { s in
            if s.closed == nil { s.closed = reason }
            defer { s.pending = [:] }
            return Array(s.pending.values)
        }
        for p in pending { p.completion.complete(.failure(.portClosed(reason))) }
    }
}

import CProcessSpawn
import Foundation
import Synchronization

/// How a worker process ended, as `waitpid` reported it.
public enum ProcessTermination: Sendable, Hashable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case let .exited(code): "exit status \(code)"
        case let .signaled(sig): "signal \(sig)\(signalName(sig).map { " (\($0))" } ?? "")"
        }
    }
}

func signalName(_ sig: Int32) -> String? {
    switch sig {
    case SIGKILL: "SIGKILL"
    case SIGTERM: "SIGTERM"
    case SIGSEGV: "SIGSEGV"
    case SIGABRT: "SIGABRT"
    case SIGINT: "SIGINT"
    case SIGBUS: "SIGBUS"
    case SIGILL: "SIGILL"
    case SIGPIPE: "SIGPIPE"
    default: nil
    }
}

/// An OS process spawned with three pipes, owning their parent ends.
///
/// Ownership: the process owns `stdinFD` (write end), `stdoutFD` and
/// `stderrFD` (read ends); they are created with `O_CLOEXEC`, the child sees
/// exactly fds 0, 1 and 2. Exit is observed by a thread blocked in
/// `waitpid(pid)` for this pid only (never `waitpid(-1)`: that would steal
/// other spawners' statuses), so the process is always reaped: no zombies.
public final class WorkerProcess: Sendable {
    public let pid: pid_t
    public let stdinFD: Int32
    public let stdoutFD: Int32
    public let stderrFD: Int32
    let termination = Latch<ProcessTermination>()
    private let exited = DispatchSemaphore(value: 0)
    private let reaped = Atomic<Bool>(false)

    /// Spawns `executable` with `arguments`. Throws ``WorkerPortError`` on failure.
    /// Writing to a worker that just died must be an EPIPE error, not a
    /// SIGPIPE that kills the orchestrator (NIO ignores it only once a socket
    /// exists; benches and tests have none). Children get SIG_DFL back.
    private static let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    public init(executable: String, arguments: [String], environment: [String: String]? = nil) throws(WorkerPortError) {
        Self.ignoreSIGPIPE
        var inPipe: [Int32] = [-1, -1], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [-1, -1]
        for i in 0..<3 {
            let rc = switch i {
            case 0: switchboard_pipe(&inPipe)
            case 1: switchboard_pipe(&outPipe)
            default: switchboard_pipe(&errPipe)
            }
            if rc != 0 {
                for fd in inPipe + outPipe + errPipe where fd >= 0 { close(fd) }
                throw .spawnFailed(executable, errno: rc)
            }
        }
        // Bigger pipes (1 MiB, the default pipe-max-size) let a full window of
        // pipelined frames sit in the kernel instead of stalling a writer.
        for fd in [inPipe[1], outPipe[1]] { _ = fcntl(fd, 1031 /* F_SETPIPE_SZ */, 1 << 20) }
        let env = environment ?? ProcessInfo.processInfo.environment
        let argv = [executable] + arguments
        let envStrings = env.map { "\($0.key)=\($0.value)" }
        var childPID: pid_t = 0
        let rc = withCStrings(argv) { argvPtr in
            withCStrings(envStrings) { envPtr in
                switchboard_spawn(&childPID, executable, argvPtr, envPtr, inPipe[0], outPipe[1], errPipe[1])
            }
        }
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        if rc != 0 {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw .spawnFailed(executable, errno: rc)
        }
        pid = childPID
        stdinFD = inPipe[1]
        stdoutFD = outPipe[0]
        stderrFD = errPipe[0]
        let pid = childPID
        let waiter = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR {
                    status = 0x7f00  // unknown: reported as exit status 127, never as a normal exit
                    break
                }
            }
            reaped.store(true, ordering: .releasing)
            // WIFEXITED / WEXITSTATUS / WTERMSIG are macros; decode by hand.
            let result: ProcessTermination = (status & 0x7f) == 0
                ? .exited((status >> 8) & 0xff) : .signaled(status & 0x7f)
            termination.fulfil(result)
            exited.signal()
        }
        waiter.name = "waitpid \(pid)"
        waiter.start()
    }

    /// Sends `signal` unless the process was already reaped (its pid could
    /// then belong to someone else).
    public func kill(_ signal: Int32) {
        if !reaped.load(ordering: .acquiring) { _ = Foundation.kill(pid, signal) }
    }

    /// The termination, or nil if the process is still running after `timeout`.
    public func terminated(within timeout: Duration) async -> ProcessTermination? {
        await termination.value(within: timeout)
    }

    /// Suspends until the process has exited and was reaped.
    public func terminated() async -> ProcessTermination { await termination.value }

    /// Blocks the calling thread (never a task) until the process was reaped,
    /// at most `timeout` seconds.
    public func waitSynchronously(timeout: Double) -> ProcessTermination? {
        if let t = termination.current { return t }
        guard exited.wait(timeout: .now() + timeout) == .success else { return nil }
        exited.signal()
        return termination.current
    }

    /// The termination, if it already happened.
    public var currentTermination: ProcessTermination? { termination.current }

    /// Closes the parent's pipe ends. Call once the readers are done.
    func closeDescriptors() {
        close(stdinFD); close(stdoutFD); close(stderrFD)
    }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var ptrs: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    ptrs.append(nil)
    defer { for p in ptrs { free(p) } }
    return ptrs.withUnsafeBufferPointer { buf in
        // swiftlint:disable:next force_unwrapping
        body(buf.baseAddress!)
    }
}

/// A one-shot value many tasks can await: set once, read by all. Waiting
/// is cancellable (a cancelled waiter gets nil from ``wait()``).
final class Latch<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var nextID = 0
        var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
        var plainWaiters: [CheckedContinuation<Value, Never>] = []
    }
    private let state = Mutex(State())

    func fulfil(_ value: Value) {
        let (waiters, plain) = state.withLock { s -> ([CheckedContinuation<Value?, Never>], [CheckedContinuation<Value, Never>]) in
            guard s.value == nil else { return ([], []) }
            s.value = value
            defer { s.waiters = [:]; s.plainWaiters = [] }
            return (Array(s.waiters.values), s.plainWaiters)
        }
        for w in waiters { w.resume(returning: value) }
        for w in plain { w.resume(returning: value) }
    }

    var current: Value? { state.withLock { $0.value } }

    /// The value once set; nil if the waiting task is cancelled first.
    func wait() async -> Value? {
        let id = state.withLock { s in s.nextID += 1; return s.nextID }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Value?, Never>) in
                let ready: Value?? = state.withLock { s in
                    if let v = s.value { return .some(v) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = c
                    return .none
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            let c = state.withLock { $0.waiters.removeValue(forKey: id) }
            c?.resume(returning: nil)
        }
    }

    /// The value; waits for it even if the task is cancelled.
    var value: Value {
        get async {
            await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
                let ready: Value? = state.withLock { s in
                    if let v = s.value { return v }
                    s.plainWaiters.append(c)
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        }
    }

    /// The value, or nil if it did not come within `timeout`.
    func value(within timeout: Duration) async -> Value? {
        if let v = current { return v }
        return await withTaskGroup(of: Value?.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? current
        }
    }
}

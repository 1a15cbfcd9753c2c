import Foundation
import Logging
import PortProtocol

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// Whether busy-polling the pipe after a read pays: it does when the next
/// frame usually comes within the spin window (a request in flight answered
/// in microseconds), not when the pipe is busy but its frames come further
/// apart than that (many requests in flight on a loaded machine: every spin
/// would then burn its whole window in `read` and `sched_yield` calls that
/// take the core from the threads doing the work). Each wait is scored,
/// spun or slept through alike — a sleep that ended within the window would
/// have been a successful spin — so the policy comes back once frames are
/// close together again.
struct SpinPolicy {
    /// Recent waits that ended within the window, in 1/256 (moving average, 1/8 weight per wait).
    private var hitRate = 256

    var worthIt: Bool { hitRate >= 128 }

    mutating func waited(_ nanoseconds: UInt64, window: UInt64) {
        let hit = nanoseconds <= window ? 256 : 0
        hitRate += (hit - hitRate) / 8
    }
}

extension WorkerPort {
    /// How long the reader busy-polls after a read before sleeping (50 us).
    static let spinNanoseconds: UInt64 = 50_000

    /// A reply decoded on the reader thread, completed outside the lock.
    private struct Arrived {
        var id: UInt32
        var isError: Bool
        var payload: [UInt8]
    }

    func startReader() {
        let thread = Thread { [self] in readLoop() }
        thread.name = "worker \(process.pid) stdout"
        thread.stackSize = 1 << 20
        thread.start()
    }

    private func readLoop() {
        let capacity = 256 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var decoder = FrameDecoder(maximumLength: options.maxFrameLength)
        var arrived: [Arrived] = []
        arrived.reserveCapacity(512)
        var endReason = "worker closed its stdout"
        let flags = fcntl(process.stdoutFD, F_GETFL)
        _ = fcntl(process.stdoutFD, F_SETFL, flags | O_NONBLOCK)
        var spinUntil: UInt64 = 0
        var spin = SpinPolicy()
        var waitingSince: UInt64 = 0  // when the pipe was last found empty (0: not waiting)

        readLoop: while true {
            guard let base = buffer.baseAddress else { break }
            let n = read(process.stdoutFD, base, capacity)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    let now = monotonicNanoseconds()
                    if waitingSince == 0 { waitingSince = now }
                    // Busy-poll briefly after activity (a reply often follows within
                    // microseconds), then sleep in poll: Erlang's scheduler busy-wait —
                    // while it pays (see SpinPolicy).
                    if now < spinUntil {
                        sched_yield()  // let a woken task run on this core first
                        continue
                    }
                    var pfd = pollfd(fd: process.stdoutFD, events: Int16(POLLIN), revents: 0)
                    _ = poll(&pfd, 1, -1)
                    continue
                }
                endReason = "read error: \(String(cString: strerror(errno)))"
                break
            }
            let now = monotonicNanoseconds()
            if waitingSince != 0 {
                spin.waited(now &- waitingSince, window: Self.spinNanoseconds)
                waitingSince = 0
            }
            spinUntil = spin.worthIt ? now &+ Self.spinNanoseconds : 0
            decoder.feed(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            var violation: String?
            do {
                try decoder.forEachFrame { body in
                    guard violation == nil else { return }
                    violation = dispatch(body, into: &arrived)
                }
            } catch {
                violation = "\(error)"
            }
            state.withLock { $0.corked = true }
            completeArrived(&arrived)
            state.withLock { s in
                s.corked = false
                if !s.out.isEmpty { flushLocked(&s) }
            }
            if let violation {
                endReason = "protocol violation: \(violation)"
                fail(protocolViolation: violation)
                break readLoop
            }
        }
        // Pipe EOF usually comes just before waitpid reports the exit; give the
        // waiter a moment so that the exit, not the EOF, names the reason.
        let termination = process.waitSynchronously(timeout: 2)
        if termination == nil && killReason == nil {
            kill(reason: "closed its stdout but kept running")
        }
        let reason = killReason ?? termination.map { "worker exited with \($0)" } ?? endReason
        helloLatch.fulfil(.failure(.exitedBeforeHello(reason)))
        close(reason: reason)
        state.withLock { s in
            Foundation.close(process.stdinFD)
            s.out = []
        }
        Foundation.close(process.stdoutFD)
    }

    /// Handles one frame on the reader thread. Returns a violation, if any.
    private func dispatch(_ body: UnsafeRawBufferPointer, into arrived: inout [Arrived]) -> String? {
        guard body.count >= PortMessage.headerLength else {
            return PortProtocolError.truncatedMessage(length: body.count).description
        }
        let id = UInt32(body[1]) << 24 | UInt32(body[2]) << 16 | UInt32(body[3]) << 8 | UInt32(body[4])
        if body[0] != MessageType.hello.rawValue && helloLatch.current == nil {
            let why = "the first message must be hello, got type 0x\(String(body[0], radix: 16))"
            helloLatch.fulfil(.failure(.badHello(why)))
            return why
        }
        switch MessageType(rawValue: body[0]) {
        case .reply?, .error?:
            arrived.append(Arrived(id: id, isError: body[0] == MessageType.error.rawValue,
                                   payload: Array(body[PortMessage.headerLength...])))
        case .pong?:
            let sentAt: ContinuousClock.Instant? = state.withLock { s in
                guard id == s.lastPingID else { return nil }
                s.lastPongID = id
                s.missedPongs = 0
                return s.lastPingSentAt
            }
            if let sentAt { onRoundTrip(ContinuousClock.now - sentAt) }
        case .hello?:
            let payload = Data(body[PortMessage.headerLength...])
            guard helloLatch.current == nil else { return "second hello" }
            let hello: Hello
            do {
                hello = try JSONDecoder().decode(Hello.self, from: payload)
            } catch {
                helloLatch.fulfil(.failure(.badHello("undecodable hello: \(error)")))
                return "undecodable hello"
            }
            guard hello.protocolVersion == portProtocolVersion else {
                let error = PortProtocolError.unsupportedVersion(hello.protocolVersion)
                helloLatch.fulfil(.failure(.badHello(error.description)))
                return error.description
            }
            logger.info("worker ready", metadata: [
                "kind": "\(hello.kind)", "libraries": "\(hello.libraries.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
            ])
            helloLatch.fulfil(.success(hello))
        case .event?:
            let payload = Array(body[PortMessage.headerLength...])
            onEvent(body[5], payload)
            eventRoute((self.id, body[5], payload))
        case .request?, .ping?, .shutdown?:
            return "worker sent a \(MessageType(rawValue: body[0]).map { "\($0)" } ?? "?") message, which only the orchestrator sends"
        case nil:
            return PortProtocolError.unknownMessageType(body[0]).description
        }
        return nil
    }

    private func completeArrived(_ arrived: inout [Arrived]) {
        guard !arrived.isEmpty else { return }
        var completions: [(Completion, Result<[UInt8], WorkerPortError>)] = []
        completions.reserveCapacity(arrived.count)
        state.withLock { s in
            for a in arrived {
                guard let p = s.pending.removeValue(forKey: a.id) else { continue }  // late reply after a timeout
                if a.isError {
                    let reply = (try? JSONDecoder().decode(ErrorReply.self, from: Data(a.payload)))
                        ?? ErrorReply(code: "internal", message: String(decoding: a.payload, as: UTF8.self))
                    completions.append((p.completion, .failure(.remote(code: reply.code, message: reply.message))))
                } else {
                    completions.append((p.completion, .success(a.payload)))
                }
            }
        }
        arrived.removeAll(keepingCapacity: true)
        for (c, r) in completions { c.complete(r) }
    }

    private func fail(protocolViolation why: String) {
        logger.error("protocol violation", metadata: ["error": "\(why)"])
        helloLatch.fulfil(.failure(.protocolViolation(why)))
        kill(reason: "protocol violation: \(why)")
    }

    // MARK: stderr

    func startStderrReader() {
        let thread = Thread { [self] in stderrLoop() }
        thread.name = "worker \(process.pid) stderr"
        thread.start()
    }

    private func stderrLoop() {
        var line: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let maxLine = 8192
        while true {
            let n = chunk.withUnsafeMutableBytes { raw in read(process.stderrFD, raw.baseAddress, raw.count) }
            if n == 0 { break }
            if n < 0 { if errno == EINTR { continue } else { break } }
            for byte in chunk[0..<n] {
                if byte == UInt8(ascii: "\n") || line.count >= maxLine {
                    relog(line)
                    line.removeAll(keepingCapacity: true)
                    if byte == UInt8(ascii: "\n") { continue }
                }
                line.append(byte)
            }
        }
        if !line.isEmpty { relog(line) }
        Foundation.close(process.stderrFD)
        stderrDrained.fulfil(true)
    }

    private func relog(_ line: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        guard !text.isEmpty else { return }
        logger.info("\(text)", metadata: ["source": "worker-stderr"])
    }
}

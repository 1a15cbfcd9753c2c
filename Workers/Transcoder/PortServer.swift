#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PortProtocol

/// The worker's side of the port: reads `{packet, 4}` frames from stdin,
/// hands each to the ``RequestHandler``, and writes all replies of one read
/// with as few `write` calls as possible.
///
/// Batching is what makes a pipelined port fast: one `read` may carry
/// hundreds of requests, and their replies leave in one `write`.
///
/// Exits: stdin EOF -> 0 at once (the orchestrator is gone: never an orphan);
/// `shutdown` -> flush, 0; read error -> 1; oversized frame or undecodable
/// message -> 2.
///
/// The loop polls stdin and the media sockets of the handler's streams
/// together (see ``run()``); ``process(_:)`` handles the bytes of one read.
final class PortServer {
    /// Bytes asked for per `read`.
    static let readSize = 256 * 1024
    /// Busy-poll stdin this long after each batch before sleeping (50 us).
    static let spinNanoseconds: UInt64 = 50_000

    let handler: RequestHandler
    private var decoder: FrameDecoder
    private var output: [UInt8] = []

    init(handler: RequestHandler, maximumFrameLength: Int) {
        self.handler = handler
        decoder = FrameDecoder(maximumLength: maximumFrameLength)
        output.reserveCapacity(Self.readSize + 64 * 1024)
    }

    /// Sends `message` at once.
    func send(_ message: PortMessage) {
        message.appendFrame(to: &output)
        flush()
    }

    /// Sends raw bytes at once (for the test faults).
    func sendRaw(_ bytes: [UInt8]) {
        output.append(contentsOf: bytes)
        flush()
    }

    /// Writes the pending replies.
    func flush() {
        guard !output.isEmpty else { return }
        StandardStreams.writeOrExit(output)
        output.removeAll(keepingCapacity: true)
    }

    /// Serves until EOF, shutdown or a fatal error; never returns.
    ///
    /// One `poll` over stdin and every media socket. After a read from stdin
    /// the loop busy-polls (`poll` with a zero timeout and `sched_yield`) for
    /// ``spinNanoseconds`` before it sleeps, so a request that follows a
    /// reply within that window is read without a wake-up (media packets
    /// that arrive meanwhile are served too). Media alone does not start a
    /// spin: at 50 packets/s per direction a spin after each packet would cost
    /// more CPU than relaying it. Asleep, the loop wakes for input or for the
    /// next stream timer (stats event, RTCP report). Media sockets are
    /// served before stdin in each pass, so a request that closes a stream
    /// never leaves a stale descriptor in the pass.
    func run() -> Never {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
        StandardStreams.setNonBlocking(0)
        let streams = handler.streams
        var fds: [pollfd] = []
        var refs: [StreamTable.SocketRef] = []
        var generation = UInt64.max
        var spinUntil: UInt64 = 0
        while true {
            if generation != streams.generation {
                generation = streams.generation
                fds.removeAll(keepingCapacity: true)
                refs.removeAll(keepingCapacity: true)
                fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0))
                streams.appendPollDescriptors(to: &fds, refs: &refs)
            }
            var now = StandardStreams.monotonicNanoseconds()
            let spinning = now < spinUntil
            if spinning { sched_yield() }  // give the core to anything runnable (the orchestrator, on 2 cores)
            let timeout = spinning ? 0 : streams.pollTimeout(now: now)
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR {
                StandardStreams.log("poll failed: \(String(cString: strerror(errno))); exiting")
                exit(1)
            }
            var readStdin = false
            if ready > 0 {
                for i in 1..<max(fds.count, 1) where fds[i].revents != 0 {
                    streams.receive(refs[i - 1])
                }
                if fds[0].revents != 0 {
                    readStandardInput(into: buffer)
                    readStdin = true
                }
            }
            now = StandardStreams.monotonicNanoseconds()
            if let report = streams.serviceTimers(now: now) {
                // In slices: one event for thousands of streams would pass the orchestrator's max_frame.
                for start in stride(from: 0, to: report.streams.count, by: Self.statsPerEvent) {
                    let slice = report.streams[start..<min(start + Self.statsPerEvent, report.streams.count)]
                    sendStreamStats(StreamStatsReport(streams: Array(slice)))
                }
            }
            if readStdin { spinUntil = now &+ Self.spinNanoseconds }
        }
    }

    /// One non-blocking read of stdin, processed; exits on EOF (0) or a read error (1).
    private func readStandardInput(into buffer: UnsafeMutableRawBufferPointer) {
        while true {
            let n = read(0, buffer.baseAddress, buffer.count)
            if n > 0 {
                process(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
                return
            }
            if n == 0 { exit(0) }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return }
            StandardStreams.log("read from stdin failed: \(String(cString: strerror(errno))); exiting")
            exit(1)
        }
    }

    /// Streams per `stream_stats` event: ~300 bytes of JSON each, so ~75 KB per event.
    static let statsPerEvent = 256

    /// Sends a `stream_stats` event at once (written as bytes, no JSONEncoder).
    func sendStreamStats(_ report: StreamStatsReport) {
        do {
            send(PortMessage(type: .event, op: EventCode.streamStats.rawValue, payload: try StreamPayloads.write(report)))
        } catch {
            StandardStreams.log("cannot encode event \(EventCode.streamStats): \(error)")
        }
    }

    /// Decodes and answers every complete frame in `bytes` (plus what was
    /// buffered before), then writes the replies. Exits the process on
    /// shutdown, a test fault, or a protocol violation.
    func process(_ bytes: UnsafeRawBufferPointer) {
        decoder.feed(bytes)
        var disposition = RequestHandler.Disposition.proceed
        let handler = self.handler
        var output: [UInt8] = []
        swap(&output, &self.output)
        do {
            try decoder.forEachFrame { body in
                disposition = try handler.handle(body, into: &output)
                if disposition != .proceed { throw StopReading() }
            }
        } catch is StopReading {
            // shutdown or exit-after: answer nothing more
        } catch {
            swap(&output, &self.output)
            flush()
            StandardStreams.log("protocol violation by the orchestrator: \(error); exiting")
            exit(2)
        }
        swap(&output, &self.output)
        flush()
        switch disposition {
        case .proceed: return
        case .shutdown:
            StandardStreams.log("shutdown requested; exiting after \(handler.requests) requests")
            exit(0)
        case let .exit(status):
            StandardStreams.log("exiting with status \(status) after \(handler.requests) requests (--misbehave exit-after)")
            exit(status)
        }
    }

    private struct StopReading: Error {}
}

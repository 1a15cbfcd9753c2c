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
/// The loop is a blocking read today; ``process(_:)`` is separate so that a
/// poll()-based loop over stdin and the media sockets can call it later.
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
    func run() -> Never {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readSize, alignment: 16)
        StandardStreams.setNonBlocking(0)
        while true {
            switch StandardStreams.spinReadSome(0, into: buffer, spinNanoseconds: Self.spinNanoseconds) {
            case let .bytes(n):
                process(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            case .endOfFile:
                exit(0)
            case let .failed(code):
                StandardStreams.log("read from stdin failed: \(String(cString: strerror(code))); exiting")
                exit(1)
            }
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

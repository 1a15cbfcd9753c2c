#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MediaCodecs
import PortProtocol

/// Answers the orchestrator's messages: one frame body in, zero or one reply
/// frame appended to the output buffer. Knows nothing of pipes: the
/// ``PortServer``'s poll() loop drives it and the media sockets of ``streams``.
///
/// A failing request gets an `error` message and never stops the worker; only
/// a message that cannot be decoded at all is a protocol violation.
final class RequestHandler {
    /// What the caller should do after a message.
    enum Disposition: Equatable {
        /// Keep reading.
        case proceed
        /// `shutdown` received: flush the output, exit 0.
        case shutdown
        /// A test fault (`exit-after=N`): flush the output, exit with this status.
        case exit(Int32)
    }

    /// Methods served, announced in hello.
    static let methods: [Method] = [.echo, .transcode, .srtpTest, .stats, .closeContext, .openStream, .closeStream, .streamStats]

    let engine: TranscodingEngine
    /// The media streams (`open_stream` ...), polled by the ``PortServer``.
    let streams: StreamTable
    let maxStreams: Int
    /// Ignore `shutdown` (the `ignore-sigterm` fault).
    let ignoresShutdown: Bool
    /// Exit after answering this many requests (the `exit-after=N` fault).
    let exitAfterRequests: Int?
    private(set) var requests: UInt64 = 0

    init(maxStreams: Int, ignoresShutdown: Bool = false, exitAfterRequests: Int? = nil) {
        self.maxStreams = maxStreams
        self.ignoresShutdown = ignoresShutdown
        self.exitAfterRequests = exitAfterRequests
        // Each stream transcodes in two directions; leave room for tests and probes.
        // One scratch for the whole worker: it is single-threaded.
        let scratch = TranscodingScratch()
        engine = TranscodingEngine(settings: .init(maximumContexts: max(64, maxStreams * 4)), scratch: scratch)
        // Each transcoding direction of a stream owns its codec state (the Opus settings apply, not maximumContexts).
        streams = StreamTable(maxStreams: maxStreams, settings: .init(), scratch: scratch)
    }

    /// The hello message of this worker.
    func hello() throws -> PortMessage {
        let info = Hello(kind: "transcoder", pid: getpid(), methods: Self.methods.map(\.name),
                         codecs: MediaFormat.allCases.map(\.name),
                         srtpSuites: SRTPSuite.allCases.map(\.name),
                         libraries: ["opus": CodecLibraries.opusVersion, "srtp": CodecLibraries.srtpVersion],
                         maxStreams: maxStreams)
        return try PortMessage.json(.hello, info)
    }

    /// Handles one frame body, appending any reply to `output`.
    /// - Throws: a ``PortProtocolError`` for an undecodable message (fails the port).
    func handle(_ body: UnsafeRawBufferPointer, into output: inout [UInt8]) throws(PortProtocolError) -> Disposition {
        guard body.count >= PortMessage.headerLength else { throw .truncatedMessage(length: body.count) }
        let typeByte = body[0]
        let id = UInt32(body[1]) << 24 | UInt32(body[2]) << 16 | UInt32(body[3]) << 8 | UInt32(body[4])
        let op = body[5]
        let payload = UnsafeRawBufferPointer(rebasing: body[PortMessage.headerLength...])
        guard let type = MessageType(rawValue: typeByte) else { throw .unknownMessageType(typeByte) }
        switch type {
        case .request:
            requests &+= 1
            // The hot path: echo copies the payload straight into the output.
            if op == Method.echo.rawValue {
                PortMessage.appendFrame(type: .reply, id: id, op: op, payload: payload.assumingMemoryBound(to: UInt8.self), to: &output)
            } else {
                handleRequest(id: id, op: op, payload: payload, into: &output)
            }
            if let limit = exitAfterRequests, requests >= UInt64(limit) { return .exit(3) }
            return .proceed
        case .ping:
            PortMessage.appendFrame(type: .pong, id: id, op: 0, payload: EmptyCollection<UInt8>(), to: &output)
            return .proceed
        case .shutdown:
            return ignoresShutdown ? .proceed : .shutdown
        case .hello, .reply, .error, .event, .pong:
            StandardStreams.log("ignoring a \(type) message, which only workers send")
            return .proceed
        }
    }

    private func handleRequest(id: UInt32, op: UInt8, payload: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        guard let method = Method(rawValue: op) else {
            appendError(id: id, op: op, ErrorReply(code: "unknown_method", message: "unknown method 0x\(String(op, radix: 16))"),
                        to: &output)
            return
        }
        do {
            switch method {
            case .echo:
                PortMessage.appendFrame(type: .reply, id: id, op: op, payload: payload.assumingMemoryBound(to: UInt8.self), to: &output)
            case .transcode:
                try transcode(id: id, op: op, payload: payload, into: &output)
            case .srtpTest:
                try PortMessage.json(.reply, id: id, op: op, try srtpTest(payload)).appendFrame(to: &output)
            case .stats:
                try PortMessage.json(.reply, id: id, op: op, stats).appendFrame(to: &output)
            case .closeContext:
                guard payload.count == 4 else {
                    throw ErrorReply(code: "bad_request", message: "close_context payload must be a 4-byte context id, not \(payload.count) bytes")
                }
                let context = UInt32(payload[0]) << 24 | UInt32(payload[1]) << 16 | UInt32(payload[2]) << 8 | UInt32(payload[3])
                engine.closeContext(context)
                PortMessage.appendFrame(type: .reply, id: id, op: op, payload: EmptyCollection<UInt8>(), to: &output)
            case .openStream, .closeStream, .streamStats:
                try handleStreamRequest(method, id: id, op: op, payload: payload, into: &output)
            }
        } catch let reply as ErrorReply {
            appendError(id: id, op: op, reply, to: &output)
        } catch let error as MediaCodecError {
            appendError(id: id, op: op, ErrorReply(error), to: &output)
        } catch let error as PortProtocolError {
            appendError(id: id, op: op, ErrorReply(code: "bad_request", message: error.description), to: &output)
        } catch {
            StandardStreams.log("\(method.name) request \(id) failed: \(error)")
            appendError(id: id, op: op, ErrorReply(code: "internal", message: "\(error)"), to: &output)
        }
    }

    /// Current counters.
    var stats: WorkerStats {
        WorkerStats(requests: requests, framesTranscoded: engine.framesTranscoded, contexts: engine.contextCount, streams: streams.count)
    }

    func appendError(id: UInt32, op: UInt8, _ reply: ErrorReply, to output: inout [UInt8]) {
        do {
            try PortMessage.json(.error, id: id, op: op, reply).appendFrame(to: &output)
        } catch {
            // JSON encoding of two strings cannot fail; keep a plain fallback anyway.
            PortMessage.appendFrame(type: .error, id: id, op: op, payload: Array(#"{"code":"internal","message":""}"#.utf8),
                                    to: &output)
        }
    }
}

extension ErrorReply {
    /// The port error for a codec error: `bad_request`, `unsupported`, `overloaded` or `internal`.
    init(_ error: MediaCodecError) {
        let code = switch error.kind {
        case .badInput: "bad_request"
        case .unsupported: "unsupported"
        case .capacity: "overloaded"
        case .internal: "internal"
        }
        self.init(code: code, message: error.description)
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MediaCodecs
import PortProtocol

/// Why `open_stream` failed; each case maps to one port error code.
enum StreamOpenError: Error {
    /// A malformed or unsupported leg (codec, key, address): `bad_request`.
    case badRequest(String)
    /// The stream id is taken: `bad_request`.
    case duplicate(UInt32)
    /// `--max-streams` streams are open: `overloaded`.
    case full(Int)
    /// A local port is bound already: `unavailable`, with the port.
    case portInUse(Int)
    /// The OS refused a socket: `internal`.
    case failed(String)
}

/// The `error` payload of an `open_stream` refused because a port is taken:
/// an ``ErrorReply`` (code `unavailable`) with the port as an extra key.
struct PortUnavailableReply: Encodable {
    var code = "unavailable"
    var message: String
    var port: Int
}

extension RequestHandler {
    /// `open_stream`, `close_stream` and `stream_stats`: appends the reply or error to `output`.
    func handleStreamRequest(_ method: Method, id: UInt32, op: UInt8, payload: UnsafeRawBufferPointer,
                             into output: inout [UInt8]) throws {
        // Payloads read and written by StreamPayloads (no JSONDecoder/JSONEncoder on the
        // set-up path; it falls back to them for anything it does not take).
        switch method {
        case .openStream:
            let request = try StreamPayloads.openStream(payload: payload)
            let opened = Result { () throws(StreamOpenError) in try streams.open(request) }
            switch opened {
            case let .success(stream):
                StandardStreams.log("stream \(stream.id) opened: A \(stream.a.format.name) :\(stream.a.rtp.port) <-> "
                                    + "B \(stream.b.format.name) :\(stream.b.rtp.port)")
                PortMessage.appendFrame(type: .reply, id: id, op: op, payload: StreamPayloads.openStreamReply(stream.id),
                                        to: &output)
            case let .failure(.portInUse(port)):
                let reply = PortUnavailableReply(message: "port \(port) is in use", port: port)
                try PortMessage.json(.error, id: id, op: op, reply).appendFrame(to: &output)
            case let .failure(.full(limit)):
                throw ErrorReply(code: "overloaded", message: "this worker carries at most \(limit) streams")
            case let .failure(.duplicate(stream)):
                throw ErrorReply(code: "bad_request", message: "stream \(stream) is already open")
            case let .failure(.badRequest(why)):
                throw ErrorReply(code: "bad_request", message: why)
            case let .failure(.failed(why)):
                throw ErrorReply(code: "internal", message: why)
            }
        case .closeStream:
            let selector = try StreamPayloads.selector(payload: payload)
            guard let stream = selector.stream else { throw ErrorReply(code: "bad_request", message: "close_stream needs a stream") }
            guard let stats = streams.close(stream) else {
                throw ErrorReply(code: "not_found", message: "no stream \(stream)")
            }
            StandardStreams.log("stream \(stream) closed: A in \(stats.a.packetsIn) out \(stats.a.packetsOut), "
                                + "B in \(stats.b.packetsIn) out \(stats.b.packetsOut)")
            PortMessage.appendFrame(type: .reply, id: id, op: op, payload: try StreamPayloads.write(stats), to: &output)
        case .streamStats:
            let selector = payload.isEmpty ? StreamSelector() : try StreamPayloads.selector(payload: payload)
            guard let stats = streams.stats(selector.stream) else {
                throw ErrorReply(code: "not_found", message: "no stream \(selector.stream ?? 0)")
            }
            PortMessage.appendFrame(type: .reply, id: id, op: op, payload: try StreamPayloads.write(StreamStatsReport(streams: stats)),
                                    to: &output)
        default:
            throw ErrorReply(code: "unknown_method", message: "\(method.name) is not a stream method")
        }
    }
}

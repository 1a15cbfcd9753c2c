import Foundation
import PortProtocol
import Synchronization
import SwitchboardTestKit
import WorkerPorts

/// Events a worker sent, recorded from its port's reader thread.
final class EventLog: Sendable {
    private let events = Mutex<[(code: UInt8, payload: [UInt8])]>([])

    var onEvent: @Sendable (UInt8, [UInt8]) -> Void {
        { [self] code, payload in events.withLock { $0.append((code, payload)) } }
    }

    /// The `stream_stats` events received so far, decoded.
    var streamStats: [StreamStatsReport] {
        events.withLock { $0 }.filter { $0.code == EventCode.streamStats.rawValue }.compactMap {
            try? PortMessage(type: .event, payload: $0.payload).decodeJSON(StreamStatsReport.self)
        }
    }
}

/// Starting the worker and calling its stream methods.
enum MediaWorker {
    static func start(_ arguments: [String] = [], events: EventLog = EventLog()) async throws -> WorkerPort {
        try await WorkerPort.start(id: "media.1", options: transcoderOptions(arguments), logger: testLogger(),
                                   onEvent: events.onEvent)
    }

    /// A base port for one test: even, with 8 ports free above it as far as a quick bind check can tell.
    static func portBase() -> Int {
        for _ in 0..<50 {
            let base = Int.random(in: 21000..<29000) & ~1
            if (base..<(base + 8)).allSatisfy(isFree) { return base }
        }
        return 29500
    }

    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var sin = UDPPeer.address(port: UInt16(port))
        return withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

extension WorkerPort {
    func openStream(_ request: OpenStream) async throws {
        let payload = try PortMessage.json(.request, request).payload
        let reply = try PortMessage(type: .reply, payload: try await call(.openStream, payload)).decodeJSON(OpenStreamReply.self)
        guard reply.stream == request.stream else { throw UDPPeer.Failure(description: "open_stream replied \(reply.stream)") }
    }

    func closeStream(_ stream: UInt32) async throws -> StreamStats {
        let payload = try PortMessage.json(.request, StreamSelector(stream: stream)).payload
        return try PortMessage(type: .reply, payload: try await call(.closeStream, payload)).decodeJSON(StreamStats.self)
    }

    func streamStats(_ stream: UInt32) async throws -> StreamStats {
        let payload = try PortMessage.json(.request, StreamSelector(stream: stream)).payload
        let report = try PortMessage(type: .reply, payload: try await call(.streamStats, payload)).decodeJSON(StreamStatsReport.self)
        guard let stats = report.streams.first else { throw UDPPeer.Failure(description: "no stats for stream \(stream)") }
        return stats
    }

    /// One frame through the worker's `transcode` method (the tests' Opus codec).
    func transcode(context: UInt32, _ from: MediaFormat, _ to: MediaFormat, _ media: [UInt8]) async throws -> [UInt8] {
        var payload: [UInt8] = []
        TranscodeRequest(context: context, from: from, to: to).appendHeader(to: &payload)
        return try await call(.transcode, payload + media)
    }
}

/// RTP packets as the tests build and read them (independently of the worker's code).


/// G.711 mu-law, written from the standard's formulas for the tests.
enum MuLaw {
    static func decode(_ byte: UInt8) -> Int16 {
        let u = ~byte
        let t = ((Int32(u & 0x0F) << 3) + 0x84) << Int32((u & 0x70) >> 4)
        return Int16(u & 0x80 != 0 ? 0x84 - t : t - 0x84)
    }

    static func encode(_ sample: Int16) -> UInt8 {
        var v = Int32(sample)
        let sign: UInt8 = v < 0 ? 0x80 : 0
        if v < 0 { v = -v }
        v = min(v, 32635) + 0x84
        var exponent: UInt8 = 7
        var mask: Int32 = 0x4000
        while exponent > 0 && v & mask == 0 { exponent -= 1; mask >>= 1 }
        let mantissa = UInt8((v >> (Int32(exponent) + 3)) & 0x0F)
        return ~(sign | exponent << 4 | mantissa)
    }
}

/// SDES key material for tests.
func testKey(_ seed: UInt8) -> [UInt8] { (0..<30).map { UInt8(truncatingIfNeeded: Int($0) * 7 + Int(seed)) } }
func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

/// The frequency among 200...3800 Hz (50 Hz steps) with the most energy.
func dominantFrequency(_ samples: [Int16], sampleRate: Double) -> Double {
    Tone.dominant(samples, sampleRate: sampleRate, candidates: Array(stride(from: 200.0, through: 3800, by: 50)))
}

/// `count` timestamps from `start`, `step` apart (wrapping).
func expectedSeries(count: Int, from start: UInt32, step: UInt32) -> [UInt32] {
    (0..<count).map { start &+ UInt32($0) &* step }
}

/// `count` sequence numbers from `start` (wrapping).
func expectedSequence(count: Int, from start: UInt16) -> [UInt16] {
    (0..<count).map { start &+ UInt16($0) }
}

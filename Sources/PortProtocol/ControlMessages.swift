#if canImport(FoundationEssentials)
import FoundationEssentials  // JSON and Data without ICU: the worker starts faster
#else
import Foundation
#endif

/// The worker's first message: who it is and what it can do.
public struct Hello: Codable, Sendable, Hashable {
    /// Protocol version the worker speaks (``portProtocolVersion``).
    public var protocolVersion: Int
    /// Worker kind, e.g. `transcoder`.
    public var kind: String
    /// OS process id as the worker sees it.
    public var pid: Int32
    /// Methods it serves, by ``Method/name``.
    public var methods: [String]
    /// Codecs, e.g. `PCMU`, `PCMA`, `opus/48000/1`, `opus/48000/2`, `L16/8000/1`.
    public var codecs: [String]
    /// SRTP suites, e.g. `AES_CM_128_HMAC_SHA1_80`.
    public var srtpSuites: [String]
    /// Library versions, e.g. `{"opus": "libopus 1.3.1", "srtp": "libsrtp2 2.5.0"}`.
    public var libraries: [String: String]
    /// Streams this worker carries at most (0: not a media worker).
    public var maxStreams: Int

    public init(protocolVersion: Int = portProtocolVersion, kind: String, pid: Int32, methods: [String],
                codecs: [String] = [], srtpSuites: [String] = [], libraries: [String: String] = [:], maxStreams: Int = 0) {
        self.protocolVersion = protocolVersion
        self.kind = kind
        self.pid = pid
        self.methods = methods
        self.codecs = codecs
        self.srtpSuites = srtpSuites
        self.libraries = libraries
        self.maxStreams = maxStreams
    }

    enum CodingKeys: String, CodingKey {
        case protocolVersion = "protocol", kind, pid, methods, codecs
        case srtpSuites = "srtp_suites", libraries, maxStreams = "max_streams"
    }
}

/// Payload of an `error` message.
public struct ErrorReply: Codable, Sendable, Hashable, Error {
    /// Machine-readable: `bad_request`, `unsupported`, `unknown_method`, `internal`.
    public var code: String
    public var message: String
    public init(code: String, message: String) { self.code = code; self.message = message }
}

/// Request of `srtp_test`: protect `rtp` with the SDES key, then unprotect it
/// with an independent receiving context, and return both.
public struct SRTPTestRequest: Codable, Sendable, Hashable {
    /// `AES_CM_128_HMAC_SHA1_80` or `AES_CM_128_HMAC_SHA1_32`.
    public var suite: String
    /// base64 of the 30-byte master key || master salt (as in SDES `inline:`).
    public var key: String
    /// base64 of an RTP packet (12-byte header + payload).
    public var rtp: String
    public init(suite: String, key: String, rtp: String) { self.suite = suite; self.key = key; self.rtp = rtp }
}

public struct SRTPTestReply: Codable, Sendable, Hashable {
    /// base64 of the SRTP packet.
    public var srtp: String
    /// base64 of the packet after unprotecting `srtp` again.
    public var rtp: String
    public init(srtp: String, rtp: String) { self.srtp = srtp; self.rtp = rtp }
}

/// Counters a worker reports (`stats` reply or event).
public struct WorkerStats: Codable, Sendable, Hashable {
    public var requests: UInt64
    public var framesTranscoded: UInt64
    public var contexts: Int
    public var streams: Int
    public init(requests: UInt64 = 0, framesTranscoded: UInt64 = 0, contexts: Int = 0, streams: Int = 0) {
        self.requests = requests; self.framesTranscoded = framesTranscoded; self.contexts = contexts; self.streams = streams
    }
    enum CodingKeys: String, CodingKey {
        case requests, framesTranscoded = "frames_transcoded", contexts, streams
    }
}

extension PortMessage {
    /// Encodes a Codable value as the JSON payload of a message.
    public static func json<T: Encodable>(_ type: MessageType, id: UInt32 = 0, op: UInt8 = 0, _ value: T) throws -> PortMessage {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return PortMessage(type: type, id: id, op: op, payload: Array(try encoder.encode(value)))
    }

    /// Decodes the JSON payload; a failure is a ``PortProtocolError``.
    public func decodeJSON<T: Decodable>(_: T.Type) throws(PortProtocolError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(payload))
        } catch {
            throw .malformedPayload("\(T.self): \(error)")
        }
    }
}

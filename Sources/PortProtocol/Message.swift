/// A message of the port protocol: the body of one frame.
///
/// ```
///  byte 0      1   2   3   4        5          6 ...
///  +--------+----------------+----------+---------------------+
///  |  type  | id (u32, BE)   |   op     |  payload            |
///  +--------+----------------+----------+---------------------+
/// ```
///
/// - `type`: what the message is (``MessageType``).
/// - `id`: correlates a reply or error with its request; the sequence number
///   of a ping and its pong; 0 for hello, events and shutdown.
/// - `op`: the method of a request (``Method``), echoed in its reply or
///   error; the event code of an event; 0 otherwise.
/// - `payload`: per type and op; JSON (UTF-8) for control messages, raw
///   bytes for media.
public struct PortMessage: Sendable, Hashable {
    public static let headerLength = 6

    public var type: MessageType
    public var id: UInt32
    public var op: UInt8
    public var payload: [UInt8]

    public init(type: MessageType, id: UInt32 = 0, op: UInt8 = 0, payload: [UInt8] = []) {
        self.type = type
        self.id = id
        self.op = op
        self.payload = payload
    }

    /// Decodes a frame body.
    public init(body: UnsafeRawBufferPointer) throws(PortProtocolError) {
        guard body.count >= Self.headerLength else { throw .truncatedMessage(length: body.count) }
        guard let type = MessageType(rawValue: body[0]) else { throw .unknownMessageType(body[0]) }
        self.type = type
        self.id = UInt32(body[1]) << 24 | UInt32(body[2]) << 16 | UInt32(body[3]) << 8 | UInt32(body[4])
        self.op = body[5]
        self.payload = Array(body[Self.headerLength...])
    }

    public init(body: [UInt8]) throws(PortProtocolError) {
        var result: Result<PortMessage, PortProtocolError>!
        body.withUnsafeBytes { raw in
            do throws(PortProtocolError) { result = .success(try PortMessage(body: raw)) } catch { result = .failure(error) }
        }
        self = try result.get()
    }

    /// Appends this message as one complete frame (length prefix included).
    @inlinable
    public func appendFrame(to buffer: inout [UInt8]) {
        PortMessage.appendFrame(type: type, id: id, op: op, payload: payload, to: &buffer)
    }

    /// Appends a frame without building a `PortMessage` first.
    @inlinable
    public static func appendFrame(
        type: MessageType, id: UInt32, op: UInt8, payload: some Collection<UInt8>, to buffer: inout [UInt8]
    ) {
        let n = UInt32(headerLength + payload.count)
        buffer.append(UInt8(truncatingIfNeeded: n >> 24))
        buffer.append(UInt8(truncatingIfNeeded: n >> 16))
        buffer.append(UInt8(truncatingIfNeeded: n >> 8))
        buffer.append(UInt8(truncatingIfNeeded: n))
        buffer.append(type.rawValue)
        buffer.append(UInt8(truncatingIfNeeded: id >> 24))
        buffer.append(UInt8(truncatingIfNeeded: id >> 16))
        buffer.append(UInt8(truncatingIfNeeded: id >> 8))
        buffer.append(UInt8(truncatingIfNeeded: id))
        buffer.append(op)
        buffer.append(contentsOf: payload)
    }
}

/// The `type` byte.
public enum MessageType: UInt8, Sendable, Hashable, CaseIterable {
    /// worker -> orchestrator, first message; payload: ``Hello`` as JSON.
    case hello = 0x01
    /// orchestrator -> worker; `id` != 0, `op` a ``Method``.
    case request = 0x02
    /// worker -> orchestrator; the successful answer to request `id`.
    case reply = 0x03
    /// worker -> orchestrator; request `id` failed; payload: ``ErrorReply`` as JSON.
    case error = 0x04
    /// worker -> orchestrator, unsolicited; `op` an ``EventCode``; payload JSON.
    case event = 0x05
    /// orchestrator -> worker liveness probe; `id` a sequence number.
    case ping = 0x06
    /// worker -> orchestrator; answers the ping with the same `id`.
    case pong = 0x07
    /// orchestrator -> worker: finish what is in hand and exit with status 0.
    case shutdown = 0x08
}

/// The `op` byte of requests, replies and errors.
public enum Method: UInt8, Sendable, Hashable, CaseIterable {
    /// Payload returned unchanged. Used by benchmarks and tests.
    case echo = 0x01
    /// Payload: ``TranscodeRequest`` header + media; reply: the converted media.
    case transcode = 0x02
    /// Payload: ``SRTPTestRequest`` JSON; reply: ``SRTPTestReply`` JSON.
    case srtpTest = 0x03
    /// Payload empty; reply: ``WorkerStats`` JSON.
    case stats = 0x04
    /// Payload: context id (u32 BE); frees that transcoding context. Reply empty.
    case closeContext = 0x05
    /// Payload: ``OpenStream`` JSON; reply: ``OpenStreamReply`` JSON. Binds
    /// the two legs' UDP ports and starts relaying or transcoding media.
    case openStream = 0x10
    /// Payload: ``StreamSelector`` JSON naming a stream; reply: its final ``StreamStats`` JSON.
    case closeStream = 0x11
    /// Payload: ``StreamSelector`` JSON (`{}` for all); reply: ``StreamStatsReport`` JSON.
    case streamStats = 0x12

    public var name: String {
        switch self {
        case .echo: "echo"
        case .transcode: "transcode"
        case .srtpTest: "srtp_test"
        case .stats: "stats"
        case .closeContext: "close_context"
        case .openStream: "open_stream"
        case .closeStream: "close_stream"
        case .streamStats: "stream_stats"
        }
    }
}

/// The `op` byte of events.
public enum EventCode: UInt8, Sendable, Hashable {
    /// Payload: ``WorkerStats`` JSON, sent when the worker chooses.
    case stats = 0x01
    /// Payload: ``StreamStatsReport`` JSON, sent every `stats_interval_ms` per open stream.
    case streamStats = 0x02
}

/// The protocol version this build speaks. A hello with another major
/// version fails the start.
public let portProtocolVersion = 1

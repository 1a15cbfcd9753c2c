/// Framing of the worker port: Erlang's `{packet, 4}`.
///
/// ```
///  0               1               2               3
///  +---------------+---------------+---------------+---------------+
///  |              length N (unsigned 32-bit, big-endian)           |
///  +---------------+---------------+---------------+---------------+
///  |                    body: N bytes (a message)                  ...
///  +---------------------------------------------------------------+
/// ```
///
/// A length over the configured maximum is a protocol violation: the decoder
/// fails, and the port that owns it is failed (its worker is killed and
/// restarted). Nothing is ever dropped silently.
public enum Frame {
    /// The default largest body accepted: 1 MiB.
    public static let defaultMaximumLength = 1 << 20
    /// Bytes in the length prefix.
    public static let headerLength = 4

    /// Appends `body` to `buffer` as one frame.
    @inlinable
    public static func append(body: some Collection<UInt8>, to buffer: inout [UInt8]) {
        let n = UInt32(body.count)
        buffer.append(UInt8(truncatingIfNeeded: n >> 24))
        buffer.append(UInt8(truncatingIfNeeded: n >> 16))
        buffer.append(UInt8(truncatingIfNeeded: n >> 8))
        buffer.append(UInt8(truncatingIfNeeded: n))
        buffer.append(contentsOf: body)
    }
}

/// Errors of the port protocol. A value of this type fails the port.
public struct PortProtocolError: Error, Hashable, CustomStringConvertible, Sendable {
    private enum Code: Hashable, Sendable {
        case frameTooLarge(length: Int, maximum: Int)
        case truncatedMessage(length: Int)
        case unknownMessageType(UInt8)
        case malformedPayload(String)
        case leftoverBytesAtEOF(Int)
        case unsupportedVersion(Int)
    }
    private let code: Code

    public static func frameTooLarge(length: Int, maximum: Int) -> Self { .init(code: .frameTooLarge(length: length, maximum: maximum)) }
    public static func truncatedMessage(length: Int) -> Self { .init(code: .truncatedMessage(length: length)) }
    public static func unknownMessageType(_ t: UInt8) -> Self { .init(code: .unknownMessageType(t)) }
    public static func malformedPayload(_ why: String) -> Self { .init(code: .malformedPayload(why)) }
    public static func leftoverBytesAtEOF(_ n: Int) -> Self { .init(code: .leftoverBytesAtEOF(n)) }
    public static func unsupportedVersion(_ v: Int) -> Self { .init(code: .unsupportedVersion(v)) }

    public var description: String {
        switch code {
        case let .frameTooLarge(length, maximum): "frame of \(length) bytes exceeds the maximum of \(maximum)"
        case let .truncatedMessage(length): "message of \(length) bytes is shorter than the 6-byte header"
        case let .unknownMessageType(t): "unknown message type 0x\(String(t, radix: 16))"
        case let .malformedPayload(why): "malformed payload: \(why)"
        case let .leftoverBytesAtEOF(n): "\(n) bytes of an incomplete frame left at end of stream"
        case let .unsupportedVersion(v): "unsupported protocol version \(v)"
        }
    }
}

/// Incremental `{packet, 4}` decoder: feed it bytes as they arrive, take
/// out whole frame bodies. Two states: waiting for a length, waiting for a
/// body. A length over `maximumLength` fails at once, before the body is
/// buffered, so a hostile peer cannot make the orchestrator allocate.
public struct FrameDecoder: Sendable {
    public let maximumLength: Int
    @usableFromInline var buffer: [UInt8] = []
    @usableFromInline var readIndex = 0

    public init(maximumLength: Int = Frame.defaultMaximumLength) {
        self.maximumLength = maximumLength
        buffer.reserveCapacity(64 * 1024)
    }

    /// Bytes buffered but not yet returned as frames.
    public var bufferedCount: Int { buffer.count - readIndex }

    /// Appends raw bytes read from the pipe.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        compactIfNeeded()
        buffer.append(contentsOf: bytes)
    }

    public mutating func feed(_ bytes: some Sequence<UInt8>) {
        compactIfNeeded()
        buffer.append(contentsOf: bytes)
    }

    @usableFromInline mutating func compactIfNeeded() {
        if readIndex > 0 && (readIndex == buffer.count || readIndex > 32 * 1024) {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }

    /// Calls `body` with each complete frame body in order, without copying.
    /// Throws on an oversized length; frames before it were delivered.
    @inlinable
    public mutating func forEachFrame(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            let available = buffer.count - readIndex
            if available < 4 { return }
            let length: Int = buffer.withUnsafeBytes { raw in
                Int(raw[readIndex]) << 24 | Int(raw[readIndex + 1]) << 16
                    | Int(raw[readIndex + 2]) << 8 | Int(raw[readIndex + 3])
            }
            if length > maximumLength {
                throw PortProtocolError.frameTooLarge(length: length, maximum: maximumLength)
            }
            if available < 4 + length { return }
            let start = readIndex + 4
            readIndex = start + length
            try buffer.withUnsafeBytes { raw in
                try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + length)]))
            }
        }
    }

    /// Returns the next complete frame body, if any (copying).
    public mutating func next() throws -> [UInt8]? {
        let available = buffer.count - readIndex
        if available < 4 { return nil }
        let length = Int(buffer[readIndex]) << 24 | Int(buffer[readIndex + 1]) << 16
            | Int(buffer[readIndex + 2]) << 8 | Int(buffer[readIndex + 3])
        if length > maximumLength {
            throw PortProtocolError.frameTooLarge(length: length, maximum: maximumLength)
        }
        if available < 4 + length { return nil }
        let start = readIndex + 4
        readIndex = start + length
        return Array(buffer[start..<(start + length)])
    }

    /// Call at end of stream: leftover bytes of an incomplete frame are an error.
    public func finish() throws {
        if bufferedCount > 0 { throw PortProtocolError.leftoverBytesAtEOF(bufferedCount) }
    }
}

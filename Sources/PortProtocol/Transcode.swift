/// Media formats of the `transcode` method.
///
/// G.711 and `L16/8000` are 8 kHz mono; Opus is 48 kHz (RTP clock) mono or
/// stereo; `L16` is signed 16-bit little-endian PCM, interleaved.
public enum MediaFormat: UInt8, Sendable, Hashable, CaseIterable {
    case pcmu = 0x01
    case pcma = 0x02
    case opusMono = 0x03
    case opusStereo = 0x04
    case l16Mono8k = 0x10
    case l16Mono48k = 0x11
    case l16Stereo48k = 0x12

    public var name: String {
        switch self {
        case .pcmu: "PCMU"
        case .pcma: "PCMA"
        case .opusMono: "opus/48000/1"
        case .opusStereo: "opus/48000/2"
        case .l16Mono8k: "L16/8000/1"
        case .l16Mono48k: "L16/48000/1"
        case .l16Stereo48k: "L16/48000/2"
        }
    }

    public init?(name: String) {
        guard let f = Self.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else { return nil }
        self = f
    }

    public var sampleRate: Int {
        switch self {
        case .pcmu, .pcma, .l16Mono8k: 8000
        case .opusMono, .opusStereo, .l16Mono48k, .l16Stereo48k: 48000
        }
    }

    public var channels: Int {
        switch self {
        case .opusStereo, .l16Stereo48k: 2
        default: 1
        }
    }
}

/// Header of a `transcode` request payload; the media follows it.
///
/// ```
///  0       1       2       3       4       5       6       7       8
///  +-------------------------------+-------+-------+---------------+----------
///  |     context id (u32, BE)      | from  |  to   |  reserved (0) | media ...
///  +-------------------------------+-------+-------+---------------+----------
/// ```
/// A context holds codec state (Opus encoder/decoder) across frames of one
/// stream; the worker creates it on first use and frees it on
/// `close_context`. The media is one frame (typically 20 ms). The reply
/// payload is the converted frame; an Opus reply to lost input (empty media
/// with `from` Opus) is packet-loss concealment.
public struct TranscodeRequest: Sendable, Hashable {
    public static let headerLength = 8
    public var context: UInt32
    public var from: MediaFormat
    public var to: MediaFormat

    public init(context: UInt32, from: MediaFormat, to: MediaFormat) {
        self.context = context
        self.from = from
        self.to = to
    }

    /// Appends the header to `payload`; append the media after it.
    public func appendHeader(to payload: inout [UInt8]) {
        payload.append(UInt8(truncatingIfNeeded: context >> 24))
        payload.append(UInt8(truncatingIfNeeded: context >> 16))
        payload.append(UInt8(truncatingIfNeeded: context >> 8))
        payload.append(UInt8(truncatingIfNeeded: context))
        payload.append(from.rawValue)
        payload.append(to.rawValue)
        payload.append(0)
        payload.append(0)
    }

    /// Parses the header at the start of `payload`.
    public init(parsing payload: some RandomAccessCollection<UInt8>) throws(PortProtocolError) {
        guard payload.count >= Self.headerLength else {
            throw .malformedPayload("transcode payload of \(payload.count) bytes is shorter than its 8-byte header")
        }
        let b = Array(payload.prefix(Self.headerLength))
        context = UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
        guard let f = MediaFormat(rawValue: b[4]) else { throw .malformedPayload("unknown source format 0x\(String(b[4], radix: 16))") }
        guard let t = MediaFormat(rawValue: b[5]) else { throw .malformedPayload("unknown target format 0x\(String(b[5], radix: 16))") }
        from = f
        to = t
    }
}

import PortProtocol

/// The media formats the ``TranscodingEngine`` converts between: the port
/// protocol's `MediaFormat` itself (one definition of the formats, their
/// names, rates and channels). G.711 and `L16/8000` are 8 kHz mono; Opus is
/// 48 kHz (RTP clock) mono or stereo; `L16` is signed 16-bit little-endian
/// PCM, interleaved.
public typealias AudioFormat = MediaFormat

extension MediaFormat {
    /// Whether this is an Opus format.
    public var isOpus: Bool { self == .opusMono || self == .opusStereo }

    /// Bytes per sample per channel for the uncompressed formats (0 for Opus).
    public var bytesPerSample: Int {
        switch self {
        case .pcmu, .pcma: 1
        case .l16Mono8k, .l16Mono48k, .l16Stereo48k: 2
        case .opusMono, .opusStereo: 0
        }
    }
}

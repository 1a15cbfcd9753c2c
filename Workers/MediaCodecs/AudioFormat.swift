/// The media formats the ``TranscodingEngine`` converts between.
///
/// The raw values and names are those of the port protocol's
/// `MediaFormat`, so a worker maps one to the other by raw value.
/// G.711 and `L16/8000` are 8 kHz mono; Opus is 48 kHz (RTP clock) mono or
/// stereo; `L16` is signed 16-bit little-endian PCM, interleaved.
public enum AudioFormat: UInt8, Sendable, Hashable, CaseIterable {
    /// G.711 mu-law, 8 kHz mono, one byte per sample.
    case pcmu = 0x01
    /// G.711 A-law, 8 kHz mono, one byte per sample.
    case pcma = 0x02
    /// Opus, one channel.
    case opusMono = 0x03
    /// Opus, two channels.
    case opusStereo = 0x04
    /// Linear 16-bit little-endian PCM, 8 kHz mono.
    case l16Mono8k = 0x10
    /// Linear 16-bit little-endian PCM, 48 kHz mono.
    case l16Mono48k = 0x11
    /// Linear 16-bit little-endian PCM, 48 kHz stereo, interleaved.
    case l16Stereo48k = 0x12

    /// The SDP-style name, e.g. `PCMU`, `opus/48000/2`, `L16/8000/1`.
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

    /// Sample rate of the audio (for Opus, the RTP clock and the rate it is decoded at by default).
    public var sampleRate: Int {
        switch self {
        case .pcmu, .pcma, .l16Mono8k: 8000
        case .opusMono, .opusStereo, .l16Mono48k, .l16Stereo48k: 48000
        }
    }

    /// Channels of the audio.
    public var channels: Int {
        switch self {
        case .opusStereo, .l16Stereo48k: 2
        default: 1
        }
    }

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

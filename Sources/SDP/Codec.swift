/// An audio codec as negotiation knows it: the encoding name, clock rate and
/// channels of its rtpmap, and its format parameters.
///
/// | codec | rtpmap | static PT | format parameters |
/// | --- | --- | --- | --- |
/// | ``opus`` | `opus/48000/2` (always `/2`, RFC 7587) | none | `minptime=10;useinbandfec=1` |
/// | ``pcmu`` | `PCMU/8000` | 0 | none |
/// | ``pcma`` | `PCMA/8000` | 8 | none |
/// | ``telephoneEvent(clockRate:)`` | `telephone-event/8000` or `/48000` (RFC 4733) | none | `0-16` |
///
/// Two codecs are the same codec (``isSameCodec(as:)``) when their names
/// (case-insensitive), clock rates and channels match; format parameters differ per leg.
public struct Codec: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The encoding name as written in rtpmap (`opus`, `PCMU`, `PCMA`, `telephone-event`).
    public var name: String
    /// The RTP clock rate in Hz.
    public var clockRate: UInt32
    /// The channels of the rtpmap (Opus is always 2 there; `stereo=1` in fmtp says whether stereo is wanted).
    public var channels: Int
    /// The `a=fmtp` parameters, if any.
    public var formatParameters: String?

    /// A codec.
    public init(name: String, clockRate: UInt32, channels: Int = 1, formatParameters: String? = nil) {
        self.name = name
        self.clockRate = clockRate
        self.channels = channels
        self.formatParameters = formatParameters
    }

    /// Opus (RFC 7587): 48 kHz, with in-band FEC and 10 ms minimum packets.
    public static let opus = Codec(name: "opus", clockRate: 48000, channels: 2,
                                   formatParameters: "minptime=10;useinbandfec=1")
    /// G.711 mu-law, static payload type 0.
    public static let pcmu = Codec(name: "PCMU", clockRate: 8000)
    /// G.711 A-law, static payload type 8.
    public static let pcma = Codec(name: "PCMA", clockRate: 8000)
    /// RFC 4733 telephone events (DTMF) at a clock rate (8000 or 48000), events 0-16.
    public static func telephoneEvent(clockRate: UInt32) -> Codec {
        Codec(name: "telephone-event", clockRate: clockRate, formatParameters: "0-16")
    }

    /// The audio codecs the media worker can relay and transcode between.
    public static let supportedAudio: [Codec] = [.opus, .pcmu, .pcma]
    /// The telephone-event clock rates supported.
    public static let telephoneEventClockRates: [UInt32] = [8000, 48000]

    /// A supported audio codec by name (`"opus"`, `"PCMU"`, `"pcma"`), for requests such as
    /// `transcode: {codecs: ["PCMU"]}`; `nil` for any other name.
    public init?(named name: String) {
        guard let codec = Self.supportedAudio.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            return nil
        }
        self = codec
    }

    /// The supported codec an rtpmap describes (with these format parameters), or `nil`.
    public init?(rtpMap: RTPMap, formatParameters: String? = nil) {
        let name = rtpMap.encoding
        let channels = rtpMap.channels ?? 1
        if name.equalsIgnoringCase("opus") {
            guard rtpMap.clockRate == 48000 && channels <= 2 else { return nil }
            self.init(name: rtpMap.encoding, clockRate: 48000, channels: 2, formatParameters: formatParameters)
        } else if name.equalsIgnoringCase("pcmu") || name.equalsIgnoringCase("pcma") {
            guard rtpMap.clockRate == 8000 && channels == 1 else { return nil }
            self.init(name: rtpMap.encoding, clockRate: 8000, channels: 1, formatParameters: formatParameters)
        } else if name.equalsIgnoringCase("telephone-event") {
            guard Self.telephoneEventClockRates.contains(rtpMap.clockRate) else { return nil }
            self.init(name: rtpMap.encoding, clockRate: rtpMap.clockRate, channels: 1,
                      formatParameters: formatParameters)
        } else {
            return nil
        }
    }

    /// Whether this is RFC 4733 telephone-event rather than an audio codec.
    public var isTelephoneEvent: Bool { name.equalsIgnoringCase("telephone-event") }

    /// The RFC 3551 static payload type (0 for PCMU, 8 for PCMA), if any.
    public var staticPayloadType: UInt8? {
        switch (name.lowercased(), clockRate, channels) {
        case ("pcmu", 8000, 1): 0
        case ("pcma", 8000, 1): 8
        default: nil
        }
    }

    /// Same name (case-insensitive), clock rate and channels; format parameters are not compared.
    public func isSameCodec(as other: Codec) -> Bool {
        clockRate == other.clockRate && channels == other.channels && name.equalsIgnoringCase(other.name)
    }

    /// The rtpmap of this codec under a payload type (channels written only when not 1).
    public func rtpMap(payloadType: UInt8) -> RTPMap {
        RTPMap(payloadType: payloadType, encoding: name, clockRate: clockRate, channels: channels == 1 ? nil : channels)
    }

    /// `opus/48000/2`, `PCMU/8000`.
    public var description: String {
        channels == 1 ? "\(name)/\(clockRate)" : "\(name)/\(clockRate)/\(channels)"
    }
}

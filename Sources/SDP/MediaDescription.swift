/// A media section: an `m=` line and the `i=`, `c=`, `b=`, `k=` and `a=` lines under it.
///
/// ```
/// m=<media> <port>[/<number of ports>] <proto> <fmt> ...
/// m=audio 49170 RTP/AVP 0 8 101
/// ```
/// A port of 0 marks a stream rejected in an answer (or disabled in an offer).
public struct MediaDescription: Sendable, Hashable, Codable {
    /// The media type: `audio`, `video`, `application`, ...
    public var type: String
    /// The transport port.
    public var port: UInt16
    /// The number of ports (`m=audio 49170/2`), when written.
    public var portCount: Int?
    /// The transport protocol: `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, ...
    public var proto: TransportProfile
    /// The formats, in preference order: RTP payload type numbers for RTP profiles.
    public var formats: [String]
    /// The `i=` line.
    public var information: String?
    /// The media-level `c=` lines (usually zero or one).
    public var connections: [Connection]
    /// The media-level `b=` lines.
    public var bandwidths: [Bandwidth]
    /// The media-level `k=` line (obsolete), as written.
    public var encryptionKey: String?
    /// The media-level `a=` lines, in order.
    public var attributes: [Attribute]

    /// A media section.
    public init(
        type: String = "audio", port: UInt16, portCount: Int? = nil, proto: TransportProfile,
        formats: [String], information: String? = nil, connections: [Connection] = [],
        bandwidths: [Bandwidth] = [], encryptionKey: String? = nil, attributes: [Attribute] = []
    ) {
        self.type = type
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.information = information
        self.connections = connections
        self.bandwidths = bandwidths
        self.encryptionKey = encryptionKey
        self.attributes = attributes
    }

    /// The formats as RTP payload types (those that are numbers in 0...127).
    public var payloadTypes: [UInt8] {
        formats.compactMap { Digits.int($0, max: 127).map(UInt8.init) }
    }

    /// The `a=rtpmap` lines, in order (malformed ones skipped).
    public var rtpMaps: [RTPMap] {
        attributes.values(named: "rtpmap").compactMap { RTPMap($0) }
    }

    /// What a payload type means: its `a=rtpmap`, else the RFC 3551 static mapping (0 PCMU, 8 PCMA ...).
    public func rtpMap(for payloadType: UInt8) -> RTPMap? {
        for attribute in attributes where attribute.name == "rtpmap" {
            if let value = attribute.value, let map = RTPMap(value), map.payloadType == payloadType { return map }
        }
        return RTPMap.staticMap(for: payloadType)
    }

    /// The `a=fmtp` lines, in order.
    public var formatParameters: [FormatParameters] {
        attributes.values(named: "fmtp").compactMap { FormatParameters($0) }
    }

    /// The `a=fmtp` parameters of one format.
    public func formatParameters(for format: String) -> String? {
        formatParameters.first { $0.format == format }?.parameters
    }

    /// `a=ptime`: the packet duration in milliseconds the author wants to receive.
    public var ptime: Int? { attributes.values(named: "ptime").first.flatMap { Digits.int($0) } }

    /// `a=maxptime`: the longest packet duration in milliseconds the author can receive.
    public var maxptime: Int? { attributes.values(named: "maxptime").first.flatMap { Digits.int($0) } }

    /// The media-level direction attribute, if any (see ``SessionDescription/direction(of:)``).
    public var direction: MediaDirection? {
        attributes.lazy.compactMap { MediaDirection(rawValue: $0.name) }.first
    }

    /// `a=rtcp`, if any.
    public var rtcp: RTCPAttribute? { attributes.values(named: "rtcp").first.flatMap { RTCPAttribute($0) } }

    /// Whether `a=rtcp-mux` is present (RFC 5761: RTCP on the RTP port).
    public var isRTCPMuxed: Bool { attributes.contains { $0.name == "rtcp-mux" } }

    /// The `a=crypto` lines, in order.
    public var cryptos: [CryptoAttribute] {
        attributes.values(named: "crypto").compactMap { CryptoAttribute($0) }
    }
}

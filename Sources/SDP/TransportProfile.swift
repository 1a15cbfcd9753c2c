/// The transport protocol of an `m=` line (`RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, ...).
///
/// Any token is kept; the static members name the ones this module knows.
/// Negotiation supports ``rtpAVP`` and ``rtpSAVP`` (with SDES `a=crypto`).
public struct TransportProfile: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The token as written in the `m=` line.
    public var rawValue: String

    /// A profile from its token.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `RTP/AVP`: plain RTP (RFC 3551).
    public static let rtpAVP = Self(rawValue: "RTP/AVP")
    /// `RTP/SAVP`: SRTP (RFC 3711), keyed here by SDES `a=crypto` (RFC 4568).
    public static let rtpSAVP = Self(rawValue: "RTP/SAVP")
    /// `RTP/AVPF`: RTP with RTCP feedback (RFC 4585).
    public static let rtpAVPF = Self(rawValue: "RTP/AVPF")
    /// `RTP/SAVPF`: SRTP with RTCP feedback (RFC 5124).
    public static let rtpSAVPF = Self(rawValue: "RTP/SAVPF")
    /// `UDP/TLS/RTP/SAVPF`: DTLS-SRTP with feedback, WebRTC (RFC 5764, 8843).
    public static let udpTLSRTPSAVPF = Self(rawValue: "UDP/TLS/RTP/SAVPF")

    /// The profiles negotiation supports.
    public static let supported: [TransportProfile] = [.rtpAVP, .rtpSAVP]

    /// Whether the format list holds RTP payload type numbers.
    public var isRTP: Bool { rawValue.uppercasedContains("RTP/") }

    /// Whether media is SRTP.
    public var isSecure: Bool { rawValue.uppercasedContains("SAVP") }

    public var description: String { rawValue }
}

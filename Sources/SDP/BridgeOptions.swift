/// What to offer B, and how Switchboard names itself in the SDP it writes.
///
/// The defaults relay: B is offered A's profile and A's supported codecs under
/// A's payload types. Setting ``codecs`` or ``profile`` transcodes
/// (`transcode: {codecs: ["PCMU"], profile: "RTP/AVP"}`).
public struct BridgeOptions: Sendable, Hashable, Codable {
    /// B's profile (`RTP/AVP` or `RTP/SAVP`); `nil` for A's.
    public var profile: TransportProfile?
    /// B's codecs, in preference order; `nil` for A's (relay).
    public var codecs: [Codec]?
    /// The `o=` user name of the descriptions we write.
    public var originUsername: String
    /// The `s=` of the descriptions we write; `nil` to copy the peer's.
    public var sessionName: String?

    /// Options; the defaults relay.
    public init(
        profile: TransportProfile? = nil, codecs: [Codec]? = nil,
        originUsername: String = "switchboard", sessionName: String? = nil
    ) {
        self.profile = profile
        self.codecs = codecs
        self.originUsername = originUsername
        self.sessionName = sessionName
    }

    /// Options from a transcode request's names (`["PCMU"]`, `"RTP/AVP"`).
    ///
    /// - Throws: ``SDPError/invalidRequest`` for an unknown codec or profile, or an empty codec list.
    public static func transcode(codecs names: [String]?, profile name: String?) throws(SDPError) -> BridgeOptions {
        var options = BridgeOptions()
        if let names {
            var codecs: [Codec] = []
            for name in names {
                guard let codec = Codec(named: name) else {
                    throw .invalidRequest("unknown codec '\(name)' (supported: opus, PCMU, PCMA)")
                }
                codecs.append(codec)
            }
            guard !codecs.isEmpty else { throw .invalidRequest("empty codec list") }
            options.codecs = codecs
        }
        if let name {
            let profile = TransportProfile(rawValue: name)
            guard TransportProfile.supported.contains(profile) else {
                throw .invalidRequest("unsupported profile '\(name)' (supported: RTP/AVP, RTP/SAVP)")
            }
            options.profile = profile
        }
        return options
    }
}

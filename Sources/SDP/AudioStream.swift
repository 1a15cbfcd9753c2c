/// The audio stream of a session description as negotiation sees it: the
/// first audio section Switchboard can carry, with what it offers.
///
/// A section is usable when its port is not 0, its profile is `RTP/AVP` or
/// `RTP/SAVP`, it lists at least one supported codec (Opus, PCMU, PCMA), and,
/// for `RTP/SAVP`, at least one negotiable `a=crypto`
/// (``CryptoAttribute/isNegotiable``). Otherwise ``init(_:)`` throws
/// ``SDPError/unsupportedMedia`` saying why each audio section was refused.
public struct AudioStream: Sendable, Hashable, Codable {
    /// The index of the section in ``SessionDescription/media``.
    public var mediaIndex: Int
    /// `RTP/AVP` or `RTP/SAVP`.
    public var profile: TransportProfile
    /// The supported audio codecs, in the author's order of preference, under its payload types.
    public var codecs: [PayloadFormat]
    /// The supported telephone-event formats (8000 and 48000 Hz), in order.
    public var telephoneEvents: [PayloadFormat]
    /// Every format of the `m=` line, supported or not, in order (for logs and error messages).
    public var allFormats: [String]
    /// `a=ptime`, if given.
    public var ptime: Int?
    /// The direction (media level, else session level, else `sendrecv`).
    public var direction: MediaDirection
    /// The negotiable `a=crypto` lines, in order (empty for `RTP/AVP`).
    public var cryptos: [CryptoAttribute]
    /// Where the author receives RTP.
    public var remote: MediaEndpoint
    /// Where the author receives RTCP, from `a=rtcp`, if given.
    public var remoteRTCP: MediaEndpoint?
    /// Whether the author offers or accepts `a=rtcp-mux`.
    public var rtcpMux: Bool

    /// Finds the first usable audio stream.
    ///
    /// - Throws: ``SDPError/unsupportedMedia`` with the reason for each audio section.
    public init(_ description: SessionDescription) throws(SDPError) {
        var reasons: [String] = []
        var audioNumber = 0
        for (index, media) in description.media.enumerated() where media.type.equalsIgnoringCase("audio") {
            audioNumber += 1
            switch Self.usable(media, index: index, in: description) {
            case .success(let stream):
                self = stream
                return
            case .failure(let reason):
                reasons.append("audio stream \(audioNumber): \(reason.message)")
            }
        }
        if reasons.isEmpty {
            let types = description.media.map(\.type)
            throw .unsupportedMedia("no audio stream (m=audio) in the description"
                + (types.isEmpty ? "" : "; it has: " + types.joined(separator: ", ")))
        }
        throw .unsupportedMedia(reasons.joined(separator: "; "))
    }

    static func usable(
        _ media: MediaDescription, index: Int, in description: SessionDescription
    ) -> Result<AudioStream, FieldError> {
        guard media.port != 0 else { return .failure(FieldError("disabled (port 0)")) }
        let profile = media.proto
        guard TransportProfile.supported.contains(profile) else {
            return .failure(FieldError("profile \(profile) is not supported: only RTP/AVP and RTP/SAVP with "
                + "SDES a=crypto (no DTLS-SRTP, ICE or AVPF yet)"))
        }
        // ffmpeg writes SDES keys on RTP/AVP lines. Relaying that as plain RTP would
        // turn SRTP into noise; refuse it clearly instead.
        if profile == .rtpAVP && !media.cryptos.isEmpty {
            return .failure(FieldError("a=crypto on an RTP/AVP stream: SDES keys need RTP/SAVP "
                + "(ffmpeg writes this; change the m= line's profile to RTP/SAVP)"))
        }
        var codecs: [PayloadFormat] = []
        var events: [PayloadFormat] = []
        var seen: Set<UInt8> = []
        let maps = media.rtpMaps
        let parameters = media.formatParameters
        for payloadType in media.payloadTypes where seen.insert(payloadType).inserted {
            let formatName = "\(payloadType)"
            guard let map = maps.first(where: { $0.payloadType == payloadType }) ?? RTPMap.staticMap(for: payloadType),
                  let codec = Codec(rtpMap: map, formatParameters: parameters.first { $0.format == formatName }?.parameters)
            else { continue }
            let format = PayloadFormat(payloadType: payloadType, codec: codec)
            if codec.isTelephoneEvent {
                events.append(format)
            } else if !codecs.contains(where: { $0.codec.isSameCodec(as: codec) }) {
                codecs.append(format)
            }
        }
        guard !codecs.isEmpty else {
            let offered = media.payloadTypes.map { pt in
                media.rtpMap(for: pt).map { "\($0.encoding)/\($0.clockRate)" } ?? "\(pt)"
            }
            return .failure(FieldError("no supported codec (offered: \(offered.joined(separator: ", ")); "
                + "supported: opus/48000/2, PCMU/8000, PCMA/8000)"))
        }
        var cryptos: [CryptoAttribute] = []
        if profile == .rtpSAVP {
            cryptos = media.cryptos.filter(\.isNegotiable)
            guard !cryptos.isEmpty else {
                return .failure(FieldError("RTP/SAVP without a usable a=crypto (need AES_CM_128_HMAC_SHA1_80 or "
                    + "AES_CM_128_HMAC_SHA1_32 with one inline key, no MKI, no session parameters)"))
            }
        }
        guard let connection = description.connection(of: media) else {
            return .failure(FieldError("no c= line"))
        }
        let host = connection.host
        var rtcp: MediaEndpoint?
        if let attribute = media.rtcp {
            rtcp = MediaEndpoint(address: attribute.connection?.host ?? host, port: attribute.port)
        }
        return .success(AudioStream(
            mediaIndex: index, profile: profile, codecs: codecs, telephoneEvents: events, allFormats: media.formats,
            ptime: media.ptime, direction: description.direction(of: media), cryptos: cryptos,
            remote: MediaEndpoint(address: host, port: media.port), remoteRTCP: rtcp, rtcpMux: media.isRTCPMuxed))
    }

    private init(
        mediaIndex: Int, profile: TransportProfile, codecs: [PayloadFormat], telephoneEvents: [PayloadFormat],
        allFormats: [String], ptime: Int?, direction: MediaDirection, cryptos: [CryptoAttribute],
        remote: MediaEndpoint, remoteRTCP: MediaEndpoint?, rtcpMux: Bool
    ) {
        self.mediaIndex = mediaIndex
        self.profile = profile
        self.codecs = codecs
        self.telephoneEvents = telephoneEvents
        self.allFormats = allFormats
        self.ptime = ptime
        self.direction = direction
        self.cryptos = cryptos
        self.remote = remote
        self.remoteRTCP = remoteRTCP
        self.rtcpMux = rtcpMux
    }

    /// The telephone-event format at a clock rate, if offered.
    public func telephoneEvent(clockRate: UInt32) -> PayloadFormat? {
        telephoneEvents.first { $0.codec.clockRate == clockRate }
    }
}

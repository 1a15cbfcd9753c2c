/// The first half of a bridge's offer/answer (RFC 3264), Switchboard in the
/// middle: A's offer in, the offer for B out. A pure value: keep it until B
/// answers, then call ``answer(_:localA:keyProvider:)``.
///
/// ```
///   A ── offer ──► [ BridgeOffer(offerFromA:...) ] ── offerForB ──► B
///   A ◄─ answer ── [ answer(answerFromB, ...)    ] ◄── answer ───── B
/// ```
///
/// Rules for B's offer:
/// - Our address and port for B (`c=` at session level), one audio section; A's
///   other sections are not offered to B (they are rejected in A's answer).
/// - Profile: ``BridgeOptions/profile`` or A's.
/// - Codecs: ``BridgeOptions/codecs`` or A's supported codecs in A's order.
///   A codec A offered keeps A's payload type (relayable untouched); a new codec
///   takes its static payload type (PCMU 0, PCMA 8) if A's line does not use it,
///   else the first dynamic type from 96 that A's line does not use.
/// - telephone-event, if A offered it: one per clock rate of B's codecs, A's
///   payload type where A offered that rate, else a new dynamic one; A's events range.
/// - `a=ptime` from A; A's direction; `a=rtcp-mux` if A offered it.
/// - `RTP/SAVP`: a fresh `a=crypto` per suite (A's negotiable suites in A's
///   order when A is SAVP, else both supported suites), tags from 1, keys from `keyProvider`.
/// - `o=`: our user name and address, A's session id and version (a re-offer from A
///   that bumps its version bumps ours); `s=` and `t=` from A.
public struct BridgeOffer: Sendable, Hashable, Codable {
    /// A's offer, as parsed.
    public let offerFromA: SessionDescription
    /// A's audio stream.
    public let streamA: AudioStream
    /// The options used.
    public let options: BridgeOptions
    /// Our address and port for B.
    public let localB: MediaEndpoint
    /// The codecs offered to B, in order, under B-side payload types.
    public let codecsForB: [PayloadFormat]
    /// The telephone-event formats offered to B.
    public let telephoneEventsForB: [PayloadFormat]
    /// The `a=crypto` lines offered to B (our keys), empty for `RTP/AVP`.
    public let cryptosForB: [CryptoAttribute]
    /// The offer to send to B.
    public let offerForB: SessionDescription

    /// Builds the offer for B from A's offer.
    ///
    /// - Parameters:
    ///   - offerFromA: A's offer.
    ///   - localB: our address and port facing B.
    ///   - options: B's profile and codecs (default: relay A's).
    ///   - keyProvider: called once per `a=crypto` line we write; returns a fresh
    ///     master key || salt (30 random bytes from a CSPRNG for the supported suites).
    /// - Throws: ``SDPError/unsupportedMedia`` when A's offer has nothing we can carry;
    ///   ``SDPError/invalidRequest`` for bad options or a key of the wrong length.
    public init(
        offerFromA: SessionDescription, localB: MediaEndpoint, options: BridgeOptions = BridgeOptions(),
        keyProvider: () -> [UInt8]
    ) throws(SDPError) {
        let streamA = try AudioStream(offerFromA)
        let profileB = options.profile ?? streamA.profile
        guard TransportProfile.supported.contains(profileB) else {
            throw .invalidRequest("unsupported profile '\(profileB)' for B (supported: RTP/AVP, RTP/SAVP)")
        }
        var used = Set(offerFromA.media[streamA.mediaIndex].payloadTypes)
        let codecsB = try Self.codecs(for: options.codecs, from: streamA, used: &used)
        var eventsB: [PayloadFormat] = []
        if let template = streamA.telephoneEvents.first {
            var rates: [UInt32] = []
            for format in codecsB where !rates.contains(format.codec.clockRate) { rates.append(format.codec.clockRate) }
            for rate in rates {
                if let fromA = streamA.telephoneEvent(clockRate: rate) {
                    eventsB.append(fromA)
                } else {
                    var codec = Codec.telephoneEvent(clockRate: rate)
                    codec.formatParameters = template.codec.formatParameters ?? codec.formatParameters
                    eventsB.append(PayloadFormat(payloadType: try Self.dynamicPayloadType(&used), codec: codec))
                }
            }
        }
        var cryptosB: [CryptoAttribute] = []
        if profileB == .rtpSAVP {
            var suites: [CryptoSuite] = []
            for crypto in streamA.cryptos where !suites.contains(crypto.suite) { suites.append(crypto.suite) }
            if suites.isEmpty { suites = CryptoSuite.supported }
            for (index, suite) in suites.enumerated() {
                cryptosB.append(CryptoAttribute(tag: index + 1, suite: suite,
                                                keySalt: try Self.freshKey(suite, keyProvider)))
            }
        }
        var attributes = (codecsB + eventsB).flatMap(\.attributes)
        if let ptime = streamA.ptime { attributes.append(Attribute("ptime", "\(ptime)")) }
        attributes.append(streamA.direction.attribute)
        if streamA.rtcpMux { attributes.append(Attribute("rtcp-mux")) }
        attributes += cryptosB.map(\.attribute)
        let media = MediaDescription(
            type: "audio", port: localB.port, proto: profileB,
            formats: (codecsB + eventsB).map { "\($0.payloadType)" }, attributes: attributes)
        let originA = offerFromA.origin
        self.offerForB = SessionDescription(
            origin: Origin(username: options.originUsername, sessionID: originA.sessionID,
                           sessionVersion: originA.sessionVersion, address: localB.address),
            name: options.sessionName ?? offerFromA.name,
            connection: Connection(address: localB.address),
            timings: offerFromA.timings, media: [media])
        self.offerFromA = offerFromA
        self.streamA = streamA
        self.options = options
        self.localB = localB
        self.codecsForB = codecsB
        self.telephoneEventsForB = eventsB
        self.cryptosForB = cryptosB
    }

    /// Whether B is offered codecs A did not offer (the worker may have to transcode).
    public var mayTranscode: Bool {
        codecsForB.contains { b in !streamA.codecs.contains { $0.codec.isSameCodec(as: b.codec) } }
    }

    private static func codecs(
        for requested: [Codec]?, from streamA: AudioStream, used: inout Set<UInt8>
    ) throws(SDPError) -> [PayloadFormat] {
        guard let requested else { return streamA.codecs }
        guard !requested.isEmpty else { throw .invalidRequest("empty codec list for B") }
        var result: [PayloadFormat] = []
        for codec in requested where !result.contains(where: { $0.codec.isSameCodec(as: codec) }) {
            guard Codec.supportedAudio.contains(where: { $0.isSameCodec(as: codec) }) else {
                throw .invalidRequest("codec \(codec) is not supported for B (supported: opus, PCMU, PCMA)")
            }
            if let fromA = streamA.codecs.first(where: { $0.codec.isSameCodec(as: codec) }) {
                result.append(fromA)
            } else if let pt = codec.staticPayloadType, !used.contains(pt) {
                used.insert(pt)
                result.append(PayloadFormat(payloadType: pt, codec: codec))
            } else {
                result.append(PayloadFormat(payloadType: try dynamicPayloadType(&used), codec: codec))
            }
        }
        return result
    }

    static func dynamicPayloadType(_ used: inout Set<UInt8>) throws(SDPError) -> UInt8 {
        for pt in UInt8(96)...127 where !used.contains(pt) {
            used.insert(pt)
            return pt
        }
        throw .invalidRequest("no free dynamic payload type in 96...127")
    }

    static func freshKey(_ suite: CryptoSuite, _ keyProvider: () -> [UInt8]) throws(SDPError) -> [UInt8] {
        let key = keyProvider()
        let expected = suite.keySaltLength ?? 30
        guard key.count == expected else {
            throw .invalidRequest("key provider returned \(key.count) bytes, \(suite) needs \(expected)")
        }
        return key
    }
}

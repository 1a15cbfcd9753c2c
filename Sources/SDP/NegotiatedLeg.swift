/// What one leg of a bridge agreed, from Switchboard's side: everything the
/// media worker needs to send and receive on that leg. Part of the session's
/// media plan, so it is `Codable` (it is re-sent to a replacement worker).
///
/// "Send" values are the remote's numbers (what it asked to receive in its
/// SDP); "receive" values are ours. RFC 3264 recommends they are equal and
/// they almost always are, but a peer may renumber in its answer.
public struct NegotiatedLeg: Sendable, Hashable, Codable {
    /// The SRTP keying of a leg (SDES, RFC 4568).
    public struct SRTP: Sendable, Hashable, Codable {
        /// The suite both sides use.
        public var suite: CryptoSuite
        /// The tag of the accepted `a=crypto` line.
        public var tag: Int
        /// Our master key || salt: we protect what we send with it (given to the peer in our SDP).
        public var localKey: [UInt8]
        /// The peer's master key || salt: we unprotect what it sends with it.
        public var remoteKey: [UInt8]

        /// SRTP keying.
        public init(suite: CryptoSuite, tag: Int, localKey: [UInt8], remoteKey: [UInt8]) {
            self.suite = suite
            self.tag = tag
            self.localKey = localKey
            self.remoteKey = remoteKey
        }
    }

    /// The codec on this leg, with the peer's format parameters for it.
    public var codec: Codec
    /// The payload type we send the codec with.
    public var payloadType: UInt8
    /// The payload type the peer sends the codec with.
    public var receivePayloadType: UInt8
    /// The telephone-event payload type we send with; `nil` when DTMF is not relayed on this leg.
    public var telephoneEventPayloadType: UInt8?
    /// The telephone-event payload type the peer sends with.
    public var receiveTelephoneEventPayloadType: UInt8?
    /// The telephone-event clock rate: the codec's, unless the peer only offered another one
    /// (baresip sends `telephone-event/8000` next to Opus); the worker scales event timestamps and durations.
    public var telephoneEventClockRate: UInt32?
    /// The packet duration in ms we send (the peer's `a=ptime`, else 20).
    public var ptime: Int
    /// `RTP/AVP` or `RTP/SAVP`.
    public var profile: TransportProfile
    /// The SRTP keys when the profile is `RTP/SAVP`.
    public var srtp: SRTP?
    /// Our address and port on this leg.
    public var local: MediaEndpoint
    /// Where the peer said it receives RTP (symmetric RTP may latch elsewhere).
    public var remote: MediaEndpoint
    /// Where the peer receives RTCP: `a=rtcp`, else RTP port + 1; `nil` when muxed.
    public var remoteRTCP: MediaEndpoint?
    /// Whether RTCP shares the RTP port (RFC 5761), agreed by both.
    public var rtcpMux: Bool
    /// Our direction on this leg: `sendonly` means we send to the peer and expect nothing from it.
    public var direction: MediaDirection

    /// A negotiated leg.
    public init(
        codec: Codec, payloadType: UInt8, receivePayloadType: UInt8, telephoneEventPayloadType: UInt8?,
        receiveTelephoneEventPayloadType: UInt8?, telephoneEventClockRate: UInt32?, ptime: Int, profile: TransportProfile, srtp: SRTP?,
        local: MediaEndpoint, remote: MediaEndpoint, remoteRTCP: MediaEndpoint?, rtcpMux: Bool,
        direction: MediaDirection
    ) {
        self.codec = codec
        self.payloadType = payloadType
        self.receivePayloadType = receivePayloadType
        self.telephoneEventPayloadType = telephoneEventPayloadType
        self.receiveTelephoneEventPayloadType = receiveTelephoneEventPayloadType
        self.telephoneEventClockRate = telephoneEventClockRate
        self.ptime = ptime
        self.profile = profile
        self.srtp = srtp
        self.local = local
        self.remote = remote
        self.remoteRTCP = remoteRTCP
        self.rtcpMux = rtcpMux
        self.direction = direction
    }

    /// The codec's clock rate.
    public var clockRate: UInt32 { codec.clockRate }
    /// The codec's channels (rtpmap channels: 2 for Opus).
    public var channels: Int { codec.channels }
}

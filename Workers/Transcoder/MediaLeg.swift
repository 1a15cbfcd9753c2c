#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MediaCodecs
import PortProtocol

/// One leg of a stream: the UDP socket(s) facing one peer, what that peer
/// speaks, its SRTP sessions, the latched remote, what the worker sends it
/// (SSRC, next sequence number and timestamp) and the leg's counters.
///
/// "In" is what the peer sends to the worker; "out" what the worker sends
/// to the peer. Owns its sockets and SRTP sessions: closing the stream frees them.
final class MediaLeg {
    let format: AudioFormat
    let payloadType: UInt8
    let telephoneEventPT: UInt8?
    let ptime: Int
    let rtcpMux: Bool
    let rtp: UDPSocket
    let rtcp: UDPSocket?
    /// Unprotects what the peer sends (remote key).
    let srtpIn: SRTPSession?
    /// Protects what the worker sends the peer (local key).
    let srtpOut: SRTPSession?
    /// The peer: configured, or latched on the first valid packet.
    var remote: UDPAddress?
    let ssrcOut: UInt32
    /// Sequence number of the next packet sent.
    var nextSequence: UInt16
    /// Timestamp following the last packet sent (the first packet's timestamp until one is sent).
    var nextTimestamp: UInt32
    /// Counters, reported as ``LegStats``.
    var stats = LegStats()
    /// Loss and jitter of what the peer sends.
    var reception: RTPReceptionStatistics
    /// SSRC of what the peer sends (a change restarts ``reception``).
    var sourceSSRC: UInt32?

    /// RTP clock rate of the leg's codec.
    var clockRate: Int { format.sampleRate }

    /// Validates the leg's description and binds its sockets.
    init(_ leg: StreamLeg) throws(StreamOpenError) {
        guard let format = Self.format(leg.codec) else {
            throw .badRequest("unsupported codec '\(leg.codec)' (PCMU, PCMA, opus/48000/1, opus/48000/2)")
        }
        guard (0...127).contains(leg.payloadType) else { throw .badRequest("payload_type \(leg.payloadType) not in 0...127") }
        if let pt = leg.telephoneEventPT {
            guard (0...127).contains(pt), pt != leg.payloadType else { throw .badRequest("bad telephone_event_pt \(pt)") }
        }
        guard [10, 20, 30, 40, 60].contains(leg.ptime) else { throw .badRequest("ptime \(leg.ptime) (10, 20, 30, 40 or 60)") }
        var remote: UDPAddress?
        if let text = leg.remote {
            guard let address = UDPAddress(text) else { throw .badRequest("remote '\(text)' is not ip:port") }
            remote = address
        }
        guard leg.rtcpMux || leg.localPort < 65535 else { throw .badRequest("local_port 65535 leaves no room for RTCP") }
        var srtpIn: SRTPSession?
        var srtpOut: SRTPSession?
        if let srtp = leg.srtp {
            guard let suite = SRTPSuite(name: srtp.suite) else { throw .badRequest("unknown SRTP suite '\(srtp.suite)'") }
            srtpOut = try Self.session(suite, srtp.localKey, .outbound, "local_key")
            srtpIn = try Self.session(suite, srtp.remoteKey, .inbound, "remote_key")
        }
        rtp = try UDPSocket(bind: leg.bind, port: leg.localPort)
        rtcp = leg.rtcpMux ? nil : try UDPSocket(bind: leg.bind, port: leg.localPort + 1)
        self.format = format
        payloadType = UInt8(leg.payloadType)
        telephoneEventPT = leg.telephoneEventPT.map { UInt8($0) }
        ptime = leg.ptime
        rtcpMux = leg.rtcpMux
        self.srtpIn = srtpIn
        self.srtpOut = srtpOut
        self.remote = remote
        ssrcOut = leg.ssrcOut
        nextSequence = leg.seqOut
        nextTimestamp = leg.timestampOut
        reception = RTPReceptionStatistics(clockRate: format.sampleRate)
    }

    private static func format(_ codec: String) -> AudioFormat? {
        switch codec.lowercased() {
        case "pcmu", "pcmu/8000", "pcmu/8000/1": .pcmu
        case "pcma", "pcma/8000", "pcma/8000/1": .pcma
        case "opus/48000/1": .opusMono
        case "opus/48000/2", "opus/48000", "opus": .opusStereo
        default: nil
        }
    }

    private static func session(_ suite: SRTPSuite, _ base64: String, _ direction: SRTPSession.Direction,
                                _ name: String) throws(StreamOpenError) -> SRTPSession {
        guard let key = Data(base64Encoded: base64), key.count == SRTPSuite.keyLength else {
            throw .badRequest("\(name) must be base64 of \(SRTPSuite.keyLength) bytes")
        }
        do {
            return try SRTPSession(suite: suite, key: [UInt8](key), direction: direction)
        } catch {
            throw .badRequest("\(name): \(error)")
        }
    }

    /// Samples (per channel, in this leg's clock) in `payload` of this leg's codec,
    /// or the leg's ptime when the payload does not say.
    func duration(of payload: UnsafeRawBufferPointer) -> Int {
        if format.isOpus {
            if let n = try? OpusPacket.samplesPerChannel(in: payload, sampleRate: 48000) { return n }
            return ptime * 48
        }
        return payload.count
    }

    /// The counters with the current state filled in.
    var snapshot: LegStats {
        var s = stats
        s.lost = reception.lost
        s.jitterMs = (reception.jitterMilliseconds * 1000).rounded() / 1000
        s.remote = remote?.description
        s.ssrcOut = ssrcOut
        s.nextSeqOut = nextSequence
        s.nextTimestampOut = nextTimestamp
        return s
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MediaCodecs
import PortProtocol

/// One leg of a stream: the UDP socket(s) facing one peer, what that peer
/// speaks, its SRTP sessions, the latched remotes (RTP and RTCP), what the
/// worker sends it (SSRC, next sequence number and timestamp, SRTP rollover
/// counter) and the leg's counters.
///
/// "In" is what the peer sends to the worker; "out" what the worker sends
/// to the peer. Owns its sockets (closed in `deinit`) and SRTP sessions:
/// closing the stream frees them.
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
    /// Protects what the worker sends the peer (local key): `ssrc_out` only, no any-SSRC template.
    let srtpOut: SRTPSession?
    /// The peer: configured, or latched on the first valid packet.
    var remote: UDPAddress?
    /// The peer's RTCP address as configured (`remote_rtcp`), if not the RTP port + 1.
    let configuredRTCPRemote: UDPAddress?
    /// The peer's RTCP address latched from valid RTCP (symmetric RTCP).
    var rtcpRemote: UDPAddress?
    /// State of the worker's own RTCP reports to the peer (transcoding streams only).
    var reporter: RTCPReporter?
    let ssrcOut: UInt32
    /// Sequence number of the next packet sent.
    private(set) var nextSequence: UInt16
    /// Timestamp following the last packet sent (the first packet's timestamp until one is sent).
    var nextTimestamp: UInt32
    /// Rollover counter of ``nextSequence``: the next packet sent has SRTP index
    /// `rocOut << 16 | nextSequence` (RFC 3711 section 3.3.1), as libsrtp's sender counts it.
    private(set) var rocOut: UInt32
    /// SSRC of what the peer sends (the last that passed SRTP), configured or seen.
    private(set) var remoteSSRC: UInt32?
    /// Highest sequence number received from ``remoteSSRC``.
    private(set) var remoteSeq: UInt16?
    /// The peer's SRTP index carried over from a previous worker (`remote_ssrc`, `roc_in`,
    /// `remote_seq`), until the first packet of that SSRC authenticates.
    private var resume: (ssrc: UInt32, roc: UInt32, seq: UInt16?)?
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
        var rtcpRemote: UDPAddress?
        if let text = leg.remoteRTCP {
            guard let address = UDPAddress(text) else { throw .badRequest("remote_rtcp '\(text)' is not ip:port") }
            rtcpRemote = address
        }
        guard leg.rtcpMux || leg.localPort < 65535 else { throw .badRequest("local_port 65535 leaves no room for RTCP") }
        guard leg.rocIn == nil || leg.remoteSSRC != nil else { throw .badRequest("roc_in needs remote_ssrc") }
        guard leg.remoteSeq == nil || leg.rocIn != nil else { throw .badRequest("remote_seq needs roc_in") }
        var srtpIn: SRTPSession?
        var srtpOut: SRTPSession?
        if let srtp = leg.srtp {
            guard let suite = SRTPSuite(name: srtp.suite) else { throw .badRequest("unknown SRTP suite '\(srtp.suite)'") }
            // A stream of its own for ssrc_out, so that its first packet has index roc_out << 16 | seq_out.
            // Nothing else is sent (RTCP too leaves as ssrc_out), so no any-SSRC template (~30 KB saved).
            srtpOut = try Self.session(suite, srtp.localKey, .outbound, "local_key", ssrcs: [leg.ssrcOut: leg.rocOut], anySSRC: false)
            // And for the peer's SSRC when its ROC is carried over (set again per packet until one authenticates).
            let inbound = leg.remoteSSRC.map { [$0: leg.rocIn ?? 0] } ?? [:]
            srtpIn = try Self.session(suite, srtp.remoteKey, .inbound, "remote_key", ssrcs: inbound)
        }
        let rtp = try UDPSocket(bind: leg.bind, port: leg.localPort)
        do {
            rtcp = leg.rtcpMux ? nil : try UDPSocket(bind: leg.bind, port: leg.localPort + 1)
        } catch {
            rtp.close()
            throw error
        }
        self.rtp = rtp
        self.format = format
        payloadType = UInt8(leg.payloadType)
        telephoneEventPT = leg.telephoneEventPT.map { UInt8($0) }
        ptime = leg.ptime
        rtcpMux = leg.rtcpMux
        self.srtpIn = srtpIn
        self.srtpOut = srtpOut
        self.remote = remote
        configuredRTCPRemote = rtcpRemote
        ssrcOut = leg.ssrcOut
        nextSequence = leg.seqOut
        nextTimestamp = leg.timestampOut
        rocOut = leg.rocOut
        remoteSSRC = leg.remoteSSRC
        remoteSeq = leg.remoteSeq
        if let ssrc = leg.remoteSSRC, let roc = leg.rocIn, srtpIn != nil { resume = (ssrc, roc, leg.remoteSeq) }
        reception = RTPReceptionStatistics(clockRate: format.sampleRate)
    }

    deinit {
        rtp.close()
        rtcp?.close()
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
                                _ name: String, ssrcs: [UInt32: UInt32], anySSRC: Bool = true) throws(StreamOpenError) -> SRTPSession {
        guard let key = Data(base64Encoded: base64), key.count == SRTPSuite.keyLength else {
            throw .badRequest("\(name) must be base64 of \(SRTPSuite.keyLength) bytes")
        }
        do {
            return try SRTPSession(suite: suite, key: [UInt8](key), direction: direction, ssrcs: ssrcs, anySSRC: anySSRC)
        } catch {
            throw .badRequest("\(name): \(error)")
        }
    }

    /// Where RTCP for the peer goes: the latched RTCP source, else `remote_rtcp`,
    /// else the RTP remote (rtcp-mux) or its port + 1; `nil` before any is known.
    var rtcpDestination: UDPAddress? {
        if let rtcpRemote { return rtcpRemote }
        if let configuredRTCPRemote { return configuredRTCPRemote }
        guard let remote else { return nil }
        if rtcpMux { return remote }
        return remote.port == .max ? nil : UDPAddress(address: remote.address, port: remote.port + 1)
    }

    /// The socket RTCP leaves from: the RTCP port, or the RTP port with rtcp-mux.
    var rtcpSocket: UDPSocket { rtcp ?? rtp }

    /// Records that the packet with sequence number `sent` went out in order: the next
    /// sequence number follows it, and ``rocOut`` counts a wrap (RFC 3711 section 3.3.1:
    /// a step of less than 2^15 forward across 65535 -> 0 is a wrap).
    func advanceSequence(past sent: UInt16) {
        let next = sent &+ 1
        let step = Int16(bitPattern: next &- nextSequence)
        if step > 0 && next < nextSequence {
            rocOut &+= 1
        } else if step < 0 && next > nextSequence && rocOut > 0 {
            rocOut -= 1
        }
        nextSequence = next
    }

    /// Before unprotecting a packet of the peer (`ssrc`, `sequence` read from its clear
    /// header): while a carried-over index awaits its first packet, tells libsrtp that
    /// packet's rollover counter — `roc_in`, or, with `remote_seq`, the ROC of the index
    /// nearest `roc_in << 16 | remote_seq` (RFC 3711 section 3.3.1), so a peer that wrapped
    /// while no worker listened still authenticates.
    func prepareUnprotect(ssrc: UInt32, sequence: UInt16) {
        guard let resume, resume.ssrc == ssrc, let srtpIn else { return }
        let roc = resume.seq.map { Self.estimateROC(resume.roc, $0, sequence) } ?? resume.roc
        try? srtpIn.setRolloverCounter(roc, for: ssrc)  // the stream exists: added in init
    }

    /// The rollover counter of `sequence` relative to the index `roc << 16 | reference`.
    static func estimateROC(_ roc: UInt32, _ reference: UInt16, _ sequence: UInt16) -> UInt32 {
        let index = Int64(roc) << 16 | Int64(reference)
        let estimate = index + Int64(Int16(bitPattern: sequence &- reference))
        return estimate < 0 ? 0 : UInt32(truncatingIfNeeded: estimate >> 16)
    }

    /// After a packet of the peer passed SRTP (or arrived, on plain RTP): tracks the peer's
    /// SSRC and highest sequence number, as libsrtp tracks the index.
    func received(ssrc: UInt32, sequence: UInt16) {
        if let resume, resume.ssrc == ssrc {
            // libsrtp re-based the index on this packet: follow it.
            self.resume = nil
            remoteSSRC = ssrc
            remoteSeq = sequence
        } else if ssrc != remoteSSRC || remoteSeq == nil {
            remoteSSRC = ssrc
            remoteSeq = sequence
        } else if let last = remoteSeq, Int16(bitPattern: sequence &- last) > 0 {
            remoteSeq = sequence
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
        s.rocOut = rocOut
        s.remoteSSRC = remoteSSRC
        s.remoteSeq = remoteSeq
        if let srtpIn, let ssrc = remoteSSRC {
            s.rocIn = resume?.ssrc == ssrc ? resume?.roc : srtpIn.rolloverCounter(for: ssrc)
        }
        return s
    }
}

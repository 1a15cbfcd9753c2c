/// JSON payloads of the stream methods (`open_stream`, `close_stream`,
/// `stream_stats`) and of the `stream_stats` event.
///
/// A *stream* bridges two UDP legs, A and B, inside one worker: media from
/// A's peer goes out to B's peer and back, relayed when both legs use the
/// same codec, transcoded otherwise. Everything a replacement worker needs to
/// carry on a stream after a crash (ports, keys, outgoing SSRC, sequence,
/// timestamp and SRTP rollover counters) is in ``OpenStream``; the orchestrator keeps it, and keeps the
/// last ``StreamStats`` to advance the sequence and timestamp bases.

/// Request of `open_stream`.
public struct OpenStream: Codable, Sendable, Hashable {
    /// Stream id chosen by the orchestrator, unique within the worker.
    public var stream: UInt32
    /// Leg A.
    public var a: StreamLeg
    /// Leg B.
    public var b: StreamLeg
    /// Period of the `stream_stats` event for this stream, in milliseconds
    /// (default 1000; 0 turns the event off for this stream).
    public var statsIntervalMs: Int
    /// Mean period of the RTCP reports the worker sends each peer itself when
    /// the stream transcodes (RFC 3550 section 6.2: randomised to 0.5-1.5 times
    /// this, the first after half of it), in milliseconds; default 5000, 0
    /// sends none. A relayed stream forwards the peers' own RTCP instead.
    public var rtcpIntervalMs: Int

    public init(stream: UInt32, a: StreamLeg, b: StreamLeg, statsIntervalMs: Int = 1000, rtcpIntervalMs: Int = 5000) {
        self.stream = stream
        self.a = a
        self.b = b
        self.statsIntervalMs = statsIntervalMs
        self.rtcpIntervalMs = rtcpIntervalMs
    }

    enum CodingKeys: String, CodingKey {
        case stream, a, b, statsIntervalMs = "stats_interval_ms", rtcpIntervalMs = "rtcp_interval_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        stream = try c.decode(UInt32.self, forKey: .stream)
        a = try c.decode(StreamLeg.self, forKey: .a)
        b = try c.decode(StreamLeg.self, forKey: .b)
        statsIntervalMs = try c.decodeIfPresent(Int.self, forKey: .statsIntervalMs) ?? 1000
        rtcpIntervalMs = try c.decodeIfPresent(Int.self, forKey: .rtcpIntervalMs) ?? 5000
    }
}

/// One leg of a stream: the worker's UDP port facing one peer, the codec
/// spoken there, its SRTP keys and the state of what the worker sends.
public struct StreamLeg: Codable, Sendable, Hashable {
    /// UDP port the worker binds for RTP (and `local_port + 1` for RTCP unless ``rtcpMux``).
    public var localPort: Int
    /// Address to bind, default `127.0.0.1`.
    public var bind: String
    /// The peer, `ip:port`; `nil` latches onto the source of the first valid
    /// packet (symmetric RTP). A given remote is re-latched too if valid
    /// packets arrive from elsewhere.
    public var remote: String?
    /// The peer's RTCP address, `ip:port`, when it is not ``remote``'s port + 1
    /// (or ``remote`` itself with ``rtcpMux``), e.g. from SDP `a=rtcp`. Valid
    /// RTCP from the peer re-latches it (symmetric RTCP), as for RTP.
    public var remoteRTCP: String?
    /// `PCMU`, `PCMA`, `opus/48000/1` or `opus/48000/2`.
    public var codec: String
    /// RTP payload type of ``codec`` on this leg.
    public var payloadType: Int
    /// RTP payload type of telephone-event (RFC 4733) on this leg, if negotiated.
    public var telephoneEventPT: Int?
    /// Packet duration in milliseconds, default 20: transcoded audio is sent to
    /// this leg's peer in packets of this duration; relayed packets keep theirs.
    public var ptime: Int
    /// RTCP shares the RTP port (RFC 5761).
    public var rtcpMux: Bool
    /// SDES-SRTP keys, or `nil` for plain RTP.
    public var srtp: StreamSRTP?
    /// SSRC of the packets the worker sends to this leg's peer.
    public var ssrcOut: UInt32
    /// Sequence number of the first packet the worker sends to this leg's peer.
    public var seqOut: UInt16
    /// RTP timestamp of the first packet the worker sends to this leg's peer.
    public var timestampOut: UInt32
    /// SRTP rollover counter (RFC 3711 section 3.3.1) of the first packet the worker sends
    /// to this leg's peer: that packet's index is `rocOut << 16 | seqOut`. Default 0.
    public var rocOut: UInt32
    /// SSRC of what this leg's peer sends, when known (from ``LegStats/remoteSSRC``):
    /// with ``rocIn``, the worker resumes the peer's SRTP index instead of starting at ROC 0.
    public var remoteSSRC: UInt32?
    /// SRTP rollover counter of the peer's packets (``remoteSSRC``): of ``remoteSeq`` when
    /// given, else of the next packet the peer sends. Needs ``remoteSSRC``.
    public var rocIn: UInt32?
    /// Highest sequence number received from ``remoteSSRC`` (its ROC is ``rocIn``): lets
    /// the worker estimate the ROC of the peer's next packet even if the peer wrapped meanwhile.
    public var remoteSeq: UInt16?

    public init(localPort: Int, bind: String = "127.0.0.1", remote: String? = nil, codec: String, payloadType: Int,
                telephoneEventPT: Int? = nil, ptime: Int = 20, rtcpMux: Bool = false, srtp: StreamSRTP? = nil,
                ssrcOut: UInt32, seqOut: UInt16 = 0, timestampOut: UInt32 = 0, rocOut: UInt32 = 0,
                remoteSSRC: UInt32? = nil, rocIn: UInt32? = nil, remoteSeq: UInt16? = nil, remoteRTCP: String? = nil) {
        self.localPort = localPort
        self.bind = bind
        self.remote = remote
        self.remoteRTCP = remoteRTCP
        self.codec = codec
        self.payloadType = payloadType
        self.telephoneEventPT = telephoneEventPT
        self.ptime = ptime
        self.rtcpMux = rtcpMux
        self.srtp = srtp
        self.ssrcOut = ssrcOut
        self.seqOut = seqOut
        self.timestampOut = timestampOut
        self.rocOut = rocOut
        self.remoteSSRC = remoteSSRC
        self.rocIn = rocIn
        self.remoteSeq = remoteSeq
    }

    enum CodingKeys: String, CodingKey {
        case localPort = "local_port", bind, remote, codec, payloadType = "payload_type"
        case telephoneEventPT = "telephone_event_pt", ptime, rtcpMux = "rtcp_mux", srtp
        case ssrcOut = "ssrc_out", seqOut = "seq_out", timestampOut = "timestamp_out"
        case rocOut = "roc_out", remoteSSRC = "remote_ssrc", rocIn = "roc_in", remoteSeq = "remote_seq"
        case remoteRTCP = "remote_rtcp"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        localPort = try c.decode(Int.self, forKey: .localPort)
        bind = try c.decodeIfPresent(String.self, forKey: .bind) ?? "127.0.0.1"
        remote = try c.decodeIfPresent(String.self, forKey: .remote)
        remoteRTCP = try c.decodeIfPresent(String.self, forKey: .remoteRTCP)
        codec = try c.decode(String.self, forKey: .codec)
        payloadType = try c.decode(Int.self, forKey: .payloadType)
        telephoneEventPT = try c.decodeIfPresent(Int.self, forKey: .telephoneEventPT)
        ptime = try c.decodeIfPresent(Int.self, forKey: .ptime) ?? 20
        rtcpMux = try c.decodeIfPresent(Bool.self, forKey: .rtcpMux) ?? false
        srtp = try c.decodeIfPresent(StreamSRTP.self, forKey: .srtp)
        ssrcOut = try c.decode(UInt32.self, forKey: .ssrcOut)
        seqOut = try c.decode(UInt16.self, forKey: .seqOut)
        timestampOut = try c.decode(UInt32.self, forKey: .timestampOut)
        rocOut = try c.decodeIfPresent(UInt32.self, forKey: .rocOut) ?? 0
        remoteSSRC = try c.decodeIfPresent(UInt32.self, forKey: .remoteSSRC)
        rocIn = try c.decodeIfPresent(UInt32.self, forKey: .rocIn)
        remoteSeq = try c.decodeIfPresent(UInt16.self, forKey: .remoteSeq)
    }
}

/// SDES-SRTP keys of one leg (RFC 4568): base64 of 30 bytes, master key || master salt.
public struct StreamSRTP: Codable, Sendable, Hashable {
    /// `AES_CM_128_HMAC_SHA1_80` or `AES_CM_128_HMAC_SHA1_32`.
    public var suite: String
    /// Protects what the worker sends to this leg's peer (the key the worker offered).
    public var localKey: String
    /// Unprotects what this leg's peer sends (the key the peer offered).
    public var remoteKey: String

    public init(suite: String, localKey: String, remoteKey: String) {
        self.suite = suite
        self.localKey = localKey
        self.remoteKey = remoteKey
    }

    enum CodingKeys: String, CodingKey {
        case suite, localKey = "local_key", remoteKey = "remote_key"
    }
}

/// Reply of `open_stream`.
public struct OpenStreamReply: Codable, Sendable, Hashable {
    /// The stream opened.
    public var stream: UInt32
    public init(stream: UInt32) { self.stream = stream }
}

/// Request of `close_stream` (``stream`` required) and `stream_stats`
/// (``stream`` absent: every stream).
public struct StreamSelector: Codable, Sendable, Hashable {
    /// The stream, or `nil` for all.
    public var stream: UInt32?
    public init(stream: UInt32? = nil) { self.stream = stream }
}

/// Reply of `stream_stats` and payload of the `stream_stats` event.
public struct StreamStatsReport: Codable, Sendable, Hashable {
    /// One entry per stream.
    public var streams: [StreamStats]
    public init(streams: [StreamStats]) { self.streams = streams }
}

/// Counters and outgoing RTP state of one stream.
public struct StreamStats: Codable, Sendable, Hashable {
    /// The stream.
    public var stream: UInt32
    /// Leg A.
    public var a: LegStats
    /// Leg B.
    public var b: LegStats
    public init(stream: UInt32, a: LegStats, b: LegStats) {
        self.stream = stream
        self.a = a
        self.b = b
    }
}

/// Counters of one leg. "In" is what the leg's peer sent to the worker,
/// "out" what the worker sent to the peer.
public struct LegStats: Codable, Sendable, Hashable {
    /// Valid RTP media packets received (after SRTP and parsing).
    public var packetsIn: UInt64 = 0
    /// Packets sent to the peer.
    public var packetsOut: UInt64 = 0
    /// UDP payload bytes of ``packetsIn``.
    public var bytesIn: UInt64 = 0
    /// UDP payload bytes of ``packetsOut``.
    public var bytesOut: UInt64 = 0
    /// Cumulative packets lost, from sequence gaps (RFC 3550 A.3).
    public var lost: Int64 = 0
    /// Interarrival jitter (RFC 3550 A.8), in milliseconds.
    public var jitterMs: Double = 0
    /// The peer latched, `ip:port`, or `nil`.
    public var remote: String?
    /// SSRC of what the worker sends.
    public var ssrcOut: UInt32 = 0
    /// Sequence number of the next packet the worker will send.
    public var nextSeqOut: UInt16 = 0
    /// RTP timestamp that follows the last packet the worker sent.
    public var nextTimestampOut: UInt32 = 0
    /// Packets that failed SRTP or SRTCP authentication or replay checks.
    public var srtpFailures: UInt64 = 0
    /// Valid compound RTCP packets received (on the muxed port or on port + 1,
    /// after SRTCP); malformed ones count in ``malformed``.
    public var rtcpPackets: UInt64 = 0
    /// Compound RTCP packets sent to the peer: relayed from the other leg's
    /// peer (relayed streams) or the worker's own reports (transcoding streams).
    public var rtcpPacketsOut: UInt64 = 0
    /// Datagrams that are not RTP or RTCP, malformed RTP, or malformed compound RTCP.
    public var malformed: UInt64 = 0
    /// RTP packets with a payload type not negotiated on this leg.
    public var unknownPayloadType: UInt64 = 0
    /// Packets for this peer dropped because no remote was known yet (RTP, or
    /// relayed RTCP with no RTCP address), or telephone-events for a leg without
    /// a telephone-event payload type.
    public var unsent: UInt64 = 0
    /// Frames that could not be transcoded (bad media from the other leg).
    public var transcodeErrors: UInt64 = 0
    /// Frames synthesised for lost packets (Opus FEC or PLC) sent to this peer.
    public var concealed: UInt64 = 0
    /// Rollover counter that goes with ``nextSeqOut``: the next packet the worker sends has
    /// SRTP index `rocOut << 16 | nextSeqOut` (counts the wraps of the sequence sent; kept on
    /// plain RTP legs too).
    public var rocOut: UInt32 = 0
    /// SSRC of what the peer sends (the last one that passed SRTP), or `nil` before any.
    public var remoteSSRC: UInt32?
    /// Highest sequence number received from ``remoteSSRC``.
    public var remoteSeq: UInt16?
    /// SRTP rollover counter of ``remoteSeq`` (libsrtp's, `srtp_get_stream_roc`), or `nil` on plain RTP legs.
    public var rocIn: UInt32?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case packetsIn = "packets_in", packetsOut = "packets_out", bytesIn = "bytes_in", bytesOut = "bytes_out"
        case lost, jitterMs = "jitter_ms", remote, ssrcOut = "ssrc_out", nextSeqOut = "next_seq_out"
        case nextTimestampOut = "next_timestamp_out", srtpFailures = "srtp_failures", rtcpPackets = "rtcp_packets"
        case malformed, unknownPayloadType = "unknown_payload_type", unsent
        case transcodeErrors = "transcode_errors", concealed
        case rocOut = "roc_out", remoteSSRC = "remote_ssrc", remoteSeq = "remote_seq", rocIn = "roc_in"
        case rtcpPacketsOut = "rtcp_packets_out"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(packetsIn, forKey: .packetsIn)
        try c.encode(packetsOut, forKey: .packetsOut)
        try c.encode(bytesIn, forKey: .bytesIn)
        try c.encode(bytesOut, forKey: .bytesOut)
        try c.encode(lost, forKey: .lost)
        try c.encode(jitterMs, forKey: .jitterMs)
        try c.encode(remote, forKey: .remote)  // null when not latched: the key is always there
        try c.encode(ssrcOut, forKey: .ssrcOut)
        try c.encode(nextSeqOut, forKey: .nextSeqOut)
        try c.encode(nextTimestampOut, forKey: .nextTimestampOut)
        try c.encode(srtpFailures, forKey: .srtpFailures)
        try c.encode(rtcpPackets, forKey: .rtcpPackets)
        try c.encode(rtcpPacketsOut, forKey: .rtcpPacketsOut)
        try c.encode(malformed, forKey: .malformed)
        try c.encode(unknownPayloadType, forKey: .unknownPayloadType)
        try c.encode(unsent, forKey: .unsent)
        try c.encode(transcodeErrors, forKey: .transcodeErrors)
        try c.encode(concealed, forKey: .concealed)
        try c.encode(rocOut, forKey: .rocOut)
        try c.encode(remoteSSRC, forKey: .remoteSSRC)  // null when unknown, like remote
        try c.encode(remoteSeq, forKey: .remoteSeq)
        try c.encode(rocIn, forKey: .rocIn)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        packetsIn = try c.decode(UInt64.self, forKey: .packetsIn)
        packetsOut = try c.decode(UInt64.self, forKey: .packetsOut)
        bytesIn = try c.decode(UInt64.self, forKey: .bytesIn)
        bytesOut = try c.decode(UInt64.self, forKey: .bytesOut)
        lost = try c.decode(Int64.self, forKey: .lost)
        jitterMs = try c.decode(Double.self, forKey: .jitterMs)
        remote = try c.decodeIfPresent(String.self, forKey: .remote)
        ssrcOut = try c.decode(UInt32.self, forKey: .ssrcOut)
        nextSeqOut = try c.decode(UInt16.self, forKey: .nextSeqOut)
        nextTimestampOut = try c.decode(UInt32.self, forKey: .nextTimestampOut)
        srtpFailures = try c.decode(UInt64.self, forKey: .srtpFailures)
        rtcpPackets = try c.decode(UInt64.self, forKey: .rtcpPackets)
        rtcpPacketsOut = try c.decodeIfPresent(UInt64.self, forKey: .rtcpPacketsOut) ?? 0
        malformed = try c.decodeIfPresent(UInt64.self, forKey: .malformed) ?? 0
        unknownPayloadType = try c.decodeIfPresent(UInt64.self, forKey: .unknownPayloadType) ?? 0
        unsent = try c.decodeIfPresent(UInt64.self, forKey: .unsent) ?? 0
        transcodeErrors = try c.decodeIfPresent(UInt64.self, forKey: .transcodeErrors) ?? 0
        concealed = try c.decodeIfPresent(UInt64.self, forKey: .concealed) ?? 0
        rocOut = try c.decodeIfPresent(UInt32.self, forKey: .rocOut) ?? 0
        remoteSSRC = try c.decodeIfPresent(UInt32.self, forKey: .remoteSSRC)
        remoteSeq = try c.decodeIfPresent(UInt16.self, forKey: .remoteSeq)
        rocIn = try c.decodeIfPresent(UInt32.self, forKey: .rocIn)
    }
}

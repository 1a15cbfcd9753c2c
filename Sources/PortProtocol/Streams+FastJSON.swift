/// The JSON payloads of `open_stream`, `close_stream`, `stream_stats` and the
/// `stream_stats` event, written and read without `JSONEncoder`/`JSONDecoder`
/// (which cost ~10-30 us per stream, on every session set-up and tear-down,
/// on both sides of the pipe). Used by the orchestrator and the workers.
///
/// Writing gives the bytes `PortMessage.json` gives (sorted keys; nil
/// optionals omitted, or `null` where the type's `encode(to:)` writes it).
/// Reading falls back to `decodeJSON` for anything the scanner does not take
/// — a key it does not know, a key given twice, `1.0` for an integer, a
/// number out of range — so `decodeJSON` stays the reference: the fast path
/// gives its value or steps aside, never another value. A field added to
/// these types must be added here too: the tests compare both ways against
/// `Codable` and check, by reflection, that every stored property is covered.
public enum StreamPayloads {
    // MARK: writing

    /// An `open_stream` request.
    public static func openStream(_ plan: OpenStream) -> [UInt8] {
        var json = JSONText(capacity: 640)
        json.beginObject()
        json.key("a")
        write(plan.a, to: &json)
        json.key("b")
        write(plan.b, to: &json)
        json.member("rtcp_interval_ms", plan.rtcpIntervalMs)
        json.member("stats_interval_ms", plan.statsIntervalMs)
        json.member("stream", plan.stream)
        json.endObject()
        return json.bytes
    }

    /// A `close_stream` or `stream_stats` request (``StreamSelector``).
    public static func selector(_ stream: UInt32?) -> [UInt8] {
        var json = JSONText(capacity: 24)
        json.beginObject()
        json.member("stream", stream)
        json.endObject()
        return json.bytes
    }

    /// The reply of `open_stream` (``OpenStreamReply``).
    public static func openStreamReply(_ stream: UInt32) -> [UInt8] { selector(stream) }

    /// The reply of `close_stream`. Throws (as `JSONEncoder` does) only for a non-finite jitter.
    public static func write(_ stats: StreamStats) throws -> [UInt8] {
        guard stats.a.jitterMs.isFinite, stats.b.jitterMs.isFinite else { return try PortMessage.json(.reply, stats).payload }
        var json = JSONText(capacity: 1_024)
        write(stats, to: &json)
        return json.bytes
    }

    /// The reply of `stream_stats` and the payload of the `stream_stats` event.
    /// Throws (as `JSONEncoder` does) only for a non-finite jitter.
    public static func write(_ report: StreamStatsReport) throws -> [UInt8] {
        guard report.streams.allSatisfy({ $0.a.jitterMs.isFinite && $0.b.jitterMs.isFinite }) else {
            return try PortMessage.json(.event, report).payload
        }
        var json = JSONText(capacity: 16 + report.streams.count * 1_024)
        json.beginObject()
        json.key("streams")
        json.beginArray()
        for stats in report.streams { write(stats, to: &json) }
        json.endArray()
        json.endObject()
        return json.bytes
    }

    private static func write(_ leg: StreamLeg, to json: inout JSONText) {
        json.beginObject()
        json.member("bind", leg.bind)
        json.member("codec", leg.codec)
        json.member("local_port", leg.localPort)
        json.member("payload_type", leg.payloadType)
        json.member("ptime", leg.ptime)
        json.member("remote", leg.remote)
        json.member("remote_rtcp", leg.remoteRTCP)
        json.member("remote_seq", leg.remoteSeq)
        json.member("remote_ssrc", leg.remoteSSRC)
        json.member("roc_in", leg.rocIn)
        json.member("roc_out", leg.rocOut)
        json.member("rtcp_mux", leg.rtcpMux)
        json.member("seq_out", leg.seqOut)
        if let srtp = leg.srtp {
            json.key("srtp")
            json.beginObject()
            json.member("local_key", srtp.localKey)
            json.member("remote_key", srtp.remoteKey)
            json.member("suite", srtp.suite)
            json.endObject()
        }
        json.member("ssrc_out", leg.ssrcOut)
        json.member("telephone_event_pt", leg.telephoneEventPT)
        json.member("timestamp_out", leg.timestampOut)
        json.endObject()
    }

    private static func write(_ stats: StreamStats, to json: inout JSONText) {
        json.beginObject()
        json.key("a")
        write(stats.a, to: &json)
        json.key("b")
        write(stats.b, to: &json)
        json.member("stream", stats.stream)
        json.endObject()
    }

    /// `LegStats.encode(to:)` writes every key, nil optionals as `null`.
    private static func write(_ leg: LegStats, to json: inout JSONText) {
        json.beginObject()
        json.member("bytes_in", leg.bytesIn)
        json.member("bytes_out", leg.bytesOut)
        json.member("concealed", leg.concealed)
        json.member("jitter_ms", leg.jitterMs)
        json.member("lost", leg.lost)
        json.member("malformed", leg.malformed)
        json.member("next_seq_out", leg.nextSeqOut)
        json.member("next_timestamp_out", leg.nextTimestampOut)
        json.member("packets_in", leg.packetsIn)
        json.member("packets_out", leg.packetsOut)
        json.member("remote", orNull: leg.remote)
        json.member("remote_seq", orNull: leg.remoteSeq)
        json.member("remote_ssrc", orNull: leg.remoteSSRC)
        json.member("roc_in", orNull: leg.rocIn)
        json.member("roc_out", leg.rocOut)
        json.member("rtcp_packets", leg.rtcpPackets)
        json.member("rtcp_packets_out", leg.rtcpPacketsOut)
        json.member("srtp_failures", leg.srtpFailures)
        json.member("ssrc_out", leg.ssrcOut)
        json.member("transcode_errors", leg.transcodeErrors)
        json.member("unknown_payload_type", leg.unknownPayloadType)
        json.member("unsent", leg.unsent)
        json.endObject()
    }

    // MARK: reading requests (worker side)

    /// An `open_stream` request.
    public static func openStream(payload: UnsafeRawBufferPointer) throws(PortProtocolError) -> OpenStream {
        if let plan = fastOpenStream(payload) { return plan }
        return try PortMessage(type: .request, payload: Array(payload)).decodeJSON(OpenStream.self)
    }

    /// A `close_stream` or `stream_stats` request.
    public static func selector(payload: UnsafeRawBufferPointer) throws(PortProtocolError) -> StreamSelector {
        if let selector = fastSelector(payload) { return selector }
        return try PortMessage(type: .request, payload: Array(payload)).decodeJSON(StreamSelector.self)
    }

    /// The fast path alone: nil where `decodeJSON` decides.
    static func fastOpenStream(_ payload: UnsafeRawBufferPointer) -> OpenStream? {
        var scanner = JSONScanner(payload)
        guard let plan = readOpenStream(&scanner), scanner.atEnd() else { return nil }
        return plan
    }

    static func fastSelector(_ payload: UnsafeRawBufferPointer) -> StreamSelector? {
        var scanner = JSONScanner(payload)
        guard let selector = readSelector(&scanner), scanner.atEnd() else { return nil }
        return selector
    }

    private static func readSelector(_ scanner: inout JSONScanner) -> StreamSelector? {
        var selector = StreamSelector()
        var seen = JSONKeySet()
        let ok = scanner.object { scanner, key in
            guard key == "stream", seen.insert(0) else { return false }
            return optional(&scanner, &selector.stream)
        }
        return ok ? selector : nil
    }

    private static func readOpenStream(_ scanner: inout JSONScanner) -> OpenStream? {
        var stream: UInt32?
        var a: StreamLeg?
        var b: StreamLeg?
        var statsIntervalMs = 1000
        var rtcpIntervalMs = 5000
        var seen = JSONKeySet()
        let ok = scanner.object { scanner, key in
            if key == "a" {
                guard seen.insert(0) else { return false }
                a = readLeg(&scanner)
                return a != nil
            } else if key == "b" {
                guard seen.insert(1) else { return false }
                b = readLeg(&scanner)
                return b != nil
            } else if key == "rtcp_interval_ms" {
                return seen.insert(2) && defaulted(&scanner, &rtcpIntervalMs)
            } else if key == "stats_interval_ms" {
                return seen.insert(3) && defaulted(&scanner, &statsIntervalMs)
            } else if key == "stream" {
                guard seen.insert(4) else { return false }
                stream = integer(&scanner)
                return stream != nil
            }
            return false
        }
        guard ok, let stream, let a, let b else { return nil }
        return OpenStream(stream: stream, a: a, b: b, statsIntervalMs: statsIntervalMs, rtcpIntervalMs: rtcpIntervalMs)
    }

    /// The members of `StreamLeg`, in the order of the bits of `seen`.
    private static let streamLegKeys: [StaticString] = [
        "local_port", "codec", "payload_type", "ssrc_out", "seq_out", "timestamp_out",  // required
        "bind", "remote", "remote_rtcp", "telephone_event_pt", "ptime", "rtcp_mux", "srtp", "roc_out",
        "remote_ssrc", "roc_in", "remote_seq",
    ]
    private static let requiredStreamLegKeys: UInt64 = (1 << 6) - 1

    /// A leg; nil for anything `StreamLeg.init(from:)` should decide.
    private static func readLeg(_ scanner: inout JSONScanner) -> StreamLeg? {
        var leg = StreamLeg(localPort: 0, codec: "", payloadType: 0, ssrcOut: 0)
        var seen: UInt64 = 0
        let ok = scanner.object { scanner, key in
            guard let index = streamLegKeys.firstIndex(where: { key == $0 }) else { return false }
            let bit: UInt64 = 1 << UInt64(index)
            guard seen & bit == 0 else { return false }
            seen |= bit
            switch index {
            case 0: return required(&scanner, &leg.localPort)
            case 1:
                guard let codec = scanner.string() else { return false }
                leg.codec = codec
                return true
            case 2: return required(&scanner, &leg.payloadType)
            case 3: return required(&scanner, &leg.ssrcOut)
            case 4: return required(&scanner, &leg.seqOut)
            case 5: return required(&scanner, &leg.timestampOut)
            case 6:
                if scanner.null() { return true }  // decodeIfPresent: null is absent, the default stays
                guard let bind = scanner.string() else { return false }
                leg.bind = bind
                return true
            case 7: return optional(&scanner, &leg.remote)
            case 8: return optional(&scanner, &leg.remoteRTCP)
            case 9: return optional(&scanner, &leg.telephoneEventPT)
            case 10: return defaulted(&scanner, &leg.ptime)
            case 11:
                if scanner.null() { return true }
                guard let mux = scanner.bool() else { return false }
                leg.rtcpMux = mux
                return true
            case 12:
                if scanner.null() { leg.srtp = nil; return true }
                leg.srtp = readSRTP(&scanner)
                return leg.srtp != nil
            case 13: return defaulted(&scanner, &leg.rocOut)
            case 14: return optional(&scanner, &leg.remoteSSRC)
            case 15: return optional(&scanner, &leg.rocIn)
            case 16: return optional(&scanner, &leg.remoteSeq)
            default: return false
            }
        }
        guard ok, seen & requiredStreamLegKeys == requiredStreamLegKeys else { return nil }
        return leg
    }

    /// Keys (synthesized `Codable`): all three required.
    private static func readSRTP(_ scanner: inout JSONScanner) -> StreamSRTP? {
        var suite: String?
        var localKey: String?
        var remoteKey: String?
        var seen = JSONKeySet()
        let ok = scanner.object { scanner, key in
            if key == "suite" {
                guard seen.insert(0) else { return false }
                suite = scanner.string()
                return suite != nil
            } else if key == "local_key" {
                guard seen.insert(1) else { return false }
                localKey = scanner.string()
                return localKey != nil
            } else if key == "remote_key" {
                guard seen.insert(2) else { return false }
                remoteKey = scanner.string()
                return remoteKey != nil
            }
            return false
        }
        guard ok, let suite, let localKey, let remoteKey else { return nil }
        return StreamSRTP(suite: suite, localKey: localKey, remoteKey: remoteKey)
    }

    // MARK: values

    /// An integer of type `T` written as plain digits (an optional minus for signed types); nil otherwise.
    private static func integer<T: FixedWidthInteger>(_ scanner: inout JSONScanner) -> T? {
        if T.isSigned { return scanner.int64().flatMap { T(exactly: $0) } }
        return scanner.uint64().flatMap { T(exactly: $0) }
    }

    /// A required integer (`decode`): `null` is not one.
    private static func required<T: FixedWidthInteger>(_ scanner: inout JSONScanner, _ into: inout T) -> Bool {
        guard let value: T = integer(&scanner) else { return false }
        into = value
        return true
    }

    /// An integer read with `decodeIfPresent(...) ?? default`: `null` keeps the default.
    private static func defaulted<T: FixedWidthInteger>(_ scanner: inout JSONScanner, _ into: inout T) -> Bool {
        if scanner.null() { return true }
        return required(&scanner, &into)
    }

    /// An optional integer (`decodeIfPresent`): `null` is nil.
    private static func optional<T: FixedWidthInteger>(_ scanner: inout JSONScanner, _ into: inout T?) -> Bool {
        if scanner.null() { into = nil; return true }
        guard let value: T = integer(&scanner) else { return false }
        into = value
        return true
    }

    private static func optional(_ scanner: inout JSONScanner, _ into: inout String?) -> Bool {
        if scanner.null() { into = nil; return true }
        into = scanner.string()
        return into != nil
    }

    // MARK: reading stats (orchestrator side)

    /// A `close_stream` reply.
    public static func streamStats(_ payload: [UInt8]) throws(PortProtocolError) -> StreamStats {
        if let fast = payload.withUnsafeBytes(fastStreamStats) { return fast }
        return try PortMessage(type: .reply, payload: payload).decodeJSON(StreamStats.self)
    }

    /// A `stream_stats` event (or reply).
    public static func streamStatsReport(_ payload: [UInt8]) throws(PortProtocolError) -> StreamStatsReport {
        if let fast = payload.withUnsafeBytes(fastStreamStatsReport) { return fast }
        return try PortMessage(type: .event, payload: payload).decodeJSON(StreamStatsReport.self)
    }

    static func fastStreamStats(_ payload: UnsafeRawBufferPointer) -> StreamStats? {
        var scanner = JSONScanner(payload)
        guard let stats = readStats(&scanner), scanner.atEnd() else { return nil }
        return stats
    }

    static func fastStreamStatsReport(_ payload: UnsafeRawBufferPointer) -> StreamStatsReport? {
        var scanner = JSONScanner(payload)
        var streams: [StreamStats]?
        var seen = JSONKeySet()
        let ok = scanner.object { scanner, key in
            guard key == "streams", seen.insert(0) else { return false }
            var list: [StreamStats] = []
            let ok = scanner.array { scanner in
                guard let stats = readStats(&scanner) else { return false }
                list.append(stats)
                return true
            }
            streams = list
            return ok
        }
        guard ok, let streams, scanner.atEnd() else { return nil }
        return StreamStatsReport(streams: streams)
    }

    private static func readStats(_ scanner: inout JSONScanner) -> StreamStats? {
        var stream: UInt32?
        var a: LegStats?
        var b: LegStats?
        var seen = JSONKeySet()
        let ok = scanner.object { scanner, key in
            if key == "stream" {
                guard seen.insert(0) else { return false }
                stream = integer(&scanner)
                return stream != nil
            } else if key == "a" {
                guard seen.insert(1) else { return false }
                a = readLegStats(&scanner)
                return a != nil
            } else if key == "b" {
                guard seen.insert(2) else { return false }
                b = readLegStats(&scanner)
                return b != nil
            }
            return false
        }
        guard ok, let stream, let a, let b else { return nil }
        return StreamStats(stream: stream, a: a, b: b)
    }

    /// The members of `LegStats`: the first 11 are required (as `LegStats.init(from:)` has them).
    private static let legStatsKeys: [StaticString] = [
        "packets_in", "packets_out", "bytes_in", "bytes_out", "lost", "jitter_ms", "ssrc_out", "next_seq_out",
        "next_timestamp_out", "srtp_failures", "rtcp_packets", "remote",
        "rtcp_packets_out", "malformed", "unknown_payload_type", "unsent", "transcode_errors", "concealed", "roc_out",
        "remote_ssrc", "remote_seq", "roc_in",
    ]
    private static let requiredLegStatsKeys: UInt64 = (1 << 11) - 1  // all but "remote" of the first 12

    /// A leg's counters; nil for anything `LegStats.init(from:)` should decide
    /// (a key missing, unknown, given twice or of another type).
    private static func readLegStats(_ scanner: inout JSONScanner) -> LegStats? {
        var leg = LegStats()
        var seen: UInt64 = 0
        let ok = scanner.object { scanner, key in
            guard let index = legStatsKeys.firstIndex(where: { key == $0 }) else { return false }
            let bit: UInt64 = 1 << UInt64(index)
            guard seen & bit == 0 else { return false }
            seen |= bit
            switch index {
            case 0: return required(&scanner, &leg.packetsIn)
            case 1: return required(&scanner, &leg.packetsOut)
            case 2: return required(&scanner, &leg.bytesIn)
            case 3: return required(&scanner, &leg.bytesOut)
            case 4: return required(&scanner, &leg.lost)
            case 5:
                guard let jitter = scanner.double() else { return false }
                leg.jitterMs = jitter
                return true
            case 6: return required(&scanner, &leg.ssrcOut)
            case 7: return required(&scanner, &leg.nextSeqOut)
            case 8: return required(&scanner, &leg.nextTimestampOut)
            case 9: return required(&scanner, &leg.srtpFailures)
            case 10: return required(&scanner, &leg.rtcpPackets)
            case 11: return optional(&scanner, &leg.remote)
            case 12: return defaulted(&scanner, &leg.rtcpPacketsOut)
            case 13: return defaulted(&scanner, &leg.malformed)
            case 14: return defaulted(&scanner, &leg.unknownPayloadType)
            case 15: return defaulted(&scanner, &leg.unsent)
            case 16: return defaulted(&scanner, &leg.transcodeErrors)
            case 17: return defaulted(&scanner, &leg.concealed)
            case 18: return defaulted(&scanner, &leg.rocOut)
            case 19: return optional(&scanner, &leg.remoteSSRC)
            case 20: return optional(&scanner, &leg.remoteSeq)
            case 21: return optional(&scanner, &leg.rocIn)
            default: return false
            }
        }
        guard ok, seen & requiredLegStatsKeys == requiredLegStatsKeys else { return nil }
        return leg
    }
}

import PortProtocol

/// The JSON payloads of `open_stream`, `close_stream` and the `stream_stats`
/// event, written and read without `JSONEncoder`/`JSONDecoder` (which cost
/// ~10-30 us per stream, on every session set-up and tear-down). Writing
/// gives the bytes `PortMessage.json` gives (sorted keys, nil optionals
/// omitted); reading falls back to `decodeJSON` for anything the scanner
/// does not take — a key it does not know included — so `decodeJSON` stays
/// the reference. A field added to these PortProtocol types must be added
/// here too: the tests compare both ways against `Codable` and check, by
/// reflection, that every stored property is covered.
enum StreamPayloads {
    static func openStream(_ plan: OpenStream) -> [UInt8] {
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

    static func selector(_ stream: UInt32?) -> [UInt8] {
        var json = JSONText(capacity: 24)
        json.beginObject()
        json.member("stream", stream)
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

    /// A `close_stream` reply.
    static func streamStats(_ payload: [UInt8]) throws(PortProtocolError) -> StreamStats {
        let fast = payload.withUnsafeBytes { raw -> StreamStats? in
            var scanner = JSONScanner(raw)
            guard let stats = readStats(&scanner), scanner.atEnd() else { return nil }
            return stats
        }
        if let fast { return fast }
        return try PortMessage(type: .reply, payload: payload).decodeJSON(StreamStats.self)
    }

    /// A `stream_stats` event.
    static func streamStatsReport(_ payload: [UInt8]) throws(PortProtocolError) -> StreamStatsReport {
        let fast = payload.withUnsafeBytes { raw -> StreamStatsReport? in
            var scanner = JSONScanner(raw)
            var streams: [StreamStats]?
            let ok = scanner.object { scanner, key in
                guard key == "streams" else { return false }
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
        if let fast { return fast }
        return try PortMessage(type: .event, payload: payload).decodeJSON(StreamStatsReport.self)
    }

    private static func readStats(_ scanner: inout JSONScanner) -> StreamStats? {
        var stream: UInt32?
        var a: LegStats?
        var b: LegStats?
        var seen = KeySet()
        let ok = scanner.object { scanner, key in
            if key == "stream" {
                guard seen.insert(0) else { return false }
                stream = scanner.uint64().flatMap { UInt32(exactly: $0) }
                return stream != nil
            } else if key == "a" {
                guard seen.insert(1) else { return false }
                a = readLeg(&scanner)
                return a != nil
            } else if key == "b" {
                guard seen.insert(2) else { return false }
                b = readLeg(&scanner)
                return b != nil
            }
            return false
        }
        guard ok, let stream, let a, let b else { return nil }
        return StreamStats(stream: stream, a: a, b: b)
    }

    /// The members of `LegStats`: the first 12 are required (as `LegStats.init(from:)` has them).
    private static let legKeys: [StaticString] = [
        "packets_in", "packets_out", "bytes_in", "bytes_out", "lost", "jitter_ms", "ssrc_out", "next_seq_out",
        "next_timestamp_out", "srtp_failures", "rtcp_packets", "remote",
        "rtcp_packets_out", "malformed", "unknown_payload_type", "unsent", "transcode_errors", "concealed", "roc_out",
        "remote_ssrc", "remote_seq", "roc_in",
    ]
    private static let requiredLegKeys: UInt64 = (1 << 11) - 1  // all but "remote" of the first 12

    /// A leg's counters; nil for anything `LegStats.init(from:)` should decide
    /// (a key missing, unknown, given twice or of another type).
    private static func readLeg(_ scanner: inout JSONScanner) -> LegStats? {
        var leg = LegStats()
        var seen: UInt64 = 0
        func number<T: FixedWidthInteger>(_ scanner: inout JSONScanner, _ into: inout T) -> Bool {
            guard let value = scanner.uint64().flatMap({ T(exactly: $0) }) else { return false }
            into = value
            return true
        }
        func optional<T: FixedWidthInteger>(_ scanner: inout JSONScanner, _ into: inout T?) -> Bool {
            if scanner.null() { into = nil; return true }
            guard let value = scanner.uint64().flatMap({ T(exactly: $0) }) else { return false }
            into = value
            return true
        }
        let ok = scanner.object { scanner, key in
            guard let index = legKeys.firstIndex(where: { key == $0 }) else { return false }
            let bit: UInt64 = 1 << UInt64(index)
            guard seen & bit == 0 else { return false }
            seen |= bit
            switch index {
            case 0: return number(&scanner, &leg.packetsIn)
            case 1: return number(&scanner, &leg.packetsOut)
            case 2: return number(&scanner, &leg.bytesIn)
            case 3: return number(&scanner, &leg.bytesOut)
            case 4:
                guard let lost = scanner.int64() else { return false }
                leg.lost = lost
                return true
            case 5:
                guard let jitter = scanner.double() else { return false }
                leg.jitterMs = jitter
                return true
            case 6: return number(&scanner, &leg.ssrcOut)
            case 7: return number(&scanner, &leg.nextSeqOut)
            case 8: return number(&scanner, &leg.nextTimestampOut)
            case 9: return number(&scanner, &leg.srtpFailures)
            case 10: return number(&scanner, &leg.rtcpPackets)
            case 11:
                if scanner.null() { leg.remote = nil; return true }
                leg.remote = scanner.string()
                return leg.remote != nil
            case 12: return number(&scanner, &leg.rtcpPacketsOut)
            case 13: return number(&scanner, &leg.malformed)
            case 14: return number(&scanner, &leg.unknownPayloadType)
            case 15: return number(&scanner, &leg.unsent)
            case 16: return number(&scanner, &leg.transcodeErrors)
            case 17: return number(&scanner, &leg.concealed)
            case 18: return number(&scanner, &leg.rocOut)
            case 19: return optional(&scanner, &leg.remoteSSRC)
            case 20: return optional(&scanner, &leg.remoteSeq)
            case 21: return optional(&scanner, &leg.rocIn)
            default: return false
            }
        }
        guard ok, seen & requiredLegKeys == requiredLegKeys else { return nil }
        return leg
    }
}

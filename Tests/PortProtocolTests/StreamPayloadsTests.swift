import Foundation
@testable import PortProtocol
import Testing

/// `StreamPayloads` (the hand-written JSON of the stream methods, used by the
/// orchestrator and the workers) against `Codable`, the reference: the same
/// bytes as `JSONEncoder` with sorted keys, the same values as `JSONDecoder`,
/// and `JSONDecoder`'s answer for anything the fast path does not take.
@Suite("stream payloads without JSONEncoder/JSONDecoder")
struct StreamPayloadsTests {
    /// SplitMix64: the same values on every run.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func chance() -> Bool { next() & 1 == 0 }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        /// Edge values half of the time.
        mutating func integer<T: FixedWidthInteger>(_: T.Type = T.self) -> T {
            switch below(4) {
            case 0: return [T.min, T.max, 0, 1][below(4)]
            case 1: return T(truncatingIfNeeded: below(1000))
            default: return T(truncatingIfNeeded: next())
            }
        }
        mutating func string() -> String {
            let pieces = ["127.0.0.1:5000", "[::1]:4000", "PCMU", "opus/48000/2", "a/b+c==", "\"", "\\", "/", "\u{0}", "\u{1f}",
                          "\t\n\r\u{8}\u{c}", "\u{7f}", "é", "🎧", "\u{2028}", " ", "AES_CM_128_HMAC_SHA1_80", "x"]
            return (0..<below(5)).map { _ in pieces[below(pieces.count)] }.joined()
        }
        mutating func maybe<T>(_ make: (inout Generator) -> T) -> T? { chance() ? make(&self) : nil }
    }

    static func openStream(_ seed: UInt64) -> OpenStream {
        var g = Generator(state: seed)
        func leg(_ g: inout Generator) -> StreamLeg {
            var leg = StreamLeg(localPort: g.integer(), bind: g.string(), remote: g.maybe { $0.string() }, codec: g.string(),
                                payloadType: g.integer(), telephoneEventPT: g.maybe { $0.integer() }, ptime: g.integer(),
                                rtcpMux: g.chance(),
                                srtp: g.maybe { StreamSRTP(suite: $0.string(), localKey: $0.string(), remoteKey: $0.string()) },
                                ssrcOut: g.integer(), seqOut: g.integer(), timestampOut: g.integer(), rocOut: g.integer())
            leg.remoteSSRC = g.maybe { $0.integer() }
            leg.rocIn = g.maybe { $0.integer() }
            leg.remoteSeq = g.maybe { $0.integer() }
            leg.remoteRTCP = g.maybe { $0.string() }
            return leg
        }
        return OpenStream(stream: g.integer(), a: leg(&g), b: leg(&g), statsIntervalMs: g.integer(), rtcpIntervalMs: g.integer())
    }

    static func stats(_ seed: UInt64) -> StreamStats {
        var g = Generator(state: seed ^ 0xABCD)
        func leg(_ g: inout Generator) -> LegStats {
            var leg = LegStats()
            leg.packetsIn = g.integer(); leg.packetsOut = g.integer(); leg.bytesIn = g.integer(); leg.bytesOut = g.integer()
            leg.lost = g.integer()
            let doubles: [Double] = [0, -0.0, 0.1 + 0.2, 1e-7, 1e21, 123.456, Double.greatestFiniteMagnitude, Double.leastNonzeroMagnitude, 20]
            leg.jitterMs = g.chance() ? doubles[g.below(doubles.count)] : Double(g.next() % 1_000_000) / 1000
            leg.remote = g.maybe { $0.string() }
            leg.ssrcOut = g.integer(); leg.nextSeqOut = g.integer(); leg.nextTimestampOut = g.integer()
            leg.srtpFailures = g.integer(); leg.rtcpPackets = g.integer(); leg.rtcpPacketsOut = g.integer()
            leg.malformed = g.integer(); leg.unknownPayloadType = g.integer(); leg.unsent = g.integer()
            leg.transcodeErrors = g.integer(); leg.concealed = g.integer(); leg.rocOut = g.integer()
            leg.remoteSSRC = g.maybe { $0.integer() }
            leg.remoteSeq = g.maybe { $0.integer() }
            leg.rocIn = g.maybe { $0.integer() }
            return leg
        }
        return StreamStats(stream: g.integer(), a: leg(&g), b: leg(&g))
    }

    static func sortedJSON(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }

    static func fastOpenStream(_ bytes: [UInt8]) -> OpenStream? { bytes.withUnsafeBytes(StreamPayloads.fastOpenStream) }
    static func openStream(_ bytes: [UInt8]) throws -> OpenStream {
        try bytes.withUnsafeBytes { raw throws(PortProtocolError) in try StreamPayloads.openStream(payload: raw) }
    }
    static func selector(_ bytes: [UInt8]) throws -> StreamSelector {
        try bytes.withUnsafeBytes { raw throws(PortProtocolError) in try StreamPayloads.selector(payload: raw) }
    }
    static func reference<T: Decodable>(_: T.Type, _ bytes: [UInt8]) -> T? {
        try? PortMessage(type: .request, payload: bytes).decodeJSON(T.self)
    }

    @Test("open_stream: JSONEncoder's bytes written, JSONDecoder's values read, on the fast path")
    func openStreamRoundTrips() throws {
        for seed in UInt64(0)..<300 {
            let plan = Self.openStream(seed)
            let written = StreamPayloads.openStream(plan)
            #expect(written == (try Self.sortedJSON(plan)), "seed \(seed)")
            #expect(written == (try PortMessage.json(.request, plan).payload), "seed \(seed)")
            #expect(Self.fastOpenStream(written) == plan, "seed \(seed)")
            #expect(try Self.openStream(written) == plan, "seed \(seed)")
            // Unsorted keys, as another encoder may send them: same value, fast or not.
            let unsorted = Array(try JSONEncoder().encode(plan))
            #expect(try Self.openStream(unsorted) == plan, "seed \(seed)")
            let pretty = JSONEncoder()
            pretty.outputFormatting = [.prettyPrinted]
            #expect(try Self.openStream(Array(try pretty.encode(plan))) == plan, "seed \(seed)")
        }
    }

    @Test("stream stats: JSONEncoder's bytes written, JSONDecoder's values read")
    func statsRoundTrips() throws {
        for seed in UInt64(0)..<300 {
            let stats = Self.stats(seed)
            let written = try StreamPayloads.write(stats)
            #expect(written == (try Self.sortedJSON(stats)), "seed \(seed)")
            #expect(try StreamPayloads.streamStats(written) == stats, "seed \(seed)")
            #expect(written.withUnsafeBytes(StreamPayloads.fastStreamStats) == stats, "seed \(seed)")
            let report = StreamStatsReport(streams: (0..<Int(seed % 4)).map { Self.stats(seed &* 31 &+ UInt64($0)) })
            let reportBytes = try StreamPayloads.write(report)
            #expect(reportBytes == (try Self.sortedJSON(report)), "seed \(seed)")
            #expect(try StreamPayloads.streamStatsReport(reportBytes) == report, "seed \(seed)")
            #expect(reportBytes.withUnsafeBytes(StreamPayloads.fastStreamStatsReport) == report, "seed \(seed)")
        }
        // A non-finite jitter: JSONEncoder refuses it, and so does the writer.
        var stats = Self.stats(1)
        stats.b.jitterMs = .nan
        #expect(throws: (any Error).self) { try StreamPayloads.write(stats) }
        #expect(throws: (any Error).self) { try StreamPayloads.write(StreamStatsReport(streams: [Self.stats(2), stats])) }
    }

    @Test("selectors and the open_stream reply")
    func selectors() throws {
        for stream: UInt32? in [nil, 0, 12, UInt32.max] {
            let bytes = StreamPayloads.selector(stream)
            #expect(bytes == (try Self.sortedJSON(StreamSelector(stream: stream))))
            #expect(try Self.selector(bytes) == StreamSelector(stream: stream))
            #expect(bytes.withUnsafeBytes(StreamPayloads.fastSelector) == StreamSelector(stream: stream))
        }
        #expect(StreamPayloads.openStreamReply(77) == (try Self.sortedJSON(OpenStreamReply(stream: 77))))
        for text in [#"{"stream":null}"#, #" { "stream" : 5 } "#, #"{"stream":5,"stream":6}"#, #"{"stream":-1}"#, #"{"stream":4294967296}"#,
                     #"{"stream":1.0}"#, #"{"stream":"5"}"#, #"{"other":1}"#, "{}", "", "[]", #"{"stream":5"#, #"{"str\u0065am":5}"#] {
            let bytes = Array(text.utf8)
            #expect((try? Self.selector(bytes)) == Self.reference(StreamSelector.self, bytes), "\(text)")
        }
    }

    /// What the fast reader does not take, JSONDecoder decides; what it takes, it reads as JSONDecoder does.
    @Test("open_stream variants: the fast path gives JSONDecoder's value or steps aside")
    func openStreamVariants() throws {
        let plan = Self.openStream(7)
        let base = String(decoding: StreamPayloads.openStream(plan), as: UTF8.self)
        let minimalA: String = #"{"stream":3,"a":{"local_port":40000,"codec":"PCMU","payload_type":0,"ssrc_out":1,"seq_out":2,"timestamp_out":3},"#
        let minimalB: String = #""b":{"local_port":40002,"codec":"PCMA","payload_type":8,"ssrc_out":4,"seq_out":5,"timestamp_out":6}}"#
        let minimal: String = minimalA + minimalB
        func swap(_ old: String, _ new: String) -> String { minimal.replacingOccurrences(of: old, with: new) }
        var variants: [String] = [
            minimal,
            swap(#""stream":3"#, #""stream":3,"future":{"x":[1,null]}"#),
            swap(#""stream":3"#, #""stream":3,"stream":4"#),
            swap(#""stream":3"#, #""stream":3,"stats_interval_ms":null,"rtcp_interval_ms":null"#),
            swap(#""stream":3"#, #""stream":3,"stats_interval_ms":-5,"rtcp_interval_ms":0"#),
            swap(#""stream":3"#, #""stream":3,"stats_interval_ms":1.0"#),
            swap(#""stream":3"#, #""stream":3,"stats_interval_ms":1e3"#),
            swap(#""stream":3"#, #""stream":-3"#),
            swap(#""stream":3"#, #""stream":null"#),
            swap(#""stream":3"#, #""stream":03"#),
            swap(#""seq_out":2"#, #""seq_out":65536"#),
            swap(#""seq_out":2"#, #""seq_out":65535"#),
            swap(#""local_port":40000"#, #""local_port":-9223372036854775808"#),
            swap(#""local_port":40000"#, #""local_port":9223372036854775808"#),
            swap(#""codec":"PCMU""#, #""codec":"P\u0043MU\/\ud83c\udfa7""#),
            swap(#""codec":"PCMU""#, #""codec":"\ud800""#),
            swap(#""codec":"PCMU""#, #""codec":"\udc00x""#),
            swap(#""codec":"PCMU""#, #""codec":null"#),
            swap(#""codec":"PCMU""#, #""c\u006fdec":"PCMU""#),
            swap(#""codec":"PCMU""#, #""codec":"PCMU","bind":null,"remote":null,"srtp":null,"ptime":null,"rtcp_mux":null,"roc_out":null,"remote_ssrc":null"#),
            swap(#""codec":"PCMU""#, #""codec":"PCMU","rtcp_mux":1"#),
            swap(#""codec":"PCMU""#, #""codec":"PCMU","srtp":{"suite":"S","local_key":"L"}"#),
            swap(#""codec":"PCMU""#, #""codec":"PCMU","srtp":{"suite":"S","local_key":"L","remote_key":"R","x":1}"#),
            swap(#""codec":"PCMU""#, #""codec":"PCMU","srtp":{"suite":"S","local_key":"L","remote_key":"R"}"#),
            swap(#""ssrc_out":1,"#, ""),
            swap("\"b\":", "\"a\":"),
        ]
        variants += [minimal + " \n", " " + minimal, minimal + "x", minimal + "{}", "\u{FEFF}" + minimal]
        variants += [base, base.replacingOccurrences(of: ",", with: " ,\t"), "", "{}", "[]", "null", "{\"a\":{}}"]
        variants += [String(repeating: "[", count: 5000), String(repeating: "{\"a\":", count: 5000)]
        variants.append(swap(#""codec":"PCMU""#, "\"codec\":\"ctl\u{1}\""))
        for text in variants {
            let bytes = Array(text.utf8)
            let reference = Self.reference(OpenStream.self, bytes)
            #expect((try? Self.openStream(bytes)) == reference, "\(text)")
            if let fast = Self.fastOpenStream(bytes) { #expect(fast == reference, "\(text)") }
        }
        #expect(Self.fastOpenStream(Array(minimal.utf8)) != nil)
        // Bytes that are not UTF-8 in a string.
        var invalid = Array(minimal.utf8)
        invalid.replaceSubrange(invalid.firstIndex(of: UInt8(ascii: "P"))!...invalid.firstIndex(of: UInt8(ascii: "P"))!, with: [0xC3, 0x28])
        #expect((try? Self.openStream(invalid)) == Self.reference(OpenStream.self, invalid))
    }

    @Test("hostile bytes: truncated at every offset, or a byte changed, never trap and never differ from JSONDecoder")
    func hostile() throws {
        var g = Generator(state: 99)
        for seed in UInt64(0)..<6 {
            let plan = StreamPayloads.openStream(Self.openStream(seed))
            let stats = try StreamPayloads.write(StreamStatsReport(streams: [Self.stats(seed)]))
            let selector = StreamPayloads.selector(UInt32(seed))
            for cut in 0..<plan.count {
                let bytes = Array(plan[..<cut])
                #expect((try? Self.openStream(bytes)) == Self.reference(OpenStream.self, bytes), "cut \(cut)")
            }
            for cut in 0..<stats.count {
                let bytes = Array(stats[..<cut])
                #expect((try? StreamPayloads.streamStatsReport(bytes)) == Self.reference(StreamStatsReport.self, bytes), "cut \(cut)")
            }
            for cut in 0..<selector.count {
                let bytes = Array(selector[..<cut])
                #expect((try? Self.selector(bytes)) == Self.reference(StreamSelector.self, bytes), "cut \(cut)")
            }
            let alphabet = Array(#"{}[]",:0123456789-.eE \nnulltruefalse\u"#.utf8) + [0, 0x80, 0xFF, 0xC3]
            for _ in 0..<300 {
                var bytes = plan
                for _ in 0...g.below(3) { bytes[g.below(bytes.count)] = alphabet[g.below(alphabet.count)] }
                #expect((try? Self.openStream(bytes)) == Self.reference(OpenStream.self, bytes))
                var statsBytes = stats
                for _ in 0...g.below(3) { statsBytes[g.below(statsBytes.count)] = alphabet[g.below(alphabet.count)] }
                let fast = try? StreamPayloads.streamStatsReport(statsBytes)
                #expect(fast == Self.reference(StreamStatsReport.self, statsBytes))
            }
        }
    }

    /// The writers and readers name every stored property of these types: one
    /// added without being added to StreamPayloads fails here.
    @Test("every stored property of the stream payload types is covered")
    func coverage() {
        var leg = StreamLeg(localPort: 1, codec: "PCMU", payloadType: 0, ssrcOut: 1)
        leg.srtp = StreamSRTP(suite: "s", localKey: "l", remoteKey: "r")
        let plan = OpenStream(stream: 1, a: leg, b: leg)
        #expect(Set(Mirror(reflecting: plan).children.compactMap(\.label)) == ["stream", "a", "b", "statsIntervalMs", "rtcpIntervalMs"])
        #expect(Set(Mirror(reflecting: leg).children.compactMap(\.label)) == [
            "localPort", "bind", "remote", "remoteRTCP", "codec", "payloadType", "telephoneEventPT", "ptime", "rtcpMux", "srtp",
            "ssrcOut", "seqOut", "timestampOut", "rocOut", "remoteSSRC", "rocIn", "remoteSeq",
        ])
        #expect(Set(Mirror(reflecting: leg.srtp!).children.compactMap(\.label)) == ["suite", "localKey", "remoteKey"])
        #expect(Set(Mirror(reflecting: StreamSelector()).children.compactMap(\.label)) == ["stream"])
        #expect(Set(Mirror(reflecting: OpenStreamReply(stream: 1)).children.compactMap(\.label)) == ["stream"])
        #expect(Set(Mirror(reflecting: StreamStatsReport(streams: [])).children.compactMap(\.label)) == ["streams"])
        #expect(Set(Mirror(reflecting: StreamStats(stream: 1, a: LegStats(), b: LegStats())).children.compactMap(\.label))
                == ["stream", "a", "b"])
        #expect(Set(Mirror(reflecting: LegStats()).children.compactMap(\.label)) == [
            "packetsIn", "packetsOut", "bytesIn", "bytesOut", "lost", "jitterMs", "remote", "ssrcOut", "nextSeqOut",
            "nextTimestampOut", "srtpFailures", "rtcpPackets", "rtcpPacketsOut", "malformed", "unknownPayloadType", "unsent",
            "transcodeErrors", "concealed", "rocOut", "remoteSSRC", "remoteSeq", "rocIn",
        ])
    }
}

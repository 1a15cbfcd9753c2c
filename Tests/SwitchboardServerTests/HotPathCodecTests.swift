import Foundation
import PortProtocol
import Testing
@testable import SwitchboardServer

/// The hand-written JSON of the session hot path against `Codable`, the
/// reference: same bytes written, same values read, and the fast readers
/// defer to `JSONDecoder` on anything they do not take.
@Suite("JSON on the session hot path")
struct HotPathCodecTests {
    static func sortedJSON(_ value: some Encodable) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(value))
    }

    static func leg(_ name: String, remote: String?, codec: String?, ssrc: UInt32?, jitter: Double) -> SessionView.Leg {
        SessionView.Leg(name: name, codec: codec, profile: "RTP/SAVP", localPort: 40_002, remote: remote, packetsIn: 12_345,
                        packetsOut: UInt64.max, bytesIn: 0, bytesOut: 99, lost: -3, jitterMs: jitter, ssrcOut: ssrc)
    }

    static let views: [SessionView] = [
        SessionView(id: "s-abc123def456", state: "offered", worker: "transcoder.1", edge: "local",
                    createdAt: "2026-11-25T14:09:02Z", endReason: nil, transcoding: false, labels: [:],
                    legs: [leg("a", remote: nil, codec: nil, ssrc: nil, jitter: 0), leg("b", remote: "127.0.0.1:5002", codec: "PCMU", ssrc: 7, jitter: 1.5)],
                    sdp: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=x\r\nm=audio 5000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"),
        SessionView(id: "s-1", state: "ended", worker: "w", edge: "local", createdAt: "2026-01-01T00:00:00Z",
                    endReason: "deleted", transcoding: true,
                    labels: ["origin": "sip", "Z": "last?", "a\"b": "quote\\slash/ctl\u{1}\u{1f}\t\n", "é": "ünïcode 🎧", "": ""],
                    legs: [leg("a", remote: "[::1]:4000", codec: "opus/48000/2", ssrc: UInt32.max, jitter: 0.1 + 0.2),
                           leg("b", remote: nil, codec: "PCMA", ssrc: 0, jitter: 1e-7)],
                    sdp: nil),
        SessionView(id: "", state: "failed", worker: "", edge: "", createdAt: "", endReason: "placement_failed",
                    transcoding: false, labels: ["k": "v"], legs: [], sdp: ""),
    ]

    @Test("session views: the same bytes as JSONEncoder with sorted keys")
    func sessionViews() throws {
        for view in Self.views {
            #expect(view.jsonBytes == (try Self.sortedJSON(view)), "\(view.id)")
        }
        #expect(sessionListJSON(Self.views) == (try Self.sortedJSON(["sessions": Self.views])))
        #expect(sessionListJSON([]) == (try Self.sortedJSON(["sessions": [SessionView]()])))
    }

    @Test("numbers and strings as JSONEncoder writes them")
    func scalars() throws {
        struct Box: Encodable { var d: Double; var i: Int64; var u: UInt64; var s: String }
        let doubles: [Double] = [0, -0.0, 1, -1, 0.5, 1.0 / 3, 123_456_789.125, 1e21, 1e-7, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude, 20.000001]
        let strings = ["", "plain", "\u{0}\u{7f}\u{80}", "/\\\"", String(UnicodeScalar(0x2028)!), "tab\there", "🎧é"]
            + (0..<32).map { String(UnicodeScalar(UInt8($0))) }
        for (index, d) in doubles.enumerated() {
            let s = strings[index % strings.count]
            let box = Box(d: d, i: index % 2 == 0 ? Int64.min : Int64.max, u: UInt64(index) * 1_000_000_007, s: s)
            var json = JSONText()
            json.beginObject()
            json.member("d", box.d)
            json.member("i", box.i)
            json.member("s", box.s)
            json.member("u", box.u)
            json.endObject()
            #expect(json.bytes == (try Self.sortedJSON(box)), "\(d) \(s.unicodeScalars.map(\.value))")
        }
        for s in strings {
            var json = JSONText()
            json.string(s)
            #expect(json.bytes == (try Self.sortedJSON([s])).dropFirst().dropLast().map { $0 })
        }
    }

    static func plan(srtp: Bool, optionals: Bool) -> OpenStream {
        func leg(_ port: Int) -> StreamLeg {
            var leg = StreamLeg(localPort: port, bind: "127.0.0.1", remote: optionals ? "10.0.0.7:\(port + 1000)" : nil, codec: "opus/48000/2",
                                payloadType: 111, telephoneEventPT: optionals ? 101 : nil, ptime: 20, rtcpMux: optionals,
                                srtp: srtp ? StreamSRTP(suite: "AES_CM_128_HMAC_SHA1_80", localKey: "a/b+c==", remoteKey: "QUJD") : nil,
                                ssrcOut: 0xDEAD_BEEF, seqOut: 65535, timestampOut: 4_000_000_000, rocOut: optionals ? 3 : 0)
            if optionals {
                leg.remoteSSRC = 42
                leg.rocIn = 7
                leg.remoteSeq = 9
                leg.remoteRTCP = "10.0.0.7:9999"
            }
            return leg
        }
        return OpenStream(stream: 77, a: leg(40_000), b: leg(40_002), statsIntervalMs: 500, rtcpIntervalMs: optionals ? 0 : 5000)
    }

    @Test("open_stream and close_stream requests: the bytes of PortMessage.json")
    func streamRequests() throws {
        for srtp in [false, true] {
            for optionals in [false, true] {
                let plan = Self.plan(srtp: srtp, optionals: optionals)
                #expect(StreamPayloads.openStream(plan) == (try PortMessage.json(.request, plan).payload))
            }
        }
        #expect(StreamPayloads.selector(12) == (try PortMessage.json(.request, StreamSelector(stream: 12)).payload))
        #expect(StreamPayloads.selector(nil) == (try PortMessage.json(.request, StreamSelector()).payload))
    }

    /// The writer and readers name every stored property of these types: one added
    /// to PortProtocol without being added to StreamPayloads fails here.
    @Test("every stored property of the stream payload types is covered")
    func coverage() {
        let plan = Self.plan(srtp: true, optionals: true)
        #expect(Set(Mirror(reflecting: plan).children.compactMap(\.label)) == ["stream", "a", "b", "statsIntervalMs", "rtcpIntervalMs"])
        #expect(Set(Mirror(reflecting: plan.a).children.compactMap(\.label)) == [
            "localPort", "bind", "remote", "remoteRTCP", "codec", "payloadType", "telephoneEventPT", "ptime", "rtcpMux", "srtp",
            "ssrcOut", "seqOut", "timestampOut", "rocOut", "remoteSSRC", "rocIn", "remoteSeq",
        ])
        #expect(Set(Mirror(reflecting: LegStats()).children.compactMap(\.label)) == [
            "packetsIn", "packetsOut", "bytesIn", "bytesOut", "lost", "jitterMs", "remote", "ssrcOut", "nextSeqOut",
            "nextTimestampOut", "srtpFailures", "rtcpPackets", "rtcpPacketsOut", "malformed", "unknownPayloadType", "unsent",
            "transcodeErrors", "concealed", "rocOut", "remoteSSRC", "remoteSeq", "rocIn",
        ])
    }

    static func stats(_ seed: UInt64) -> StreamStats {
        func leg(_ k: UInt64) -> LegStats {
            var leg = LegStats()
            leg.packetsIn = k &* 3
            leg.packetsOut = k == 1 ? UInt64.max : k
            leg.bytesIn = k &* 160
            leg.bytesOut = k &* 172
            leg.lost = k % 2 == 0 ? -Int64(k) : Int64(k)
            leg.jitterMs = Double(k) / 7
            leg.remote = k % 3 == 0 ? nil : "127.0.0.1:\(5000 + k)"
            leg.ssrcOut = UInt32(truncatingIfNeeded: k &* 2_654_435_761)
            leg.nextSeqOut = UInt16(truncatingIfNeeded: k)
            leg.nextTimestampOut = UInt32(truncatingIfNeeded: k &* 160)
            leg.srtpFailures = k % 5
            leg.rtcpPackets = k % 11
            leg.rtcpPacketsOut = k % 13
            leg.malformed = k % 2
            leg.unknownPayloadType = k % 3
            leg.unsent = k % 4
            leg.transcodeErrors = k % 6
            leg.concealed = k % 9
            leg.rocOut = UInt32(k % 17)
            leg.remoteSSRC = k % 2 == 0 ? UInt32(k) : nil
            leg.remoteSeq = k % 2 == 0 ? UInt16(truncatingIfNeeded: k) : nil
            leg.rocIn = k % 4 == 0 ? 2 : nil
            return leg
        }
        return StreamStats(stream: UInt32(seed), a: leg(seed), b: leg(seed &+ 1))
    }

    @Test("close_stream replies and stream_stats events read as decodeJSON reads them")
    func streamStats() throws {
        for seed in UInt64(0)..<40 {
            let stats = Self.stats(seed)
            let payload = try Self.sortedJSON(stats)
            #expect(try StreamPayloads.streamStats(payload) == stats)
            let report = StreamStatsReport(streams: [stats, Self.stats(seed + 100)])
            #expect(try StreamPayloads.streamStatsReport(try Self.sortedJSON(report)) == report)
        }
        // What the fast reader does not take, JSONDecoder decides: an unknown key, defaults, spacing.
        let reference = try Self.sortedJSON(Self.stats(4))
        var text = String(decoding: reference, as: UTF8.self)
        text = text.replacingOccurrences(of: "\"lost\"", with: "\"future_key\":[1,{\"x\":null}], \"lost\"")
        let decoded = try StreamPayloads.streamStats(Array(text.utf8))
        #expect(decoded == (try PortMessage(type: .reply, payload: Array(text.utf8)).decodeJSON(StreamStats.self)))
        let minimal = #"{"stream":1,"a":{"packets_in":1,"packets_out":2,"bytes_in":3,"bytes_out":4,"lost":0,"jitter_ms":0.5,"ssrc_out":5,"next_seq_out":6,"next_timestamp_out":7,"srtp_failures":0,"rtcp_packets":0},"b":{"packets_in":1,"packets_out":2,"bytes_in":3,"bytes_out":4,"lost":-1,"jitter_ms":2,"remote":"x","ssrc_out":5,"next_seq_out":6,"next_timestamp_out":7,"srtp_failures":0,"rtcp_packets":0,"remote_ssrc":null}}"#
        let twice = minimal.replacingOccurrences(of: #""lost":-1"#, with: #""lost":-1,"lost":-2"#)
        for text in [minimal, twice, #"{"stream":2,"# + minimal.dropFirst()] {
            #expect(try StreamPayloads.streamStats(Array(text.utf8))
                    == (try PortMessage(type: .reply, payload: Array(text.utf8)).decodeJSON(StreamStats.self)), "\(text)")
        }
        for bad in ["", "{}", "[]", "{\"stream\":1}", String(minimal.dropLast()), minimal + "x", "{\"stream\":-1,\"a\":{},\"b\":{}}"] {
            #expect(throws: PortProtocolError.self, "\(bad)") { try StreamPayloads.streamStats(Array(bad.utf8)) }
        }
    }

    @Test("request bodies: the fast path gives JSONDecoder's value or steps aside")
    func requestBodies() throws {
        let bodies = [
            #"{"offer":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"}"#,
            #"{ "offer" : "x\u00e9\ud83c\udfa7\/\"" , "transcode": {"codecs": ["PCMU", "opus"], "profile": "RTP/AVP"}, "labels": {"a": "b", "c": ""}, "edge": "e1" }"#,
            #"{"offer":"x","transcode":null,"labels":null,"edge":null,"unknown":[1,2,{"deep":[true,false,null,-1.5e3]}]}"#,
            #"{"offer":"x","transcode":{"codecs":null,"profile":null}}"#,
            #"{"offer":"x","transcode":{}}"#,
            #"{"offer":"first","offer":"second"}"#, #"{"offer":"x","transcode":{"profile":"a","profile":"b"}}"#,
            #"{"offer":"x","labels":{"k":"1","k":"2"}}"#,
            #"{"offer":5}"#, #"{"offer":"x","labels":{"a":1}}"#, #"{"offer":"x","transcode":{"codecs":"PCMU"}}"#,
            #"{"transcode":{}}"#, #"[]"#, #"{"offer":"x"} trailing"#, #"{"offer":"x""#, #"{"offer":"bad \u12"}"#,
            "{\"offer\":\"ctl \u{1}\"}", #"{"offer":"\ud800"}"#, "",
        ]
        for body in bodies {
            let reference = try? JSONDecoder().decode(SessionRoutes.CreateRequest.self, from: Data(body.utf8))
            let fast = Array(body.utf8).withUnsafeBytes { raw -> SessionRoutes.CreateRequest? in
                var scanner = JSONScanner(raw)
                guard let value = SessionRoutes.CreateRequest(scanning: &scanner), scanner.atEnd() else { return nil }
                return value
            }
            if let fast {
                #expect(fast.offer == reference?.offer, "\(body)")
                #expect(fast.transcode?.codecs == reference?.transcode?.codecs, "\(body)")
                #expect(fast.transcode?.profile == reference?.transcode?.profile, "\(body)")
                #expect((fast.transcode == nil) == (reference?.transcode == nil), "\(body)")
                #expect(fast.labels == reference?.labels, "\(body)")
                #expect(fast.edge == reference?.edge, "\(body)")
            }
        }
        // The common body takes the fast path.
        let common = Array(#"{"offer":"v=0\r\n","transcode":{"codecs":["PCMU"]}}"#.utf8)
        #expect(common.withUnsafeBytes { raw in
            var scanner = JSONScanner(raw)
            return SessionRoutes.CreateRequest(scanning: &scanner) != nil && scanner.atEnd()
        })
    }

    @Test("Authorization headers: the token the split-based parser found")
    func bearerTokens() {
        func reference(_ header: String) -> [UInt8]? {
            let parts = header.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
            return Array(parts[1].utf8)
        }
        for header in ["Bearer abc", "bearer abc", "BEARER a b c", "Bearer  two", "  Bearer lead", "Bearer", "Bearer ", "Basic abc",
                       "Bearerabc", " ", "", "Bëarer x", "Bearer\tx", "x y", "Bearer é"] {
            #expect(BearerAuth.bearerToken(header).map(Array.init) == reference(header), "\(header)")
        }
    }

    @Test("the event history keeps the last events, oldest first")
    func eventHistory() {
        let bus = EventBus(historyLimit: 3)
        for i in 1...7 { bus.publish("e\(i)", [:]) }
        #expect(bus.recent.map(\.type) == ["e5", "e6", "e7"])
        #expect(bus.recent.map(\.sequence) == [5, 6, 7])
        let short = EventBus(historyLimit: 5)
        short.publish("only", [:])
        #expect(short.recent.map(\.type) == ["only"])
    }

    @Test("pairs our workers closed are handed out again without a probe, for a while")
    func recentlyFreed() {
        var freed = RecentlyFreedPorts(range: 40_001...40_010, validity: .seconds(2))
        let t0 = ContinuousClock.now
        #expect(!freed.isFresh(40_002, now: t0))
        freed.freed(40_002, at: t0)
        #expect(freed.isFresh(40_002, now: t0 + .seconds(1)))
        #expect(!freed.isFresh(40_002, now: t0 + .seconds(3)))
        #expect(!freed.isFresh(40_004, now: t0))
        freed.freed(40_003, at: t0)  // odd: not a pair's first port
        freed.freed(50_000, at: t0)  // outside the range
        #expect(!freed.isFresh(40_003, now: t0) && !freed.isFresh(50_000, now: t0))
    }
}

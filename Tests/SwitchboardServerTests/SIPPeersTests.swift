import Foundation
import Synchronization
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// The B2BUA between real SIP peers nobody here wrote: sipp's built-in and
/// our own scenarios (Tests/Peers/sipp) as A and B, sipp playing the G.711
/// pcap that ships with sip-tester, and two baresips transcoding Opus/SRTP
/// <-> PCMU/RTP both ways. sipp exits 0 only when every call succeeded.
@Suite("SIP through Switchboard with sipp and baresip", .serialized, .timeLimit(.minutes(2)))
struct SIPPeersTests {
    /// B (a sipp uas) behind Switchboard's default route (or `routes`), A (a sipp uac) calling
    /// Switchboard: both must exit 0. Returns both results and the server's session list.
    @discardableResult
    static func call(uas: Sipp.Scenario, uac: Sipp.Scenario, calls: Int = 1, rate: Double = 10, uasArgs: [String] = [],
                     uacArgs: [String] = [], overrides: [String: String] = [:], transcodeToPCMU: Bool = false,
                     check: @Sendable (LiveServer) async throws -> Void = { _ in }) async throws -> (a: Sipp.Result, b: Sipp.Result) {
        let bPorts = try Sipp.Ports.free()
        let b = try Sipp.uas(scenario: uas, ports: bPorts, calls: calls, extraArgs: uasArgs)
        defer { b.stop() }
        try await b.listening()
        var values = ["pools.transcoder.size": "1"]
        var routes: String?
        if transcodeToPCMU {
            routes = "    - match: \".\"\n      target: 127.0.0.1:\(bPorts.port)\n      transcode: {codecs: [PCMU], profile: RTP/AVP}"
        } else {
            values["sip.default_route"] = "127.0.0.1:\(bPorts.port)"
        }
        for (k, v) in overrides { values[k] = v }
        let outcome = Mutex<(Sipp.Result, Sipp.Result)?>(nil)
        try await withLiveServer(values, sipRoutes: routes) { server in
            let sip = try #require(server.sipPort)
            let a = try Sipp.uac(scenario: uac, target: "127.0.0.1:\(sip)", ports: try .free(), calls: calls, rate: rate,
                                 timeout: .seconds(30), extraArgs: uacArgs)
            defer { a.stop() }
            let resultA = await a.finish(within: .seconds(40))
            let resultB = await b.finish(within: .seconds(10))
            #expect(resultA.status == 0, "A (\(uac)) through Switchboard: \(resultA)")
            #expect(resultB.status == 0, "B (\(uas)) behind Switchboard: \(resultB)")
            try await check(server)
            outcome.withLock { $0 = (resultA, resultB) }
        }
        let (a, bResult) = try #require(outcome.withLock { $0 })
        return (a, bResult)
    }

    static func sessions(_ server: LiveServer) async throws -> [[String: Any]] {
        try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]] ?? []
    }

    @Test("sipp's built-in uac -> Switchboard -> built-in uas, 5 calls: every call a session, ended by A's BYE",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func builtinScenarios() async throws {
        let (_, b) = try await Self.call(uas: .file("uas_pcmu.xml"), uac: .builtin("uac"), calls: 5, rate: 20) { server in
            let sessions = try await Self.sessions(server)
            #expect(sessions.count == 5)
            #expect(sessions.allSatisfy { ($0["labels"] as? [String: String])?["origin"] == "sip" && $0["end_reason"] as? String == "bye_a" },
                    "\(sessions.map { $0["end_reason"] ?? "-" })")
        }
        // B saw our address in the offer, not A's.
        #expect(b.messages.contains("c=IN IP4 127.0.0.1") && b.messages.contains("o=switchboard"), "\(b.messages.prefix(1200))")
    }

    @Test("uac_srtp (Opus over SDES-SRTP) -> Switchboard -> PCMU over RTP/AVP at B: B is offered PCMU, A gets RTP/SAVP with our key",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func srtpOfferTranscoded() async throws {
        let (a, b) = try await Self.call(uas: .file("uas_pcmu.xml"), uac: .file("uac_srtp.xml"), transcodeToPCMU: true)
        #expect(b.messages.contains("RTP/AVP 0") && !b.messages.contains("a=crypto"), "B is offered plain PCMU: \(b.messages.prefix(1500))")
        #expect(a.messages.contains("RTP/SAVP 111"), "A's answer keeps A's profile and codec")
        let answerKey = a.messages.components(separatedBy: "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:").dropFirst().compactMap { $0.split(separator: "\r\n").first }
        #expect(answerKey.contains { !$0.hasPrefix("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd") }, "our own key in the answer, not A's echoed")
    }

    @Test("CANCEL through Switchboard: uac_cancel -> uas_ring_forever",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func cancel() async throws {
        try await Self.call(uas: .file("uas_ring_forever.xml"), uac: .file("uac_cancel.xml"), uacArgs: ["-d", "200"]) { server in
            let sessions = try await Self.sessions(server)
            #expect(sessions.first?["end_reason"] as? String == "cancelled")
        }
    }

    @Test("BYE from B through Switchboard: uac_wait_bye -> uas_bye",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func byeFromB() async throws {
        try await Self.call(uas: .file("uas_bye.xml"), uac: .file("uac_wait_bye.xml"), uasArgs: ["-d", "200"]) { server in
            let sessions = try await Self.sessions(server)
            #expect(sessions.first?["end_reason"] as? String == "bye_b")
        }
    }

    @Test("re-INVITE hold and resume through Switchboard: uac_hold -> uas_hold",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func hold() async throws {
        let (a, _) = try await Self.call(uas: .file("uas_hold.xml"), uac: .file("uac_hold.xml"), uacArgs: ["-d", "100"])
        #expect(a.messages.contains("CSeq: 3 INVITE"))
    }

    @Test("Switchboard retransmits its 200 to A until the ACK: uac_retrans ignores the first 200 and gets it again after ~T1",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func retransmittedOK() async throws {
        let (a, _) = try await Self.call(uas: .file("uas_pcmu.xml"), uac: .file("uac_retrans.xml"), uacArgs: ["-nr"])
        #expect(a.logs.contains("200 OK retransmitted after"), "\(a)")
        print("through Switchboard: \(a.logs.trimmingCharacters(in: .whitespacesAndNewlines))")
    }

    @Test("sipp plays the shipped g711a.pcap through Switchboard: B's RTP counter gets the PCMA packets relayed by the worker",
          .enabled(if: Tool.required(Tool.sipp) && Tool.canSendRawPackets, "sipp is not installed, or not root (pcap play needs a raw socket)"))
    func pcapThroughTheWorker() async throws {
        let sink = try UDPPeer()
        let received = RTPRecorder(sink)
        defer { received.stop() }
        try await Self.call(uas: .file("uas_count_rtp.xml"), uac: .file("uac_pcap.xml"),
                            uasArgs: ["-key", "rtp_sink_port", "\(sink.port)"], uacArgs: ["-d", "1500"]) { server in
            let session = try #require(try await Self.sessions(server).first)
            let legs = session["legs"] as? [[String: Any]] ?? []
            #expect((legs.first { $0["name"] as? String == "a" }?["packets_in"] as? Int ?? 0) > 0 || received.count > 0)
        }
        try await eventually("the relayed packets", timeout: .seconds(2)) { received.count >= 30 }
        received.stop()
        let packets = received.packets.map(\.rtp)
        print("pcap through Switchboard -> counter: \(packets.count) RTP packets")
        #expect(packets.count >= 30, "1.5 s of 30 ms PCMA packets, relayed")
        #expect(packets.allSatisfy { $0.payloadType == 8 && $0.payload.count == 240 })
    }

    @Test("baresip A (Opus over SDES-SRTP, 440 Hz) -> Switchboard -> baresip B (PCMU over RTP, 1 kHz): each records the other's tone",
          .enabled(if: Tool.required(Tool.baresip), "baresip is not installed"))
    func baresipTranscoded() async throws {
        let bPorts = try PeerPorts.block(10)
        let b = try Baresip(try .init(user: "b", codec: .pcmu, mediaEncryption: .none, toneFrequency: 1000, autoAnswer: true,
                                      sipPort: bPorts))
        let routes = "    - match: \".\"\n      target: 127.0.0.1:\(b.configuration.sipPort)\n      transcode: {codecs: [PCMU], profile: RTP/AVP}"
        try await withLiveServer(["pools.transcoder.size": "1"], sipRoutes: routes) { server in
            let sip = try #require(server.sipPort)
            let a = try Baresip(try .init(user: "a", codec: .opus, mediaEncryption: .srtpMandatory, toneFrequency: 440, autoAnswer: false))
            try await b.ready()
            try await a.ready()
            try a.dial("sip:b@127.0.0.1:\(sip)")
            try await a.waitForLog("Call established", timeout: .seconds(10))
            try await b.waitForLog("Call established")
            try await a.waitForLog("incoming rtp for 'audio' established")
            try await b.waitForLog("incoming rtp for 'audio' established")
            try await Task.sleep(for: .seconds(2.5))  // the call's length: media flows meanwhile
            let sessions = try await Self.sessions(server)
            #expect(sessions.first?["transcoding"] as? Bool == true)
            try a.hangup()
            try await a.waitForLog("terminated")
            try await b.waitForLog("terminated")
            _ = await a.stop()
            _ = await b.stop()
            #expect(a.log.contains("SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)"), "\(a.log.suffix(2000))")
            #expect(a.log.contains("Set audio decoder: opus 48000Hz 2ch"))
            #expect(b.log.contains("Set audio decoder: PCMU 8000Hz 1ch") && !b.log.contains("a=crypto"), "\(b.log.suffix(2000))")
            let atA = try WAV(try a.received()), atB = try WAV(try b.received())
            let candidates: [Double] = [300, 440, 500, 800, 1000, 1200, 2000]
            print("baresip through Switchboard: A got \(String(format: "%.2f", atA.duration)) s, dominant \(atA.dominant(candidates: candidates, skipping: 0.5)) Hz, RMS \(Int(atA.rms(skipping: 0.5))); B got \(String(format: "%.2f", atB.duration)) s, dominant \(atB.dominant(candidates: candidates, skipping: 0.5)) Hz, RMS \(Int(atB.rms(skipping: 0.5)))")
            #expect(atA.dominant(candidates: candidates, skipping: 0.5) == 1000, "A (Opus/SRTP) hears B's 1 kHz, transcoded from PCMU")
            #expect(atB.dominant(candidates: candidates, skipping: 0.5) == 440, "B (PCMU) hears A's 440 Hz, transcoded from Opus/SRTP")
            #expect(atA.rms(skipping: 0.5) > 1000 && atB.rms(skipping: 0.5) > 1000, "audible levels")
            let ended = try await Self.sessions(server).first
            #expect(ended?["end_reason"] as? String == "bye_a")
        }
    }
}

import Foundation
import SwitchboardTestKit
import Testing

/// The real-peer kit proven with peers only (no Switchboard in the middle): each sipp scenario pair in
/// Tests/Peers/sipp completes against its partner, sipp's pcap player delivers RTP where the answer says,
/// and two baresips call each other and each records the other's tone. These stay as sanity checks of
/// the peers the B2BUA tests put Switchboard between.
@Suite("Real SIP peers (sipp, baresip) against each other", .serialized, .timeLimit(.minutes(1)))
struct PeersTests {
    /// Runs a uas (B) and a uac (A) against it; both must exit 0. Returns A's and B's results.
    @discardableResult
    static func pair(uas: Sipp.Scenario, uac: Sipp.Scenario, calls: Int = 1, uasArgs: [String] = [], uacArgs: [String] = [],
                     expectSuccess: Bool = true) async throws -> (a: Sipp.Result, b: Sipp.Result) {
        let started = ContinuousClock.now
        let b = try Sipp.uas(scenario: uas, ports: try .free(), calls: calls, extraArgs: uasArgs)
        defer { b.stop() }
        try await b.listening()
        let a = try Sipp.uac(scenario: uac, target: "127.0.0.1:\(b.ports.port)", ports: try .free(), calls: calls,
                             timeout: .seconds(15), extraArgs: uacArgs)
        defer { a.stop() }
        let resultA = await a.finish(within: .seconds(20))
        let resultB = await b.finish(within: expectSuccess ? .seconds(10) : .seconds(2))
        if expectSuccess {
            #expect(resultA.status == 0, "A (\(uac)): \(resultA)")
            #expect(resultB.status == 0, "B (\(uas)): \(resultB)")
        }
        print("sipp \(uac) -> \(uas), \(calls) call(s): A exit \(resultA.status.map(String.init) ?? "-"), "
              + "B exit \(resultB.status.map(String.init) ?? "-") in \(ContinuousClock.now - started)")
        return (resultA, resultB)
    }

    // MARK: sipp

    @Test("plain calls: uac_pcmu -> uas_pcmu (3 calls), sipp's built-in uac -> uas_pcmu",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func plainCalls() async throws {
        let (a, _) = try await Self.pair(uas: .file("uas_pcmu.xml"), uac: .file("uac_pcmu.xml"), calls: 3,
                                         uacArgs: ["-d", "100"])
        #expect(a.messages.components(separatedBy: "\nBYE sip:").count - 1 == 3, "three BYEs sent")
        try await Self.pair(uas: .file("uas_pcmu.xml"), uac: .builtin("uac"))
    }

    @Test("uac_srtp (Opus over SDES-SRTP) and uac_retrans (-nr) against sipp's built-in uas: the offer as written, 2xx retransmitted after ~T1",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func againstTheBuiltinUAS() async throws {
        // One built-in uas for both calls: it keeps each call 4 s after the BYE (timewait), so share that wait.
        let b = try Sipp.uas(scenario: .builtin("uas"), ports: try .free(), calls: 2)
        defer { b.stop() }
        try await b.listening()
        let target = "127.0.0.1:\(b.ports.port)"

        let srtpRun = try Sipp.uac(scenario: .file("uac_srtp.xml"), target: target, ports: try .free())
        let srtp = await srtpRun.finish(within: .seconds(20))
        #expect(srtp.status == 0, "uac_srtp: \(srtp)")
        #expect(srtp.messages.contains("m=audio \(srtp.mediaPortInOffer ?? 0) RTP/SAVP 111 101"), "\(srtp.messages.prefix(1500))")
        #expect(srtp.messages.contains("a=rtpmap:111 opus/48000/2") && srtp.messages.contains("a=fmtp:111 "))
        #expect(srtp.messages.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd"))

        let retransRun = try Sipp.uac(scenario: .file("uac_retrans.xml"), target: target, ports: try .free(), extraArgs: ["-nr"])
        let retrans = await retransRun.finish(within: .seconds(20))
        #expect(retrans.status == 0, "uac_retrans: \(retrans)")
        #expect(retrans.logs.contains("200 OK retransmitted after"), "\(retrans)")
        #expect(retrans.messages.components(separatedBy: "\nSIP/2.0 200 OK").count - 1 >= 3, "two 200s to the INVITE, one to the BYE")
        print("uac_retrans: \(retrans.logs.trimmingCharacters(in: .whitespacesAndNewlines))")

        let resultB = await b.finish(within: .seconds(10))
        #expect(resultB.status == 0, "built-in uas: \(resultB)")
    }

    @Test("CANCEL: uac_cancel -> uas_ring_forever (200 to the CANCEL, 487 to the INVITE, ACK)",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func cancel() async throws {
        let (a, b) = try await Self.pair(uas: .file("uas_ring_forever.xml"), uac: .file("uac_cancel.xml"), uacArgs: ["-d", "200"])
        #expect(a.messages.contains("CSeq: 1 CANCEL") && a.messages.contains("SIP/2.0 487 Request Terminated"))
        #expect(b.messages.contains("\nACK sip:"), "B got the ACK for the 487")
        // The CANCEL and the ACK for the 487 carry the INVITE's branch (RFC 3261 9.1, 17.1.1.3).
        let branches = Set(a.messages.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("Via:") }.compactMap { $0.split(separator: "branch=").last })
        #expect(branches.count == 1, "one branch for INVITE, CANCEL, ACK: \(branches)")
    }

    @Test("BYE from the callee: uac_wait_bye -> uas_bye",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func byeFromB() async throws {
        let (a, _) = try await Self.pair(uas: .file("uas_bye.xml"), uac: .file("uac_wait_bye.xml"), uasArgs: ["-d", "200"])
        #expect(a.messages.contains("\nBYE sip:sipp@127.0.0.1:"), "the BYE went to A's Contact")
    }

    @Test("hold and resume: uac_hold -> uas_hold (sendonly/recvonly, then sendrecv)",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func holdAndResume() async throws {
        let (a, _) = try await Self.pair(uas: .file("uas_hold.xml"), uac: .file("uac_hold.xml"), uacArgs: ["-d", "100"])
        #expect(a.messages.contains("CSeq: 3 INVITE") && a.messages.contains("a=recvonly"))
    }

    @Test("the checks bite: uac_hold fails when the hold is answered sendrecv",
          .enabled(if: Tool.required(Tool.sipp), "sipp is not installed"))
    func holdCheckFails() async throws {
        let dir = try TempDir()
        let wrong = dir.file("uas_hold_wrong.xml")
        try String(contentsOf: Sipp.scenarios.appendingPathComponent("uas_hold.xml"), encoding: .utf8)
            .replacingOccurrences(of: "a=recvonly", with: "a=sendrecv").write(to: wrong, atomically: true, encoding: .utf8)
        let (a, _) = try await Self.pair(uas: .path(wrong), uac: .file("uac_hold.xml"), expectSuccess: false)
        #expect(a.status == 1, "\(a)")
        #expect(a.errors.contains("Failed regexp match"), "\(a)")
    }

    @Test("uac_pcap plays g711a.pcap to where uas_count_rtp's answer points: a UDP counter gets PCMA",
          .enabled(if: Tool.required(Tool.sipp) && Tool.canSendRawPackets, "sipp is not installed, or not root (pcap play needs a raw socket)"))
    func pcapReachesTheCounter() async throws {
        let sink = try UDPPeer()
        let received = RTPRecorder(sink)
        defer { received.stop() }
        try await Self.pair(uas: .file("uas_count_rtp.xml"), uac: .file("uac_pcap.xml"),
                            uasArgs: ["-key", "rtp_sink_port", "\(sink.port)"], uacArgs: ["-d", "1500"])
        try await eventually("the last RTP packets", timeout: .seconds(1)) { received.count >= 40 }
        received.stop()
        let packets = received.packets.map(\.rtp)
        print("pcap -> counter: \(packets.count) RTP packets, payload types \(Set(packets.map(\.payloadType)))")
        // 1.5 s of 30 ms packets: ~50 (the pcap has 236).
        #expect((40...100).contains(packets.count), "\(packets.count) packets")
        #expect(packets.allSatisfy { $0.payloadType == 8 && $0.payload.count == 240 })
        #expect(Set(packets.map(\.ssrc)).count == 1)
        #expect(zip(packets, packets.dropFirst()).allSatisfy { $1.sequence == $0.sequence &+ 1 }, "in order, none lost")
    }

    // MARK: baresip

    static let candidates: [Double] = [300, 440, 500, 800, 1000, 1200, 2000]

    /// B (auto-answer, 1 kHz) and A (440 Hz) with the same codec and encryption; A dials B directly,
    /// `seconds` of media, A hangs up. Returns both logs and what each recorded.
    static func baresipCall(codec: Baresip.Codec, encryption: Baresip.MediaEncryption,
                            seconds: Double = 2.5) async throws -> (a: Baresip, b: Baresip, atA: WAV, atB: WAV) {
        let started = ContinuousClock.now
        let b = try Baresip(try .init(user: "b", codec: codec, mediaEncryption: encryption, toneFrequency: 1000, autoAnswer: true))
        let a = try Baresip(try .init(user: "a", codec: codec, mediaEncryption: encryption, toneFrequency: 440, autoAnswer: false))
        let written = ContinuousClock.now
        try await b.ready()
        try await a.ready()
        let ready = ContinuousClock.now
        try a.dial(b.uri)
        try await a.waitForLog("Call established")
        try await b.waitForLog("Call established")
        try await a.waitForLog("incoming rtp for 'audio' established")
        try await b.waitForLog("incoming rtp for 'audio' established")
        let established = ContinuousClock.now
        try await Task.sleep(for: .seconds(seconds))  // the call's length: media flows meanwhile
        try a.hangup()
        try await a.waitForLog("terminated")
        try await b.waitForLog("terminated")
        let hungUp = ContinuousClock.now
        #expect(await a.stop() == 0)
        #expect(await b.stop() == 0)
        print("timing: config and tones \(written - started), ready \(ready - written), call set-up \(established - ready), call \(hungUp - established), stop \(ContinuousClock.now - hungUp)")
        let atA = try WAV(try a.received()), atB = try WAV(try b.received())
        print("baresip \(codec.rawValue)\(encryption == .none ? "" : "/\(encryption.rawValue)"): "
              + "A got \(String(format: "%.2f", atA.duration)) s at \(atA.sampleRate) Hz (\(atA.channels) ch), "
              + "dominant \(atA.dominant(candidates: candidates, skipping: 0.5)) Hz, RMS \(Int(atA.rms(skipping: 0.5))); "
              + "B got \(String(format: "%.2f", atB.duration)) s, dominant \(atB.dominant(candidates: candidates, skipping: 0.5)) Hz, "
              + "RMS \(Int(atB.rms(skipping: 0.5))); in \(ContinuousClock.now - started)")
        return (a, b, atA, atB)
    }

    static func checkTones(_ call: (a: Baresip, b: Baresip, atA: WAV, atB: WAV), seconds: Double = 2.5) {
        for (name, wav, tone) in [("A", call.atA, 1000.0), ("B", call.atB, 440.0)] {
            #expect(wav.duration >= seconds - 0.5, "\(name) recorded \(wav.duration) s")
            #expect(wav.dominant(candidates: candidates, skipping: 0.5) == tone, "\(name) hears the other side's tone")
            #expect((2000...8000).contains(wav.rms(skipping: 0.5)), "\(name): the tone (amplitude 8000, RMS 5657) at a sane level")
        }
    }

    @Test("baresip A (PCMU, 440 Hz) calls baresip B (PCMU, 1 kHz, auto-answer): each records the other's tone",
          .enabled(if: Tool.required(Tool.baresip), "baresip is not installed"))
    func baresipPCMU() async throws {
        let call = try await Self.baresipCall(codec: .pcmu, encryption: .none)
        Self.checkTones(call)
        #expect(call.atA.sampleRate == 8000 && call.atB.sampleRate == 8000)
        for peer in [call.a, call.b] {
            #expect(peer.log.contains("Set audio decoder: PCMU 8000Hz 1ch"), "\(peer.log.suffix(2000))")
            #expect(!peer.log.contains("a=crypto:") && peer.log.contains("RTP/AVP 0"))
        }
    }

    @Test("baresip A and B both Opus over SDES-SRTP (srtp-mand): RTP/SAVP + a=crypto, SRTP on, each records the other's tone",
          .enabled(if: Tool.required(Tool.baresip), "baresip is not installed"))
    func baresipOpusSRTP() async throws {
        let call = try await Self.baresipCall(codec: .opus, encryption: .srtpMandatory)
        Self.checkTones(call)
        #expect(call.atA.sampleRate == 48000 && call.atB.sampleRate == 48000)
        for peer in [call.a, call.b] {
            #expect(peer.log.contains("SRTP is Enabled (cryptosuite=AES_CM_128_HMAC_SHA1_80)"), "\(peer.log.suffix(2000))")
            #expect(peer.log.contains("Set audio decoder: opus 48000Hz 2ch"))
            #expect(peer.log.contains("RTP/SAVP") && peer.log.contains("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"))
        }
    }

    @Test("baresip A Opus/srtp-mand cannot call a plain PCMU B directly (488): what Switchboard has to bridge",
          .enabled(if: Tool.required(Tool.baresip), "baresip is not installed"))
    func baresipMismatchIsRejected() async throws {
        let b = try Baresip(try .init(user: "b", codec: .pcmu, toneFrequency: 1000, autoAnswer: true))
        let a = try Baresip(try .init(user: "a", codec: .opus, mediaEncryption: .srtpMandatory, toneFrequency: 440, autoAnswer: false))
        try await b.ready()
        try await a.ready()
        try a.dial(b.uri)
        try await a.waitForLog("488 Not Acceptable Here")
        try await b.waitForLog("no common audio codecs")
        #expect(await a.stop() == 0)
        #expect(await b.stop() == 0)
        #expect(b.recordings().isEmpty)
    }
}

extension Sipp.Result {
    /// The port on the first m=audio line sipp sent.
    var mediaPortInOffer: Int? {
        guard let range = messages.range(of: #"m=audio [0-9]+"#, options: .regularExpression) else { return nil }
        return Int(messages[range].dropFirst("m=audio ".count))
    }
}

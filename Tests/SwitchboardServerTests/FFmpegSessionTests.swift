import Foundation
import SDP
import Synchronization
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// Sessions through the HTTP API with real peers on loopback: ffmpeg sends and
/// receives (Opus over SDES-SRTP on leg A, PCMU/RTP on leg B), pylibsrtp checks
/// Switchboard's SRTP independently, a worker is killed under a live stream,
/// and SDP written by real tools on this machine is checked with the SDP module.
@Suite("Sessions with ffmpeg and pylibsrtp as the peers", .serialized, .timeLimit(.minutes(2)))
struct FFmpegSessionTests {
    static let suite = "AES_CM_128_HMAC_SHA1_80"

    /// A's offer as ffmpeg would send it for its SRTP output, with the profile RFC 4568 asks for
    /// (ffmpeg 5.1 itself writes `RTP/AVP` next to `a=crypto`: see `capturedSDP`).
    static func opusSRTPOffer(port: UInt16, key: [UInt8]) -> String {
        """
        v=0\r
        o=- 0 0 IN IP4 127.0.0.1\r
        s=No Name\r
        c=IN IP4 127.0.0.1\r
        t=0 0\r
        a=tool:libavformat LIBAVFORMAT_VERSION\r
        m=audio \(port) RTP/SAVP 111\r
        b=AS:64\r
        a=rtpmap:111 opus/48000/2\r
        a=crypto:1 \(suite) inline:\(Data(key).base64EncodedString())\r

        """
    }

    /// A PCMU/RTP/AVP description of a peer receiving on `port`: B's answer, and the SDP file ffmpeg reads.
    static func pcmuAnswer(port: UInt16) -> String {
        """
        v=0\r
        o=- 0 0 IN IP4 127.0.0.1\r
        s=B\r
        c=IN IP4 127.0.0.1\r
        t=0 0\r
        m=audio \(port) RTP/AVP 0\r
        a=rtpmap:0 PCMU/8000\r
        a=ptime:20\r

        """
    }

    struct Bridged {
        var id: String
        /// Switchboard's ports facing A and B.
        var portA: Int, portB: Int
        /// The key Switchboard protects A's SRTP with (from the answer for A).
        var keyTowardA: [UInt8]
    }

    /// Offer from A (Opus/SRTP), transcode to PCMU/RTP/AVP for B, answer from B.
    static func bridge(_ server: LiveServer, offer: String, answer: String) async throws -> Bridged {
        let created = try await server.request("POST", "/v1/sessions", token: LiveServer.clientToken, body: SessionTests.json([
            "offer": offer, "transcode": ["codecs": ["PCMU"], "profile": "RTP/AVP"],
        ]))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let offerForB = try SessionDescription(parsing: try #require(created.json["sdp"] as? String))
        let mediaB = try #require(offerForB.media.first)
        #expect(mediaB.proto.rawValue == "RTP/AVP" && mediaB.formats.first == "0", "\(offerForB.text)")
        #expect(mediaB.cryptos.isEmpty)
        let answered = try await server.request("POST", "/v1/sessions/\(id)/answer", token: LiveServer.clientToken,
                                                body: SessionTests.json(["answer": answer]))
        #expect(answered.status == 200, "\(answered.text)")
        let answerForA = try SessionDescription(parsing: try #require(answered.json["sdp"] as? String))
        let mediaA = try #require(answerForA.media.first)
        #expect(mediaA.proto.rawValue == "RTP/SAVP" && mediaA.formats == ["111"], "\(answerForA.text)")
        #expect(mediaA.rtpMap(for: 111)?.encoding.lowercased() == "opus")
        let crypto = try #require(mediaA.cryptos.first, "the answer for A carries Switchboard's key")
        #expect(crypto.suite.rawValue == suite && crypto.tag == 1)
        return Bridged(id: id, portA: Int(mediaA.port), portB: Int(mediaB.port), keyTowardA: crypto.keys[0].keySalt)
    }

    // MARK: 1. Opus/SRTP in, PCMU out

    @Test("ffmpeg Opus/SRTP -> A, session transcodes, ffmpeg decodes PCMU from B: 1 kHz at a sane level",
          .enabled(if: Tool.ffmpeg != nil || ProcessInfo.processInfo.environment["CI"] != nil, "ffmpeg is not installed"))
    func opusSRTPToPCMU() async throws {
        let ffmpeg = try #require(Tool.ffmpeg)
        let dir = try TempDir()
        try await withLiveServer { server in
            let keyA = randomKey()
            let sink = try UDPPeer()  // A's RTP port: ffmpeg only sends, this keeps what comes back
            let portB = try freePortPair()
            let answerB = Self.pcmuAnswer(port: portB)
            let session = try await Self.bridge(server, offer: Self.opusSRTPOffer(port: sink.port, key: keyA), answer: answerB)

            let bSDP = dir.file("b.sdp"), wav = dir.file("b.wav")
            try answerB.write(to: bSDP, atomically: true, encoding: .utf8)
            let receiver = try ChildProcess(ffmpeg, FFArgs.receive(sdp: bSDP, seconds: 2.5, sampleRate: 8000, wav: wav),
                                     log: dir.file("receiver.log"))
            defer { receiver.kill() }
            try await receiver.listening(on: portB)
            let sender = try ChildProcess(ffmpeg, FFArgs.sendOpusSRTP(key: keyA, seconds: 4, to: session.portA),
                                   log: dir.file("sender.log"))
            defer { sender.kill() }

            let received = await receiver.exit(within: .seconds(9))
            #expect(received == 0, "ffmpeg receiver: \(receiver.output)")
            #expect(await sender.exit(within: .seconds(6)) == 0, "ffmpeg sender: \(sender.output)")
            let audio = try WAV(wav)
            #expect(audio.sampleRate == 8000 && audio.channels == 1)
            #expect(audio.samples.count >= 8000 * 2, "at least 2 s decoded, got \(audio.samples.count) samples")
            let steady = Array(audio.samples.dropFirst(1600))  // 0.2 s for the Opus encoder to settle
            let frequency = Tone.dominant(steady, sampleRate: 8000, candidates: [300, 500, 800, 1000, 1200, 2000, 3000])
            let level = rms(steady)
            print("opus/srtp -> pcmu: \(audio.samples.count) samples at B, dominant \(frequency) Hz, RMS \(Int(level))")
            #expect(frequency == 1000)
            // lavfi's sine is at 1/8 full scale: RMS 2896; Opus and G.711 keep it within a few dB.
            #expect((1500...6000).contains(level), "RMS \(level)")

            let s = try await server.request("GET", "/v1/sessions/\(session.id)", token: LiveServer.clientToken).json
            let legs = s["legs"] as? [[String: Any]] ?? []
            #expect(s["state"] as? String == "active", "\(s)")
            #expect((legs.first { $0["name"] as? String == "a" }?["packets_in"] as? Int ?? 0) >= 100, "\(legs)")
            #expect((legs.first { $0["name"] as? String == "b" }?["packets_out"] as? Int ?? 0) >= 100, "\(legs)")
        }
    }

    // MARK: 2. PCMU in, Opus/SRTP out

    @Test("ffmpeg PCMU -> B, session transcodes, A's SRTP decoded by ffmpeg (1 kHz) and authenticated by pylibsrtp",
          .enabled(if: (Tool.ffmpeg != nil && PyLibSRTP.isAvailable) || ProcessInfo.processInfo.environment["CI"] != nil, "ffmpeg or pylibsrtp is not installed"))
    func pcmuToOpusSRTP() async throws {
        let ffmpeg = try #require(Tool.ffmpeg)
        let dir = try TempDir()
        try await withLiveServer { server in
            // A's port is a UDPPeer: it keeps every SRTP packet (for pylibsrtp) and forwards it to ffmpeg.
            let atA = try UDPPeer(), bPeer = try UDPPeer()
            let session = try await Self.bridge(server, offer: Self.opusSRTPOffer(port: atA.port, key: randomKey()),
                                                answer: Self.pcmuAnswer(port: bPeer.port))
            let ffmpegPort = try freePortPair()
            let aSDP = dir.file("a.sdp"), wav = dir.file("a.wav")
            // What ffmpeg's SDP demuxer needs to decrypt: Switchboard's key from the answer for A.
            try Self.opusSRTPOffer(port: ffmpegPort, key: session.keyTowardA).write(to: aSDP, atomically: true, encoding: .utf8)
            let receiver = try ChildProcess(ffmpeg, FFArgs.receive(sdp: aSDP, seconds: 2.5, sampleRate: 48000, wav: wav),
                                     log: dir.file("receiver.log"))
            defer { receiver.kill() }
            try await receiver.listening(on: ffmpegPort)

            let captured = Mutex<[[UInt8]]>([])
            let stop = Atomic<Bool>(false)
            let relay = Thread {
                while !stop.load(ordering: .relaxed) {
                    guard let (bytes, _) = atA.receive(timeout: 0.1) else { continue }
                    captured.withLock { $0.append(bytes) }
                    atA.send(bytes, to: Int(ffmpegPort))
                }
            }
            relay.start()
            defer { stop.store(true, ordering: .relaxed) }
            let sender = try ChildProcess(ffmpeg, FFArgs.sendPCMU(seconds: 4, to: session.portB), log: dir.file("sender.log"))
            defer { sender.kill() }

            #expect(await receiver.exit(within: .seconds(9)) == 0, "ffmpeg receiver: \(receiver.output)")
            #expect(await sender.exit(within: .seconds(6)) == 0, "ffmpeg sender: \(sender.output)")
            stop.store(true, ordering: .relaxed)

            let audio = try WAV(wav)
            #expect(audio.samples.count >= 48000 * 2, "at least 2 s decoded, got \(audio.samples.count) samples")
            let steady = Array(audio.samples.dropFirst(9600))
            let frequency = Tone.dominant(steady, sampleRate: 48000, candidates: [300, 500, 800, 1000, 1200, 2000, 3000])
            let level = rms(steady)
            print("pcmu -> opus/srtp: \(audio.samples.count) samples at A (ffmpeg, SRTP), dominant \(frequency) Hz, RMS \(Int(level))")
            #expect(frequency == 1000)
            #expect((1500...6000).contains(level), "RMS \(level)")

            // Independently: every packet Switchboard sent to A authenticates under its key with pylibsrtp.
            let packets = captured.withLock { $0 }.filter { $0.count >= 12 && !(72...76).contains($0[1] & 0x7F) }
            #expect(packets.count >= 100, "SRTP packets at A: \(packets.count)")
            let clear = try PyLibSRTP.run(suite: Self.suite, key: session.keyTowardA, mode: "unprotect", packets: packets)
            let failed = clear.filter { $0 == nil }.count
            #expect(failed == 0, "\(failed) of \(packets.count) packets failed to authenticate with pylibsrtp")
            let rtp = clear.compactMap { $0.flatMap(RTP.init) }
            #expect(rtp.count == packets.count)
            #expect(rtp.allSatisfy { $0.payloadType == 111 && !$0.payload.isEmpty })
            #expect(Set(rtp.map(\.ssrc)).count == 1)
            #expect(zip(rtp, rtp.dropFirst()).allSatisfy { $1.sequence == $0.sequence &+ 1 && $1.timestamp == $0.timestamp &+ 960 },
                    "consecutive sequence numbers, 20 ms (960) timestamp steps")
            // The ciphertext is not the plaintext: SRTP actually encrypted the payload.
            #expect(zip(packets, clear).allSatisfy { cipher, plain in plain.map { Array(cipher[12..<$0.count]) != Array($0[12...]) } ?? false })
            print("pylibsrtp: \(packets.count) packets authenticated, SSRC \(String(rtp.first?.ssrc ?? 0, radix: 16))")
        }
    }

    // MARK: 3. kill -9 under a real sender

    @Test("kill -9 of the session's worker while ffmpeg streams Opus/SRTP: B keeps getting the tone, same SSRC, gap < 1 s",
          .enabled(if: Tool.ffmpeg != nil || ProcessInfo.processInfo.environment["CI"] != nil, "ffmpeg is not installed"))
    func killWorkerUnderFFmpeg() async throws {
        let ffmpeg = try #require(Tool.ffmpeg)
        let dir = try TempDir()
        try await withLiveServer { server in
            let keyA = randomKey()
            let sink = try UDPPeer(), b = try UDPPeer()
            let session = try await Self.bridge(server, offer: Self.opusSRTPOffer(port: sink.port, key: keyA),
                                                answer: Self.pcmuAnswer(port: b.port))
            let received = RTPRecorder(b)
            defer { received.stop() }
            let sender = try ChildProcess(ffmpeg, FFArgs.sendOpusSRTP(key: keyA, seconds: 5, to: session.portA), log: dir.file("sender.log"))
            defer { sender.kill() }

            try await eventually("media at B") { received.count >= 50 }
            let workerID = try #require(try await server.request("GET", "/v1/sessions/\(session.id)",
                                                                 token: LiveServer.clientToken).json["worker"] as? String)
            let pid = try #require(try await server.workerPIDs()[workerID], "pid of \(workerID)")
            let killedAt = DispatchTime.now().uptimeNanoseconds
            #expect(kill(pid, SIGKILL) == 0)
            try await eventually("media at B after the kill", timeout: .seconds(5)) {
                received.count(after: killedAt) >= 50
            }
            received.stop()
            #expect(sender.isRunning, "ffmpeg kept sending through the crash: \(sender.output)")
            sender.kill()

            let packets = received.packets
            let before = packets.filter { $0.at < killedAt }, after = packets.filter { $0.at > killedAt }
            let gap = Double((after.first?.at ?? killedAt) - (before.last?.at ?? killedAt)) / 1e6
            print("kill -9 under ffmpeg: media gap at B \(String(format: "%.1f", gap)) ms (last packet before the kill -> first after); "
                  + "\(before.count) packets before, \(after.count) after, worker \(workerID) pid \(pid)")
            #expect(gap < 1000, "media resumed within a second (measured \(gap) ms)")
            #expect(Set(packets.map(\.rtp.ssrc)).count == 1, "same SSRC before and after the crash")
            #expect(packets.allSatisfy { $0.rtp.payloadType == 0 && $0.rtp.payload.count == 160 })
            if let last = before.last?.rtp, let first = after.first?.rtp {
                #expect(first.sequence &- last.sequence >= 1 && first.sequence &- last.sequence < 100,
                        "sequence continues: \(last.sequence) -> \(first.sequence)")
                #expect(first.timestamp &- last.timestamp >= 160 && first.timestamp &- last.timestamp < 80_000,
                        "timestamp advances: \(last.timestamp) -> \(first.timestamp)")
            }
            let pcm = { (list: ArraySlice<RTPRecorder.Arrival>) in list.flatMap { $0.rtp.payload.map(muLawDecode) } }
            let candidates: [Double] = [300, 500, 800, 1000, 1200, 2000, 3000]
            #expect(Tone.dominant(pcm(before.dropFirst(10)[...]), sampleRate: 8000, candidates: candidates) == 1000)
            #expect(Tone.dominant(pcm(after.dropFirst(5)[...]), sampleRate: 8000, candidates: candidates) == 1000,
                    "the tone after the restart")
            let s = try await server.request("GET", "/v1/sessions/\(session.id)", token: LiveServer.clientToken).json
            #expect(s["state"] as? String == "active", "\(s)")
            #expect(try await server.workerPIDs()[s["worker"] as? String ?? ""] != pid)
        }
    }

    // MARK: 4. SDP written by real tools

    static let captured: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return files.filter { $0.hasPrefix("captured-") && $0.hasSuffix(".sdp") }.sorted()
    }()
    static let corpus = Products.repositoryRoot.appendingPathComponent("Tests/SDPTests/Corpus")

    @Test("captured SDP (ffmpeg, sipp on this machine): parse -> write -> parse, and BridgeOffer accepts it or says why not",
          arguments: captured)
    func capturedSDP(name: String) throws {
        let input = try String(contentsOf: Self.corpus.appendingPathComponent(name), encoding: .utf8)
        let parsed = try SessionDescription(parsing: input)
        #expect(try SessionDescription(parsing: parsed.text) == parsed)
        #expect(parsed.text == input.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n"))
        let audio = try #require(parsed.media.first)
        #expect(audio.type == "audio")
        if name.contains("srtp") {
            // ffmpeg 5.1 writes RTP/AVP next to a=crypto for its SRTP output; the attribute must survive.
            #expect(audio.cryptos.count == 1, "\(parsed.text)")
        }
        for options in [BridgeOptions(), try BridgeOptions.transcode(codecs: ["PCMU"], profile: "RTP/AVP")] {
            do {
                let offer = try BridgeOffer(offerFromA: parsed, localB: MediaEndpoint(address: "127.0.0.1", port: 40002),
                                            options: options, keyProvider: randomKey)
                #expect(!offer.codecsForB.isEmpty)
                #expect(try SessionDescription(parsing: offer.offerForB.text) == offer.offerForB)
            } catch {  // typed: SDPError
                #expect(error == .unsupportedMedia, "\(name): \(error)")
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test("the captured ffmpeg SDP is what this machine's ffmpeg writes today (ports and keys aside)",
          .enabled(if: Tool.ffmpeg != nil || ProcessInfo.processInfo.environment["CI"] != nil, "ffmpeg is not installed"),
          arguments: [("captured-ffmpeg-opus.sdp", FFArgs.sdpOpus), ("captured-ffmpeg-opus-stereo.sdp", FFArgs.sdpOpusStereo),
                      ("captured-ffmpeg-opus-srtp.sdp", FFArgs.sdpOpusSRTP), ("captured-ffmpeg-pcmu.sdp", FFArgs.sdpPCMU),
                      ("captured-ffmpeg-pcmu-srtp32.sdp", FFArgs.sdpPCMUSRTP32)])
    func ffmpegWritesTheCapturedSDP(name: String, arguments: @Sendable (String, String) -> [String]) async throws {
        let ffmpeg = try #require(Tool.ffmpeg)
        let dir = try TempDir()
        let sink = try UDPPeer()
        let file = dir.file("out.sdp")
        let run = try ChildProcess(ffmpeg, arguments(file.path, "srtp://127.0.0.1:\(sink.port)"), log: dir.file("log"))
        defer { run.kill() }
        #expect(await run.exit(within: .seconds(10)) == 0, "\(run.output)")
        let live = try SessionDescription(parsing: try String(contentsOf: file, encoding: .utf8))
        let captured = try SessionDescription(parsing: try String(contentsOf: Self.corpus.appendingPathComponent(name), encoding: .utf8))
        func normalized(_ sdp: SessionDescription) -> String {
            sdp.text.replacingOccurrences(of: #"m=audio \d+ "#, with: "m=audio PORT ", options: .regularExpression)
                .replacingOccurrences(of: #"inline:[A-Za-z0-9+/=]+"#, with: "inline:KEY", options: .regularExpression)
        }
        #expect(normalized(live) == normalized(captured))
    }
}

// MARK: - local helpers (candidates for the test kit)

/// ffmpeg command lines (ffmpeg 5.1, as in ../shared/NOTES.md).
private enum FFArgs {
    static let quiet = ["-hide_banner", "-loglevel", "error", "-nostdin", "-y"]

    /// A 1 kHz sine, Opus over SDES-SRTP (payload type 111), in real time.
    static func sendOpusSRTP(key: [UInt8], seconds: Double, to port: Int) -> [String] {
        quiet + ["-re", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t", "\(seconds)", "-ac", "1",
                 "-c:a", "libopus", "-payload_type", "111", "-f", "rtp",
                 "-srtp_out_suite", FFmpegSessionTests.suite, "-srtp_out_params", Data(key).base64EncodedString(),
                 "srtp://127.0.0.1:\(port)"]
    }

    /// A 1 kHz sine, PCMU in 20 ms packets (payload type 0), in real time.
    static func sendPCMU(seconds: Double, to port: Int) -> [String] {
        quiet + ["-re", "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=8000", "-t", "\(seconds)", "-ac", "1",
                 "-af", "asetnsamples=n=160", "-c:a", "pcm_mulaw", "-payload_type", "0", "-f", "rtp", "rtp://127.0.0.1:\(port)"]
    }

    /// Receives what `sdp` describes (RTP, or SRTP with its a=crypto) and writes `seconds` of mono 16-bit WAV.
    static func receive(sdp: URL, seconds: Double, sampleRate: Int, wav: URL) -> [String] {
        quiet + ["-protocol_whitelist", "file,udp,rtp,srtp", "-i", sdp.path, "-t", "\(seconds)",
                 "-ac", "1", "-ar", "\(sampleRate)", "-c:a", "pcm_s16le", wav.path]
    }

    private static func sdpRun(_ input: [String], _ codec: [String], _ srtp: [String]) -> @Sendable (String, String) -> [String] {
        { file, url in
            quiet + ["-f", "lavfi", "-i"] + input + ["-t", "0.1"] + codec + ["-f", "rtp"] + srtp + ["-sdp_file", file]
                + [srtp.isEmpty ? url.replacingOccurrences(of: "srtp://", with: "rtp://") : url]
        }
    }
    static let key = Data((0..<30).map { UInt8($0) }).base64EncodedString()
    static let sdpOpus = sdpRun(["sine=frequency=1000:sample_rate=48000"], ["-ac", "1", "-c:a", "libopus", "-payload_type", "111"], [])
    static let sdpOpusStereo = sdpRun(["sine=frequency=1000:sample_rate=48000"], ["-ac", "2", "-c:a", "libopus"], [])
    static let sdpOpusSRTP = sdpRun(["sine=frequency=1000:sample_rate=48000"], ["-ac", "1", "-c:a", "libopus", "-payload_type", "111"],
                                    ["-srtp_out_suite", "AES_CM_128_HMAC_SHA1_80", "-srtp_out_params", key])
    static let sdpPCMU = sdpRun(["sine=frequency=1000:sample_rate=8000"], ["-ac", "1", "-af", "asetnsamples=n=160", "-c:a", "pcm_mulaw"], [])
    static let sdpPCMUSRTP32 = sdpRun(["sine=frequency=1000:sample_rate=8000"], ["-ac", "1", "-af", "asetnsamples=n=160", "-c:a", "pcm_mulaw"],
                                      ["-srtp_out_suite", "AES_CM_128_HMAC_SHA1_32", "-srtp_out_params", key])
}

private func rms(_ samples: [Int16]) -> Double {
    guard !samples.isEmpty else { return 0 }
    return (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(samples.count)).squareRoot()
}

/// G.711 mu-law to linear (ITU-T G.711).
private func muLawDecode(_ byte: UInt8) -> Int16 {
    let u = ~byte
    let magnitude = ((Int(u & 0x0F) << 3) + 0x84) << Int((u >> 4) & 0x07) - 0x84
    return Int16(u & 0x80 != 0 ? -magnitude : magnitude)
}

private func randomKey() -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    return (0..<30).map { _ in UInt8.random(in: 0...255, using: &generator) }
}

/// An even UDP port below the ephemeral range (and Switchboard's media range) with it and the next free on
/// 127.0.0.1: for ffmpeg, which binds RTP on the port and RTCP on the next.
private func freePortPair() throws -> UInt16 {
    func bindable(_ port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var sin = UDPPeer.address(port: port)
        return withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
    for _ in 0..<200 {
        let port = UInt16.random(in: 10_000...15_000) * 2
        if bindable(port), bindable(port + 1) { return port }
    }
    throw UDPPeer.Failure(description: "no free UDP port pair")
}

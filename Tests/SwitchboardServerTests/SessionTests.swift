import Foundation
import Synchronization
import SwitchboardServer
import SwitchboardTestKit
import Testing
import WorkerPorts

/// Sessions through the HTTP API with real RTP peers on loopback.
@Suite("Sessions with real media", .serialized, .timeLimit(.minutes(3)))
struct SessionTests {
    static func offer(port: UInt16, name: String = "peer", profile: String = "RTP/AVP") -> String {
        """
        v=0\r
        o=- 1 1 IN IP4 127.0.0.1\r
        s=\(name)\r
        c=IN IP4 127.0.0.1\r
        t=0 0\r
        m=audio \(port) \(profile) 0 101\r
        a=rtpmap:0 PCMU/8000\r
        a=rtpmap:101 telephone-event/8000\r
        a=fmtp:101 0-16\r
        a=ptime:20\r
        a=sendrecv\r

        """
    }

    static func mediaPort(_ sdp: String) -> Int? {
        sdp.split(whereSeparator: \.isNewline).first { $0.hasPrefix("m=audio ") }.flatMap { Int($0.split(separator: " ")[1]) }
    }

    static func json(_ object: [String: Any]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }

    /// Creates and answers a PCMU relay session between two peers; returns (id, our port for A, our port for B).
    static func bridge(_ server: LiveServer, a: UDPPeer, b: UDPPeer) async throws -> (String, Int, Int) {
        let created = try await server.request("POST", "/v1/sessions", token: LiveServer.clientToken,
                                               body: json(["offer": offer(port: a.port, name: "A")]))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        #expect(created.json["state"] as? String == "offered")
        let offerForB = try #require(created.json["sdp"] as? String)
        let portB = try #require(mediaPort(offerForB))
        let answered = try await server.request("POST", "/v1/sessions/\(id)/answer", token: LiveServer.clientToken,
                                                body: json(["answer": offer(port: b.port, name: "B")]))
        #expect(answered.status == 200, "\(answered.text)")
        #expect(answered.json["state"] as? String == "answered")
        let answerForA = try #require(answered.json["sdp"] as? String)
        let portA = try #require(mediaPort(answerForA))
        return (id, portA, portB)
    }

    @Test("a PCMU relay session: offer, answer, media both ways, counters, end")
    func relay() async throws {
        try await withLiveServer { server in
            let a = try UDPPeer(), b = try UDPPeer()
            let (id, portA, portB) = try await Self.bridge(server, a: a, b: b)
            let payload = [UInt8](repeating: 0xD5, count: 160)
            for i in 0..<5 {
                a.send(RTP(payloadType: 0, sequence: UInt16(100 + i), timestamp: UInt32(i * 160), ssrc: 0xA, payload: payload).bytes, to: portA)
            }
            var atB: [RTP] = []
            for _ in 0..<5 { atB.append(try b.receiveRTP(timeout: 5)) }
            #expect(atB.allSatisfy { $0.payload == payload && $0.payloadType == 0 })
            #expect(Set(atB.map(\.ssrc)).count == 1)
            #expect(atB.first?.ssrc != 0xA, "B sees Switchboard's SSRC, not A's")
            b.send(RTP(payloadType: 0, sequence: 7, timestamp: 0, ssrc: 0xB, payload: payload).bytes, to: portB)
            #expect(try a.receiveRTP(timeout: 5).payload == payload)

            try await eventually("the session to become active with counters") {
                let s = try await server.request("GET", "/v1/sessions/\(id)", token: LiveServer.clientToken).json
                let legs = s["legs"] as? [[String: Any]] ?? []
                return s["state"] as? String == "active" && (legs.first?["packets_in"] as? Int ?? 0) >= 5
            }
            let list = try await server.op("GET", "/v1/sessions").json["sessions"] as? [[String: Any]]
            #expect(list?.count == 1)
            let workers = try await server.workers()
            #expect(workers.map { $0["streams"] as? Int ?? 0 }.reduce(0, +) == 1)
            #expect(try await server.request("DELETE", "/v1/sessions/\(id)", token: LiveServer.clientToken).status == 204)
            let ended = try await server.request("GET", "/v1/sessions/\(id)", token: LiveServer.clientToken).json
            #expect(ended["state"] as? String == "ended")
            #expect(ended["end_reason"] as? String == "deleted")
            a.send(RTP(payloadType: 0, sequence: 200, timestamp: 0, ssrc: 0xA, payload: payload).bytes, to: portA)
            #expect(b.receive(timeout: 0.3) == nil, "no media after the end")
        }
    }

    @Test("kill -9 of the worker carrying a live stream: the receiver keeps getting it, same SSRC, after a short gap")
    func crashSurvival() async throws {
        try await withLiveServer(["pools.transcoder.size": "1"]) { server in
            let a = try UDPPeer(), b = try UDPPeer()
            let (id, portA, _) = try await Self.bridge(server, a: a, b: b)
            let pids = try await server.workerPIDs()
            let worker = try #require(pids["transcoder.1"])
            let received = RTPRecorder(b)
            let sent = Mutex(0)
            let stop = Atomic<Bool>(false)
            let sender = Thread {  // 50 packets/s, as a real endpoint
                for i in 0..<150 where !stop.load(ordering: .relaxed) {
                    a.send(RTP(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: 0xA,
                               payload: [UInt8](repeating: 0xD5, count: 160)).bytes, to: portA)
                    sent.withLock { $0 = i + 1 }
                    usleep(20_000)
                }
            }
            sender.start()
            try await eventually("media flowing") { received.count >= 25 }
            let killedAt = DispatchTime.now().uptimeNanoseconds
            kill(worker, SIGKILL)
            try await eventually("media after the kill", timeout: .seconds(10)) {
                received.count(after: killedAt + 100_000_000) > 0
            }
            try await eventually("the sender to finish", timeout: .seconds(10)) { sent.withLock { $0 } == 150 }
            try await Task.sleep(for: .milliseconds(200))  // the last packets in flight
            stop.store(true, ordering: .relaxed)
            received.stop()
            let packets = received.packets
            let before = packets.filter { $0.at < killedAt }, after = packets.filter { $0.at > killedAt }
            #expect(!before.isEmpty && !after.isEmpty)
            #expect(Set(packets.map(\.rtp.ssrc)).count == 1, "same SSRC before and after the crash")
            // Sequence numbers keep increasing across the gap: never reused.
            let seqs = packets.map { Int($0.rtp.sequence) }
            let unwrapped = seqs.dropFirst().reduce(into: [seqs[0]]) { acc, s in
                var next = s
                while next < acc.last! - 30000 { next += 65536 }
                acc.append(next)
            }
            #expect(zip(unwrapped, unwrapped.dropFirst()).allSatisfy { $0 < $1 }, "sequence numbers must increase: \(seqs)")
            let gap = received.largestGapMilliseconds
            print("crash survival: media gap \(String(format: "%.1f", gap)) ms across kill -9; \(before.count) packets before, \(after.count) after")
            #expect(gap < 1000, "media resumed within a second (measured \(gap) ms)")
            let restored = server.orchestrator.events.recent.contains { $0.type == "session.media_restored" && $0.fields["session"] == id }
            #expect(restored)
            let newPID = try await server.workerPIDs()["transcoder.1"]
            #expect(newPID != nil && newPID != worker)
        }
    }

    @Test("draining a worker moves its live stream to another worker: same SSRC, short gap, no re-signaling")
    func drain() async throws {
        try await withLiveServer(["pools.transcoder.size": "2"]) { server in
            let a = try UDPPeer(), b = try UDPPeer()
            let (id, portA, _) = try await Self.bridge(server, a: a, b: b)
            let before = try #require(try await server.request("GET", "/v1/sessions/\(id)", token: LiveServer.clientToken).json["worker"] as? String)
            let received = RTPRecorder(b)
            let stop = Atomic<Bool>(false)
            let sender = Thread {
                for i in 0..<100 where !stop.load(ordering: .relaxed) {
                    a.send(RTP(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: 0xA,
                               payload: [UInt8](repeating: 0xD5, count: 160)).bytes, to: portA)
                    usleep(20_000)
                }
            }
            sender.start()
            try await eventually("media flowing") { received.count >= 20 }
            let drainedAt = DispatchTime.now().uptimeNanoseconds
            let reply = try await server.op("POST", "/v1/workers/\(before)/drain")
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["sessions_moved"] as? [String] == [id])
            try await eventually("media after the drain") {
                received.count(after: drainedAt + 200_000_000) > 0
            }
            stop.store(true, ordering: .relaxed)
            received.stop()
            let after = try #require(try await server.request("GET", "/v1/sessions/\(id)", token: LiveServer.clientToken).json["worker"] as? String)
            #expect(after != before, "the session moved to the other worker")
            let packets = received.packets
            #expect(Set(packets.map(\.rtp.ssrc)).count == 1)
            let gap = received.largestGapMilliseconds
            print("drain: media gap \(String(format: "%.1f", gap)) ms while moving from \(before) to \(after)")
            #expect(gap < 1000)
            #expect(server.orchestrator.events.recent.contains { $0.type == "session.moved" && $0.fields["session"] == id })
        }
    }

    @Test("bad and unsupported offers, unknown sessions, answers in the wrong state")
    func errors() async throws {
        try await withLiveServer { server in
            func post(_ path: String, _ body: String) async throws -> LiveServer.Reply {
                try await server.request("POST", path, token: LiveServer.clientToken, body: body)
            }
            let garbage = try await post("/v1/sessions", Self.json(["offer": "v=0\r\nthis is not sdp"]))
            #expect(garbage.status == 400)
            #expect(garbage.headers["content-type"] == "application/problem+json")
            let webrtc = Self.offer(port: 5000, profile: "UDP/TLS/RTP/SAVPF")
            let unsupported = try await post("/v1/sessions", Self.json(["offer": webrtc]))
            #expect(unsupported.status == 422)
            #expect(unsupported.json["type"] as? String == "unsupported_media")
            #expect(try await post("/v1/sessions", "{\"nope\": 1}").status == 400)
            #expect(try await post("/v1/sessions/s-unknown/answer", Self.json(["answer": Self.offer(port: 5000)])).status == 404)
            #expect(try await server.request("DELETE", "/v1/sessions/s-unknown", token: LiveServer.clientToken).status == 404)
            #expect(try await server.request("GET", "/v1/sessions", token: nil).status == 401)
            let created = try await post("/v1/sessions", Self.json(["offer": Self.offer(port: 5000)]))
            let id = try #require(created.json["id"] as? String)
            let bad = try await post("/v1/sessions/\(id)/answer", Self.json(["answer": "garbage"]))
            #expect(bad.status == 400)
            #expect(try await post("/v1/sessions/\(id)/answer", Self.json(["answer": Self.offer(port: 5002)])).status == 200)
            #expect(try await post("/v1/sessions/\(id)/answer", Self.json(["answer": Self.offer(port: 5002)])).status == 409)
        }
    }

    @Test("admission control: 503 with Retry-After at once when full; the answer timer ends a session")
    func admissionAndTimers() async throws {
        try await withLiveServer(["limits.max_sessions": "1", "sessions.answer_timeout": "300ms"]) { server in
            let first = try await server.request("POST", "/v1/sessions", token: LiveServer.clientToken,
                                                 body: Self.json(["offer": Self.offer(port: 5000)]))
            #expect(first.status == 201)
            let id = try #require(first.json["id"] as? String)
            let second = try await server.request("POST", "/v1/sessions", token: LiveServer.clientToken,
                                                  body: Self.json(["offer": Self.offer(port: 5002)]))
            #expect(second.status == 503)
            #expect(second.headers["retry-after"] == "1")
            try await eventually("the answer timeout") {
                let s = try await server.request("GET", "/v1/sessions/\(id)", token: LiveServer.clientToken).json
                return s["state"] as? String == "ended" && s["end_reason"] as? String == "answer_timeout"
            }
            let third = try await server.request("POST", "/v1/sessions", token: LiveServer.clientToken,
                                                 body: Self.json(["offer": Self.offer(port: 5004)]))
            #expect(third.status == 201, "capacity is back once the session ended")
        }
    }
}

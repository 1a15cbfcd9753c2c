import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// Sessions on remote edges (real `switchboard edge` processes, each with
/// its own HTTP port, media port range and worker): placement, a dead edge's
/// sessions moved with `session.moved`, and a control-plane outage.
@Suite("Sessions across edges", .serialized, .timeLimit(.minutes(4)))
struct EdgePlacementTests {
    static let edgeToken = "dev-edge-token"

    /// A `switchboard edge` process registered with `controlPlane`.
    static func startEdge(_ id: String, region: String, controlPlane: String, dir: TempDir,
                          extra: [String] = []) throws -> ChildProcess {
        try ChildProcess(Products.switchboard, [
            "edge", "--control-plane", controlPlane, "--id", id, "--token", edgeToken, "--region", region,
            "--config", Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path,
            "--set", "http.listen=127.0.0.1:0", "--set", "media.port_range=\(nextMediaPortRange())", "--set", "sip.enabled=false",
            "--set", "pools.transcoder.executable=\(Products.transcoder)", "--set", "pools.transcoder.size=1",
            "--set", "edges.heartbeat_interval=200ms",
        ] + extra, log: dir.file("\(id).log"))
    }

    /// The rows of `GET /v1/edges` by id.
    static func edges(_ base: String) async throws -> [String: [String: Any]] {
        let reply = try await HTTP.request("GET", base + "/v1/edges", token: LiveServer.operatorToken)
        let rows = reply.json["edges"] as? [[String: Any]] ?? []
        return Dictionary(rows.compactMap { row in (row["id"] as? String).map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
    }

    static func waitAlive(_ base: String, _ ids: [String]) async throws {
        try await eventually("edges \(ids) alive with a ready worker", timeout: .seconds(30)) {
            let rows = try await edges(base)
            return ids.allSatisfy { rows[$0]?["state"] as? String == "alive" && (rows[$0]?["workers_ready"] as? Int ?? 0) >= 1 }
        }
    }

    /// An in-process control plane that carries no media itself (pool size 0; 200 ms heartbeats;
    /// SIP off unless `overrides` turn it on) with `edges` (id, region, extra flags) running,
    /// registered and alive with a ready worker; they are killed when `body` returns.
    static func withEdges(_ edges: [(id: String, region: String, extra: [String])], _ overrides: [String: String] = [:],
                          sipRoutes: String? = nil, _ body: @Sendable (LiveServer, [ChildProcess]) async throws -> Void) async throws {
        var values = ["edges.heartbeat_interval": "200ms", "pools.transcoder.size": "0", "sip.enabled": "false"]
        for (k, v) in overrides { values[k] = v }
        try await withLiveServer(values, sipRoutes: sipRoutes) { server in
            let dir = try TempDir()
            let nodes = try edges.map { try startEdge($0.id, region: $0.region, controlPlane: server.base, dir: dir, extra: $0.extra) }
            defer { for node in nodes { node.kill() } }
            try await waitAlive(server.base, edges.map(\.id))
            try await body(server, nodes)
        }
    }

    static let sipOn = ["sip.enabled": "true", "sip.t1": "50ms", "sip.t2": "400ms"]

    /// One call: A sends a 1 kHz tone (PCMU) to its port on the edge, B records.
    final class Call: Sendable {
        let a: UDPPeer
        let b: UDPPeer
        let recorder: RTPRecorder
        let id: String
        let target = Atomic<Int>(0)
        init(a: UDPPeer, b: UDPPeer, id: String, portA: Int) {
            self.a = a
            self.b = b
            self.id = id
            recorder = RTPRecorder(b)
            target.store(portA, ordering: .relaxed)
        }
    }

    static func call(_ base: String, edge: String? = nil, region: String? = nil) async throws -> (Call, [String: Any]) {
        let a = try UDPPeer(), b = try UDPPeer()
        var body: [String: Any] = ["offer": SessionTests.offer(port: a.port, name: "A")]
        if let edge { body["edge"] = edge }
        if let region { body["region"] = region }
        let created = try await HTTP.request("POST", base + "/v1/sessions", token: LiveServer.clientToken, body: SessionTests.json(body))
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.json["id"] as? String)
        let answered = try await HTTP.request("POST", base + "/v1/sessions/\(id)/answer", token: LiveServer.clientToken,
                                              body: SessionTests.json(["answer": SessionTests.offer(port: b.port, name: "B")]))
        #expect(answered.status == 200, "\(answered.text)")
        let answerForA = try #require(answered.json["sdp"] as? String)
        let portA = try #require(SessionTests.mediaPort(answerForA))
        return (Call(a: a, b: b, id: id, portA: portA), answered.json)
    }

    /// Sends every call's tone at 50 packets/s on a thread until stopped.
    final class Senders: Sendable {
        let stopped = Atomic<Bool>(false)
        init(_ calls: [Call]) {
            let frames = (0..<50).map { i in
                Tone.pcm16(frequency: 1000, sampleRate: 8000, samples: 160, amplitude: 8000, phase: i * 160).map(MuLaw.encode)
            }
            Thread { [self] in
                var i = 0
                while !stopped.load(ordering: .relaxed) {
                    for call in calls {
                        call.a.send(RTP(payloadType: 0, sequence: UInt16(truncatingIfNeeded: i), timestamp: UInt32(truncatingIfNeeded: i * 160),
                                        ssrc: 0xA, payload: frames[i % frames.count]).bytes, to: call.target.load(ordering: .relaxed))
                    }
                    i += 1
                    usleep(20_000)
                }
            }.start()
        }
        func stop() { stopped.store(true, ordering: .relaxed) }
    }

    /// The frequency B hears in the packets that arrived after `instant`.
    static func heard(_ call: Call, after instant: UInt64) -> Double {
        let samples = call.recorder.packets.filter { $0.at > instant }.flatMap { $0.rtp.payload.map(MuLaw.decode) }
        return Tone.dominant(samples, sampleRate: 8000, candidates: [440, 1000, 2000])
    }

    @Test("three edges: one frozen goes suspect then dead, its calls move (session.moved), the re-pointed tone arrives; SIGCONT: alive, old streams closed")
    func deadEdgeSessionsMove() async throws {
        // The control plane carries no media itself (pool size 0): every session goes to an edge.
        try await Self.withEdges([("e1", "eu", []), ("e2", "eu", []), ("e3", "us", [])]) { server, nodes in

            // Placement: by region and least load; a named edge; none with room -> 503 at once.
            let (inUS, usView) = try await Self.call(server.base, region: "us")
            #expect(usView["edge"] as? String == "e3", "region us goes to e3: \(usView)")
            let (onE1a, e1aView) = try await Self.call(server.base, edge: "e1")
            let (onE1b, _) = try await Self.call(server.base, edge: "e1")
            #expect(e1aView["edge"] as? String == "e1")
            let (spread, spreadView) = try await Self.call(server.base, region: "eu")
            #expect(spreadView["edge"] as? String == "e2", "the least loaded edge of eu: \(spreadView)")
            let unknown = try await HTTP.request("POST", server.base + "/v1/sessions", token: LiveServer.clientToken,
                                                 body: SessionTests.json(["offer": SessionTests.offer(port: 9, name: "X"), "edge": "nope"]))
            #expect(unknown.status == 404, "\(unknown.text)")

            let calls = [inUS, onE1a, onE1b, spread]
            let senders = Senders(calls)
            defer { senders.stop() }
            try await eventually("the tone through every edge") { calls.allSatisfy { $0.recorder.count >= 10 } }
            #expect(calls.allSatisfy { Self.heard($0, after: 0) == 1000 })

            // Freeze e1: suspect, dead, and both its calls move.
            let events = server.orchestrator.events.subscribe()
            let e1Row = try await Self.edges(server.base)["e1"]
            let e1URL = try #require(e1Row?["url"] as? String)
            nodes[0].signal(SIGSTOP)
            let frozenAt = ContinuousClock.now
            var states: [String] = []
            var moved: [String: [String: String]] = [:]
            for await event in events {
                if event.fields["edge"] == "e1", event.type.hasPrefix("edge.") { states.append(event.type) }
                if event.type == "session.moved", let session = event.fields["session"] { moved[session] = event.fields }
                if moved.count == 2 { break }
            }
            print("e1 frozen: \(states), 2 sessions moved after \(ContinuousClock.now - frozenAt)")
            #expect(states == ["edge.suspect", "edge.dead"])
            #expect(Set(moved.keys) == [onE1a.id, onE1b.id])
            for (session, fields) in moved {
                #expect(fields["from"] == "e1" && ["e2", "e3"].contains(fields["to"] ?? ""), "\(fields)")
                let call = try #require(calls.first { $0.id == session })
                let sdpA = try #require(fields["sdp_a"])
                let newPort = try #require(SessionTests.mediaPort(sdpA))
                #expect(SessionTests.mediaPort(fields["sdp_b"] ?? "") != nil)
                call.target.store(newPort, ordering: .relaxed)  // A re-pointed at the new SDP
            }
            let toDead = try await HTTP.request("POST", server.base + "/v1/sessions", token: LiveServer.clientToken,
                                                body: SessionTests.json(["offer": SessionTests.offer(port: 9, name: "X"), "edge": "e1"]))
            #expect(toDead.status == 503 && toDead.json["type"] as? String == "no_capacity", "a dead edge takes nothing: \(toDead.text)")
            let repointedAt = DispatchTime.now().uptimeNanoseconds
            try await eventually("the tone again on the moved calls") {
                [onE1a, onE1b].allSatisfy { $0.recorder.count(after: repointedAt) >= 10 }
            }
            #expect(Self.heard(onE1a, after: repointedAt) == 1000 && Self.heard(onE1b, after: repointedAt) == 1000)
            #expect(inUS.recorder.largestGapMilliseconds < 200 && spread.recorder.largestGapMilliseconds < 200,
                    "calls on the other edges were not disturbed")
            var placedOn: Set<String> = []
            for call in [onE1a, onE1b] {
                var view: [String: Any] = [:]
                try await eventually("moved session \(call.id) active on its new edge") {
                    view = try await HTTP.request("GET", server.base + "/v1/sessions/\(call.id)", token: LiveServer.clientToken).json
                    return view["state"] as? String == "active"
                }
                let edge = view["edge"] as? String ?? ""
                #expect(["e2", "e3"].contains(edge), "\(view)")
                placedOn.insert(edge)
            }
            #expect(placedOn == ["e2", "e3"], "the two moved sessions spread over the two alive edges")

            // Thaw e1: alive again, and the streams it still had are closed there (reason "moved").
            nodes[0].signal(SIGCONT)
            try await eventually("e1 alive again", timeout: .seconds(10)) { try await Self.edges(server.base)["e1"]?["state"] as? String == "alive" }
            try await eventually("e1's old streams closed", timeout: .seconds(10)) {
                let listed = try await HTTP.request("GET", e1URL + "/v1/sessions", token: Self.edgeToken).json["sessions"] as? [[String: Any]] ?? []
                return listed.count == 2 && listed.allSatisfy { $0["state"] as? String == "ended" && $0["end_reason"] as? String == "moved" }
            }
            let listed = try await HTTP.request("GET", server.base + "/v1/sessions", token: LiveServer.operatorToken).json["sessions"] as? [[String: Any]] ?? []
            #expect(listed.count == 4 && listed.allSatisfy { $0["state"] as? String == "active" }, "\(listed)")
            senders.stop()

            // Ending a session through the control plane ends it on its edge.
            #expect(try await HTTP.request("DELETE", server.base + "/v1/sessions/\(spread.id)", token: LiveServer.clientToken).status == 204)
            let view = try await HTTP.request("GET", server.base + "/v1/sessions/\(spread.id)", token: LiveServer.clientToken).json
            #expect(view["state"] as? String == "ended" && view["end_reason"] as? String == "deleted", "\(view)")
            for node in nodes { node.signal(SIGTERM) }
            for node in nodes { #expect(await node.exit(within: .seconds(15)) == 0) }
        }
    }

    @Test("an edge killed with SIGKILL and started again at once: the calls it lost are placed again and heard again")
    func restartedEdgeSessionsMove() async throws {
        try await Self.withEdges([("e1", "eu", []), ("e2", "eu", [])]) { server, nodes in
            let first = nodes[0]
            var restarted: ChildProcess?
            defer { restarted?.kill() }
            let (call, view) = try await Self.call(server.base, edge: "e1")
            #expect(view["edge"] as? String == "e1")
            let senders = Senders([call])
            defer { senders.stop() }
            try await eventually("the tone through e1") { call.recorder.count >= 10 }

            let events = server.orchestrator.events.subscribe()
            first.signal(SIGKILL)
            restarted = try Self.startEdge("e1", region: "eu", controlPlane: server.base, dir: TempDir())
            var moved: [String: String] = [:]
            for await event in events where event.type == "session.moved" && event.fields["session"] == call.id {
                moved = event.fields
                break
            }
            #expect(moved["from"] == "e1" && moved["to"] == "e2", "\(moved)")
            call.target.store(try #require(SessionTests.mediaPort(moved["sdp_a"] ?? "")), ordering: .relaxed)
            let repointedAt = DispatchTime.now().uptimeNanoseconds
            try await eventually("the tone again") { call.recorder.count(after: repointedAt) >= 10 }
            #expect(Self.heard(call, after: repointedAt) == 1000)
            try await Self.waitAlive(server.base, ["e1", "e2"])
        }
    }

    @Test("an edge reports the packet loss of its streams: a sender that skips one packet in four shows about 25%")
    func edgeReportsPacketLoss() async throws {
        try await Self.withEdges([("lossy", "eu", [])]) { server, _ in
            let (call, _) = try await Self.call(server.base, edge: "lossy")
            let stop = Atomic<Bool>(false)
            Thread {
                var sequence: UInt16 = 1
                while !stop.load(ordering: .relaxed) {
                    if sequence % 4 != 0 {  // every fourth packet never sent: lost on the way, as the edge sees it
                        call.a.send(RTP(payloadType: 0, sequence: sequence, timestamp: UInt32(sequence) * 160, ssrc: 0xA,
                                        payload: [UInt8](repeating: 0xFF, count: 160)).bytes, to: call.target.load(ordering: .relaxed))
                    }
                    sequence &+= 1
                    usleep(5_000)
                }
            }.start()
            defer { stop.store(true, ordering: .relaxed) }
            var loss = 0.0
            try await eventually("the edge to report the loss", timeout: .seconds(15)) {
                loss = try await Self.edges(server.base)["lossy"]?["packet_loss"] as? Double ?? 0
                return loss > 0.15
            }
            #expect(loss > 0.15 && loss < 0.35, "reported packet loss \(loss)")
        }
    }

    @Test("a SIP call on a remote edge (route region): the edge dies, both legs get a re-INVITE with the new SDP and are ACKed")
    func sipCallMoves() async throws {
        let a = try SIPPeer(), b = try SIPPeer()
        let routes = "    - match: \"^bob\"\n      target: 127.0.0.1:\(b.port)\n      region: west"
        try await Self.withEdges([("east-1", "east", []), ("west-1", "west", [])], Self.sipOn, sipRoutes: routes) { server, nodes in
            let sip = try #require(server.sipPort)
            let west = nodes[1]

            let (invite, ok) = try SIPB2BUATests.connect(a, b, sip: sip, callID: "moving-1")
            let listed = try await server.op("GET", "/v1/sessions").json["sessions"] as? [[String: Any]] ?? []
            let session = try #require(listed.first)
            #expect(session["edge"] as? String == "west-1", "the route's region: \(session)")
            let oldA = try #require(SIPPeer.mediaPort(ok.body)), oldB = try #require(SIPPeer.mediaPort(invite.body))

            west.signal(SIGSTOP)
            // Our re-INVITEs: A gets our new answer as an offer, B the new offer for B; both answer 200 and get an ACK.
            let toA = try a.request(.invite, timeout: 10)
            #expect(toA.callID == "moving-1" && toA.to?.tag == "a-tag", "in A's dialog")
            a.send(a.answer(toA, status: 200, tag: "a-tag", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            let toB = try b.request(.invite, timeout: 10)
            #expect(toB.callID == invite.callID && toB.to?.tag == "b-tag", "in B's dialog")
            b.send(b.answer(toB, status: 200, sdp: SIPPeer.sdp(port: 30_002)), to: sip)
            let ackA = try a.request(.ack), ackB = try b.request(.ack)
            #expect(ackA.cseq?.number == toA.cseq?.number && ackB.cseq?.number == toB.cseq?.number)
            let newA = try #require(SIPPeer.mediaPort(toA.body)), newB = try #require(SIPPeer.mediaPort(toB.body))
            #expect(newA != oldA && newB != oldB)

            let moved = try await server.op("GET", "/v1/sessions/\(session["id"] as? String ?? "")").json
            #expect(moved["edge"] as? String == "east-1", "\(moved)")
            let legs = moved["legs"] as? [[String: Any]] ?? []
            #expect(legs.first { $0["name"] as? String == "a" }?["local_port"] as? Int == newA)
            #expect(legs.first { $0["name"] as? String == "b" }?["local_port"] as? Int == newB)

            // The call still ends cleanly: BYE from A ends B's leg and the session on its new edge.
            a.send(a.inDialog(.bye, user: "bob", sipPort: sip, callID: "moving-1", cseq: 2, toTag: ok.to?.tag), to: sip)
            _ = try a.response(200)
            let bye = try b.request(.bye)
            b.send(b.answer(bye, status: 200), to: sip)
            try await eventually("the session ended") {
                try await server.op("GET", "/v1/sessions/\(session["id"] as? String ?? "")").json["state"] as? String == "ended"
            }
        }
    }

    @Test("re-INVITE hold and resume on a call whose media is on a remote edge: the edge's reoffer/reanswer API bridges them")
    func sipHoldOnRemoteEdge() async throws {
        let a = try SIPPeer(), b = try SIPPeer()
        try await Self.withEdges([("e1", "eu", [])], Self.sipOn.merging(["sip.default_route": "127.0.0.1:\(b.port)"]) { $1 }) { server, _ in
            let sip = try #require(server.sipPort)
            let (invite, ok) = try SIPB2BUATests.connect(a, b, sip: sip, callID: "held-1")
            let session = try #require(try await server.op("GET", "/v1/sessions").json["sessions"] as? [[String: Any]]).first
            #expect(session?["edge"] as? String == "e1")
            for (cseq, (offered, answered)) in [(2, ("sendonly", "recvonly")), (3, ("sendrecv", "sendrecv"))] {
                a.send(a.invite(user: "bob", sipPort: sip, callID: "held-1", cseq: cseq,
                                sdp: SIPPeer.sdp(port: 30_000, direction: offered, version: cseq), toTag: ok.to?.tag), to: sip)
                let reinvite = try b.request(.invite)
                #expect(String(decoding: reinvite.body, as: UTF8.self).contains("a=\(offered)"))
                #expect(SIPPeer.mediaPort(reinvite.body) == SIPPeer.mediaPort(invite.body), "the edge's same port for B")
                b.send(b.answer(reinvite, status: 200, sdp: SIPPeer.sdp(port: 30_002, direction: answered, version: cseq)), to: sip)
                _ = try b.request(.ack)
                let answer = try a.response(200)
                #expect(String(decoding: answer.body, as: UTF8.self).contains("a=\(answered)"))
                #expect(SIPPeer.mediaPort(answer.body) == SIPPeer.mediaPort(ok.body), "the edge's same port for A")
                a.send(a.inDialog(.ack, user: "bob", sipPort: sip, callID: "held-1", cseq: cseq, toTag: ok.to?.tag), to: sip)
            }
        }
    }

    @Test("a SIP call whose edge dies while B rings: A's 200 carries the new edge's answer, B is re-INVITEd once the call is up")
    func sipCallMovesWhileRinging() async throws {
        let a = try SIPPeer(), b = try SIPPeer()
        // e2's large capacity leaves e1 less loaded: the call goes there.
        try await Self.withEdges([("e1", "eu", []), ("e2", "eu", ["--set", "edge.capacity=1000000"])],
                                 Self.sipOn.merging(["sip.default_route": "127.0.0.1:\(b.port)"]) { $1 }) { server, nodes in
            let sip = try #require(server.sipPort)
            let doomed = nodes[0]
            let events = server.orchestrator.events.subscribe()
            a.send(a.invite(user: "bob", sipPort: sip, callID: "ringing-1", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            let invite = try b.request(.invite)
            b.send(b.answer(invite, status: 180), to: sip)
            _ = try a.response(180)
            let session = try #require(try await server.op("GET", "/v1/sessions").json["sessions"] as? [[String: Any]]).first
            #expect(session?["edge"] as? String == "e1", "\(session ?? [:])")

            doomed.signal(SIGSTOP)
            for await event in events where event.type == "session.moved" { #expect(event.fields["sdp_a"] == nil); break }
            b.send(b.answer(invite, status: 200, sdp: SIPPeer.sdp(port: 30_002)), to: sip)
            let ok = try a.response(200)
            _ = try b.request(.ack)
            let reinvite = try b.request(.invite, timeout: 5)
            b.send(b.answer(reinvite, status: 200, sdp: SIPPeer.sdp(port: 30_002)), to: sip)
            _ = try b.request(.ack)
            a.send(a.inDialog(.ack, user: "bob", sipPort: sip, callID: "ringing-1", cseq: 1, toTag: ok.to?.tag), to: sip)

            let moved = try await server.op("GET", "/v1/sessions/\(session?["id"] as? String ?? "")").json
            let legs = moved["legs"] as? [[String: Any]] ?? []
            #expect(moved["edge"] as? String == "e2" && moved["state"] as? String == "answered", "\(moved)")
            #expect(SIPPeer.mediaPort(ok.body) == legs.first { $0["name"] as? String == "a" }?["local_port"] as? Int, "A's answer is the new edge's")
            #expect(SIPPeer.mediaPort(reinvite.body) == legs.first { $0["name"] as? String == "b" }?["local_port"] as? Int)
            #expect(SIPPeer.mediaPort(reinvite.body) != SIPPeer.mediaPort(invite.body), "B re-offered the new edge's port")
        }
    }

    @Test("a SIP call whose edge dies during early media (183 with SDP): once the call is up, both legs get a re-INVITE with the new edge's SDP")
    func sipCallMovesDuringEarlyMedia() async throws {
        let a = try SIPPeer(), b = try SIPPeer()
        // e2's large capacity leaves e1 less loaded: the call goes there.
        try await Self.withEdges([("e1", "eu", []), ("e2", "eu", ["--set", "edge.capacity=1000000"])],
                                 Self.sipOn.merging(["sip.default_route": "127.0.0.1:\(b.port)"]) { $1 }) { server, nodes in
            let sip = try #require(server.sipPort)
            let doomed = nodes[0]
            let events = server.orchestrator.events.subscribe()
            a.send(a.invite(user: "bob", sipPort: sip, callID: "early-1", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            let invite = try b.request(.invite)
            b.send(b.answer(invite, status: 183, sdp: SIPPeer.sdp(port: 30_002)), to: sip)
            let early = try a.response(183)
            doomed.signal(SIGSTOP)
            var moved: [String: String] = [:]
            for await event in events where event.type == "session.moved" { moved = event.fields; break }
            #expect(moved["sdp_a"] != nil, "B had answered: the move carries a new answer for A")
            b.send(b.answer(invite, status: 200, sdp: SIPPeer.sdp(port: 30_002)), to: sip)
            let ok = try a.response(200)
            #expect(SIPPeer.mediaPort(ok.body) == SIPPeer.mediaPort(early.body), "the 200 repeats the early answer")
            _ = try b.request(.ack)
            a.send(a.inDialog(.ack, user: "bob", sipPort: sip, callID: "early-1", cseq: 1, toTag: ok.to?.tag), to: sip)
            let toA = try a.request(.invite, timeout: 5)
            let toB = try b.request(.invite, timeout: 5)
            #expect(SIPPeer.mediaPort(toA.body) == SessionTests.mediaPort(moved["sdp_a"] ?? ""))
            #expect(SIPPeer.mediaPort(toB.body) == SessionTests.mediaPort(moved["sdp_b"] ?? ""))
            #expect(SIPPeer.mediaPort(toA.body) != SIPPeer.mediaPort(early.body))
            a.send(a.answer(toA, status: 200, tag: "a-tag", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            b.send(b.answer(toB, status: 200, sdp: SIPPeer.sdp(port: 30_002)), to: sip)
            _ = try a.request(.ack)
            _ = try b.request(.ack)
        }
    }

    @Test("B's answer sent while the session's edge is frozen: the session moves meanwhile, and the answer returned is the new edge's")
    func answerRacesMove() async throws {
        try await Self.withEdges([("e1", "eu", []), ("e2", "eu", [])]) { server, nodes in
            let doomed = nodes[0]
            let created = try await HTTP.request("POST", server.base + "/v1/sessions", token: LiveServer.clientToken,
                                                 body: SessionTests.json(["offer": SessionTests.offer(port: 9, name: "A"), "edge": "e1"]))
            let id = try #require(created.json["id"] as? String)
            doomed.signal(SIGSTOP)
            // The answer goes to frozen e1 and waits; e1 is declared dead and the session moves, answered, to e2.
            let answered = try await HTTP.request("POST", server.base + "/v1/sessions/\(id)/answer", token: LiveServer.clientToken,
                                                  body: SessionTests.json(["answer": SessionTests.offer(port: 11, name: "B")]))
            #expect(answered.status == 200, "\(answered.text)")
            let view = try await HTTP.request("GET", server.base + "/v1/sessions/\(id)", token: LiveServer.clientToken).json
            let legA = (view["legs"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "a" }
            #expect(view["edge"] as? String == "e2" && view["state"] as? String == "answered", "\(view)")
            #expect(SessionTests.mediaPort(answered.json["sdp"] as? String ?? "") == legA?["local_port"] as? Int, "A is answered with e2's port")
        }
    }

    @Test("the control plane frozen for 10 s: calls on the edges see no gap; after SIGCONT nothing is lost and both sides reconcile")
    func controlPlaneOutage() async throws {
        let dir = try TempDir()
        let port = ServeProcessTests.freePort()
        let base = "http://127.0.0.1:\(port)"
        let serve = try ChildProcess(Products.switchboard, [
            "serve", "--config", Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path,
            "--set", "http.listen=127.0.0.1:\(port)", "--set", "sip.enabled=false", "--set", "pools.transcoder.size=0",
            "--set", "pools.transcoder.executable=\(Products.transcoder)", "--set", "media.port_range=\(nextMediaPortRange())",
            "--set", "edges.heartbeat_interval=200ms",
        ], log: dir.file("serve.log"))
        defer { serve.signal(SIGCONT); serve.kill() }
        try await serve.waitForOutput("HTTP API listening", timeout: .seconds(20))
        // The edges end a call after 2 s without media: one call stops sending during the outage.
        let nodes = try ["e1", "e2"].map { id in
            try Self.startEdge(id, region: "eu", controlPlane: base, dir: dir, extra: ["--set", "sessions.no_media_timeout=2s"])
        }
        defer { for node in nodes { node.kill() } }
        try await Self.waitAlive(base, ["e1", "e2"])
        var calls: [Call] = []
        for _ in 0..<4 { calls.append(try await Self.call(base).0) }
        let quiet = try await Self.call(base).0  // sends nothing: ends on its edge while the control plane is frozen
        let before = try await HTTP.request("GET", base + "/v1/sessions", token: LiveServer.operatorToken).json["sessions"] as? [[String: Any]] ?? []
        #expect(Set(before.compactMap { $0["edge"] as? String }) == ["e1", "e2"], "placed on both edges: \(before)")
        let senders = Senders(calls)
        defer { senders.stop() }
        try await eventually("media on every call") { calls.allSatisfy { $0.recorder.count >= 10 } }
        let quietOnEdge = try #require(before.first { $0["id"] as? String == quiet.id }?["edge"] as? String)

        serve.signal(SIGSTOP)
        try await Task.sleep(for: .seconds(10))  // the outage itself: not a wait for an event
        serve.signal(SIGCONT)

        let thawedAt = DispatchTime.now().uptimeNanoseconds
        try await eventually("media after the outage") { calls.allSatisfy { $0.recorder.count(after: thawedAt) >= 10 } }
        senders.stop()
        let worst = calls.map(\.recorder.largestGapMilliseconds).max() ?? 0
        print("control plane frozen 10 s: worst gap at a receiver \(String(format: "%.1f", worst)) ms")
        #expect(worst < 200, "no receiver saw a gap (worst \(worst) ms)")
        try await Self.waitAlive(base, ["e1", "e2"])
        try await eventually("the quiet call's end reconciled from the edge's report", timeout: .seconds(10)) {
            let view = try await HTTP.request("GET", base + "/v1/sessions/\(quiet.id)", token: LiveServer.clientToken).json
            return view["state"] as? String == "ended" && view["end_reason"] as? String == "no_media"
        }
        let after = try await HTTP.request("GET", base + "/v1/sessions", token: LiveServer.operatorToken).json["sessions"] as? [[String: Any]] ?? []
        let live = after.filter { $0["state"] as? String == "active" }.compactMap { $0["id"] as? String }
        #expect(Set(live) == Set(calls.map(\.id)), "every live call kept: \(after)")
        #expect(quietOnEdge == "e1" || quietOnEdge == "e2")
        serve.signal(SIGTERM)
        #expect(await serve.exit(within: .seconds(15)) == 0)
    }
}

/// Plain HTTP requests, for tests that talk to more than one server (and ``LiveServer``).
enum HTTP {
    static func request(_ method: String, _ url: String, token: String?, body: String? = nil) async throws -> LiveServer.Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as? HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { headers["\(k)".lowercased()] = "\(v)" }
        return LiveServer.Reply(status: http?.statusCode ?? 0, body: data, headers: headers)
    }
}

/// G.711 mu-law (ITU-T G.711), for tone payloads.
enum MuLaw {
    static func encode(_ sample: Int16) -> UInt8 {
        let bias = 0x84
        var value = Int(sample)
        let sign = value < 0 ? 0x80 : 0
        if value < 0 { value = -value }
        value = min(value, 32635) + bias
        var exponent = 7
        var mask = 0x4000
        while exponent > 0 && value & mask == 0 {
            exponent -= 1
            mask >>= 1
        }
        let mantissa = (value >> (exponent + 3)) & 0x0F
        return ~UInt8(sign | exponent << 4 | mantissa)
    }

    static func decode(_ byte: UInt8) -> Int16 {
        let u = ~byte
        let exponent = Int(u >> 4) & 0x07
        let mantissa = Int(u) & 0x0F
        let magnitude = ((mantissa << 3) + 0x84) << exponent
        return Int16(u & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }
}

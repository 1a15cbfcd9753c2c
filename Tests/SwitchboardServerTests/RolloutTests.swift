import Foundation
import Synchronization
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// Rolling upgrades under live calls: every worker is replaced (from a new
/// executable) after its streams move; receivers keep the same SSRC and see
/// no gap over 200 ms.
@Suite("Pool rollout and scaling", .serialized)
struct RolloutTests {
    @Test("a rollout under 20 live calls to a new executable: same SSRC per receiver, no gap over 200 ms, new worker binaries")
    func rolloutUnderLiveCalls() async throws {
        // The "new version": a copy of the worker binary under another name.
        let dir = try TempDir()
        let v2 = dir.file("switchboard-transcoder-v2")
        try FileManager.default.copyItem(atPath: Products.transcoder, toPath: v2.path)
        try await withLiveServer(["pools.transcoder.size": "2", "pools.transcoder.max_streams": "64"]) { server in
            var calls: [(a: UDPPeer, b: UDPPeer, portA: Int, recorder: RTPRecorder)] = []
            for _ in 0..<20 {
                let a = try UDPPeer(), b = try UDPPeer()
                let (_, portA, _) = try await SessionTests.bridge(server, a: a, b: b)
                calls.append((a, b, portA, RTPRecorder(b)))
            }
            let before = try await server.workerPIDs()
            let stop = Atomic<Bool>(false)
            let targets = calls.map { ($0.a, $0.portA) }
            let sender = Thread {  // every call at 50 packets/s, as real endpoints
                var i = 0
                while !stop.load(ordering: .relaxed) {
                    for (a, port) in targets {
                        a.send(RTP(payloadType: 0, sequence: UInt16(truncatingIfNeeded: i), timestamp: UInt32(truncatingIfNeeded: i * 160),
                                   ssrc: 0xA, payload: [UInt8](repeating: 0xD5, count: 160)).bytes, to: port)
                    }
                    i += 1
                    usleep(20_000)
                }
            }
            sender.start()
            defer { stop.store(true, ordering: .relaxed) }
            try await eventually("media on every call") { calls.allSatisfy { $0.recorder.count >= 10 } }

            let started = try await server.op("POST", "/v1/pools/transcoder/rollout", body: "{\"executable\": \"\(v2.path)\"}")
            #expect(started.status == 202, "\(started.text)")
            #expect(try await server.op("POST", "/v1/pools/transcoder/rollout", body: "{}").status == 409, "one rollout at a time")
            var status: [String: Any] = [:]
            try await eventually("the rollout to finish", timeout: .seconds(60)) {
                status = try await server.op("GET", "/v1/pools/transcoder/rollout").json
                return status["state"] as? String != "running"
            }
            #expect(status["state"] as? String == "done", "\(status)")
            #expect(status["done"] as? Int == 2)
            #expect((status["sessions_moved"] as? Int ?? 0) >= 20, "every stream moved at least once: \(status)")
            let rolledAt = DispatchTime.now().uptimeNanoseconds
            try await eventually("media after the rollout") { calls.allSatisfy { $0.recorder.count(after: rolledAt + 200_000_000) >= 5 } }
            stop.store(true, ordering: .relaxed)
            for call in calls { call.recorder.stop() }

            var worstGap = 0.0
            for (index, call) in calls.enumerated() {
                let packets = call.recorder.packets
                #expect(Set(packets.map(\.rtp.ssrc)).count == 1, "call \(index): one SSRC throughout")
                worstGap = max(worstGap, call.recorder.largestGapMilliseconds)
            }
            print("rollout under 20 calls: worst gap \(String(format: "%.1f", worstGap)) ms, \(status["sessions_moved"] ?? "?") streams moved")
            #expect(worstGap < 200, "no receiver saw a gap over 200 ms (worst \(worstGap) ms)")

            let after = try await server.workerPIDs()
            #expect(Set(after.values).isDisjoint(with: Set(before.values)), "every worker replaced: \(before) -> \(after)")
            for pid in after.values {
                let exe = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe")
                #expect(exe == v2.path, "worker \(pid) runs \(exe)")
            }
            let sessions = try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]] ?? []
            #expect(sessions.filter { ["answered", "active"].contains($0["state"] as? String ?? "") }.count == 20, "no call dropped")
        }
    }

    @Test("rollout errors: unknown pool 404, missing executable 400")
    func rolloutErrors() async throws {
        try await withLiveServer(["pools.transcoder.size": "1"]) { server in
            let unknown = try await server.op("POST", "/v1/pools/nope/rollout", body: "{}")
            let missing = try await server.op("POST", "/v1/pools/transcoder/rollout", body: "{\"executable\": \"/nonexistent/worker\"}")
            let none = try await server.op("GET", "/v1/pools/transcoder/rollout")
            #expect(unknown.status == 404)
            #expect(missing.status == 400, "\(missing.text)")
            #expect(none.status == 404)
        }
    }

    @Test("a pool of one worker rolls out through a surge worker; the pool ends at its size")
    func singleWorkerPool() async throws {
        try await withLiveServer(["pools.transcoder.size": "1"]) { server in
            let a = try UDPPeer(), b = try UDPPeer()
            _ = try await SessionTests.bridge(server, a: a, b: b)
            let before = try await server.workerPIDs()
            #expect(try await server.op("POST", "/v1/pools/transcoder/rollout", body: "{}").status == 202)
            var status: [String: Any] = [:]
            try await eventually("the rollout to finish", timeout: .seconds(30)) {
                status = try await server.op("GET", "/v1/pools/transcoder/rollout").json
                return status["state"] as? String != "running"
            }
            #expect(status["state"] as? String == "done", "\(status)")
            let after = try await server.workerPIDs()
            #expect(after.count == 1 && Set(after.values).isDisjoint(with: Set(before.values)), "\(before) -> \(after)")
        }
    }

    @Test("scaling a pool down moves the streams off the stopped workers first: no call dropped, media goes on")
    func scaleDownMovesStreams() async throws {
        try await withLiveServer(["pools.transcoder.size": "2"]) { server in
            var calls: [(a: UDPPeer, b: UDPPeer, portA: Int)] = []
            for _ in 0..<4 {
                let a = try UDPPeer(), b = try UDPPeer()
                let (_, portA, _) = try await SessionTests.bridge(server, a: a, b: b)
                calls.append((a, b, portA))
            }
            let workers = try await server.workers()
            #expect(workers.allSatisfy { ($0["streams"] as? Int ?? 0) == 2 }, "spread over both workers: \(workers)")
            let scaled = try await server.op("PUT", "/v1/pools/transcoder", body: "{\"size\": 1}")
            #expect(scaled.status == 200, "\(scaled.text)")
            let after = try await server.workers()
            #expect(after.count == 1 && after.first?["streams"] as? Int == 4, "\(after)")
            for (index, call) in calls.enumerated() {
                call.a.send(RTP(payloadType: 0, sequence: 1, timestamp: 160, ssrc: 0xA, payload: [UInt8](repeating: 0xD5, count: 160)).bytes,
                            to: call.portA)
                #expect(throws: Never.self, "call \(index) still carries media") { _ = try call.b.receiveRTP(timeout: 3) }
            }
        }
    }

    @Test("autoscaling follows the streams: up to ceil(streams / target_streams), down when they end, within min and max")
    func autoscale() async throws {
        try await withLiveServer(["pools.transcoder.size": "1", "pools.transcoder.autoscale.min": "1", "pools.transcoder.autoscale.max": "3",
                                  "pools.transcoder.autoscale.target_streams": "2", "pools.transcoder.autoscale.cooldown": "100ms"]) { server in
            var ids: [String] = []
            var peers: [UDPPeer] = []
            for _ in 0..<5 {
                let a = try UDPPeer(), b = try UDPPeer()
                peers += [a, b]
                let (id, _, _) = try await SessionTests.bridge(server, a: a, b: b)
                ids.append(id)
            }
            try await eventually("the pool to grow to 3 (5 streams, 2 per worker)", timeout: .seconds(15)) {
                try await server.workers().filter { $0["state"] as? String == "ready" }.count == 3
            }
            for id in ids {
                #expect(try await server.request("DELETE", "/v1/sessions/\(id)", token: LiveServer.clientToken).status == 204)
            }
            try await eventually("the pool to shrink back to its minimum", timeout: .seconds(15)) {
                try await server.workers().count == 1
            }
            let events = server.orchestrator.events.recent.filter { $0.type == "pool.autoscaled" }.map { "\($0.fields["from"] ?? "")->\($0.fields["to"] ?? "")" }
            print("autoscaling: \(events)")
            #expect(events.contains("1->3") || events.contains("1->2"))
        }
    }

    @Test("a pool's max_streams and limits.max_frame reach its transcoders' command line")
    func workerArguments() async throws {
        try await withLiveServer(["pools.transcoder.size": "1", "pools.transcoder.max_streams": "300"]) { server in
            let pid = try #require(try await server.workerPIDs().values.first)
            let cmdline = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")).split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            #expect(cmdline.contains("--max-streams") && cmdline.contains("300"), "\(cmdline)")
            #expect(cmdline.contains("--max-frame"), "\(cmdline)")
        }
    }
}

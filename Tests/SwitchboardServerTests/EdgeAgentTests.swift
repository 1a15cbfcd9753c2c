import Foundation
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// A real `switchboard edge` process against a real control plane: it
/// registers and reports; frozen with SIGSTOP it goes suspect then dead;
/// SIGCONT brings it back alive.
@Suite("Edge agent", .serialized)
struct EdgeAgentTests {
    @Test("switchboard edge registers and reports; SIGSTOP: suspect, then dead; SIGCONT: alive again")
    func freezeAndThaw() async throws {
        try await withLiveServer(["edges.heartbeat_interval": "200ms"]) { server in
            let dir = try TempDir()
            let edge = try ChildProcess(Products.switchboard, [
                "edge", "--control-plane", server.base, "--id", "edge-a", "--token", "dev-edge-token", "--region", "eu",
                "--config", Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path,
                "--set", "http.listen=127.0.0.1:0", "--set", "media.port_range=\(nextMediaPortRange())",
                "--set", "pools.transcoder.executable=\(Products.transcoder)", "--set", "pools.transcoder.size=1",
                "--set", "edges.heartbeat_interval=200ms",
            ], log: dir.file("edge.log"))
            defer { edge.kill() }
            func state() async throws -> (String?, [String: Any]?) {
                let edges = try await server.op("GET", "/v1/edges").json["edges"] as? [[String: Any]] ?? []
                let row = edges.first { $0["id"] as? String == "edge-a" }
                return (row?["state"] as? String, row)
            }
            try await eventually("the edge to register and report", timeout: .seconds(20)) {
                let (s, row) = try await state()
                return s == "alive" && (row?["workers_ready"] as? Int ?? 0) == 1
            }
            let (_, row) = try await state()
            #expect(row?["region"] as? String == "eu")
            #expect((row?["url"] as? String)?.hasPrefix("http://127.0.0.1:") == true && row?["url"] as? String != "http://127.0.0.1:0")
            #expect((row?["capacity"] as? Int ?? 0) >= 1)

            let events = server.orchestrator.events.subscribe()
            edge.signal(SIGSTOP)
            let frozenAt = ContinuousClock.now
            var seen: [String] = []
            for await event in events where event.fields["edge"] == "edge-a" && event.type.hasPrefix("edge.") {
                seen.append(event.type)
                if event.type == "edge.dead" { break }
            }
            print("edge-a frozen: \(seen) after \(ContinuousClock.now - frozenAt) (200 ms heartbeats)")
            #expect(seen == ["edge.suspect", "edge.dead"])
            edge.signal(SIGCONT)
            try await eventually("the edge alive again", timeout: .seconds(10)) { try await state().0 == "alive" }
            edge.signal(SIGTERM)
            #expect(await edge.exit(within: .seconds(15)) == 0)
        }
    }

    @Test("switchboard edge without an id, control plane or token exits 78 naming the key")
    func missingIdentity() async throws {
        let dir = try TempDir()
        let edge = try ChildProcess(Products.switchboard, ["edge", "--control-plane", "http://127.0.0.1:1", "--token", "dev-edge-token",
                                                           "--config", Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path],
                                    log: dir.file("edge.log"), environment: [:])
        #expect(await edge.exit(within: .seconds(10)) == 78)
        #expect(edge.fullOutput.contains("edge.id"), "\(edge.fullOutput)")
    }
}

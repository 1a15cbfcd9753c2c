import Foundation
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// Edges registering and reporting over the real HTTP API; the control
/// plane's phi-accrual detector takes a silent edge alive -> suspect -> dead,
/// and a heartbeat brings it back.
@Suite("Edge registry", .serialized)
struct EdgeRegistryTests {
    static let edgeToken = "dev-edge-token"

    static func heartbeat(_ server: LiveServer, _ id: String, sequence: Int, streams: Int = 0) async throws -> Int {
        try await server.request("POST", "/v1/edges/\(id)/heartbeat", token: edgeToken,
                                 body: "{\"sequence\": \(sequence), \"streams\": \(streams), \"workers_ready\": 2, \"cpu\": 0.1, \"packet_loss\": 0}").status
    }

    @Test("register, report, list; auth by role; a heartbeat before registering is 404; a bad report is 422")
    func registerAndList() async throws {
        try await withLiveServer { server in
            let body = "{\"url\": \"http://127.0.0.1:9999\", \"region\": \"eu\", \"capacity\": 100, \"media_address\": \"127.0.0.1\"}"
            #expect(try await server.request("PUT", "/v1/edges/e1", body: body).status == 401)
            #expect(try await server.request("PUT", "/v1/edges/e1", token: LiveServer.clientToken, body: body).status == 403)
            #expect(try await Self.heartbeat(server, "e1", sequence: 1) == 404, "unknown edges must register first")
            #expect(try await server.request("PUT", "/v1/edges/e1", token: Self.edgeToken, body: body).status == 201)
            #expect(try await server.request("PUT", "/v1/edges/e1", token: Self.edgeToken, body: body).status == 200)
            #expect(try await Self.heartbeat(server, "e1", sequence: 2, streams: 25) == 204)
            let bad = try await server.request("POST", "/v1/edges/e1/heartbeat", token: Self.edgeToken,
                                               body: "{\"sequence\": 3, \"streams\": -1, \"workers_ready\": 1}")
            #expect(bad.status == 422, "\(bad.text)")
            let list = try await server.op("GET", "/v1/edges").json["edges"] as? [[String: Any]] ?? []
            #expect(list.map { $0["id"] as? String } == ["local", "e1"])
            let e1 = try #require(list.last)
            #expect(e1["state"] as? String == "alive" && e1["region"] as? String == "eu")
            #expect(e1["streams"] as? Int == 25 && (e1["load"] as? Double ?? 0) == 0.25)
            #expect(e1["last_report"] as? String != nil)
        }
    }

    @Test("per-edge tokens (auth.edge_tokens): each registers and reports for its own edge only; the shared edge token for any")
    func perEdgeTokens() async throws {
        try await withLiveServer(["auth.edge_tokens": "e1:token-of-edge-1, e2:token-of-edge-2"]) { server in
            let body = "{\"url\": \"http://127.0.0.1:9999\", \"capacity\": 10}"
            #expect(try await server.request("PUT", "/v1/edges/e1", token: "token-of-edge-1", body: body).status == 201)
            let stolen = try await server.request("PUT", "/v1/edges/e2", token: "token-of-edge-1", body: body)
            #expect(stolen.status == 403 && stolen.text.contains("belongs to edge 'e1'"), "\(stolen.text)")
            let beat = "{\"sequence\": 1, \"streams\": 0, \"workers_ready\": 1}"
            #expect(try await server.request("POST", "/v1/edges/e1/heartbeat", token: "token-of-edge-2", body: beat).status == 403)
            #expect(try await server.request("POST", "/v1/edges/e1/heartbeat", token: "token-of-edge-1", body: beat).status == 204)
            #expect(try await server.request("PUT", "/v1/edges/e3", token: Self.edgeToken, body: body).status == 201, "the shared token: any edge")
            #expect(try await server.request("GET", "/v1/edges", token: "token-of-edge-1").status == 403, "an edge token is no operator's")
        }
        let shipped = Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path
        for (value, problem) in [("e1", "EDGE_ID:TOKEN"), ("e1:short", "at least 8"), ("bad id:long-enough-token", "not an edge id"),
                                 ("e1:same-token-twice,e2:same-token-twice", "two edges")] {
            do {
                _ = try await SwitchboardConfig.load(path: shipped, environment: [:], overrides: ["auth.edge_tokens": value])
                Issue.record("auth.edge_tokens '\(value)' was accepted")
            } catch {
                #expect("\(error)".contains("auth.edge_tokens") && "\(error)".contains(problem), "\(error)")
            }
        }
    }

    @Test("a silent edge goes alive -> suspect -> dead (events, metrics), and a heartbeat brings it back alive")
    func failureDetection() async throws {
        try await withLiveServer(["edges.heartbeat_interval": "100ms"]) { server in
            let body = "{\"url\": \"http://127.0.0.1:9998\", \"capacity\": 10}"
            #expect(try await server.request("PUT", "/v1/edges/e2", token: Self.edgeToken, body: body).status == 201)
            let events = server.orchestrator.events.subscribe()
            for i in 1...15 {  // a steady 100 ms rhythm the detector learns
                #expect(try await Self.heartbeat(server, "e2", sequence: i) == 204)
                try await Task.sleep(for: .milliseconds(100))  // the edge's own heartbeat interval, not synchronisation
            }
            let silentSince = ContinuousClock.now
            var seen: [String] = []
            for await event in events where event.fields["edge"] == "e2" && event.type.hasPrefix("edge.") {
                seen.append(event.type)
                if event.type == "edge.dead" { break }
            }
            let toDead = ContinuousClock.now - silentSince
            print("edge e2: \(seen) \(toDead) after its last heartbeat (100 ms interval)")
            #expect(seen == ["edge.suspect", "edge.dead"])
            #expect(toDead < .seconds(2), "dead within a few intervals: \(toDead)")
            let dead = try await server.op("GET", "/v1/edges").json["edges"] as? [[String: Any]] ?? []
            #expect(dead.last?["state"] as? String == "dead")
            #expect((dead.last?["phi"] as? Double ?? 0) >= 8)
            let metrics = try await server.request("GET", "/metrics").text
            #expect(metrics.contains("switchboard_edge_state{edge=\"e2\",state=\"dead\"} 1"))
            #expect(try await Self.heartbeat(server, "e2", sequence: 16) == 204)
            let back = try await server.op("GET", "/v1/edges").json["edges"] as? [[String: Any]] ?? []
            #expect(back.last?["state"] as? String == "alive")
        }
    }
}

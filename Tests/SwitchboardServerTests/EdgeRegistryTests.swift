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

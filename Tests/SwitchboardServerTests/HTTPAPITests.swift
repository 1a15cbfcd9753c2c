import Foundation
import SwitchboardServer
import SwitchboardTestKit
import Testing
import WorkerPorts

@Suite("HTTP API against a live server", .serialized, .timeLimit(.minutes(3)))
struct HTTPAPITests {
    struct AuthCase: CustomTestStringConvertible, Sendable {
        var method: String
        var path: String
        var token: String?
        var status: Int
        var testDescription: String { "\(method) \(path) with \(token ?? "no token") -> \(status)" }
    }

    static let authCases: [AuthCase] = [
        .init(method: "GET", path: "/healthz", token: nil, status: 200),
        .init(method: "GET", path: "/readyz", token: nil, status: 200),
        .init(method: "GET", path: "/metrics", token: nil, status: 200),
        .init(method: "GET", path: "/v1/workers", token: nil, status: 401),
        .init(method: "GET", path: "/v1/workers", token: "not-a-token", status: 401),
        .init(method: "GET", path: "/v1/workers", token: LiveServer.clientToken, status: 403),
        .init(method: "GET", path: "/v1/workers", token: LiveServer.operatorToken, status: 200),
        .init(method: "GET", path: "/v1/tree", token: LiveServer.clientToken, status: 403),
        .init(method: "GET", path: "/v1/tree", token: LiveServer.operatorToken, status: 200),
        .init(method: "GET", path: "/v1/pools/transcoder", token: "dev-edge-token", status: 403),
        .init(method: "GET", path: "/v1/pools/transcoder", token: LiveServer.operatorToken, status: 200),
        .init(method: "PUT", path: "/v1/pools/transcoder", token: LiveServer.clientToken, status: 403),
        .init(method: "POST", path: "/v1/workers/transcoder.1/restart", token: nil, status: 401),
        .init(method: "GET", path: "/v1/pools/nonexistent", token: LiveServer.operatorToken, status: 404),
    ]

    @Test("endpoints with and without tokens: 401 without or with an unknown token, 403 with another role's")
    func auth() async throws {
        try await withLiveServer { server in
            for c in Self.authCases {
                let reply = try await server.request(c.method, c.path, token: c.token, body: c.method == "PUT" ? "{\"size\": 2}" : nil)
                #expect(reply.status == c.status, "\(c.testDescription): got \(reply.status) \(reply.text)")
                if reply.status >= 400 {
                    #expect(reply.headers["content-type"] == "application/problem+json", "\(c.testDescription)")
                    #expect(reply.json["status"] as? Int == c.status)
                    #expect((reply.json["detail"] as? String)?.isEmpty == false)
                }
                if reply.status == 401 { #expect(reply.headers["www-authenticate"]?.hasPrefix("Bearer") == true) }
            }
        }
    }

    @Test("workers, tree and metrics describe the running pool")
    func workersTreeMetrics() async throws {
        try await withLiveServer { server in
            let workers = try await server.workers()
            #expect(workers.count == 2)
            for w in workers {
                #expect(w["pool"] as? String == "transcoder")
                #expect(w["state"] as? String == "ready")
                #expect(w["restarts"] as? Int == 0)
                #expect(w["mailbox_depth"] as? Int == 0)
                #expect(w["started_at"] is String)
                let pid = try #require(w["pid"] as? Int)
                #expect(isAlive(Int32(pid)))
            }
            let tree = try await server.op("GET", "/v1/tree").json
            let root = try #require(tree["root"] as? [String: Any])
            #expect(root["id"] as? String == "switchboard")
            #expect(root["strategy"] as? String == "one_for_one")
            #expect(root["intensity"] as? Int == 3)
            let pool = try #require((root["children"] as? [[String: Any]])?.first)
            #expect(pool["id"] as? String == "pool.transcoder")
            #expect(pool["strategy"] as? String == "simple_one_for_one")
            #expect((pool["children"] as? [[String: Any]])?.count == 2)

            let metrics = try await server.request("GET", "/metrics").text
            #expect(metrics.contains("switchboard_worker_starts_total{pool=\"transcoder\"} 2"))
            #expect(metrics.contains("switchboard_pool_workers_ready{pool=\"transcoder\"} 2"))
            #expect(metrics.contains("switchboard_mailbox_depth{worker=\"transcoder.1\"}"))
        }
    }

    @Test("restart a worker: a new process under the same id, counted, and announced on /v1/events")
    func restartWorker() async throws {
        try await withLiveServer { server in
            let events = try SSEReader(port: server.port, path: "/v1/events", token: LiveServer.clientToken)
            defer { events.close() }
            let before = try await server.workerPIDs()
            let reply = try await server.op("POST", "/v1/workers/transcoder.2/restart")
            #expect(reply.status == 202)
            try await eventually("the replacement") {
                let now = try await server.workerPIDs()
                return now["transcoder.2"] != nil && now["transcoder.2"] != before["transcoder.2"]
            }
            let after = try await server.workerPIDs()
            #expect(after["transcoder.1"] == before["transcoder.1"])
            #expect(!isAlive(try #require(before["transcoder.2"])))
            let row = try await server.workers().first { $0["id"] as? String == "transcoder.2" }
            #expect(row?["restarts"] as? Int == 1)
            let restarted = try await events.waitFor("worker.restarted", timeout: 10)
            #expect(restarted.contains("\"child\":\"transcoder.2\""))
            #expect(try await server.op("POST", "/v1/workers/transcoder.9/restart").status == 404)
        }
    }

    @Test("a restart adopts the warm spare; a spare that died idle is never adopted")
    func warmSpare() async throws {
        try await withLiveServer { server in
            func spares() async throws -> [Int32] {
                (try await server.op("GET", "/v1/pools/transcoder").json["spare_pids"] as? [Int] ?? []).map(Int32.init)
            }
            var spare: [Int32] = []
            try await eventually("a warm spare") { spare = try await spares(); return spare.count == 1 }
            #expect(try await server.op("POST", "/v1/workers/transcoder.1/restart").status == 202)
            try await eventually("transcoder.1 replaced by the spare") { try await server.workerPIDs()["transcoder.1"] == spare[0] }
            var second: [Int32] = []
            try await eventually("a new spare") { second = try await spares(); return second.count == 1 && second != spare }
            // A spare killed while idle is discarded: the next restart gets a live process.
            kill(second[0], SIGKILL)
            try await eventually("the dead spare to be reaped") { !isAlive(second[0]) }
            #expect(try await server.op("POST", "/v1/workers/transcoder.2/restart").status == 202)
            try await eventually("transcoder.2 replaced") {
                let pid = try await server.workerPIDs()["transcoder.2"]
                return pid != nil && pid != second[0] && isAlive(pid!)
            }
            let echo = try #require(server.orchestrator.pool(named: "transcoder")?.port("transcoder.2"))
            #expect(try await echo.call(.echo, [5]) == [5])
        }
    }

    @Test("scaling a pool up and down at run time")
    func scale() async throws {
        try await withLiveServer { server in
            let up = try await server.op("PUT", "/v1/pools/transcoder", body: "{\"size\": 4}")
            #expect(up.status == 200)
            #expect(up.json["size"] as? Int == 4)
            #expect(up.json["ready"] as? Int == 4)
            let four = try await server.workerPIDs()
            #expect(Set(four.keys) == ["transcoder.1", "transcoder.2", "transcoder.3", "transcoder.4"])
            #expect(Set(four.values).count == 4)

            let down = try await server.op("PUT", "/v1/pools/transcoder", body: "{\"size\": 1}")
            #expect(down.json["size"] as? Int == 1)
            let one = try await server.workerPIDs()
            #expect(Set(one.keys) == ["transcoder.1"], "the newest workers go first")
            for id in ["transcoder.2", "transcoder.3", "transcoder.4"] {
                #expect(!isAlive(try #require(four[id])), "\(id) still running")
            }
            let again = try await server.op("PUT", "/v1/pools/transcoder", body: "{\"size\": 2}")
            #expect(again.json["ready"] as? Int == 2)
            #expect(Set(try await server.workerPIDs().keys) == ["transcoder.1", "transcoder.5"], "ids are never reused")

            let bad = try await server.op("PUT", "/v1/pools/transcoder", body: "{\"size\": \"many\"}")
            #expect(bad.status == 400)
            let negative = try await server.op("PUT", "/v1/pools/transcoder", body: "{\"size\": -1}")
            #expect(negative.status == 400)
            let metrics = try await server.request("GET", "/metrics").text
            #expect(metrics.contains("switchboard_pool_size{pool=\"transcoder\"} 2"))
        }
    }
}

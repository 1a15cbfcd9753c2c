import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// SIGHUP reloads the configuration of a running `switchboard serve`: pool
/// sizes and SIP routes apply at once, what needs a restart is said, a bad
/// file is refused and the running configuration stays.
@Suite("Configuration reload (SIGHUP)", .serialized)
struct ReloadTests {
    @Test("the diff of two configurations names each key, hides secrets and says what needs a restart")
    func diff() async throws {
        let shipped = Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path
        let a = try await SwitchboardConfig.load(path: shipped, environment: [:])
        let b = try await SwitchboardConfig.load(path: shipped, environment: [:], overrides: [
            "pools.transcoder.size": "3", "auth.client_token": "a-new-client-token", "http.listen": "127.0.0.1:9999",
            "limits.max_sessions": "5", "pools.transcoder.executable": "/opt/worker-v2",
        ])
        let changes = a.changes(to: b)
        let byKey = Dictionary(changes.map { ($0.key, $0) }, uniquingKeysWith: { x, _ in x })
        #expect(byKey["pools.transcoder.size"]?.applied == true && byKey["pools.transcoder.size"]?.to == "3")
        #expect(byKey["auth.client_token"]?.applied == true && byKey["auth.client_token"]?.to == "***"
                && byKey["auth.client_token"]?.from == "***", "secrets never printed")
        #expect(byKey["limits.max_sessions"]?.applied == true)
        #expect(byKey["http.listen"]?.applied == false)
        #expect(byKey["pools.transcoder.executable"]?.note?.contains("rollout") == true)
        #expect(a.changes(to: a).isEmpty)
    }

    @Test("switchboard serve: SIGHUP applies a new pool size and says so; a broken file is refused and serve goes on")
    func sighup() async throws {
        let dir = try TempDir()
        let file = dir.file("switchboard.yaml")
        let shipped = try String(contentsOf: Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml"), encoding: .utf8)
        func write(size: Int, maxSessions: Int? = nil, operatorToken: String? = nil) throws {
            var text = shipped.replacingOccurrences(of: "    size: 2\n", with: "    size: \(size)\n")
            if let operatorToken {
                text = text.replacingOccurrences(of: "operator_token: dev-operator-token", with: "operator_token: \(operatorToken)")
            }
            if let maxSessions {
                text = text.replacingOccurrences(of: "  max_frame: 1048576", with: "  max_sessions: \(maxSessions)\n  max_frame: 1048576")
            }
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        try write(size: 1)
        let port = ServeProcessTests.freePort()
        let serve = try ChildProcess(Products.switchboard, [
            "serve", "--config", file.path, "--set", "http.listen=127.0.0.1:\(port)", "--set", "sip.listen=127.0.0.1:0",
            "--set", "pools.transcoder.executable=\(Products.transcoder)", "--set", "media.port_range=\(nextMediaPortRange())",
        ], log: dir.file("serve.log"))
        defer { serve.kill() }
        try await serve.waitForOutput("HTTP API listening", timeout: .seconds(20))
        let client = LiveClient(base: "http://127.0.0.1:\(port)")
        try await eventually("one worker") { try await client.workers() == 1 }

        try write(size: 2)
        serve.signal(SIGHUP)
        try await serve.waitForOutput("configuration reloaded", timeout: .seconds(10))
        #expect(serve.fullOutput.contains("pools.transcoder.size: 1 -> 2"), "\(serve.fullOutput.suffix(1500))")
        try await eventually("two workers", timeout: .seconds(10)) { try await client.workers() == 2 }

        // A new operator token: the old one stops working, the new one works.
        try write(size: 2, operatorToken: "rotated-operator-token")
        serve.signal(SIGHUP)
        try await eventually("the rotated token", timeout: .seconds(10)) {
            try await LiveClient(base: client.base, token: "rotated-operator-token").status("/v1/workers") == 200
        }
        #expect(try await client.status("/v1/workers") == 401, "the old token is refused after the reload")
        #expect(serve.fullOutput.contains("auth.operator_token: *** -> ***"), "secrets masked in the log")
        #expect(!serve.fullOutput.contains("rotated-operator-token"))
        let rotated = LiveClient(base: client.base, token: "rotated-operator-token")

        try write(size: 2, maxSessions: -4, operatorToken: "rotated-operator-token")
        serve.signal(SIGHUP)
        try await serve.waitForOutput("configuration reload refused", timeout: .seconds(10))
        #expect(serve.fullOutput.contains("limits.max_sessions"), "the bad key is named")
        #expect(try await rotated.workers() == 2, "serve goes on with the running configuration")
        serve.signal(SIGTERM)
        #expect(await serve.exit(within: .seconds(15)) == 0)
    }
}

/// A minimal client for a `switchboard serve` spawned by a test.
struct LiveClient {
    let base: String
    var token = LiveServer.operatorToken

    func status(_ path: String) async throws -> Int {
        var request = URLRequest(url: URL(string: base + path)!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    func workers() async throws -> Int {
        var request = URLRequest(url: URL(string: base + "/v1/workers")!)
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return (object?["workers"] as? [[String: Any]] ?? []).filter { $0["state"] as? String == "ready" }.count
    }
}

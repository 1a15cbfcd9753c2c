import Foundation
import SwitchboardServer
import SwitchboardTestKit
import Testing

@Suite("Configuration")
struct ConfigTests {
    static let shipped = Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path

    @Test("the shipped file loads with the documented defaults")
    func shippedDefaults() async throws {
        let c = try await SwitchboardConfig.load(path: Self.shipped, environment: [:])
        #expect(c.httpListen == .init(host: "127.0.0.1", port: 8080))
        #expect(c.sip.listen == .init(host: "127.0.0.1", port: 5060))
        #expect(c.sip.defaultRoute == nil && c.sip.routes.isEmpty)
        #expect(c.mediaAddress == "127.0.0.1")
        #expect(c.mediaPortRange == 40000...44999)
        #expect(c.storagePath == "switchboard.db")
        #expect(c.auth.operatorToken == "dev-operator-token")
        #expect(c.pools.map(\.name) == ["transcoder"])
        let pool = try #require(c.pools.first)
        #expect(pool.size == 2)
        #expect(pool.shutdownTimeout == .seconds(5))
        #expect(pool.heartbeatInterval == .seconds(1))
        #expect(pool.heartbeatMisses == 3)
        #expect(pool.backoff == nil)
        #expect(c.rootIntensity == 3 && c.rootPeriod == .seconds(10))
    }

    @Test("environment overrides the file; explicit overrides win over both")
    func precedence() async throws {
        let env = ["SWITCHBOARD_POOLS_TRANSCODER_SIZE": "4", "SWITCHBOARD_HTTP_LISTEN": "127.0.0.1:9000",
                   "SWITCHBOARD_AUTH_OPERATOR_TOKEN": "from-the-environment", "UNRELATED": "x"]
        let c = try await SwitchboardConfig.load(path: Self.shipped, environment: env, overrides: ["http.listen": "127.0.0.1:9001"])
        #expect(c.pools.first?.size == 4)
        #expect(c.auth.operatorToken == "from-the-environment")
        #expect(c.httpListen.port == 9001)
    }

    @Test("durations take seconds or units; backoff turns on with its initial delay")
    func durationsAndBackoff() async throws {
        let c = try await SwitchboardConfig.load(path: Self.shipped, environment: [:], overrides: [
            "pools.transcoder.shutdown_timeout": "250ms", "pools.transcoder.period": "1m",
            "pools.transcoder.heartbeat_interval": "0.5", "pools.transcoder.backoff.initial": "10ms",
        ])
        let pool = try #require(c.pools.first)
        #expect(pool.shutdownTimeout == .milliseconds(250))
        #expect(pool.period == .seconds(60))
        #expect(pool.heartbeatInterval == .milliseconds(500))
        #expect(pool.backoff?.initial == .milliseconds(10))
    }

    @Test("bad values are refused with the key named", arguments: [
        ("pools.transcoder.size", "-3"), ("pools.transcoder.size", "two"), ("http.listen", "localhost"),
        ("media.port_range", "50000-40000"), ("media.port_range", "80-90"), ("pools.transcoder.shutdown_timeout", "soon"),
        ("pools.transcoder.restart", "always"), ("auth.client_token", "x"), ("metrics.auth", "maybe"),
        ("pools.names", "Transcoder"), ("pools.transcoder.heartbeat_misses", "0"),
        ("pools.transcoder.heartbeat_interval", "0"), ("pools.transcoder.period", "0"), ("supervision.period", "0"),
        ("pools.transcoder.request_timeout", "0s"), ("sessions.answer_timeout", "0"),
    ])
    func badValues(key: String, value: String) async throws {
        do {
            _ = try await SwitchboardConfig.load(path: Self.shipped, environment: [:], overrides: [key: value])
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as ConfigError {
            #expect(error.key == key, "\(error)")
            #expect(error.description.contains(key))
        }
    }

    @Test("backoff.max below backoff.initial is refused, naming backoff.max")
    func backoffOrder() async throws {
        await #expect(throws: ConfigError(key: "pools.transcoder.backoff.max", problem: "must be at least backoff.initial (2.0 seconds)")) {
            _ = try await SwitchboardConfig.load(path: Self.shipped, environment: [:], overrides: [
                "pools.transcoder.backoff.initial": "2s", "pools.transcoder.backoff.max": "1s"])
        }
    }

    @Test("a missing or malformed file is a clear error")
    func badFiles() async throws {
        await #expect(throws: ConfigError.self) { _ = try await SwitchboardConfig.load(path: "/nonexistent.yaml", environment: [:]) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(getpid()).yaml").path
        try Data("http: [unclosed\n  listen: :".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        await #expect(throws: ConfigError.self) { _ = try await SwitchboardConfig.load(path: path, environment: [:]) }
    }

    static func withFile(_ yaml: String, _ body: (String) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sip-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).yaml").path
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(path)
    }

    static let tokens = """
        auth: {operator_token: operator-token-1, client_token: client-token-1, edge_token: edge-token-1}

        """

    @Test("sip.routes is an ordered list of mappings; the first match wins, then the default route")
    func sipRoutes() async throws {
        try await Self.withFile(Self.tokens + """
            sip:
              listen: 127.0.0.1:5999
              default_route: 127.0.0.1:6000
              t1: 100ms
              invite_timeout: 5s
              routes:
                - match: "^uas"
                  target: 127.0.0.1:5070
                  transcode: {codecs: [PCMU], profile: RTP/AVP}
                - match: "^9[0-9]+$"
                  target: "[::1]:5080"
            """) { path in
            let c = try await SwitchboardConfig.load(path: path, environment: [:])
            #expect(c.sip.listen.port == 5999)
            #expect(c.sip.timers.t1 == .milliseconds(100))
            #expect(c.sip.inviteTimeout == .seconds(5))
            #expect(c.sip.routes.count == 2)
            #expect(c.sip.routes[0] == .init(match: "^uas", target: .init(host: "127.0.0.1", port: 5070), codecs: ["PCMU"], profile: "RTP/AVP"))
            #expect(c.sip.route(user: "uas-1", host: "x")?.target.port == 5070)
            #expect(c.sip.route(user: "9123", host: "x")?.target == .init(host: "::1", port: 5080))
            #expect(c.sip.route(user: "alice", host: "x")?.target.port == 6000)
            #expect(c.sip.route(user: "alice", host: "x")?.codecs == nil)
        }
    }

    @Test("bad sip.routes entries are refused with the entry and key named", arguments: [
        ("- {target: 127.0.0.1:5070}", "sip.routes[0].match"),
        ("- {match: \"(\", target: 127.0.0.1:5070}", "sip.routes[0].match"),
        ("- {match: x, target: nowhere}", "sip.routes[0].target"),
        ("- {match: x, target: 127.0.0.1:1, transcode: {profile: UDP/TLS}}", "sip.routes[0].transcode.profile"),
        ("- {match: x, target: 127.0.0.1:1, colour: red}", "sip.routes[0].colour"),
    ])
    func badRoutes(entry: String, key: String) async throws {
        try await Self.withFile(Self.tokens + "sip:\n  routes:\n    " + entry + "\n") { path in
            do {
                _ = try await SwitchboardConfig.load(path: path, environment: [:])
                Issue.record("\(entry) was accepted")
            } catch let error as ConfigError {
                #expect(error.key == key, "\(error)")
            }
        }
    }

    @Test("without a default route, an unmatched user has no route (404)")
    func noDefaultRoute() async throws {
        let c = try await SwitchboardConfig.load(path: Self.shipped, environment: [:])
        #expect(c.sip.route(user: "anyone", host: "127.0.0.1") == nil)
    }
}

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
        #expect(c.sipListen == .init(host: "127.0.0.1", port: 5060))
        #expect(c.sipDefaultRoute == "")
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
}

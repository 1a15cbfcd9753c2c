import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import ServiceLifecycle
import SwitchboardServer
import SwitchboardTestKit

/// A real orchestrator and HTTP server on 127.0.0.1 (an ephemeral port),
/// with real transcoder workers, for the length of `body`.
func withLiveServer(
    _ overrides: [String: String] = [:],
    sipRoutes: String? = nil,
    _ body: @Sendable (LiveServer) async throws -> Void
) async throws {
    var values = [
        "http.listen": "127.0.0.1:0",
        "pools.transcoder.executable": Products.transcoder,
        "pools.transcoder.shutdown_timeout": "2s",
        "media.port_range": nextMediaPortRange(),
        "sip.listen": "127.0.0.1:0",
    ]
    for (k, v) in overrides { values[k] = v }
    var path = Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path
    var routesFile: TempDir?
    if let sipRoutes {
        // sip.routes is a list of mappings: file only. The shipped file with the routes under `sip:`.
        let shipped = try String(contentsOfFile: path, encoding: .utf8)
        let dir = try TempDir()
        let file = dir.file("switchboard.yaml")
        try shipped.replacingOccurrences(of: "\nsip:\n", with: "\nsip:\n  routes:\n" + sipRoutes + "\n")
            .write(to: file, atomically: true, encoding: .utf8)
        path = file.path
        routesFile = dir
    }
    let config = try await SwitchboardConfig.load(path: path, environment: [:], overrides: values)
    _ = routesFile
    let orchestrator = Orchestrator(config: config, logger: testLogger("server"))
    let (ports, sink) = AsyncStream<Int>.makeStream()
    let app = SwitchboardApp.application(orchestrator: orchestrator, logger: testLogger("http")) { sink.yield($0) }
    // Stopped the way `serve` stops on SIGTERM (a graceful shutdown), not by cancellation:
    // cancelling the server drops connections it has accepted and not yet served (NIO traps
    // on such an unfinished writer) — which edges reconnecting at the end of a test cause.
    let services = ServiceGroup(configuration: .init(services: [app], logger: testLogger("services")))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await services.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TimedOut(what: "the server to listen") }
        let sipPort = await orchestrator.sip?.boundPort() ?? nil
        let server = LiveServer(base: "http://127.0.0.1:\(port)", port: port, orchestrator: orchestrator, sipPort: sipPort)
        try await eventually("readiness") { try await server.request("GET", "/readyz").status == 200 }
        func stop() async {
            await services.triggerGracefulShutdown()
            // Bounded: a connection that never ends its request must not hold the test.
            group.addTask { try await Task.sleep(for: .seconds(15)) }
            _ = try? await group.next()
            group.cancelAll()
        }
        do {
            try await body(server)
        } catch {
            await stop()
            throw error
        }
        await stop()
    }
}

struct LiveServer: Sendable {
    let base: String
    let port: Int
    let orchestrator: Orchestrator
    /// The SIP UDP port (nil with `sip.enabled: false`).
    let sipPort: Int?

    static let operatorToken = "dev-operator-token"
    static let clientToken = "dev-client-token"

    struct Reply {
        var status: Int
        var body: Data
        var headers: [String: String]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    func request(_ method: String, _ path: String, token: String? = nil, body: String? = nil) async throws -> Reply {
        try await HTTP.request(method, base + path, token: token, body: body)
    }

    func op(_ method: String, _ path: String, body: String? = nil) async throws -> Reply {
        try await request(method, path, token: Self.operatorToken, body: body)
    }

    func workers() async throws -> [[String: Any]] {
        try await op("GET", "/v1/workers").json["workers"] as? [[String: Any]] ?? []
    }

    func workerPIDs() async throws -> [String: Int32] {
        var result: [String: Int32] = [:]
        for w in try await workers() {
            if let id = w["id"] as? String, let pid = w["pid"] as? Int { result[id] = Int32(pid) }
        }
        return result
    }
}

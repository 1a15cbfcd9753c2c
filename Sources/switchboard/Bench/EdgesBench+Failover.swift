import Edges
import Foundation
import SwitchboardServer

/// The failover part of `switchboard bench edges`: two real `switchboard
/// edge` processes at default heartbeat settings, `--moves` answered sessions
/// on one, which is then frozen (SIGSTOP); reported: the time from the freeze
/// to `edge.dead`, and from `edge.dead` until every session has moved to the
/// other edge (`session.moved`).
extension EdgesBench {
    struct Failover: Sendable {
        var sessions: Int
        var moved: Int
        var frozenToDead: Duration
        var deadToMoved: Duration
    }

    func failover(_ orchestrator: Orchestrator, port: Int) async throws -> Failover {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("switchboard-bench-edges-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = dir.appendingPathComponent("edge.yaml")
        try "auth:\n  operator_token: bench-operator\n  client_token: bench-client\n  edge_token: bench-edge\n"
            .write(to: config, atomically: true, encoding: .utf8)
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var edges: [Process] = []
        defer {
            for edge in edges where edge.isRunning {
                kill(edge.processIdentifier, SIGCONT)
                edge.terminate()
                edge.waitUntilExit()
            }
        }
        for (index, id) in ["bench-a", "bench-b"].enumerated() {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: me)
            process.arguments = [
                "edge", "--control-plane", "http://127.0.0.1:\(port)", "--id", id, "--token", "bench-edge", "--config", config.path,
                "--log-level", "error", "--set", "http.listen=127.0.0.1:0", "--set", "pools.transcoder.size=2",
                "--set", "pools.transcoder.warm_spares=0", "--set", "pools.transcoder.executable=\(options.workerPath)",
                "--set", "media.port_range=\(46000 + index * 4000)-\(49999 + index * 4000)",
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            edges.append(process)
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while await orchestrator.edges.loads().filter({ $0.state == .alive && $0.ready >= 2 }).count < 2 {
            guard ContinuousClock.now < deadline else { throw CLIError("the two edges did not register with ready workers within 30 s") }
            try await Task.sleep(for: .milliseconds(50))  // waiting for child processes to start and report
        }
        let directory = orchestrator.directory
        var ids: Set<String> = []
        for n in 0..<moves {
            let view = try await directory.create(offer: Self.sdp(port: 20000 + 2 * (n % 5000)), codecs: nil, profile: nil, labels: [:],
                                                  edge: "bench-a")
            _ = try await directory.answer(view.id, sdp: Self.sdp(port: 30000 + 2 * (n % 5000)))
            ids.insert(view.id)
        }
        let events = orchestrator.events.subscribe()
        kill(edges[0].processIdentifier, SIGSTOP)
        let frozenAt = ContinuousClock.now
        var deadAt: ContinuousClock.Instant?
        var moved = 0
        for await event in events {
            if event.type == "edge.dead", event.fields["edge"] == "bench-a" { deadAt = .now }
            if event.type == "session.moved", let id = event.fields["session"], ids.contains(id) { moved += 1 }
            if event.type == "session.ended", let id = event.fields["session"], ids.contains(id) { ids.remove(id) }
            if deadAt != nil, moved >= ids.count { break }
        }
        let movedAt = ContinuousClock.now
        return Failover(sessions: moves, moved: moved, frozenToDead: (deadAt ?? movedAt) - frozenAt, deadToMoved: movedAt - (deadAt ?? movedAt))
    }

    static func sdp(port: Int) -> String {
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio \(port) RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    }
}

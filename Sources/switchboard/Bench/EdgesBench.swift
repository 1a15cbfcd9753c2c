import ArgumentParser
import Edges
import Foundation
import Synchronization
import SwitchboardServer

struct EdgesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edges",
        abstract: "Edge heartbeats processed per second over HTTP, the time from an edge's last heartbeat to `dead`, and a failover of real edges.",
        discussion: """
            Standalone: starts its own control plane (no workers) on 127.0.0.1. Throughput: --edges \
            edges register, then --connections keep-alive HTTP/1.1 connections post heartbeats \
            (POST /v1/edges/{id}/heartbeat, a JSON report, edge token) round-robin over the edges for \
            --seconds; reported: heartbeats/s and the control plane's CPU per heartbeat. Time to dead: \
            --samples edges report every edges.heartbeat_interval (default 1 s, defaults for the \
            phi thresholds) for 10 beats, then fall silent; reported: the time from each one's last \
            heartbeat to its edge.dead event (median, min, max). Failover: two real `switchboard edge` \
            processes (this binary, 2 workers each, default heartbeat settings) register; --moves \
            answered sessions are placed on one, which is then frozen with SIGSTOP; reported: the \
            time from the freeze to edge.dead, and from edge.dead until every session has moved to \
            the other edge (session.moved). Targets: >= 20,000 heartbeats/s on 2 cores; <= 3 s \
            median to dead with 1 s heartbeats (Jitsi 45 s, LiveKit 5 s).
            """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Edges registered for the throughput run.") var edges = 100
    @Option(help: "Keep-alive connections posting heartbeats.") var connections = 16
    @Option(help: "Seconds of the throughput run.") var seconds = 5.0
    @Option(help: "Edges falling silent in the time-to-dead run.") var samples = 9
    @Option(help: "Sessions on the edge frozen in the failover run (0: skip it).") var moves = 100

    func run() async throws {
        let config = try await SwitchboardConfig.load(path: nil, environment: [:], overrides: [
            "auth.operator_token": "bench-operator", "auth.client_token": "bench-client", "auth.edge_token": "bench-edge",
            "http.listen": "127.0.0.1:0", "pools.transcoder.size": "0", "pools.transcoder.warm_spares": "0",
            "sip.enabled": "false",
        ])
        var quiet = benchLogger()
        quiet.logLevel = .critical  // every silent edge dying is an error line otherwise
        let orchestrator = Orchestrator(config: config, logger: quiet)
        try await BenchSupport.serving(orchestrator) { port in
            let ids = (0..<edges).map { "bench-\($0)" }
            for id in ids {
                try await orchestrator.edges.register(id, EdgeRegistration(url: "http://127.0.0.1:1", capacity: 1000))
            }
            var bar = ProgressBar("bench edges", total: Int(seconds * 10) + samples * 0 + 130)
            let load = HeartbeatLoad(port: port, ids: ids)
            let cpu0 = processCPUTime()
            let result = try await Self.onThread { try load.run(connections: connections, seconds: seconds) } tick: { elapsed in
                bar.update(Int(elapsed * 10))
            }
            let serverCPU = processCPUTime() - cpu0 - result.clientCPU
            let rate = Double(result.completed) / result.wall
            let (deaths, interval) = try await timeToDead(orchestrator, bar: &bar, base: Int(seconds * 10))
            let failover = moves > 0 ? try await failover(orchestrator, port: port) : nil
            bar.update(bar.total)
            report(rate: rate, result: result, serverCPU: serverCPU, deaths: deaths, interval: interval, failover: failover)
        }
    }

    /// `samples` edges beat `10` times at the configured interval, then stop; the time from each
    /// one's last heartbeat to its `edge.dead` event.
    func timeToDead(_ orchestrator: Orchestrator, bar: inout ProgressBar, base: Int) async throws -> ([Duration], Duration) {
        let interval = orchestrator.config.edges.heartbeatInterval
        let ids = (0..<samples).map { "silent-\($0)" }
        let events = orchestrator.events.subscribe()
        for id in ids { try await orchestrator.edges.register(id, EdgeRegistration(url: "http://127.0.0.1:1", capacity: 10)) }
        var last: [String: ContinuousClock.Instant] = [:]
        for beat in 1...10 {
            try await Task.sleep(for: interval)  // the edges' own rhythm
            for (index, id) in ids.enumerated() {
                // Jitter of a few ms between edges, as real reports have.
                if index > 0 { try await Task.sleep(for: .milliseconds(2)) }
                try await orchestrator.edges.heartbeat(id, HeartbeatReport(sequence: UInt64(beat), streams: 0, workersReady: 1))
                last[id] = .now
            }
            bar.update(base + beat * 10)
        }
        var deaths: [Duration] = []
        for await event in events where event.type == "edge.dead" {
            guard let id = event.fields["edge"], let at = last[id] else { continue }
            deaths.append(.now - at)
            bar.update(base + 100 + deaths.count * 30 / max(1, samples))
            if deaths.count == ids.count { break }
        }
        return (deaths.sorted(), interval)
    }

    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T, tick: (Double) -> Void) async throws -> T {
        let outcome = Mutex<Result<T, any Error>?>(nil)
        let started = ContinuousClock.now
        let thread = Thread { let r = Result { try work() }; outcome.withLock { $0 = r } }
        thread.start()
        while true {
            let elapsed = ContinuousClock.now - started
            tick(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
            if let r = outcome.withLock({ $0 }) { return try r.get() }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func report(rate: Double, result: HeartbeatLoad.Result, serverCPU: Double, deaths: [Duration], interval: Duration,
                failover: Failover?) {
        func ms(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        let median = deaths.isEmpty ? 0 : ms(deaths[deaths.count / 2])
        if options.json {
            var figures: [String: Any] = [
                "heartbeats_per_s": rate.rounded(), "heartbeats": result.completed, "errors": result.errors,
                "server_cpu_us_per_heartbeat": (serverCPU / Double(max(1, result.completed)) * 1e6).rounded(),
                "connections": connections, "edges": edges,
                "time_to_dead_ms": ["median": median.rounded(), "min": deaths.first.map { ms($0).rounded() } ?? 0,
                                    "max": deaths.last.map { ms($0).rounded() } ?? 0, "samples": deaths.count],
                "heartbeat_interval_ms": ms(interval), "targets": ["heartbeats_per_s": 20000, "time_to_dead_ms": 3000],
                "command": commandLine(), "machine": machineLine(),
            ]
            if let failover {
                figures["failover"] = ["sessions": failover.sessions, "moved": failover.moved,
                                       "frozen_to_dead_ms": ms(failover.frozenToDead).rounded(),
                                       "dead_to_moved_ms": ms(failover.deadToMoved).rounded()]
            }
            if let data = try? JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        print("switchboard bench edges — \(machineLine()); \(edges) edges, \(connections) keep-alive connections, \(seconds) s")
        print(renderTable(["FIGURE", "MEASURED", "TARGET"], [
            ["heartbeats/s over HTTP", grouped(rate), "≥ 20,000"],
            ["control plane CPU per heartbeat", String(format: "%.1f us", serverCPU / Double(max(1, result.completed)) * 1e6), ""],
            ["errors", "\(result.errors)", "0"],
            ["last heartbeat -> dead (median of \(deaths.count))", String(format: "%.0f ms", median), "≤ 3,000 ms (1 s heartbeats)"],
            ["  min / max", String(format: "%.0f / %.0f ms", deaths.first.map(ms) ?? 0, deaths.last.map(ms) ?? 0), ""],
        ] + (failover.map { f in [
            ["failover: edge frozen (SIGSTOP) -> dead", String(format: "%.0f ms", ms(f.frozenToDead)), "≤ 3,000 ms + one interval"],
            ["failover: dead -> \(f.sessions) sessions moved", String(format: "%.0f ms", ms(f.deadToMoved))
                + " (\(f.moved) moved, \(grouped(Double(f.moved) / max(0.001, ms(f.deadToMoved) / 1000)))/s)", ""],
        ] } ?? [])))
        print("heartbeat interval \(interval), phi suspect/dead at the defaults (5 / 8); Jitsi's presence timeout 45 s, LiveKit 5 s")
        print("command: \(commandLine())")
    }
}

/// Keep-alive HTTP/1.1 connections posting heartbeats as fast as they are answered, one in flight each.
final class HeartbeatLoad: Sendable {
    struct Result: Sendable {
        var completed = 0
        var errors = 0
        var wall = 0.0
        var clientCPU = 0.0
    }

    let port: Int
    let ids: [String]

    init(port: Int, ids: [String]) {
        self.port = port
        self.ids = ids
    }

    func run(connections: Int, seconds: Double) throws -> Result {
        let cpu0 = BenchSupport.threadCPUSeconds()
        var result = Result()
        var fds: [Int32] = []
        defer { for fd in fds { close(fd) } }
        for _ in 0..<connections { fds.append(try connect()) }
        var buffers = [[UInt8]](repeating: [], count: connections)
        var sequence: UInt64 = 0
        var next = 0
        func send(_ i: Int) {
            sequence += 1
            let id = ids[next % ids.count]
            next += 1
            let body = Array("{\"sequence\":\(sequence),\"streams\":\(next % 50),\"workers_ready\":2,\"cpu\":0.4,\"packet_loss\":0.001}".utf8)
            let bytes = Self.request("/v1/edges/\(id)/heartbeat", body: body)
            _ = bytes.withUnsafeBytes { Glibc.write(fds[i], $0.baseAddress, $0.count) }
        }
        let started = BenchSupport.nowNS()
        let deadline = started + UInt64(seconds * 1e9)
        for i in 0..<connections { send(i) }
        var pfds = fds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        var chunk = [UInt8](repeating: 0, count: 65536)
        while BenchSupport.nowNS() < deadline {
            guard poll(&pfds, nfds_t(pfds.count), 100) > 0 else { continue }
            for i in 0..<pfds.count where pfds[i].revents != 0 {
                pfds[i].revents = 0
                let n = chunk.withUnsafeMutableBytes { read(fds[i], $0.baseAddress, $0.count) }
                guard n > 0 else { throw CLIError("the control plane closed a connection") }
                buffers[i].append(contentsOf: chunk[0..<n])
                while let (status, _) = HTTPLoad.takeResponse(&buffers[i]) {
                    if status == 204 { result.completed += 1 } else { result.errors += 1 }
                    send(i)
                }
            }
        }
        result.wall = Double(BenchSupport.nowNS() - started) / 1e9
        result.clientCPU = BenchSupport.threadCPUSeconds() - cpu0
        return result
    }

    static func request(_ path: String, body: [UInt8]) -> [UInt8] {
        Array(("POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer bench-edge\r\n"
               + "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n").utf8) + body
    }

    private func connect() throws -> Int32 { try HTTPLoad.connect(port: port) }
}

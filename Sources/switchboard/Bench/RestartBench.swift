import ArgumentParser
import Foundation
import SwitchboardServer
import WorkerPorts

struct RestartBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "kill -9 a pool's worker and time until its replacement answers its first request.",
        discussion: """
            The real path: an orchestrator (no HTTP) with one pool of one switchboard-transcoder \
            under its simple_one_for_one supervisor. Each round: SIGKILL the worker, wait for the \
            supervisor's restart (waitpid, restart decision, start, hello) and its \
            worker.restarted event, send an echo through the new port; kill -> reply is one sample. \
            Run twice: as plain OTP (warm_spares 0: the replacement is spawned after the crash) and \
            with one warm spare (the replacement is a worker started ahead, adopted at restart).
            """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Kills to measure per mode.") var kills = 50

    func run() async throws {
        var rows: [(String, Percentiles)] = []
        var progress = ProgressBar("bench restart", total: kills * 2)
        for spares in [0, 1] {
            rows.append(("warm_spares \(spares)", try await measure(spares: spares, progress: &progress, offset: spares * kills)))
        }
        if options.json {
            var figures: [String: Any] = ["kills": kills, "command": commandLine(), "machine": machineLine()]
            for (name, p) in rows {
                figures[name.replacingOccurrences(of: " ", with: "_")] = ["median_ms": p.median / 1e6, "p99_ms": p.p(0.99) / 1e6, "max_ms": p.p(1) / 1e6]
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return
        }
        print("switchboard bench restart — \(machineLine()); \(kills) kills per mode")
        print(renderTable(["MODE", "MEDIAN", "P99", "MAX"], rows.map { name, p in
            [name, String(format: "%.2f ms", p.median / 1e6), String(format: "%.2f ms", p.p(0.99) / 1e6), String(format: "%.2f ms", p.p(1) / 1e6)]
        }))
        print("command: \(commandLine())")
    }

    func measure(spares: Int, progress: inout ProgressBar, offset: Int) async throws -> Percentiles {
        let config = try await SwitchboardConfig.load(path: nil, environment: [:], overrides: [
            "auth.operator_token": "bench-operator", "auth.client_token": "bench-client", "auth.edge_token": "bench-edge",
            "pools.transcoder.size": "1", "pools.transcoder.warm_spares": "\(spares)",
            "pools.transcoder.executable": options.workerPath,
            "pools.transcoder.intensity": "\(kills * 4)", "pools.transcoder.period": "1",
        ])
        let orchestrator = Orchestrator(config: config, logger: benchLogger())
        guard let pool = orchestrator.pool(named: "transcoder") else { throw CLIError("no pool") }
        let events = orchestrator.events.subscribe()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await orchestrator.run() }
            var iterator = events.makeAsyncIterator()
            func waitFor(_ type: String) async throws {
                while let event = await iterator.next() {
                    if event.type == type && event.fields["child"] == "transcoder.1" { return }
                }
                throw CLIError("the event stream ended before \(type)")
            }
            try await waitFor("worker.started")
            var samples: [Double] = []
            for i in 0..<kills {
                // Outside the measured interval: the spare (if any) is back.
                while pool.readySpares < spares { try await Task.sleep(for: .milliseconds(1)) }
                guard let current = pool.port("transcoder.1") else { throw CLIError("no worker") }
                _ = try await current.call(.echo, [1])
                let t0 = DispatchTime.now().uptimeNanoseconds
                kill(current.pid, SIGKILL)
                try await waitFor("worker.restarted")
                guard let next = pool.port("transcoder.1"), next !== current else { throw CLIError("no replacement") }
                _ = try await next.call(.echo, [1])
                samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0))
                progress.update(offset + i + 1)
            }
            group.cancelAll()
            try? await group.waitForAll()
            return Percentiles(samples)
        }
    }
}

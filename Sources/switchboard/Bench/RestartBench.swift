import ArgumentParser
import Foundation
import Supervision
import Synchronization
import WorkerPorts

struct RestartBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restart",
        abstract: "kill -9 a supervised worker and time until its replacement answers its first request.",
        discussion: """
            One one_for_one supervisor with one permanent switchboard-transcoder. Each round: \
            SIGKILL the worker, wait for the supervisor's restart (waitpid, spawn, hello), send an \
            echo through the new port; the time from kill to that reply is one sample.
            """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Kills to measure.") var kills = 50

    func run() async throws {
        let (ports, sink) = AsyncStream<WorkerPort>.makeStream()
        let portOptions = WorkerPortOptions(executable: options.workerPath)
        let spec = ChildSpec(id: "bench", restart: .permanent, shutdown: .brutalKill, startWithID: { id in
            let port = try await WorkerPort.start(id: id, options: portOptions, logger: benchLogger())
            sink.yield(port)
            return port
        })
        let supervisor = Supervisor(id: "bench", flags: SupervisorFlags(strategy: .oneForOne,
                                                                        intensity: RestartIntensity(intensity: kills * 2, period: .seconds(1))),
                                    children: [spec], logger: benchLogger())
        try await supervisor.start()
        var iterator = ports.makeAsyncIterator()
        guard var current = await iterator.next() else { throw CLIError("no worker started") }
        _ = try await current.call(.echo, [1])
        var samples: [Double] = []
        var progress = ProgressBar("bench restart", total: kills)
        for i in 0..<kills {
            let t0 = DispatchTime.now().uptimeNanoseconds
            kill(current.pid, SIGKILL)
            guard let next = await iterator.next() else { throw CLIError("the supervisor stopped restarting") }
            _ = try await next.call(.echo, [1])
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0))
            current = next
            progress.update(i + 1)
        }
        await supervisor.stop(.infinity)
        sink.finish()
        let p = Percentiles(samples)
        if options.json {
            let figures: [String: Any] = ["kills": kills, "median_ms": p.median / 1e6, "p99_ms": p.p(0.99) / 1e6,
                                          "max_ms": p.p(1) / 1e6, "command": commandLine(), "machine": machineLine()]
            print(String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return
        }
        print("switchboard bench restart — \(machineLine()); \(kills) kills")
        print(String(format: "kill -9 -> replacement answers: median %.2f ms, p99 %.2f ms, max %.2f ms",
                     p.median / 1e6, p.p(0.99) / 1e6, p.p(1) / 1e6))
        print("command: \(commandLine())")
    }
}

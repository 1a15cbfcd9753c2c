import ArgumentParser
import Foundation
import PortProtocol
import Synchronization
import WorkerPorts

struct PortBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "port",
        abstract: "Round-trip latency and pipelined throughput through a real worker port, next to raw pipes.",
        discussion: """
            For 64 B and 1920 B payloads: p50/p99 of one echo in flight, and messages/s with a \
            window of requests in flight, through WorkerPort and the switchboard-transcoder \
            worker. In the same run, two raw references on the same kind of pipes, driven by a \
            blocking thread that writes a frame and reads the reply with no port machinery: \
            against /bin/cat (the floor of a pipe round trip) and against the same worker.
            """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Sequential round trips per payload size.") var roundTrips = 20_000
    @Option(help: "Messages per pipelined run.") var messages = 400_000
    @Option(help: "Requests in flight in pipelined runs.") var window = 256

    func run() async throws {
        var results: [[String: String]] = []
        var progress = ProgressBar("bench port", total: 4)
        var step = 0
        for size in [64, 1920] {
            let payload = [UInt8](repeating: 0xA5, count: size)
            let port = try await WorkerPort.start(id: "bench.1", options: WorkerPortOptions(executable: options.workerPath),
                                                  logger: benchLogger())
            let latency = try await measureLatency(port, payload: payload, count: roundTrips)
            let throughput = try await measurePipelined(port, payload: payload, window: window, total: messages)
            await port.stop(.timeout(.seconds(2)))
            step += 1; progress.update(step)

            let rawWorker = try RawPipe(executable: options.workerPath, expectsHello: true)
            let rawWorkerLatency = rawWorker.latency(payload: payload, count: roundTrips)
            let rawWorkerRate = rawWorker.pipelined(payload: payload, window: window, total: messages)
            rawWorker.close()
            let cat = try RawPipe(executable: "/bin/cat", expectsHello: false)
            let catLatency = cat.latency(payload: payload, count: roundTrips)
            let catRate = cat.pipelined(payload: payload, window: window, total: messages)
            cat.close()
            step += 1; progress.update(step)

            results.append([
                "payload_bytes": "\(size)",
                "port_p50_us": String(format: "%.2f", latency.median / 1000),
                "port_p99_us": String(format: "%.2f", latency.p(0.99) / 1000),
                "port_msgs_per_s": String(format: "%.0f", throughput),
                "raw_worker_p50_us": String(format: "%.2f", rawWorkerLatency.median / 1000),
                "raw_worker_msgs_per_s": String(format: "%.0f", rawWorkerRate),
                "raw_cat_p50_us": String(format: "%.2f", catLatency.median / 1000),
                "raw_cat_p99_us": String(format: "%.2f", catLatency.p(0.99) / 1000),
                "raw_cat_msgs_per_s": String(format: "%.0f", catRate),
                "latency_ratio_port_vs_cat": String(format: "%.2f", latency.median / catLatency.median),
                "throughput_ratio_port_vs_cat": String(format: "%.2f", throughput / catRate),
            ])
        }
        if options.json {
            let data = try JSONSerialization.data(withJSONObject: ["port": results, "command": commandLine(), "machine": machineLine()],
                                                  options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        print("switchboard bench port — \(machineLine()); window \(window), \(roundTrips) round trips, \(messages) pipelined messages")
        let rows = results.map { r in
            [r["payload_bytes"]! + " B",
             r["port_p50_us"]! + " / " + r["port_p99_us"]!,
             r["raw_worker_p50_us"]!,
             r["raw_cat_p50_us"]! + " / " + r["raw_cat_p99_us"]!,
             r["latency_ratio_port_vs_cat"]! + "x",
             rate(Double(r["port_msgs_per_s"]!)!),
             rate(Double(r["raw_worker_msgs_per_s"]!)!),
             rate(Double(r["raw_cat_msgs_per_s"]!)!),
             r["throughput_ratio_port_vs_cat"]! + "x"]
        }
        print(renderTable(["PAYLOAD", "PORT p50/p99 us", "RAW-WORKER p50", "RAW-CAT p50/p99", "LAT RATIO",
                           "PORT PIPELINED", "RAW-WORKER", "RAW-CAT", "TPUT RATIO"], rows))
        print("command: \(commandLine())")
    }

    func measureLatency(_ port: WorkerPort, payload: [UInt8], count: Int) async throws -> Percentiles {
        for _ in 0..<min(2000, count) { _ = try await port.call(.echo, payload) }
        var samples: [Double] = []
        samples.reserveCapacity(count)
        let clock = ContinuousClock()
        for _ in 0..<count {
            let t0 = clock.now
            _ = try await port.call(.echo, payload)
            samples.append(Double((clock.now - t0).nanosecondsValue))
        }
        return Percentiles(samples)
    }

    /// Keeps `window` echo requests in flight; each reply's callback sends
    /// the next request, so replies read together leave together.
    func measurePipelined(_ port: WorkerPort, payload: [UInt8], window: Int, total: Int) async throws -> Double {
        let counters = Mutex((sent: 0, received: 0, failed: 0))
        let start = ContinuousClock.now
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            @Sendable func issue() {
                port.send(.echo, payload) { result in
                    let (again, finished) = counters.withLock { c -> (Bool, Bool) in
                        c.received += 1
                        if case .failure = result { c.failed += 1 }
                        if c.sent < total { c.sent += 1; return (true, false) }
                        return (false, c.received == total)
                    }
                    if again { issue() }
                    if finished { done.resume() }
                }
            }
            let first = min(window, total)
            counters.withLock { $0.sent = first }
            for _ in 0..<first { issue() }
        }
        let elapsed = ContinuousClock.now - start
        let failed = counters.withLock { $0.failed }
        if failed > 0 { throw CLIError("\(failed) pipelined requests failed") }
        return Double(total) / elapsed.secondsValue
    }
}

extension Duration {
    var nanosecondsValue: Int64 {
        let (s, atto) = components
        return s * 1_000_000_000 + atto / 1_000_000_000
    }
    var secondsValue: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

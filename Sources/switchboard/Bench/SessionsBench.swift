import ArgumentParser
import Foundation
import Synchronization
import SwitchboardServer

struct SessionsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "offer+answer+delete cycles/s over the HTTP API, sequential and with 64 in flight, next to rtpengine.",
        discussion: """
            Standalone: each run starts its own orchestrator (a pool of --workers \
            switchboard-transcoders) and HTTP server on 127.0.0.1 (ephemeral port), then drives \
            cycles — POST /v1/sessions (A's offer), POST /v1/sessions/{id}/answer (B's answer), \
            DELETE /v1/sessions/{id} — from a minimal HTTP/1.1 keep-alive client: one thread, \
            blocking sockets under poll, 1 connection (sequential) or --in-flight connections with \
            one cycle in flight each. Modes: plain PCMU relay (RTP/AVP), SRTP (RTP/SAVP with \
            a=crypto on both sides), and Opus->PCMU transcoding (an Opus offer with \
            transcode.codecs [PCMU]). No media is sent. A fresh server per run (ended sessions \
            are kept a while, so runs would otherwise weigh on each other); --warmup cycles first. \
            CPU per cycle: this process (getrusage) minus the client thread's CPU, and the \
            workers' utime+stime from /proc/PID/stat (10 ms ticks). "2nd / 9th 10%" is the \
            cycle rate over the second and the ninth tenth of the run (clear of ramp-up and drain): \
            a falling rate means a cost that grows with the sessions handled. \
            --hold N: memory per session, per mode — VmRSS deltas (after malloc_trim) of this \
            process and of the workers over N answered sessions kept up, then over N more full \
            cycles whose ended sessions the orchestrator keeps until its purge.
            """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Workers in the pool.") var workers = 2
    @Option(help: "Measured cycles per run.") var cycles = 3000
    @Option(help: "Unmeasured cycles before each run.") var warmup = 200
    @Option(help: "Connections (cycles in flight) of the concurrent runs.") var inFlight = 64
    @Option(help: "Modes to run (plain, srtp, opus), comma-separated.") var modes = "plain,srtp,opus"
    @Flag(help: "Skip the sequential (1 in flight) runs.") var concurrentOnly = false
    @Option(help: "media.port_range of the server. The default's 20,000 pairs are not reused within a run, so every B port is probed; the shipped range (40000-44999) turns over every 1,250 sessions.")
    var portRange = "20000-59999"

    @Option(help: "Memory per session: hold this many answered sessions (and as many ended ones) per mode and report RSS deltas (0: skip). Keep it under ~1,000 per worker (--workers): a worker's stats event carries all its streams in one frame.")
    var hold = 0

    struct Row {
        var mode: String
        var inFlight: Int
        var cycles: Int
        var errors: Int
        var firstError: String?
        var rate: Double
        var p50: Double, p99: Double          // ms
        var orchestratorUS: Double, workersUS: Double, clientUS: Double
        var firstTenthRate: Double, lastTenthRate: Double
    }

    /// rtpengine 10.5 on this kind of machine (../shared/NOTES.md): cycles/s and CPU per cycle.
    static let anchors: [String: (sequential: Double?, concurrent: Double, cpuUS: Double, target: Double)] = [
        "plain": (1800, 6100, 280, 6000), "srtp": (nil, 1190, 1500, 1500), "opus": (nil, 640, 2000, 1000),
    ]

    func run() async throws {
        let chosen = modes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for mode in chosen where Self.anchors[mode] == nil { throw ValidationError("unknown mode '\(mode)' (plain, srtp, opus)") }
        var progress = ProgressBar("bench sessions", total: chosen.count * (concurrentOnly ? 1 : 2) * cycles)
        var rows: [Row] = []
        for mode in chosen where cycles > 0 {
            for connections in concurrentOnly ? [inFlight] : [1, inFlight] {
                rows.append(try await measure(mode: mode, connections: connections, progress: &progress, offset: rows.count * cycles))
            }
        }
        if cycles > 0 { report(rows) }
        for mode in chosen where hold > 0 {
            let m = try await measureMemory(mode: mode)
            let line = String(format: "memory/session %@: live %.2f KB orchestrator + %.2f KB workers; ended (kept until purged) %.2f KB orchestrator",
                              mode, m.liveKB, m.workersKB, m.endedKB)
            print(line + " — \(hold) sessions, VmRSS deltas")
        }
    }

    /// RSS per session: `hold` answered sessions kept up (orchestrator: this
    /// process, the client's few buffers included; workers: /proc), then `hold`
    /// full cycles whose ended sessions the manager keeps until its purge.
    func measureMemory(mode: String) async throws -> (liveKB: Double, workersKB: Double, endedKB: Double) {
        // The workers carry 64 streams unless told otherwise.
        let orchestrator = try await BenchSupport.orchestrator(workers: workers, workerPath: options.workerPath,
                                                               extra: ["pools.transcoder.arguments": "--max-streams,\(hold + 64)"])
        return try await BenchSupport.serving(orchestrator) { port in
            _ = try await BenchSupport.waitForWorkers(orchestrator, count: workers)
            let offer = BenchSupport.sdp(port: 5000, opus: mode == "opus", srtp: mode == "srtp")
            let answer = BenchSupport.sdp(port: 5002, opus: false, srtp: mode == "srtp", key: [UInt8](repeating: 0x24, count: 30))
            let load = HTTPLoad(port: port, token: "bench-client", offer: offer, answer: answer,
                                transcodeTo: mode == "opus" ? ["PCMU"] : nil)
            var quiet = ProgressBar("", total: 0)
            _ = try await Self.onThread(load, connections: inFlight, cycles: max(warmup, 500), bar: &quiet, base: 0)
            let me = getpid()
            let pids = BenchSupport.workerPIDs(orchestrator, count: workers)
            // Free memory goes back to the OS before each reading (malloc_trim), so
            // that the deltas count what the sessions hold, not the garbage of the runs.
            Self.trimMalloc()
            let rss0 = BenchSupport.rssKB(pid: me), workers0 = BenchSupport.rssKB(pids: pids)
            let live = try await Self.onThread(load, connections: inFlight, cycles: hold, bar: &quiet, base: 0, delete: false)
            if live.errors > 0 { throw CLIError("\(mode): \(live.errors) sessions failed; first: \(live.firstError ?? "?")") }
            try await Task.sleep(for: .milliseconds(200))
            Self.trimMalloc()
            let rss1 = BenchSupport.rssKB(pid: me), workers1 = BenchSupport.rssKB(pids: pids)
            let ended = try await Self.onThread(load, connections: inFlight, cycles: hold, bar: &quiet, base: 0)
            if ended.errors > 0 { throw CLIError("\(mode): \(ended.errors) cycles failed; first: \(ended.firstError ?? "?")") }
            Self.trimMalloc()
            let rss2 = BenchSupport.rssKB(pid: me)
            let n = Double(hold)
            return (Double(rss1 - rss0) / n, Double(workers1 - workers0) / n, Double(rss2 - rss1) / n)
        }
    }

    func measure(mode: String, connections: Int, progress: inout ProgressBar, offset: Int) async throws -> Row {
        let orchestrator = try await BenchSupport.orchestrator(workers: workers, workerPath: options.workerPath,
                                                               extra: ["media.port_range": portRange])
        return try await BenchSupport.serving(orchestrator) { port in
            let pids = try await BenchSupport.waitForWorkers(orchestrator, count: workers)
            let offer = BenchSupport.sdp(port: 5000, opus: mode == "opus", srtp: mode == "srtp")
            let answer = BenchSupport.sdp(port: 5002, opus: false, srtp: mode == "srtp", key: [UInt8](repeating: 0x24, count: 30))
            let load = HTTPLoad(port: port, token: "bench-client", offer: offer, answer: answer,
                                transcodeTo: mode == "opus" ? ["PCMU"] : nil)
            if warmup > 0 {
                var quiet = ProgressBar("", total: 0)
                let warm = try await Self.onThread(load, connections: connections, cycles: warmup, bar: &quiet, base: 0)
                if warm.errors > 0 { throw CLIError("\(mode): \(warm.errors) warm-up cycles failed; first: \(warm.firstError ?? "?")") }
            }
            let cpu0 = processCPUTime(), workers0 = BenchSupport.cpuSeconds(pids: pids)
            let result = try await Self.onThread(load, connections: connections, cycles: cycles, bar: &progress, base: offset)
            let orchestratorCPU = processCPUTime() - cpu0 - result.clientCPU
            let workersCPU = BenchSupport.cpuSeconds(pids: BenchSupport.workerPIDs(orchestrator, count: workers)) - workers0
            return row(mode: mode, connections: connections, result: result, orchestratorCPU: orchestratorCPU, workersCPU: workersCPU)
        }
    }

    func row(mode: String, connections: Int, result: HTTPLoad.Result, orchestratorCPU: Double, workersCPU: Double) -> Row {
        let p = Percentiles(result.latencies)
        let stamps = result.completions
        let n = max(1, stamps.count)
        let wall = Double((stamps.last ?? 1) - result.startedAt) / 1e9
        func rate(_ from: Int, _ to: Int) -> Double {
            guard to > from, from >= 0, to < stamps.count else { return .nan }
            return Double(to - from) / (Double(stamps[to] - stamps[from]) / 1e9)
        }
        let tenth = stamps.count / 10
        return Row(mode: mode, inFlight: connections, cycles: stamps.count, errors: result.errors, firstError: result.firstError,
                   rate: Double(stamps.count) / wall, p50: p.median / 1e6, p99: p.p(0.99) / 1e6,
                   orchestratorUS: orchestratorCPU / Double(n) * 1e6, workersUS: workersCPU / Double(n) * 1e6,
                   clientUS: result.clientCPU / Double(n) * 1e6,
                   firstTenthRate: rate(tenth, 2 * tenth), lastTenthRate: rate(8 * tenth, 9 * tenth))
    }

    /// glibc's `malloc_trim(0)` (not in Swift's Glibc module: looked up by name).
    static func trimMalloc() {
        typealias Trim = @convention(c) (Int) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Runs the load on its own thread; redraws the progress bar (from `base`) every 50 ms meanwhile.
    static func onThread(_ load: HTTPLoad, connections: Int, cycles: Int, bar: inout ProgressBar, base: Int,
                         delete: Bool = true) async throws -> HTTPLoad.Result {
        let outcome = Mutex<Result<HTTPLoad.Result, any Error>?>(nil)
        let thread = Thread {
            let r = Result { try load.run(connections: connections, cycles: cycles, delete: delete) }
            outcome.withLock { $0 = r }
        }
        thread.stackSize = 1 << 20
        thread.start()
        while true {
            bar.update(base + load.done.load(ordering: .relaxed))
            if let r = outcome.withLock({ $0 }) { return try r.get() }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    func report(_ rows: [Row]) {
        if options.json {
            let list: [[String: Any]] = rows.map { r in
                let a = Self.anchors[r.mode]
                var d: [String: Any] = [
                    "mode": r.mode, "in_flight": r.inFlight, "cycles": r.cycles, "errors": r.errors,
                    "cycles_per_s": r.rate.rounded(), "p50_ms": r.p50, "p99_ms": r.p99,
                    "orchestrator_cpu_us_per_cycle": r.orchestratorUS.rounded(), "workers_cpu_us_per_cycle": r.workersUS.rounded(),
                    "client_cpu_us_per_cycle": r.clientUS.rounded(),
                    "second_tenth_cycles_per_s": r.firstTenthRate.isNaN ? 0 : r.firstTenthRate.rounded(),
                    "ninth_tenth_cycles_per_s": r.lastTenthRate.isNaN ? 0 : r.lastTenthRate.rounded(),
                    "rtpengine_cpu_us_per_cycle": a?.cpuUS ?? 0,
                ]
                if let anchor = r.inFlight == 1 ? a?.sequential : a?.concurrent { d["rtpengine_cycles_per_s"] = anchor }
                if r.inFlight > 1, let target = a?.target { d["target_cycles_per_s"] = target }
                if let e = r.firstError { d["first_error"] = e }
                return d
            }
            let figures: [String: Any] = ["runs": list, "workers": workers, "command": commandLine(), "machine": machineLine()]
            if let data = try? JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        print("switchboard bench sessions — \(machineLine()); \(workers) workers; \(cycles) cycles per run after \(warmup) warm-up; HTTP/1.1 keep-alive on loopback")
        let table = rows.map { r -> [String] in
            let a = Self.anchors[r.mode]
            let anchor = (r.inFlight == 1 ? a?.sequential : a?.concurrent).map { grouped($0) } ?? "—"
            let target = r.inFlight > 1 ? a.map { "≥ " + grouped($0.target) } ?? "" : ""
            return [r.mode, "\(r.inFlight)", grouped(r.rate), String(format: "%.2f / %.2f", r.p50, r.p99),
                    "\(grouped(r.firstTenthRate.isNaN ? 0 : r.firstTenthRate)) / \(grouped(r.lastTenthRate.isNaN ? 0 : r.lastTenthRate))",
                    String(format: "%.0f + %.0f", r.orchestratorUS, r.workersUS), String(format: "%.0f", r.clientUS),
                    "\(r.errors)", anchor, a.map { grouped($0.cpuUS) } ?? "", target]
        }
        print(renderTable(["MODE", "IN FLIGHT", "CYCLES/S", "p50 / p99 ms", "2ND / 9TH 10%", "CPU us/cycle orch+workers",
                           "CLIENT us", "ERRORS", "RTPENGINE /S", "RTPENGINE us", "TARGET /S"], table))
        for r in rows where r.firstError != nil { print("first error (\(r.mode), \(r.inFlight) in flight): \(r.firstError ?? "")") }
        print("rtpengine 10.5 anchors (same kind of 2-core machine): plain 1,800/s sequential, 6,100/s with 64 in flight; "
              + "SDES-SRTP 1,190/s and Opus->PCMU 640/s (concurrency not stated: shown on the concurrent rows).")
        print("command: \(commandLine())")
    }
}

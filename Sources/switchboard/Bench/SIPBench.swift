import ArgumentParser
import Foundation
import SwitchboardServer

struct SIPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sip",
        abstract: "Sustained SIP call set-ups/s through the B2BUA, sipp on both sides, with and without media.",
        discussion: """
            Standalone: each run starts its own orchestrator (a pool of --workers \
            switchboard-transcoders) with SIP on 127.0.0.1 (an ephemeral port) and its default \
            route at a sipp uas (built-in `uas` scenario); a sipp uac (built-in `uac`: INVITE with \
            a PCMU offer, 200, ACK, BYE at once) places --calls calls at --rate calls/s. Mode \
            `media`: every call is a session with its stream opened on a worker (ports bound, no \
            media sent). Mode `signalling`: the route has `media: false`, SDP passes through \
            untouched, no session. Reported: calls/s achieved, failed calls (sipp's count; sipp \
            exits 0 only when every call succeeded), set-up time p50/p99 from INVITE to 200 as \
            sipp measures it (-trace_rtt), and the orchestrator's and workers' CPU per call. \
            Needs sipp (Debian `sip-tester`). The anchor: sipp's uac against sipp's uas directly \
            holds 1,000 calls/s on this kind of machine; the target is >= 500 calls/s with 0 failures.
            """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Workers in the pool.") var workers = 2
    @Option(help: "Calls per run.") var calls = 5000
    @Option(help: "Call rate offered by the uac (calls/s).") var rate = 500
    @Option(help: "Modes to run (media, signalling), comma-separated.") var modes = "media,signalling"
    @Option(help: "First of the UDP ports used by sipp (uas, uac and their control ports).") var sippPort = 17060

    struct Row {
        var mode: String
        var calls: Int
        var failed: Int
        var rate: Double
        var p50: Double, p99: Double
        var orchestratorUS: Double, workersUS: Double
        var sippExit: Int32
    }

    func run() async throws {
        guard let sipp = ["/usr/bin/sipp", "/usr/local/bin/sipp"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw CLIError("sipp is not installed (Debian package sip-tester)")
        }
        let chosen = modes.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for mode in chosen where !["media", "signalling"].contains(mode) { throw ValidationError("unknown mode '\(mode)' (media, signalling)") }
        var progress = ProgressBar("bench sip", total: chosen.count * calls)
        var rows: [Row] = []
        for (index, mode) in chosen.enumerated() {
            rows.append(try await measure(mode: mode, sipp: sipp, progress: &progress, offset: index * calls))
        }
        report(rows)
    }

    func measure(mode: String, sipp: String, progress: inout ProgressBar, offset: Int) async throws -> Row {
        let uasPort = sippPort, uacPort = sippPort + 2
        var extra = ["sip.default_route": "127.0.0.1:\(uasPort)", "sip.invite_timeout": "10s"]
        if mode == "signalling" { extra["sip.media"] = "false" }
        let orchestrator = try await BenchSupport.orchestrator(workers: workers, workerPath: options.workerPath, extra: extra)
        var bar = progress
        defer { progress = bar }
        return try await BenchSupport.serving(orchestrator) { _ in
            guard let sipPort = await orchestrator.sip?.boundPort() else { throw CLIError("the SIP listener did not start") }
            let pids = try await BenchSupport.waitForWorkers(orchestrator, count: workers)
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-sip-\(getpid())-\(mode)")
            try? FileManager.default.removeItem(at: dir)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let uas = try Self.launch(sipp, ["-sn", "uas", "-i", "127.0.0.1", "-p", "\(uasPort)", "-cp", "\(uasPort + 1)", "-nostdin",
                                             "-bind_local"], in: dir, log: "uas.log")
            defer { if uas.isRunning { uas.terminate() } }
            try await Task.sleep(for: .milliseconds(300))  // sipp has no readiness signal; its socket binds at start
            let cpu0 = processCPUTime(), workers0 = BenchSupport.cpuSeconds(pids: pids)
            let started = BenchSupport.nowNS()
            let uac = try Self.launch(sipp, ["-sn", "uac", "127.0.0.1:\(sipPort)", "-i", "127.0.0.1", "-p", "\(uacPort)",
                                             "-cp", "\(uacPort + 1)", "-nostdin", "-r", "\(rate)", "-m", "\(calls)", "-l", "\(rate * 4)",
                                             "-timeout", "\(calls / max(rate, 1) + 60)s", "-timeout_error",
                                             "-trace_rtt", "-rtt_freq", "1", "-trace_stat", "-fd", "1",
                                             "-bind_local"], in: dir, log: "uac.log")
            while uac.isRunning {
                try await Task.sleep(for: .milliseconds(100))
                bar.update(offset + min(calls, Int(Double(BenchSupport.nowNS() - started) / 1e9 * Double(rate))))
            }
            let wall = Double(BenchSupport.nowNS() - started) / 1e9
            bar.update(offset + calls)
            let orchestratorCPU = processCPUTime() - cpu0
            let workersCPU = BenchSupport.cpuSeconds(pids: BenchSupport.workerPIDs(orchestrator, count: workers)) - workers0
            let (succeeded, failed) = Self.callCounts(dir)
            let rtts = Self.responseTimes(dir)
            let p = Percentiles(rtts)
            let n = Double(max(1, succeeded + failed))
            return Row(mode: mode, calls: succeeded, failed: failed, rate: Double(succeeded) / wall, p50: p.median, p99: p.p(0.99),
                       orchestratorUS: orchestratorCPU / n * 1e6, workersUS: workersCPU / n * 1e6, sippExit: uac.terminationStatus)
        }
    }

    static func launch(_ path: String, _ arguments: [String], in dir: URL, log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = dir
        let logURL = dir.appendingPathComponent(log)
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let handle = try FileHandle(forWritingTo: logURL)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Successful and failed calls from the last line of sipp's statistics file (`-trace_stat`).
    static func callCounts(_ dir: URL) -> (Int, Int) {
        guard let file = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.first(where: { $0.hasPrefix("uac_") && $0.hasSuffix(".csv") && !$0.contains("rtt") }),
              let text = try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8) else { return (0, 0) }
        let lines = text.split(whereSeparator: \.isNewline)
        guard let header = lines.first?.split(separator: ";", omittingEmptySubsequences: false), let last = lines.last?.split(separator: ";", omittingEmptySubsequences: false) else { return (0, 0) }
        func value(_ name: String) -> Int {
            guard let i = header.firstIndex(where: { $0 == name }), i < last.count else { return 0 }
            return Int(last[i]) ?? 0
        }
        return (value("SuccessfulCall(C)"), value("FailedCall(C)"))
    }

    /// INVITE-to-200 times (ns) of every call from sipp's `-trace_rtt` file.
    static func responseTimes(_ dir: URL) -> [Double] {
        guard let file = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.first(where: { $0.contains("_rtt") }),
              let text = try? String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let fields = line.split(separator: ";")
            return fields.count >= 2 ? Double(fields[1]).map { $0 * 1e6 } : nil
        }
    }

    func report(_ rows: [Row]) {
        if options.json {
            let list: [[String: Any]] = rows.map { r in
                ["mode": r.mode, "calls": r.calls, "failed": r.failed, "calls_per_s": r.rate.rounded(),
                 "setup_p50_ms": r.p50 / 1e6, "setup_p99_ms": r.p99 / 1e6, "sipp_exit": Int(r.sippExit),
                 "orchestrator_cpu_us_per_call": r.orchestratorUS.rounded(), "workers_cpu_us_per_call": r.workersUS.rounded(),
                 "target_calls_per_s": 500]
            }
            let figures: [String: Any] = ["runs": list, "offered_rate": rate, "workers": workers, "command": commandLine(), "machine": machineLine()]
            if let data = try? JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]) {
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        print("switchboard bench sip — \(machineLine()); \(workers) workers; sipp uac -> switchboard -> sipp uas on loopback; offered \(rate) calls/s")
        print(renderTable(["MODE", "CALLS", "FAILED", "CALLS/S", "SET-UP p50 / p99 ms", "CPU us/call orch+workers", "SIPP EXIT", "TARGET /S"],
                          rows.map { r in
                              [r.mode, "\(r.calls)", "\(r.failed)", grouped(r.rate), String(format: "%.2f / %.2f", r.p50 / 1e6, r.p99 / 1e6),
                               String(format: "%.0f + %.0f", r.orchestratorUS, r.workersUS), "\(r.sippExit)", "≥ 500, 0 failed"]
                          }))
        print("anchor: sipp uac against sipp uas directly holds 1,000 calls/s with 0 failures on this kind of machine.")
        print("command: \(commandLine())")
    }
}

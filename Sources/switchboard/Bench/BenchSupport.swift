import Foundation
import SwitchboardServer

/// Helpers shared by `bench sessions` and `bench calls`: an in-process
/// orchestrator, process CPU and memory from /proc, and SDP text.
enum BenchSupport {
    /// An orchestrator with one pool of `workers` switchboard-transcoders, wide
    /// limits, tokens for the bench. `http.listen` is an ephemeral port.
    static func orchestrator(workers: Int, workerPath: String, extra: [String: String] = [:]) async throws -> Orchestrator {
        var values: [String: String] = [
            "auth.operator_token": "bench-operator", "auth.client_token": "bench-client", "auth.edge_token": "bench-edge",
            "http.listen": "127.0.0.1:0",
            "pools.transcoder.size": "\(workers)", "pools.transcoder.warm_spares": "0",
            "pools.transcoder.executable": workerPath, "pools.transcoder.max_streams": "10000",
            "pools.transcoder.shutdown_timeout": "2s",
            "limits.max_sessions": "1000000", "media.port_range": "20000-59999", "sip.listen": "127.0.0.1:0",
        ]
        values.merge(extra) { $1 }
        let config = try await SwitchboardConfig.load(path: nil, environment: [:], overrides: values)
        return Orchestrator(config: config, logger: benchLogger())
    }

    /// Runs the HTTP application around `orchestrator` (logs quiet) for the length of `body`,
    /// which gets the bound HTTP port; the server stops when `body` returns or throws.
    static func serving<T: Sendable>(_ orchestrator: Orchestrator, _ body: (Int) async throws -> T) async throws -> T {
        let (ports, sink) = AsyncStream<Int>.makeStream()
        var httpLogger = benchLogger()
        httpLogger.logLevel = .critical  // cancelling the server at the end of a run logs errors
        let app = SwitchboardApp.application(orchestrator: orchestrator, logger: httpLogger) { sink.yield($0) }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CLIError("the HTTP server did not start") }
            return try await body(port)
        }
    }

    /// Waits until every worker `transcoder.1...N` has a usable port; returns their pids.
    static func waitForWorkers(_ orchestrator: Orchestrator, count: Int) async throws -> [Int32] {
        guard let pool = orchestrator.pool(named: "transcoder") else { throw CLIError("no transcoder pool") }
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let ports = (1...max(count, 1)).compactMap { pool.port("transcoder.\($0)") }.filter(\.isUsable)
            if ports.count == count { return ports.map(\.pid) }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw CLIError("the workers did not start within 20 s")
    }

    /// The worker pids now (a restarted worker has a new pid).
    static func workerPIDs(_ orchestrator: Orchestrator, count: Int) -> [Int32] {
        guard let pool = orchestrator.pool(named: "transcoder") else { return [] }
        return (1...max(count, 1)).compactMap { pool.port("transcoder.\($0)")?.pid }
    }

    /// utime + stime of a process in seconds (/proc/PID/stat, clock ticks).
    static func cpuSeconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // After ") ": state(3) ppid(4) ... utime(14) stime(15): indices 11 and 12 here.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    static func cpuSeconds(pids: [Int32]) -> Double { pids.reduce(0) { $0 + cpuSeconds(pid: $1) } }

    /// VmRSS of a process in KB (/proc/PID/status).
    static func rssKB(pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        return 0
    }

    static func rssKB(pids: [Int32]) -> Int { pids.reduce(0) { $0 + rssKB(pid: $1) } }

    /// CPU seconds of the calling thread.
    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    static func nowNS() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    // MARK: SDP text

    /// An audio offer or answer from a peer at 127.0.0.1:`port`: PCMU or Opus
    /// (`opus/48000/<opusChannels>`, 2 as RFC 7587 says), plain RTP or SDES-SRTP.
    static func sdp(port: Int, opus: Bool, srtp: Bool, key: [UInt8]? = nil, opusChannels: Int = 2) -> String {
        let profile = srtp ? "RTP/SAVP" : "RTP/AVP"
        var lines = ["v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=bench", "c=IN IP4 127.0.0.1", "t=0 0"]
        if opus {
            lines += ["m=audio \(port) \(profile) 111 101", "a=rtpmap:111 opus/48000/\(opusChannels)", "a=fmtp:111 useinbandfec=1"]
        } else {
            lines += ["m=audio \(port) \(profile) 0 101", "a=rtpmap:0 PCMU/8000"]
        }
        lines += ["a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv"]
        if srtp {
            let material = key ?? [UInt8](repeating: 0x42, count: 30)
            lines.append("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(Data(material).base64EncodedString())")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// The port of the first `m=audio` line.
    static func mediaPort(_ sdp: String) -> Int? {
        sdp.split(whereSeparator: \.isNewline).first { $0.hasPrefix("m=audio ") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } }
    }

    /// The key || salt of the first `a=crypto` line.
    static func cryptoKey(_ sdp: String) -> [UInt8]? {
        guard let line = sdp.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("a=crypto:") }),
              let inline = line.range(of: "inline:") else { return nil }
        let encoded = line[inline.upperBound...].prefix { $0 != "|" && $0 != " " }
        return Data(base64Encoded: String(encoded)).map { [UInt8]($0) }
    }

    /// A JSON string literal.
    static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// "1,234" for the anchors and figures.
func grouped(_ value: Double) -> String {
    let n = Int(value.rounded())
    let digits = String(abs(n))
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (n < 0 ? "-" : "") + out
}

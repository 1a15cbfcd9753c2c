import ArgumentParser
import Foundation
import Logging
import SwitchboardServer

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure ports, restarts and transcoding; prints figures and the command line.",
        discussion: """
            Runs standalone (no server needed): spawns its own workers. Build with \
            `swift build -c release` first; debug builds are several times slower. Figures are \
            reported, never asserted.
            """,
        subcommands: [PortBench.self, RestartBench.self, TranscodeBench.self, SessionsBench.self, CallsBench.self, SIPBench.self, EdgesBench.self])
}

/// Options shared by the benchmarks.
struct BenchOptions: ParsableArguments {
    @Option(help: "Worker executable (default: switchboard-transcoder next to this binary).")
    var worker: String = "switchboard-transcoder"

    @Flag(help: "Print JSON figures instead of text.")
    var json = false

    var workerPath: String { WorkerPool.resolve(executable: worker) }
}

/// Percentiles over samples in nanoseconds.
struct Percentiles {
    var sorted: [Double]
    init(_ samples: [Double]) { sorted = samples.sorted() }
    func p(_ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
    }
    var median: Double { p(0.5) }
}

/// A one-line progress bar on stderr, redrawn in place.
struct ProgressBar {
    let label: String
    let total: Int
    var lastDrawn = -1
    let enabled = isatty(2) == 1

    init(_ label: String, total: Int) { self.label = label; self.total = total }

    mutating func update(_ done: Int) {
        guard enabled, total > 0 else { return }
        let pct = min(100, done * 100 / total)
        guard pct != lastDrawn else { return }
        lastDrawn = pct
        let width = 30
        let filled = pct * width / 100
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label.padding(toLength: 28, withPad: " ", startingAt: 0)) \(bar) \(pct)%".utf8))
        if pct == 100 { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

func commandLine() -> String {
    CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
}

func machineLine() -> String {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    #if DEBUG
    let build = "debug build (figures are not representative: use -c release)"
    #else
    let build = "release build"
    #endif
    return "\(cores) cores, \(build)"
}

func us(_ ns: Double) -> String { String(format: "%.1f us", ns / 1000) }
func rate(_ perSecond: Double) -> String {
    perSecond >= 1_000_000 ? String(format: "%.2fM/s", perSecond / 1e6) : String(format: "%.0fk/s", perSecond / 1e3)
}

func benchLogger() -> Logger {
    var logger = Logger(label: "bench")
    logger.logLevel = .warning
    return logger
}

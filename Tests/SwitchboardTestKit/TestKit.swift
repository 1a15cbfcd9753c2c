import Foundation
import Synchronization
import Logging
import WorkerPorts
@_exported import Logging

/// Test helpers shared by the test targets (ServiceLifecycleTestKit's idea).

/// Paths of the built products and the repository, for tests that spawn
/// real processes.
public enum Products {
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A product built next to the test bundle (`.build/debug/NAME`).
    public static func path(_ name: String) -> String {
        var candidates: [URL] = []
        if let arg0 = CommandLine.arguments.first {
            var dir = URL(fileURLWithPath: arg0).deletingLastPathComponent()
            // swift-testing may run from inside the .xctest bundle
            for _ in 0..<4 {
                candidates.append(dir.appendingPathComponent(name))
                dir.deleteLastPathComponent()
            }
        }
        candidates.append(repositoryRoot.appendingPathComponent(".build/debug/\(name)"))
        return (candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!).path
    }

    public static var transcoder: String { path("switchboard-transcoder") }
    public static var switchboard: String { path("switchboard") }
    public static var pythonWorker: String { repositoryRoot.appendingPathComponent("Workers/Reference/echo_worker.py").path }
}

public func testLogger(_ label: String = "test") -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = .critical
    return logger
}

/// Options tuned for tests: short timeouts so failures show quickly.
public func transcoderOptions(_ args: [String] = [], heartbeat: Duration = .seconds(1), misses: Int = 3,
                       startTimeout: Duration = .seconds(10)) -> WorkerPortOptions {
    WorkerPortOptions(executable: Products.transcoder, arguments: args, startTimeout: startTimeout,
                      requestTimeout: .seconds(10), heartbeatInterval: heartbeat, heartbeatMisses: misses)
}

/// True while a process with this pid exists and is not a zombie.
public func isAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

public struct TimedOut: Error, CustomStringConvertible {
    public var what: String
    public init(what: String) { self.what = what }
    public var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` every 10 ms for at most `timeout`: for conditions no
/// event announces (another process's state). Throws on timeout.
public func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw TimedOut(what: what)
}

/// A pure-tone PCM generator and a Goertzel detector, for round trips.
public enum Tone {
    public static func pcm16(frequency: Double, sampleRate: Double, samples: Int, amplitude: Double = 8000, phase: Int = 0) -> [Int16] {
        (0..<samples).map { i in Int16(amplitude * sin(2 * .pi * frequency * Double(i + phase) / sampleRate)) }
    }

    public static func bytes(_ samples: [Int16]) -> [UInt8] {
        samples.flatMap { s -> [UInt8] in let u = UInt16(bitPattern: s); return [UInt8(u & 0xff), UInt8(u >> 8)] }
    }

    public static func samples(_ bytes: [UInt8]) -> [Int16] {
        stride(from: 0, to: bytes.count - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
    }

    /// The frequency (from `candidates`) with the most energy.
    public static func dominant(_ samples: [Int16], sampleRate: Double, candidates: [Double]) -> Double {
        func power(_ f: Double) -> Double {
            let k = 2 * cos(2 * .pi * f / sampleRate)
            var s1 = 0.0, s2 = 0.0
            for x in samples { let s = Double(x) + k * s1 - s2; s2 = s1; s1 = s }
            return s1 * s1 + s2 * s2 - k * s1 * s2
        }
        return candidates.max { power($0) < power($1) } ?? 0
    }
}

/// A media port range of its own for each live server in this test process
/// (30000-39999, 250 ports each), so suites running in parallel never hand
/// out the same ports. MediaPathTests use 21000-29999.
public func nextMediaPortRange() -> String {
    let k = mediaRangeCounter.add(1, ordering: .relaxed).newValue
    let low = 30000 + (k % 40) * 250
    return "\(low)-\(low + 249)"
}

private let mediaRangeCounter = Atomic<Int>(0)

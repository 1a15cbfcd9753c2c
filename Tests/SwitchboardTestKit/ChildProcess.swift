#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A child process bounded in time: output to a log file (for failure messages), exit awaited through
/// the termination handler, SIGKILLed by `kill()`, on timeout, or when the value goes away.
public final class ChildProcess: Sendable {
    private let process: Process
    /// stdout and stderr of the child.
    public let log: URL
    private let exits: AsyncStream<Int32>
    private let status = Mutex<Int32?>(nil)

    /// Starts `executable` with `arguments`, stdin from /dev/null, stdout and stderr into `log`.
    public init(_ executable: String, _ arguments: [String], log: URL, environment: [String: String]? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handle
        process.standardError = handle
        let (exits, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { continuation.yield($0.terminationStatus); continuation.finish() }
        try process.run()
        try handle.close()
        self.process = process
        self.log = log
        self.exits = exits
    }

    deinit { kill() }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }
    public var name: String { process.executableURL?.lastPathComponent ?? "child" }

    /// The last 2000 characters of the child's output.
    public var output: String { fullOutput.suffix(2000).description }
    /// Everything the child wrote so far.
    public var fullOutput: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// The exit status, or nil if it did not exit within `timeout` (then it is killed).
    public func exit(within timeout: Duration) async -> Int32? {
        if let done = status.withLock({ $0 }) { return done }
        let exits = self.exits
        let result = await withTaskGroup(of: Int32?.self) { group in
            group.addTask { for await code in exits { return code }; return nil }
            group.addTask { try? await Task.sleep(for: timeout); return nil }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        if result == nil { kill() }
        status.withLock { if $0 == nil { $0 = result } }
        return result
    }

    /// Waits until the child has bound UDP `port` (or exited: then returns, and its exit status tells);
    /// on timeout, says what the child was doing.
    public func listening(on port: UInt16, timeout: Duration = .seconds(5)) async throws {
        do {
            try await eventually("\(name) listening on UDP \(port)", timeout: timeout) {
                isUDPPortBound(port) || !process.isRunning
            }
        } catch {
            throw UDPPeer.Failure(description: "\(error); \(processState); log: \(output)")
        }
    }

    /// Waits until the child's output contains `text` (or it exited: then throws with its output).
    public func waitForOutput(_ text: String, timeout: Duration = .seconds(5)) async throws {
        try await waitFor("\"\(text)\" in the output of \(name)", timeout: timeout) { fullOutput.contains(text) }
    }

    /// Polls `condition` (another process's state) every 10 ms until it holds; fails early if the child exits first.
    private func waitFor(_ what: String, timeout: Duration, _ condition: () -> Bool) async throws {
        do {
            try await eventually(what, timeout: timeout) { condition() || !process.isRunning }
        } catch {
            throw UDPPeer.Failure(description: "\(error); \(processState); log: \(output)")
        }
        if !condition() {
            throw UDPPeer.Failure(description: "\(name) exited (status \(process.terminationStatus)) before \(what); log: \(output)")
        }
    }

    private var processState: String {
        let pid = process.processIdentifier
        let state = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?
            .split(separator: "\n").filter { $0.hasPrefix("State") }.joined() ?? "gone"
        let wchan = (try? String(contentsOfFile: "/proc/\(pid)/wchan", encoding: .utf8)) ?? "?"
        return "pid \(pid) \(state) wchan \(wchan), sockets: \(socketsOf(pid))"
    }

    /// Sends `signal` to the child if it still runs.
    public func signal(_ signal: Int32) {
        if process.isRunning { _ = Glibc.kill(process.processIdentifier, signal) }
    }

    /// SIGTERM: asks the child to finish (it may flush files first, unlike `kill()`).
    public func terminate() { signal(SIGTERM) }

    public func kill() { signal(SIGKILL) }
}

/// A temporary directory, removed with the value.
public final class TempDir: Sendable {
    public let url: URL
    public init(prefix: String = "switchboard-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    public var path: String { url.path }
}

/// Whether some socket is bound to this UDP port (another process's state, from /proc/net/udp).
public func isUDPPortBound(_ port: UInt16) -> Bool { isPortListed(port, in: ["/proc/net/udp", "/proc/net/udp6"]) }

/// Whether some TCP socket is bound to this port (any state, from /proc/net/tcp).
public func isTCPPortBound(_ port: UInt16) -> Bool { isPortListed(port, in: ["/proc/net/tcp", "/proc/net/tcp6"]) }

private func isPortListed(_ port: UInt16, in tables: [String]) -> Bool {
    let hex = ":" + String(format: "%04X", Int(port))
    return tables.contains { path in
        let table = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return table.split(separator: "\n").dropFirst().contains { line in
            line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first?.hasSuffix(hex) ?? false
        }
    }
}

/// The local addresses of a process's UDP and TCP sockets ("udp 127.0.0.1:5060"), from /proc: for failure messages.
public func socketsOf(_ pid: Int32) -> String {
    let fdDir = "/proc/\(pid)/fd"
    let inodes = Set(((try? FileManager.default.contentsOfDirectory(atPath: fdDir)) ?? []).compactMap { fd -> Substring? in
        guard let link = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(fdDir)/\(fd)"),
              link.hasPrefix("socket:[") else { return nil }
        return link.dropFirst("socket:[".count).dropLast()
    })
    var found: [String] = []
    for table in ["udp", "tcp", "udp6", "tcp6"] {
        let text = (try? String(contentsOfFile: "/proc/net/\(table)", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count > 9, inodes.contains(fields[9]) else { continue }
            let local = fields[1].split(separator: ":")
            guard local.count == 2, let port = UInt16(local[1], radix: 16) else { continue }
            var address = "?"
            if local[0].count == 8, let raw = UInt32(local[0], radix: 16) {  // little-endian hex of an IPv4 address
                address = (0..<4).map { String((raw >> (8 * $0)) & 0xFF) }.joined(separator: ".")
            } else if local[0].count == 32 {
                address = "[v6]"
            }
            found.append("\(table) \(address):\(port)")
        }
    }
    return found.isEmpty ? "none (\(inodes.count) socket fds)" : found.joined(separator: ", ")
}

/// Whether a socket of this type can bind 127.0.0.1:`port` right now.
public func isBindable(_ port: UInt16, type: Int32 = Int32(SOCK_DGRAM.rawValue)) -> Bool {
    let fd = socket(AF_INET, type | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return false }
    defer { close(fd) }
    var sin = UDPPeer.address(port: port)
    return withUnsafePointer(to: &sin) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    } == 0
}

/// Blocks of consecutive ports on 127.0.0.1 for real peers (sipp, baresip) in 16000-19999: below the
/// ephemeral range, apart from the media ranges other suites use (MediaPathTests 21000-29999, live
/// servers 30000-39999). Blocks are handed out by a rotating counter that starts at a random place
/// (two test processes on one machine do not walk the same sequence) and checked free for UDP and
/// TCP when handed out.
public enum PeerPorts {
    public static let range: ClosedRange<UInt16> = 16000...19999
    private static let next = Atomic<Int>(Int.random(in: 0..<2000) * 2)

    /// The first port of `count` consecutive ports that were all free (UDP and TCP) just now. The first
    /// port is even (RTP convention: RTP even, RTCP odd).
    public static func block(_ count: Int) throws -> UInt16 {
        let span = Int(range.upperBound - range.lowerBound) + 1
        let step = max(count, 1) + (max(count, 1) & 1)
        for _ in 0..<(span / step) {
            let offset = next.add(step, ordering: .relaxed).oldValue % span
            guard offset + count <= span else { continue }
            let base = range.lowerBound + UInt16(offset)
            let ports = (0..<count).map { base + UInt16($0) }
            if ports.allSatisfy({ isBindable($0) && isBindable($0, type: Int32(SOCK_STREAM.rawValue)) }) { return base }
        }
        throw UDPPeer.Failure(description: "no block of \(count) free ports in \(range)")
    }
}

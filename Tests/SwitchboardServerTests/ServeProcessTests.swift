import CProcessSpawn
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SwitchboardTestKit
import Testing
import WorkerPorts

/// `switchboard serve` as a real process: signals, exit statuses, orphans.
@Suite("switchboard serve as a process", .serialized, .timeLimit(.minutes(3)))
struct ServeProcessTests {
    /// A free loopback TCP port (bound, then released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    struct Serve {
        let process: WorkerProcess
        let port: Int

        init(_ extra: [String] = []) throws {
            port = ServeProcessTests.freePort()
            process = try WorkerProcess(executable: Products.switchboard, arguments: [
                "serve", "--config", Products.repositoryRoot.appendingPathComponent("Config/switchboard.yaml").path,
                "--set", "http.listen=127.0.0.1:\(port)", "--set", "sip.listen=127.0.0.1:0",
                "--set", "pools.transcoder.executable=\(Products.transcoder)",
            ] + extra)
            let fd = process.stdoutFD
            Thread { var b = [UInt8](repeating: 0, count: 4096); while b.withUnsafeMutableBytes({ read(fd, $0.baseAddress, $0.count) }) > 0 {} }.start()
        }

        /// Everything serve logged (stderr), read to EOF.
        func logs() -> String {
            String(decoding: readToEOF(process.stderrFD), as: UTF8.self)
        }

        func workerPIDs() async throws -> [Int32] {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/workers")!)
            request.setValue("Bearer dev-operator-token", forHTTPHeaderField: "Authorization")
            let (data, _) = try await URLSession.shared.data(for: request)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return (object?["workers"] as? [[String: Any]] ?? []).compactMap { ($0["pid"] as? Int).map(Int32.init) }
        }

        func waitReady() async throws -> [Int32] {
            var pids: [Int32] = []
            try await eventually("serve ready with 2 workers", timeout: .seconds(30)) {
                pids = (try? await workerPIDs()) ?? []
                return pids.count == 2
            }
            return pids
        }
    }

    @Test("SIGKILL of serve leaves no worker alive: each sees stdin EOF and exits 0")
    func noOrphans() async throws {
        // Orphans are re-parented to this test process, which reaps them and reads their status.
        #expect(switchboard_set_child_subreaper(1) == 0)
        defer { _ = switchboard_set_child_subreaper(0) }
        let serve = try Serve()
        let pids = try await serve.waitReady()
        kill(serve.process.pid, SIGKILL)
        #expect(await serve.process.terminated(within: .seconds(10)) == .signaled(SIGKILL))
        for pid in pids {
            var status: Int32 = 0
            var reaped: pid_t = 0
            try await eventually("worker \(pid) to exit", timeout: .seconds(10)) {
                reaped = waitpid(pid, &status, WNOHANG)
                return reaped == pid || (reaped < 0 && errno == ECHILD)
            }
            if reaped == pid {
                #expect(status & 0x7f == 0, "worker \(pid) was killed by signal \(status & 0x7f), not stdin EOF")
                #expect((status >> 8) & 0xff == 0, "worker \(pid) exit status")
            }
            #expect(!isAlive(pid))
        }
    }

    @Test("SIGTERM stops gracefully: workers shut down in order, serve exits 0")
    func gracefulSIGTERM() async throws {
        let serve = try Serve()
        let pids = try await serve.waitReady()
        // An open event stream must not hold up the shutdown.
        let events = try SSEReader(port: serve.port, path: "/v1/events", token: "dev-client-token")
        defer { events.close() }
        try await eventually("the event stream to open") { events.text.contains("switchboard events") }
        kill(serve.process.pid, SIGTERM)
        #expect(await serve.process.terminated(within: .seconds(30)) == .exited(0))
        for pid in pids { #expect(!isAlive(pid)) }
        let logs = serve.logs()
        #expect(logs.contains("supervision tree stopped"))
        // Each worker got the shutdown message and said so (its stderr, re-logged with its id).
        #expect(logs.contains("worker=transcoder.1 [WorkerPorts] shutdown requested"))
        #expect(logs.contains("worker=transcoder.2 [WorkerPorts] shutdown requested"))
        #expect(logs.contains("worker=transcoder.spare [WorkerPorts] shutdown requested"), "the warm spare is stopped politely too")
        #expect(!logs.contains("SIGKILL"), "nobody needed SIGKILL")
        // The pool supervisor is terminated after its workers, the root last.
        let order = ["child=transcoder.1 supervisor=pool.transcoder [Supervision] child terminated",
                     "child=pool.transcoder supervisor=switchboard [Supervision] child terminated",
                     "supervisor=switchboard [Supervision] supervisor stopped"]
        let positions = order.compactMap { logs.range(of: $0)?.lowerBound }
        #expect(positions.count == 3 && positions == positions.sorted(), "shutdown order in:\n\(logs)")
    }

    @Test("when the root gives up, serve exits non-zero")
    func rootGivesUp() async throws {
        let serve = try Serve([
            "--set", "pools.transcoder.arguments=--misbehave,crash-after-hello",
            "--set", "pools.transcoder.intensity=1", "--set", "supervision.intensity=1",
        ])
        let termination = await serve.process.terminated(within: .seconds(60))
        #expect(termination == .exited(1))
        let logs = serve.logs()
        #expect(logs.contains("root supervisor gave up"))
    }

    @Test("a bad configuration value is refused at start with the key named", arguments: [
        ("pools.transcoder.size=lots", "pools.transcoder.size"),
        ("http.listen=nowhere", "http.listen"),
        ("auth.operator_token=short", "auth.operator_token"),
        ("pools.transcoder.restart=sometimes", "pools.transcoder.restart"),
    ])
    func badConfig(setting: String, key: String) async throws {
        let serve = try Serve(["--set", setting])
        #expect(await serve.process.terminated(within: .seconds(30)) == .exited(78))
        #expect(serve.logs().contains("configuration key '\(key)'"))
    }
}

extension ServeProcessTests {
    /// Runs the `switchboard` CLI against a server; returns (status, stdout).
    static func cli(_ arguments: [String], port: Int) async throws -> (Int32, String) {
        let process = try WorkerProcess(executable: Products.switchboard, arguments: arguments + ["--server", "http://127.0.0.1:\(port)"],
                                        environment: ["SWITCHBOARD_TOKEN": "dev-operator-token", "PATH": "/usr/bin:/bin"])
        close(process.stdinFD)
        let out = readToEOF(process.stdoutFD)
        let termination = await process.terminated()
        close(process.stdoutFD); close(process.stderrFD)
        guard case let .exited(code) = termination else { return (-1, "") }
        return (code, String(decoding: out, as: UTF8.self))
    }

    @Test("the CLI: tables for people, --json for scripts, scaling and restarting")
    func cliAgainstServer() async throws {
        let serve = try Serve()
        _ = try await serve.waitReady()
        let (s1, table) = try await Self.cli(["workers", "list"], port: serve.port)
        #expect(s1 == 0)
        #expect(table.hasPrefix("ID"))
        #expect(table.contains("transcoder.1") && table.contains("ready"))
        let (s2, json) = try await Self.cli(["workers", "list", "--json"], port: serve.port)
        #expect(s2 == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect((object?["workers"] as? [Any])?.count == 2)
        let (s3, scaled) = try await Self.cli(["pools", "scale", "transcoder", "3"], port: serve.port)
        #expect(s3 == 0)
        #expect(scaled.contains("size 3, ready 3"))
        let (s4, tree) = try await Self.cli(["tree"], port: serve.port)
        #expect(s4 == 0)
        #expect(tree.contains("switchboard  [one_for_one"))
        #expect(tree.contains("└── pool.transcoder  [simple_one_for_one"))
        #expect(tree.contains("transcoder.3  running pid"))
        let (s5, _) = try await Self.cli(["workers", "restart", "transcoder.2"], port: serve.port)
        #expect(s5 == 0)
        let (s6, pools) = try await Self.cli(["pools", "list"], port: serve.port)
        #expect(s6 == 0 && pools.contains("transcoder  3"))
        let (s7, _) = try await Self.cli(["workers", "restart", "nope.1"], port: serve.port)
        #expect(s7 != 0)
        kill(serve.process.pid, SIGTERM)
        #expect(await serve.process.terminated(within: .seconds(30)) == .exited(0))
    }
}

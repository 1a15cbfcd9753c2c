import Foundation
import PortProtocol
import Supervision
import SwitchboardTestKit
import Testing
@testable import WorkerPorts

/// The port against the real switchboard-transcoder and its fault modes.
@Suite("WorkerPort with real processes", .serialized, .timeLimit(.minutes(2)))
struct WorkerPortTests {
    @Test("hello names the worker, its libraries and codecs; echo and stats answer")
    func helloAndEcho() async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(), logger: testLogger())
        let hello = try #require(port.hello)
        #expect(hello.kind == "transcoder")
        #expect(hello.protocolVersion == portProtocolVersion)
        #expect(hello.pid == port.pid)
        #expect(hello.libraries["opus"]?.contains("1.3") == true)
        #expect(hello.libraries["srtp"]?.contains("2.") == true)
        #expect(hello.codecs.contains("PCMU") && hello.codecs.contains("opus/48000/2"))
        #expect(hello.srtpSuites.contains("AES_CM_128_HMAC_SHA1_80") && hello.srtpSuites.contains("AES_CM_128_HMAC_SHA1_32"))
        let payload = (0..<1000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        #expect(try await port.call(.echo, payload) == payload)
        let stats = try PortMessage(type: .reply, payload: try await port.call(.stats)).decodeJSON(WorkerStats.self)
        #expect(stats.requests >= 1)
        await port.stop(.timeout(.seconds(5)))
        #expect(port.process.currentTermination == .exited(0))
        #expect(await port.exitReason() == .shutdown)
    }

    @Test("unknown method gets an error reply and the worker lives on")
    func unknownMethodIsAnError() async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(), logger: testLogger())
        // close_context on a context that does not exist, then a malformed transcode
        await #expect(throws: WorkerPortError.self) { try await port.call(.transcode, [1, 2, 3]) }
        #expect(try await port.call(.echo, [9]) == [9])
        await port.stop(.brutalKill)
    }

    @Test("no hello within the start timeout: killed, reaped, counted as a failed start")
    func helloTimeout() async throws {
        let started = ContinuousClock.now
        await #expect(throws: WorkerPortError.helloTimeout(.milliseconds(300))) {
            _ = try await WorkerPort.start(id: "t.1", options: transcoderOptions(["--misbehave", "no-hello"], startTimeout: .milliseconds(300)),
                                           logger: testLogger())
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test("a worker that dies before hello fails the start with its exit status")
    func exitBeforeHello() async throws {
        let error = await #expect(throws: WorkerPortError.self) {
            _ = try await WorkerPort.start(id: "t.1", options: WorkerPortOptions(executable: "/bin/false"), logger: testLogger())
        }
        guard case let .exitedBeforeHello(why)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(why.contains("exit status 1"))
    }

    @Test("spawning a missing executable is a clear error")
    func missingExecutable() async throws {
        await #expect(throws: WorkerPortError.self) {
            _ = try await WorkerPort.start(id: "t.1", options: WorkerPortOptions(executable: "/nonexistent/worker"), logger: testLogger())
        }
    }

    @Test("an oversized frame fails the port: the worker is killed for a protocol violation",
          arguments: ["oversized-frame", "garbage"])
    func protocolViolation(mode: String) async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(["--misbehave", mode]), logger: testLogger())
        let termination = await port.process.terminated(within: .seconds(10))
        #expect(termination == .signaled(SIGKILL))
        let reason = await port.terminationReason()
        guard case let .killed(why) = reason else { Issue.record("reason \(reason)"); return }
        #expect(why.contains("protocol violation"))
        await #expect(throws: WorkerPortError.self) { try await port.call(.echo, [1]) }
    }

    @Test("a hung worker (pongs missed in a row) is killed")
    func hungWorker() async throws {
        let port = try await WorkerPort.start(
            id: "t.1", options: transcoderOptions(["--misbehave", "hang-after-hello"], heartbeat: .milliseconds(50), misses: 3),
            logger: testLogger())
        let reason = await port.exitReason()  // runs the heartbeats
        guard case let .killed(why) = reason else { Issue.record("reason \(reason)"); return }
        #expect(why.hasPrefix("hung"))
        #expect(port.process.currentTermination == .signaled(SIGKILL))
    }

    @Test("every request has a timeout; a slow reply does not kill the worker")
    func requestTimeout() async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(["--misbehave", "hang-after-hello"], heartbeat: .seconds(30)),
                                              logger: testLogger())
        async let heartbeats: Void = port.runHeartbeats()
        await #expect(throws: WorkerPortError.requestTimeout(method: "echo", timeout: .milliseconds(100))) {
            _ = try await port.call(.echo, [1], timeout: .milliseconds(100))
        }
        #expect(isAlive(port.pid))
        await port.stop(.brutalKill)
        await heartbeats
    }

    @Test("requests pending when the worker dies fail at once with portClosed")
    func pendingFailOnDeath() async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(["--misbehave", "hang-after-hello"], heartbeat: .seconds(30)),
                                              logger: testLogger())
        async let reply: Result<[UInt8], WorkerPortError> = {
            do throws(WorkerPortError) { return .success(try await port.call(.echo, [1], timeout: .seconds(60))) } catch { return .failure(error) }
        }()
        try await eventually("the request to be pending") { port.mailboxDepth == 1 }
        kill(port.pid, SIGKILL)
        guard case let .failure(error) = await reply, case .portClosed = error else {
            Issue.record("expected portClosed"); return
        }
        #expect(await port.terminationReason() == .signal(SIGKILL))
    }

    @Test("a worker ignoring shutdown and SIGTERM gets SIGKILL after the timeout")
    func sigkillAfterTimeout() async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(["--misbehave", "ignore-sigterm"]), logger: testLogger())
        let started = ContinuousClock.now
        await port.stop(.timeout(.milliseconds(200)))
        #expect(port.process.currentTermination == .signaled(SIGKILL))
        #expect(ContinuousClock.now - started >= .milliseconds(400))  // shutdown, T, SIGTERM, T, SIGKILL
        #expect(await port.terminationReason() == .shutdown)
    }

    @Test("brutal_kill is SIGKILL at once")
    func brutalKill() async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(["--misbehave", "ignore-sigterm"]), logger: testLogger())
        await port.stop(.brutalKill)
        #expect(port.process.currentTermination == .signaled(SIGKILL))
    }

    @Test("stderr lines and exit on stdin EOF: closing the pipe ends the worker with status 0")
    func exitOnEOF() async throws {
        let process = try WorkerProcess(executable: Products.transcoder, arguments: [])
        close(process.stdinFD)
        #expect(await process.terminated(within: .seconds(10)) == .exited(0))
        close(process.stdoutFD); close(process.stderrFD)
    }

    @Test("the child has exactly fds 0, 1 and 2 open and default SIGPIPE")
    func cleanChild() async throws {
        // ls lists its own fds (0, 1, 2 and 3, the directory it reads); grep shows ignored signals it inherited.
        let process = try WorkerProcess(executable: "/bin/sh", arguments: ["-c", "ls /proc/self/fd | tr '\\n' ' '; grep SigIgn /proc/self/status"])
        let out = readToEOF(process.stdoutFD)
        _ = await process.terminated()
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.hasPrefix("0 1 2 3 SigIgn"), "open fds: \(text)")
        let sigIgn = text.split(separator: "\t").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? ""
        let mask = UInt64(sigIgn, radix: 16) ?? 0
        #expect(mask & (1 << (UInt64(SIGPIPE) - 1)) == 0, "SIGPIPE ignored in child: \(sigIgn)")
        close(process.stdinFD); close(process.stdoutFD); close(process.stderrFD)
    }
}

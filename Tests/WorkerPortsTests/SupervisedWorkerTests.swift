import Foundation
import PortProtocol
import Supervision
import SwitchboardTestKit
import Testing
@testable import WorkerPorts

/// OTP semantics with real worker processes and real pipes.
@Suite("Supervised worker processes", .serialized, .timeLimit(.minutes(3)))
struct SupervisedWorkerTests {
    func workerSpec(_ id: String, _ restart: RestartType = .permanent, args: [String] = [],
                    executable: String = Products.transcoder, heartbeat: Duration = .seconds(1)) -> ChildSpec {
        let options = WorkerPortOptions(executable: executable, arguments: args, startTimeout: .seconds(10),
                                        heartbeatInterval: heartbeat, heartbeatMisses: 3)
        return ChildSpec(id: id, restart: restart, shutdown: .timeout(.seconds(2)), startWithID: { childID in
            try await WorkerPort.start(id: childID, options: options, logger: testLogger())
        })
    }

    func pids(_ supervisor: Supervisor) async -> [String: Int32] {
        var result: [String: Int32] = [:]
        for child in await supervisor.children() {
            if let pid = child.details["pid"].flatMap(Int32.init) { result[child.id] = pid }
        }
        return result
    }

    struct StrategyCase: CustomTestStringConvertible, Sendable {
        var strategy: Strategy
        var restarted: Set<String>  // written out from OTP's documentation, for a crash of "b"
        var testDescription: String { strategy.rawValue }
    }

    @Test("kill -9 of the middle of three workers restarts what OTP says", arguments: [
        StrategyCase(strategy: .oneForOne, restarted: ["b"]),
        StrategyCase(strategy: .oneForAll, restarted: ["a", "b", "c"]),
        StrategyCase(strategy: .restForOne, restarted: ["b", "c"]),
    ])
    func strategies(_ row: StrategyCase) async throws {
        let recorder = EventRecorder()
        let supervisor = Supervisor(id: "sup", flags: SupervisorFlags(strategy: row.strategy, intensity: RestartIntensity(intensity: 5, period: .seconds(10))),
                                    children: ["a", "b", "c"].map { workerSpec($0) }, logger: testLogger(), events: recorder.handler)
        try await supervisor.start()
        let before = await pids(supervisor)
        #expect(before.count == 3)
        kill(try #require(before["b"]), SIGKILL)
        for child in row.restarted {
            try await recorder.wait { $0.isRestart(of: child) }
        }
        let after = await pids(supervisor)
        let changed = Set(before.keys.filter { before[$0] != after[$0] })
        #expect(changed == row.restarted)
        for (_, pid) in before where !after.values.contains(pid) { #expect(!isAlive(pid), "old worker \(pid) still alive") }
        await supervisor.stop(.infinity)
        for (_, pid) in after { #expect(!isAlive(pid)) }
    }

    struct RestartCase: CustomTestStringConvertible, Sendable {
        var restart: RestartType
        var exit: String        // how the worker ends
        var restarted: Bool     // OTP: permanent always; transient unless normal; temporary never
        var testDescription: String { "\(restart.rawValue) after \(exit)" }
    }

    @Test("restart type x exit reason, with real exits", arguments: [
        RestartCase(restart: .permanent, exit: "normal", restarted: true),
        RestartCase(restart: .permanent, exit: "exit-status-3", restarted: true),
        RestartCase(restart: .permanent, exit: "sigkill", restarted: true),
        RestartCase(restart: .transient, exit: "normal", restarted: false),
        RestartCase(restart: .transient, exit: "exit-status-3", restarted: true),
        RestartCase(restart: .transient, exit: "sigkill", restarted: true),
        RestartCase(restart: .temporary, exit: "normal", restarted: false),
        RestartCase(restart: .temporary, exit: "exit-status-3", restarted: false),
        RestartCase(restart: .temporary, exit: "sigkill", restarted: false),
    ])
    func restartTypes(_ row: RestartCase) async throws {
        let recorder = EventRecorder()
        let args = row.exit == "exit-status-3" ? ["--misbehave", "exit-after=1"] : []
        let (ports, sink) = AsyncStream<WorkerPort>.makeStream()
        let options = WorkerPortOptions(executable: Products.transcoder, arguments: args, startTimeout: .seconds(10))
        let spec = ChildSpec(id: "w", restart: row.restart, shutdown: .timeout(.seconds(2)), startWithID: { id in
            let port = try await WorkerPort.start(id: id, options: options, logger: testLogger())
            sink.yield(port)
            return port
        })
        let supervisor = Supervisor(id: "sup", flags: SupervisorFlags(strategy: .oneForOne, intensity: RestartIntensity(intensity: 5, period: .seconds(10))),
                                    children: [spec], logger: testLogger(), events: recorder.handler)
        try await supervisor.start()
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        switch row.exit {
        case "normal": port.post(.shutdown)  // the worker exits 0 on its own: not a stop by the supervisor
        case "exit-status-3": _ = try? await port.call(.echo, [1])
        default: kill(port.pid, SIGKILL)
        }
        try await recorder.wait { $0.isExit(of: "w") }
        let exit = recorder.events.compactMap { e -> ExitReason? in if case let .childExited(_, _, r) = e { r } else { nil } }.first
        switch row.exit {
        case "normal": #expect(exit == .normal)
        case "exit-status-3": #expect(exit == .exitCode(3))
        default: #expect(exit == .signal(SIGKILL))
        }
        if row.restarted {
            try await recorder.wait { $0.isRestart(of: "w") }
            let replacement = try #require(await iterator.next())
            #expect(replacement.pid != port.pid)
            #expect(try await replacement.call(.echo, [7]) == [7])
        } else {
            // Nothing restarts it: the supervisor's answer to which_children says so.
            let children = await supervisor.children()
            #expect(children.allSatisfy { $0.state != .running })
            #expect(!recorder.events.contains { $0.isRestart })
        }
        await supervisor.stop(.infinity)
        sink.finish()
    }

    @Test("the Python reference worker is supervised like the Swift one")
    func pythonWorker() async throws {
        let recorder = EventRecorder()
        let (ports, sink) = AsyncStream<WorkerPort>.makeStream()
        let options = WorkerPortOptions(executable: Products.pythonWorker, arguments: ["--crash-after", "2"], startTimeout: .seconds(20))
        let spec = ChildSpec(id: "py", restart: .permanent, startWithID: { id in
            let port = try await WorkerPort.start(id: id, options: options, logger: testLogger())
            sink.yield(port)
            return port
        })
        let supervisor = Supervisor(id: "sup", flags: SupervisorFlags(strategy: .oneForOne, intensity: RestartIntensity(intensity: 5, period: .seconds(10))),
                                    children: [workerSpec("swift"), spec], logger: testLogger(), events: recorder.handler)
        try await supervisor.start()
        var iterator = ports.makeAsyncIterator()
        let first = try #require(await iterator.next())
        #expect(first.hello?.kind == "python-echo")
        #expect(try await first.call(.echo, Array("one".utf8)) == Array("one".utf8))
        #expect(try await first.call(.echo, Array("two".utf8)) == Array("two".utf8))
        try await recorder.wait { $0.isRestart(of: "py") }
        let exit = recorder.events.compactMap { e -> ExitReason? in if case let .childExited(_, "py", r) = e { r } else { nil } }.first
        #expect(exit == .exitCode(3))
        let second = try #require(await iterator.next())
        #expect(second.pid != first.pid)
        #expect(try await second.call(.echo, [42]) == [42])
        let info = await supervisor.children().first { $0.id == "py" }
        #expect(info?.restarts == 1)
        await supervisor.stop(.infinity)
        sink.finish()
    }

    @Test("a hung worker is detected by missed pongs, killed and restarted")
    func hungIsRestarted() async throws {
        let recorder = EventRecorder()
        let supervisor = Supervisor(id: "sup", flags: SupervisorFlags(strategy: .oneForOne, intensity: RestartIntensity(intensity: 10, period: .seconds(10))),
                                    children: [workerSpec("h", args: ["--misbehave", "hang-after-hello"], heartbeat: .milliseconds(50))],
                                    logger: testLogger(), events: recorder.handler)
        try await supervisor.start()
        try await recorder.wait { $0.isRestart(of: "h") }
        let exit = recorder.events.compactMap { e -> ExitReason? in if case let .childExited(_, "h", r) = e { r } else { nil } }.first
        guard case let .killed(why)? = exit else { Issue.record("exit \(String(describing: exit))"); return }
        #expect(why.hasPrefix("hung"))
        await supervisor.stop(.brutalKill)
    }

    @Test("intensity escalates two levels: worker -> pool -> root, and the root gives up")
    func escalation() async throws {
        let recorder = EventRecorder()
        let flags = SupervisorFlags(strategy: .simpleOneForOne, intensity: RestartIntensity(intensity: 1, period: .seconds(30)))
        let template = workerSpec("crashy", args: ["--misbehave", "crash-after-hello"])
        let pool = ChildSpec(id: "pool", restart: .permanent, kind: .supervisor) {
            let s = Supervisor(id: "pool", flags: flags, template: template, logger: testLogger(), events: recorder.handler)
            try await s.start()
            _ = try await s.startChild()
            return s
        }
        let root = Supervisor(id: "root", flags: SupervisorFlags(strategy: .oneForOne, intensity: RestartIntensity(intensity: 1, period: .seconds(30))),
                              children: [pool], logger: testLogger(), events: recorder.handler)
        try await root.start()
        try await recorder.wait { if case .gaveUp("root", _) = $0 { true } else { false } }
        #expect(await root.exitReason() == .gaveUp)
        // The pool gave up twice: once restarted by the root, once more, which exceeded the root's intensity.
        #expect(recorder.events.filter { if case .gaveUp("pool", _) = $0 { true } else { false } }.count == 2)
    }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import Supervision
import Testing

@Suite("Supervisor lifecycle")
struct LifecycleTests {
    @Test("a child failing to start at init: start throws, those started are stopped in reverse")
    func initFailure() async throws {
        let world = World()
        world.failStarts(of: "c")
        let supervisor = world.supervisor("sup", .oneForOne, children: [world.spec("a"), world.spec("b"), world.spec("c")])

        await #expect(throws: SupervisionError.startFailed) { try await supervisor.start() }

        #expect(world.ops.value == [
            .started("a", 1), .started("b", 1),
            .stopped("b", 1, .timeout(.seconds(5))), .stopped("a", 1, .timeout(.seconds(5))),
        ])
        guard case .failedStart = await supervisor.run() else {
            Issue.record("run() should end with failedStart")
            return
        }
        #expect(world.events.value.contains(.childStartFailed(supervisor: "sup", child: "c", reason: "c refused to start")))
        await #expect(throws: SupervisionError.notRunning) { try await supervisor.terminateChild("a") }
    }

    @Test("invalid configurations are refused by start", arguments: [
        (Strategy.oneForOne, 1, ["a", "a"]),
        (.oneForOne, -1, ["a"]),
        (.simpleOneForOne, 1, ["a", "b"]),
    ])
    func invalid(_ strategy: Strategy, _ intensity: Int, _ ids: [String]) async throws {
        let world = World()
        let supervisor = world.supervisor("sup", strategy, intensity: intensity, children: ids.map { world.spec($0) })
        await #expect(throws: SupervisionError.invalidConfiguration) { try await supervisor.start() }
        #expect(world.ops.value.isEmpty)
    }

    @Test("stop: reverse start order, each child's own shutdown, nothing restarted")
    func stopOrder() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForOne, children: [
            world.spec("a", shutdown: .brutalKill), world.spec("b", shutdown: .timeout(.seconds(1))),
            world.spec("c", shutdown: .infinity), world.spec("d"),
        ])
        try await supervisor.start()
        let mark = world.ops.value.count

        await supervisor.stop()

        #expect(Array(world.ops.value.dropFirst(mark)) == [
            .stopped("d", 1, .timeout(.seconds(5))), .stopped("c", 1, .infinity),
            .stopped("b", 1, .timeout(.seconds(1))), .stopped("a", 1, .brutalKill),
        ])
        #expect(await supervisor.run() == .shutdown)
        #expect(await supervisor.states() == ["a:stopped", "b:stopped", "c:stopped", "d:stopped"])
        #expect(world.events.value.last == .stopped(supervisor: "sup"))
        #expect(!world.events.value.contains { $0.isRestart(of: "a") })
        await #expect(throws: SupervisionError.notRunning) { _ = try await supervisor.startChild(world.spec("e")) }
        await supervisor.stop() // idempotent
    }

    @Test("cancelling the task that awaits run() stops the supervisor; stop before start ends it")
    func cancellation() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForOne, children: [world.spec("a"), world.spec("b")])
        try await supervisor.start()
        let runner = Task { await supervisor.run() }
        runner.cancel()
        #expect(await runner.value == .shutdown)
        #expect(world.stops(since: 0) == ["b", "a"])

        let idle = world.supervisor("idle", .oneForOne, children: [world.spec("x")])
        await idle.stop()
        #expect(await idle.run() == .shutdown)
        await #expect(throws: SupervisionError.alreadyStarted) { try await idle.start() }
        #expect(world.starts(since: 0) == ["a", "b"])
    }

    @Test("stop with a deadline kills the children that ignore the polite stop")
    func stopDeadline() async throws {
        let world = World()
        world.makeStubborn("b")
        let supervisor = world.supervisor("sup", .oneForOne, children: [
            world.spec("a", shutdown: .infinity), world.spec("b", shutdown: .infinity),
        ])
        try await supervisor.start()
        let mark = world.ops.value.count

        await supervisor.stop(.timeout(.milliseconds(50)))

        let ops = Array(world.ops.value.dropFirst(mark))
        #expect(ops.first == .stopped("b", 1, .infinity))
        #expect(Set(ops.dropFirst()) == [.stopped("b", 1, .brutalKill), .stopped("a", 1, .brutalKill)])
        #expect(await supervisor.run() == .shutdown)
    }

    @Test("simple_one_for_one: ids increase and are never reused, terminate removes, crash restarts in place")
    func simpleOneForOne() async throws {
        let world = World()
        let pool = Supervisor(id: "pool", flags: world.flags(.simpleOneForOne), template: world.spec("w"),
                              logger: world.logger, events: world.record)
        try await pool.start()

        var ids: [String] = []
        for _ in 1...3 { ids.append(try await pool.startChild()) }
        #expect(ids == ["w.1", "w.2", "w.3"])

        try await pool.terminateChild("w.2")
        #expect(world.ops.value.last == .stopped("w", 2, .timeout(.seconds(5))))
        #expect(await pool.states() == ["w.1:running", "w.3:running"])
        #expect(try await pool.startChild() == "w.4")
        await #expect(throws: SupervisionError.childNotFound) { try await pool.terminateChild("w.2") }

        try await world.instance("w", 3).exit(.exitCode(1)) // w.3 is the third instance started
        let restarted = try await world.event("w.3 restarted") { $0.isRestart(of: "w.3") }
        #expect(restarted == [.childRestarted(supervisor: "pool", child: "w.3", restartCount: 1,
                                              details: ["name": "w", "instance": "5"])])
        let children = await pool.children()
        #expect(children.map(\.id) == ["w.1", "w.3", "w.4"])
        #expect(children.map(\.restarts) == [0, 1, 0])
        #expect(children.map { $0.details["instance"] } == ["1", "5", "4"])

        await #expect(throws: SupervisionError.notSupported) { _ = try await pool.startChild(world.spec("x")) }
        await pool.stop()
        #expect(await pool.states() == ["w.1:stopped", "w.3:stopped", "w.4:stopped"])
    }

    @Test("startChild() needs simple_one_for_one; startChild(spec) adds a static child at the end")
    func staticStartChild() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .restForOne, children: [world.spec("a")])
        try await supervisor.start()
        await #expect(throws: SupervisionError.notSupported) { _ = try await supervisor.startChild() }
        await #expect(throws: SupervisionError.duplicateChild) { try await supervisor.startChild(world.spec("a")) }
        try await supervisor.startChild(world.spec("b"))
        #expect(await supervisor.states() == ["a:running", "b:running"])

        try await supervisor.terminateChild("b")
        #expect(await supervisor.states() == ["a:running", "b:stopped"])
        try await supervisor.deleteChild("b")
        await #expect(throws: SupervisionError.childRunning) { try await supervisor.deleteChild("a") }
        #expect(await supervisor.states() == ["a:running"])
        await supervisor.stop()
    }

    @Test("restartChild (operator) does not count toward the intensity")
    func operatorRestart() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForOne, intensity: 1, children: [world.spec("a"), world.spec("b")])
        try await supervisor.start()

        for _ in 1...3 { try await supervisor.restartChild("a") }

        #expect(Array(world.ops.value.dropFirst(2)) == [
            .stopped("a", 1, .timeout(.seconds(5))), .started("a", 2),
            .stopped("a", 2, .timeout(.seconds(5))), .started("a", 3),
            .stopped("a", 3, .timeout(.seconds(5))), .started("a", 4),
        ])
        #expect(world.events.value.filter { $0.isExit(of: "a", .killed("operator restart")) }.count == 3)
        #expect(await supervisor.children().map(\.restarts) == [3, 0])
        #expect(await supervisor.snapshot().recentRestarts == 0)

        // One crash is within intensity 1; the second one is not.
        try await world.instance("b", 1).exit(.exitCode(1))
        try await world.event("b restarted") { $0.isRestart(of: "b") }
        try await world.instance("b", 2).exit(.exitCode(1))
        #expect(await supervisor.run() == .gaveUp)
    }

    @Test("an exit from an instance that was already replaced is ignored")
    func staleExit() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForOne, children: [world.spec("a"), world.spec("b")])
        try await supervisor.start()
        let old = try #require(await supervisor.generation(of: "b"))
        try await supervisor.restartChild("b")
        let current = try #require(await supervisor.generation(of: "b"))
        #expect(current != old)
        let mark = world.ops.value.count

        await supervisor.deliver(.exited(child: "b", generation: old, reason: .exitCode(1)))
        await supervisor.barrier()

        #expect(world.ops.value.count == mark)
        #expect(!world.events.value.contains { $0.isExit(of: "b", .exitCode(1)) })
        #expect(await supervisor.children().map(\.restarts) == [0, 1])
        #expect(await supervisor.generation(of: "b") == current)

        // The current instance's exit is still handled.
        try await world.instance("b", 2).exit(.exitCode(1))
        try await world.event("b restarted twice", count: 2) { $0.isRestart(of: "b") }
        await supervisor.stop()
    }

    @Test("the snapshot is a Codable tree of supervisors and workers")
    func snapshot() async throws {
        let world = World()
        let mid = ChildSpec.supervisor(id: "mid", flags: world.flags(.restForOne, intensity: 3, period: .seconds(10)),
                                       children: [world.spec("leaf")], logger: world.logger, events: world.record)
        let root = world.supervisor("root", .oneForAll, children: [world.spec("a"), mid])
        try await root.start()

        let data = try JSONEncoder().encode(await root.snapshot())
        let tree = try JSONDecoder().decode(SupervisorSnapshot.self, from: data)

        #expect(tree.id == "root")
        #expect(tree.strategy == .oneForAll)
        #expect(tree.state == .running)
        #expect(tree.children.map(\.id) == ["a", "mid"])
        #expect(tree.children.map(\.kind) == [.worker, .supervisor])
        #expect(tree.children[0].details == ["name": "a", "instance": "1"])
        let nested = try #require(tree.children[1].supervisor)
        #expect(nested.strategy == .restForOne)
        #expect(nested.intensity == 3)
        #expect(nested.period == 10)
        #expect(nested.children.map(\.id) == ["leaf"])
        #expect(nested.children.map(\.state) == [.running])
        #expect(try #require(String(data: data, encoding: .utf8)).contains("\"strategy\":\"rest_for_one\""))

        await root.stop()
        #expect(world.stops(since: 0) == ["leaf", "a"])
    }

    @Test("with backoff, a crashed child is still restarted")
    func backoffRestart() async throws {
        let world = World()
        let backoff = Backoff(initial: .milliseconds(1), maximum: .milliseconds(5), multiplier: 2, jitter: 0.5)
        let supervisor = world.supervisor("sup", .restForOne, backoff: backoff, children: [world.spec("a"), world.spec("b")])
        try await supervisor.start()

        try await world.instance("a", 1).exit(.exitCode(1))
        try await world.event("b restarted along with a") { $0.isRestart(of: "b") }
        #expect(world.ops.value == [
            .started("a", 1), .started("b", 1), .stopped("b", 1, .timeout(.seconds(5))), .started("a", 2), .started("b", 2),
        ])
        await supervisor.stop()
    }
}

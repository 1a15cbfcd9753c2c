@testable import Supervision
import Testing

@Suite("Restart intensity")
struct IntensityTests {
    /// `record(restartAt:)` over synthetic timestamps (milliseconds after a base instant).
    @Test("RestartIntensity.record is supervisor.erl's add_restart", arguments: [
        (2, 5_000, [0, 1_000, 2_000], [true, true, false]),
        (2, 5_000, [0, 1_000, 7_000], [true, true, true]),        // 0 is forgotten by 7 s
        (2, 5_000, [0, 5_000, 6_000], [true, true, true]),        // 0 is forgotten by 6 s
        (1, 5_000, [0, 5_000], [true, false]),                    // exactly one period apart: still inside (R >= Now - Period)
        (1, 5_000, [0, 5_001], [true, true]),
        (0, 5_000, [0], [false]),                                 // intensity 0: the first restart gives up
        (1, 5_000, [0, 3_000, 9_000, 10_000], [true, false, true, false]),
        (3, 10_000, [0, 1, 2, 3], [true, true, true, false]),
    ])
    func record(_ intensity: Int, _ periodMilliseconds: Int, _ offsets: [Int], _ expected: [Bool]) {
        var limits = RestartIntensity(intensity: intensity, period: .milliseconds(periodMilliseconds))
        let base = ContinuousClock.now
        let results = offsets.map { limits.record(restartAt: base + .milliseconds($0)) }
        #expect(results == expected)
    }

    @Test("defaults are OTP's: intensity 1, period 5 s")
    func defaults() {
        let limits = RestartIntensity()
        #expect(limits.intensity == 1)
        #expect(limits.period == .seconds(5))
        #expect(SupervisorFlags().strategy == .oneForOne)
        #expect(SupervisorFlags().backoff == nil)
    }

    @Test("intensity 2 in 5 s: the third quick crash gives up, children stopped in reverse order")
    func threeCrashesGiveUp() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForOne, intensity: 2, period: .seconds(5), children: [
            world.spec("a"), world.spec("b"), world.spec("c"),
        ])
        try await supervisor.start()
        let mark = world.ops.value.count

        for instance in 1...3 {
            try await world.instance("b", instance).exit(.exitCode(1))
        }

        #expect(await supervisor.run() == .gaveUp)
        #expect(world.starts(since: mark) == ["b", "b"])
        #expect(world.stops(since: mark) == ["c", "a"])
        #expect(world.events.value.filter(\.isGaveUp) == [
            .gaveUp(supervisor: "sup", reason: "reached maximum restart intensity (2 in 5.0 seconds); last exit: child 'b'"),
        ])
        #expect(await supervisor.states() == ["a:stopped", "b:stopped", "c:stopped"])
    }

    @Test("intensity 0: the first crash gives up")
    func intensityZero() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForOne, intensity: 0, children: [
            world.spec("a"), world.spec("b"), world.spec("c"),
        ])
        try await supervisor.start()
        let mark = world.ops.value.count

        try await world.instance("b", 1).exit(.signal(11))

        #expect(await supervisor.run() == .gaveUp)
        #expect(world.starts(since: mark) == [])
        #expect(world.stops(since: mark) == ["c", "a"])
    }

    @Test("escalation: leaf crashes make mid give up, root restarts mid, until root gives up")
    func escalation() async throws {
        let world = World()
        let mid = ChildSpec.supervisor(id: "mid", restart: .permanent, flags: world.flags(.oneForOne, intensity: 1),
                                       children: [world.spec("leaf")], logger: world.logger, events: world.record)
        let root = world.supervisor("root", .oneForOne, intensity: 1, children: [world.spec("other"), mid])
        try await root.start()

        // mid #1: one restart of leaf is allowed, the second crash exceeds it.
        try await world.instance("leaf", 1).exit(.exitCode(1))
        try await world.instance("leaf", 2).exit(.exitCode(1))
        try await world.event("mid gave up") { $0.isGaveUp && $0.supervisor == "mid" }
        try await world.event("root restarted mid") { $0.isRestart(of: "mid") }
        // mid #2 (started by root): same again; root has now exceeded its own intensity.
        try await world.instance("leaf", 3).exit(.exitCode(1))
        try await world.instance("leaf", 4).exit(.exitCode(1))

        #expect(await root.run() == .gaveUp)
        let events = world.events.value
        #expect(events.filter { $0.isExit(of: "mid", .gaveUp) }.count == 2)
        #expect(events.filter(\.isGaveUp).map(\.supervisor) == ["mid", "mid", "root"])
        #expect(world.ops.value.contains(.stopped("other", 1, .timeout(.seconds(5)))))
        #expect(world.starts(since: 0) == ["other", "leaf", "leaf", "leaf", "leaf"])
    }

    @Test("a restart whose start throws is retried, counted, and ends in giving up", arguments: [
        nil, Backoff(initial: .milliseconds(1), maximum: .milliseconds(2), multiplier: 2, jitter: 0),
    ])
    func failingRestartGivesUp(_ backoff: Backoff?) async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForOne, intensity: 3, backoff: backoff, children: [
            world.spec("a"), world.spec("b"),
        ])
        try await supervisor.start()
        world.failStarts(of: "b")

        try await world.instance("b", 1).exit(.exitCode(1))

        // Restart 1 fails, try again (2) fails, try again (3) fails, try again (4) exceeds 3.
        #expect(await supervisor.run() == .gaveUp)
        let failures = world.events.value.filter { if case .childStartFailed(_, "b", _) = $0 { true } else { false } }
        #expect(failures.count == 3)
        #expect(world.stops(since: 0) == ["a"])
    }

    @Test("a restart that fails twice then succeeds stays within the intensity")
    func failingRestartRecovers() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForOne, intensity: 3, children: [world.spec("a"), world.spec("b")])
        try await supervisor.start()
        world.failStarts(of: "b", count: 2)

        try await world.instance("b", 1).exit(.exitCode(1))
        try await world.event("b restarted") { $0.isRestart(of: "b") }
        await supervisor.barrier()

        let children = await supervisor.children()
        #expect(children.map(\.state) == [.running, .running])
        #expect(children.map(\.restarts) == [0, 1])
        #expect(await supervisor.snapshot().recentRestarts == 3)
        await supervisor.stop()
    }

    @Test("one_for_all: a sibling that fails to start again makes the whole group try again")
    func oneForAllTryAgain() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForAll, intensity: 5, children: [
            world.spec("a"), world.spec("b"), world.spec("c"),
        ])
        try await supervisor.start()
        world.failStarts(of: "b", count: 1)
        let mark = world.ops.value.count

        try await world.instance("c", 1).exit(.exitCode(1))
        try await world.event("c restarted") { $0.isRestart(of: "c") }
        await supervisor.barrier()

        // c exits: stop b, a; start a, b (fails: try again) -> stop a; start a, b, c.
        #expect(world.stops(since: mark) == ["b", "a", "a"])
        #expect(world.starts(since: mark) == ["a", "a", "b", "c"])
        #expect(await supervisor.states() == ["a:running", "b:running", "c:running"])
        await supervisor.stop()
    }
}

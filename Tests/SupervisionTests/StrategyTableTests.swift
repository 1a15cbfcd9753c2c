@testable import Supervision
import Testing

/// Strategy x restart type x exit reason -> which children are stopped (in order), which are
/// started again (in order), and which children remain, with their states.
///
/// Static supervisors have children a (permanent), b (the row's type, the one that exits),
/// c (transient), d (temporary), started in that order. The simple_one_for_one pool has w.1, w.2,
/// w.3 from a template of the row's type; w.2 exits. Expected outcomes are written out from OTP's
/// documentation, not computed.
struct StrategyRow: Sendable, CustomTestStringConvertible {
    let strategy: Strategy
    let restart: RestartType
    let reason: ExitReason
    let stopped: [String]
    let started: [String]
    let remaining: [String]

    init(_ strategy: Strategy, _ restart: RestartType, _ reason: ExitReason,
         stopped: [String], started: [String], remaining: [String]) {
        self.strategy = strategy
        self.restart = restart
        self.reason = reason
        self.stopped = stopped
        self.started = started
        self.remaining = remaining
    }

    var testDescription: String { "\(strategy.rawValue) \(restart.rawValue) \(reason)" }
}

private let allUp = ["a:running", "b:running", "c:running", "d:running"]
private let bStopped = ["a:running", "b:stopped", "c:running", "d:running"]
private let bRemoved = ["a:running", "c:running", "d:running"]
private let dRemoved = ["a:running", "b:running", "c:running"]
private let poolUp = ["w.1:running", "w.2:running", "w.3:running"]
private let w2Removed = ["w.1:running", "w.3:running"]

let strategyTable: [StrategyRow] = [
    // one_for_one: only b, when its restart type says so.
    StrategyRow(.oneForOne, .permanent, .normal, stopped: [], started: ["b"], remaining: allUp),
    StrategyRow(.oneForOne, .permanent, .shutdown, stopped: [], started: ["b"], remaining: allUp),
    StrategyRow(.oneForOne, .permanent, .exitCode(1), stopped: [], started: ["b"], remaining: allUp),
    StrategyRow(.oneForOne, .permanent, .signal(9), stopped: [], started: ["b"], remaining: allUp),
    StrategyRow(.oneForOne, .transient, .normal, stopped: [], started: [], remaining: bStopped),
    StrategyRow(.oneForOne, .transient, .shutdown, stopped: [], started: [], remaining: bStopped),
    StrategyRow(.oneForOne, .transient, .exitCode(1), stopped: [], started: ["b"], remaining: allUp),
    StrategyRow(.oneForOne, .transient, .signal(9), stopped: [], started: ["b"], remaining: allUp),
    StrategyRow(.oneForOne, .temporary, .normal, stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.oneForOne, .temporary, .shutdown, stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.oneForOne, .temporary, .exitCode(1), stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.oneForOne, .temporary, .signal(9), stopped: [], started: [], remaining: bRemoved),

    // one_for_all: the others stopped in reverse start order (d, c, a), all started in start
    // order; temporary d is not restarted.
    StrategyRow(.oneForAll, .permanent, .normal, stopped: ["d", "c", "a"], started: ["a", "b", "c"], remaining: dRemoved),
    StrategyRow(.oneForAll, .permanent, .shutdown, stopped: ["d", "c", "a"], started: ["a", "b", "c"], remaining: dRemoved),
    StrategyRow(.oneForAll, .permanent, .exitCode(1), stopped: ["d", "c", "a"], started: ["a", "b", "c"], remaining: dRemoved),
    StrategyRow(.oneForAll, .permanent, .signal(9), stopped: ["d", "c", "a"], started: ["a", "b", "c"], remaining: dRemoved),
    StrategyRow(.oneForAll, .transient, .normal, stopped: [], started: [], remaining: bStopped),
    StrategyRow(.oneForAll, .transient, .shutdown, stopped: [], started: [], remaining: bStopped),
    StrategyRow(.oneForAll, .transient, .exitCode(1), stopped: ["d", "c", "a"], started: ["a", "b", "c"], remaining: dRemoved),
    StrategyRow(.oneForAll, .transient, .signal(9), stopped: ["d", "c", "a"], started: ["a", "b", "c"], remaining: dRemoved),
    StrategyRow(.oneForAll, .temporary, .normal, stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.oneForAll, .temporary, .shutdown, stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.oneForAll, .temporary, .exitCode(1), stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.oneForAll, .temporary, .signal(9), stopped: [], started: [], remaining: bRemoved),

    // rest_for_one: those started after b stopped (d, c), then b and c started; d not restarted.
    StrategyRow(.restForOne, .permanent, .normal, stopped: ["d", "c"], started: ["b", "c"], remaining: dRemoved),
    StrategyRow(.restForOne, .permanent, .shutdown, stopped: ["d", "c"], started: ["b", "c"], remaining: dRemoved),
    StrategyRow(.restForOne, .permanent, .exitCode(1), stopped: ["d", "c"], started: ["b", "c"], remaining: dRemoved),
    StrategyRow(.restForOne, .permanent, .signal(9), stopped: ["d", "c"], started: ["b", "c"], remaining: dRemoved),
    StrategyRow(.restForOne, .transient, .normal, stopped: [], started: [], remaining: bStopped),
    StrategyRow(.restForOne, .transient, .shutdown, stopped: [], started: [], remaining: bStopped),
    StrategyRow(.restForOne, .transient, .exitCode(1), stopped: ["d", "c"], started: ["b", "c"], remaining: dRemoved),
    StrategyRow(.restForOne, .transient, .signal(9), stopped: ["d", "c"], started: ["b", "c"], remaining: dRemoved),
    StrategyRow(.restForOne, .temporary, .normal, stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.restForOne, .temporary, .shutdown, stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.restForOne, .temporary, .exitCode(1), stopped: [], started: [], remaining: bRemoved),
    StrategyRow(.restForOne, .temporary, .signal(9), stopped: [], started: [], remaining: bRemoved),

    // simple_one_for_one: only w.2; a dynamic child that is not restarted is removed.
    StrategyRow(.simpleOneForOne, .permanent, .normal, stopped: [], started: ["w"], remaining: poolUp),
    StrategyRow(.simpleOneForOne, .permanent, .shutdown, stopped: [], started: ["w"], remaining: poolUp),
    StrategyRow(.simpleOneForOne, .permanent, .exitCode(1), stopped: [], started: ["w"], remaining: poolUp),
    StrategyRow(.simpleOneForOne, .permanent, .signal(9), stopped: [], started: ["w"], remaining: poolUp),
    StrategyRow(.simpleOneForOne, .transient, .normal, stopped: [], started: [], remaining: w2Removed),
    StrategyRow(.simpleOneForOne, .transient, .shutdown, stopped: [], started: [], remaining: w2Removed),
    StrategyRow(.simpleOneForOne, .transient, .exitCode(1), stopped: [], started: ["w"], remaining: poolUp),
    StrategyRow(.simpleOneForOne, .transient, .signal(9), stopped: [], started: ["w"], remaining: poolUp),
    StrategyRow(.simpleOneForOne, .temporary, .normal, stopped: [], started: [], remaining: w2Removed),
    StrategyRow(.simpleOneForOne, .temporary, .shutdown, stopped: [], started: [], remaining: w2Removed),
    StrategyRow(.simpleOneForOne, .temporary, .exitCode(1), stopped: [], started: [], remaining: w2Removed),
    StrategyRow(.simpleOneForOne, .temporary, .signal(9), stopped: [], started: [], remaining: w2Removed),
]

@Suite("Restart strategies")
struct StrategyTableTests {
    @Test("strategy x restart type x exit reason", arguments: strategyTable)
    func outcome(_ row: StrategyRow) async throws {
        let world = World()
        let supervisor: Supervisor
        let exiting: (name: String, instance: Int, id: String)
        if row.strategy == .simpleOneForOne {
            supervisor = Supervisor(id: "pool", flags: world.flags(.simpleOneForOne),
                                    template: world.spec("w", row.restart), logger: world.logger, events: world.record)
            try await supervisor.start()
            for _ in 1...3 { _ = try await supervisor.startChild() }
            exiting = ("w", 2, "w.2")
        } else {
            supervisor = world.supervisor("sup", row.strategy, children: [
                world.spec("a", .permanent), world.spec("b", row.restart),
                world.spec("c", .transient), world.spec("d", .temporary),
            ])
            try await supervisor.start()
            exiting = ("b", 1, "b")
        }
        let mark = world.ops.value.count

        try await world.instance(exiting.name, exiting.instance).exit(row.reason)
        try await world.event("exit of \(exiting.id)") { $0.isExit(of: exiting.id, row.reason) }
        await supervisor.barrier()

        #expect(world.stops(since: mark) == row.stopped)
        #expect(world.starts(since: mark) == row.started)
        #expect(await supervisor.states() == row.remaining)
        await supervisor.stop()
        #expect(await supervisor.run() == .shutdown)
    }

    /// OTP's `start_children/2` in a one_for_all restart starts every child still in the list,
    /// including one that had stopped (a transient that ended normally, or a terminated child).
    @Test("one_for_all restarts a stopped sibling too, as OTP does")
    func oneForAllRestartsStoppedSiblings() async throws {
        let world = World()
        let supervisor = world.supervisor("sup", .oneForAll, children: [world.spec("a"), world.spec("b", .transient)])
        try await supervisor.start()
        try await world.instance("b", 1).exit(.normal)
        try await world.event("b exited") { $0.isExit(of: "b", .normal) }
        await supervisor.barrier()
        #expect(await supervisor.states() == ["a:running", "b:stopped"])
        let mark = world.ops.value.count

        try await world.instance("a", 1).exit(.exitCode(1))
        try await world.event("b restarted") { $0.isRestart(of: "b") }

        #expect(world.stops(since: mark) == [])
        #expect(world.starts(since: mark) == ["a", "b"])
        #expect(await supervisor.states() == ["a:running", "b:running"])
        await supervisor.stop()
    }

    @Test("restart decision table", arguments: [
        (RestartType.permanent, ExitReason.normal, true), (.permanent, .shutdown, true),
        (.permanent, .exitCode(2), true), (.permanent, .signal(11), true), (.permanent, .failedStart("x"), true),
        (.permanent, .killed("hung"), true), (.permanent, .gaveUp, true),
        (.transient, .normal, false), (.transient, .shutdown, false),
        (.transient, .exitCode(2), true), (.transient, .signal(11), true), (.transient, .failedStart("x"), true),
        (.transient, .killed("hung"), true), (.transient, .gaveUp, false),
        (.temporary, .normal, false), (.temporary, .shutdown, false),
        (.temporary, .exitCode(2), false), (.temporary, .signal(11), false), (.temporary, .failedStart("x"), false),
        (.temporary, .killed("hung"), false), (.temporary, .gaveUp, false),
    ])
    func decision(_ restart: RestartType, _ reason: ExitReason, _ expected: Bool) {
        #expect(restart.restarts(after: reason) == expected)
    }
}

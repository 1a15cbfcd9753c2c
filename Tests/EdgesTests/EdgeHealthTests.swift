import Edges
import Testing

/// Actions without φ, for comparing tables.
enum Act: Hashable, CustomStringConvertible {
    case changed(EdgeState, EdgeState)
    case move
    case reconcile

    init(_ action: EdgeAction) {
        switch action {
        case let .stateChanged(from, to, _): self = .changed(from, to)
        case .moveSessions: self = .move
        case .reconcileSessions: self = .reconcile
        }
    }

    var description: String {
        switch self {
        case let .changed(from, to): "\(from)->\(to)"
        case .move: "move"
        case .reconcile: "reconcile"
        }
    }
}

/// An edge registered at the origin with 20 steady 1 s heartbeats, and the
/// instants where its φ crosses the thresholds.
struct Scenario {
    var health: EdgeHealth
    let last: ContinuousClock.Instant
    /// φ just below suspect, between suspect and dead, past dead.
    let calm, inSuspect, pastDead: ContinuousClock.Instant

    init(configuration: EdgeHealth.Configuration = EdgeHealth.Configuration()) {
        var health = EdgeHealth(configuration: configuration, registeredAt: VirtualTime.origin)
        var now = VirtualTime.origin
        for _ in 0..<20 {
            now += .seconds(1)
            _ = health.heartbeat(at: now)
        }
        self.health = health
        last = now
        let snapshot = health
        let suspect = crossing(configuration.suspectThreshold, after: now) { snapshot.phi(at: $0) }!
        let dead = crossing(configuration.deadThreshold, after: now) { snapshot.phi(at: $0) }!
        calm = now + suspect - .milliseconds(1)
        inSuspect = now + suspect
        pastDead = now + dead
    }

    /// Brings the edge to `state` (by evaluations in virtual time).
    mutating func reach(_ state: EdgeState) {
        switch state {
        case .alive: break
        case .suspect: _ = health.evaluate(at: inSuspect)
        case .dead: _ = health.evaluate(at: pastDead)
        }
        precondition(health.state == state)
    }
}

@Suite("Edge health state machine")
struct EdgeHealthTests {
    enum Event: Hashable, CustomStringConvertible {
        case heartbeatAfterLast(Duration)
        case heartbeatBeforeLast
        case evaluateCalm, evaluateInSuspect, evaluatePastDead, evaluateMuchLater

        var description: String {
            switch self {
            case let .heartbeatAfterLast(d): "heartbeat +\(ms(d))"
            case .heartbeatBeforeLast: "heartbeat before the last"
            case .evaluateCalm: "evaluate (phi < suspect)"
            case .evaluateInSuspect: "evaluate (suspect <= phi < dead)"
            case .evaluatePastDead: "evaluate (phi >= dead)"
            case .evaluateMuchLater: "evaluate (+1 h)"
            }
        }
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var from: EdgeState
        var event: Event
        var to: EdgeState
        var actions: [Act]
        var testDescription: String { "\(from) + \(event) -> \(to) \(actions)" }
    }

    /// Every state x event, written out.
    static let table: [Row] = [
        Row(from: .alive, event: .heartbeatAfterLast(.seconds(1)), to: .alive, actions: []),
        Row(from: .alive, event: .heartbeatBeforeLast, to: .alive, actions: []),
        Row(from: .alive, event: .evaluateCalm, to: .alive, actions: []),
        Row(from: .alive, event: .evaluateInSuspect, to: .suspect, actions: [.changed(.alive, .suspect)]),
        Row(from: .alive, event: .evaluatePastDead, to: .dead, actions: [.changed(.alive, .dead), .move]),
        Row(from: .alive, event: .evaluateMuchLater, to: .dead, actions: [.changed(.alive, .dead), .move]),
        Row(from: .suspect, event: .heartbeatAfterLast(.seconds(3)), to: .alive, actions: [.changed(.suspect, .alive)]),
        Row(from: .suspect, event: .heartbeatBeforeLast, to: .suspect, actions: []),
        Row(from: .suspect, event: .evaluateCalm, to: .suspect, actions: []),
        Row(from: .suspect, event: .evaluateInSuspect, to: .suspect, actions: []),
        Row(from: .suspect, event: .evaluatePastDead, to: .dead, actions: [.changed(.suspect, .dead), .move]),
        Row(from: .dead, event: .heartbeatAfterLast(.seconds(3)), to: .alive,
            actions: [.changed(.dead, .alive), .reconcile]),
        Row(from: .dead, event: .heartbeatAfterLast(.seconds(3600)), to: .alive,
            actions: [.changed(.dead, .alive), .reconcile]),
        Row(from: .dead, event: .heartbeatBeforeLast, to: .dead, actions: []),
        Row(from: .dead, event: .evaluateCalm, to: .dead, actions: []),
        Row(from: .dead, event: .evaluatePastDead, to: .dead, actions: []),
        Row(from: .dead, event: .evaluateMuchLater, to: .dead, actions: []),
    ]

    @Test("transitions and actions", arguments: table)
    func transition(row: Row) {
        var s = Scenario()
        s.reach(row.from)
        let now: ContinuousClock.Instant
        let actions: [EdgeAction]
        switch row.event {
        case let .heartbeatAfterLast(d):
            now = s.last + d
            actions = s.health.heartbeat(at: now)
        case .heartbeatBeforeLast:
            now = s.last - .milliseconds(1)
            actions = s.health.heartbeat(at: now)
        case .evaluateCalm:
            now = s.calm
            actions = s.health.evaluate(at: now)
        case .evaluateInSuspect:
            now = s.inSuspect
            actions = s.health.evaluate(at: now)
        case .evaluatePastDead:
            now = s.pastDead
            actions = s.health.evaluate(at: now)
        case .evaluateMuchLater:
            now = s.last + .seconds(3600)
            actions = s.health.evaluate(at: now)
        }
        #expect(actions.map(Act.init) == row.actions)
        #expect(s.health.state == row.to)
        // The phi in a state change is phi at that instant, after the event.
        for case let .stateChanged(_, to, phi) in actions {
            #expect(phi == s.health.phi(at: now))
            switch to {
            case .alive: #expect(phi < 0.01)
            case .suspect: #expect(phi >= 5 && phi < 8)
            case .dead: #expect(phi >= 8)
            }
        }
    }

    @Test("registration counts as the first heartbeat; evaluate without heartbeats: alive -> suspect -> dead, once")
    func evaluateWithoutHeartbeats() {
        var health = EdgeHealth(registeredAt: VirtualTime.origin)
        #expect(health.lastHeartbeat == VirtualTime.origin)
        var log: [(Duration, Act)] = []
        for tick in 1...100 {
            let at = Duration.milliseconds(100 * tick)
            for action in health.evaluate(at: VirtualTime.at(at)) { log.append((at, Act(action))) }
        }
        print("registered, never reported, evaluated every 100 ms: " + log.map { "\($0.1) at \(ms($0.0))" }.joined(separator: ", "))
        #expect(log.map(\.1) == [.changed(.alive, .suspect), .changed(.suspect, .dead), .move])
        #expect(log.last.map { $0.0 > .seconds(3) && $0.0 < .seconds(4) } == true)
        #expect(health.state == .dead)
    }

    @Test("with 1 s heartbeats and the defaults, dead comes 2-3 s after the last heartbeat (evaluated every 100 ms)")
    func timeToDeadWithDefaults() {
        var delays: [Duration] = []
        for seed in 1...21 as ClosedRange<UInt64> {
            var rng = SeededGenerator(seed: seed)
            var health = EdgeHealth(registeredAt: VirtualTime.origin)
            var last = VirtualTime.origin
            for i in 1...60 {
                last = VirtualTime.at(.seconds(i) + .milliseconds(Int.random(in: -50...50, using: &rng)))
                #expect(health.heartbeat(at: last).isEmpty)
            }
            // Ticks on a 100 ms grid not aligned with the heartbeats.
            var tick = VirtualTime.at(.seconds(60) + .milliseconds(37))
            while health.state != .dead {
                _ = health.evaluate(at: tick)
                tick += .milliseconds(100)
            }
            delays.append(tick - .milliseconds(100) - last)
        }
        delays.sort()
        print("defaults, 1 s ± 50 ms heartbeats, 100 ms evaluation: dead after \(ms(delays[10])) median "
            + "(min \(ms(delays.first)), max \(ms(delays.last)))")
        #expect(delays.allSatisfy { $0 >= .seconds(2) && $0 <= .seconds(3) })
    }

    @Test("flapping: alive <-> suspect many times never moves sessions")
    func flapping() {
        var s = Scenario()
        var last = s.last
        for round in 0..<5 {
            let health = s.health
            guard let delay = crossing(5, after: last, phi: { health.phi(at: $0) }) else {
                Issue.record("phi never reached 5")
                return
            }
            #expect(s.health.evaluate(at: last + delay).map(Act.init) == [.changed(.alive, .suspect)], "round \(round)")
            last += delay + .milliseconds(1)
            #expect(s.health.heartbeat(at: last).map(Act.init) == [.changed(.suspect, .alive)], "round \(round)")
            #expect(s.health.evaluate(at: last + .milliseconds(500)).isEmpty)
        }
        #expect(s.health.state == .alive)
    }

    @Test("dead -> alive -> dead: sessions move once per death, and reconcile once per return")
    func deathAndReturn() {
        var s = Scenario()
        var acts: [Act] = []
        acts += s.health.evaluate(at: s.pastDead).map(Act.init)
        acts += s.health.evaluate(at: s.pastDead + .seconds(10)).map(Act.init)
        let back = s.pastDead + .seconds(20)
        acts += s.health.heartbeat(at: back).map(Act.init)
        acts += s.health.heartbeat(at: back + .seconds(1)).map(Act.init)
        acts += s.health.evaluate(at: back + .seconds(30)).map(Act.init)
        acts += s.health.heartbeat(at: back + .seconds(40)).map(Act.init)
        #expect(acts == [
            .changed(.alive, .dead), .move,
            .changed(.dead, .alive), .reconcile,
            .changed(.alive, .dead), .move,
            .changed(.dead, .alive), .reconcile,
        ])
        // The outages were not recorded as intervals.
        #expect(s.health.detector.intervals.allSatisfy { $0 <= .milliseconds(1250) })
    }

    @Test("thresholds from config decide the transitions")
    func configuredThresholds() {
        let configuration = EdgeHealth.Configuration(suspectThreshold: 1, deadThreshold: 3)
        var s = Scenario(configuration: configuration)
        let suspect = s.health.evaluate(at: s.inSuspect)
        let dead = s.health.evaluate(at: s.pastDead)
        guard case let .stateChanged(.alive, .suspect, phi1)? = suspect.first,
              case let .stateChanged(.suspect, .dead, phi2)? = dead.first else {
            Issue.record("expected alive -> suspect -> dead, got \(suspect) then \(dead)")
            return
        }
        #expect(phi1 >= 1 && phi1 < 3)
        #expect(phi2 >= 3 && phi2 < 8)
        #expect(s.pastDead - s.last < .seconds(2) + .milliseconds(500))
    }

    struct ConfigRow: Sendable, CustomTestStringConvertible {
        var suspect: Double
        var dead: Double
        var interval: Duration = .seconds(1)
        var pause: Duration?
        var samples = 200
        var expectSuspect: Double
        var expectDead: Double
        var expectInterval: Duration = .seconds(1)
        var expectPause: Duration = .seconds(1)
        var expectSamples = 200
        var adjustments: Int
        var testDescription: String { "suspect \(suspect), dead \(dead), interval \(interval), pause \(String(describing: pause))" }
    }

    @Test("configuration: suspect < dead is enforced, bad values are repaired and reported", arguments: [
        ConfigRow(suspect: 5, dead: 8, expectSuspect: 5, expectDead: 8, adjustments: 0),
        ConfigRow(suspect: 2, dead: 12, expectSuspect: 2, expectDead: 12, adjustments: 0),
        ConfigRow(suspect: 9, dead: 8, expectSuspect: 5, expectDead: 8, adjustments: 1),
        ConfigRow(suspect: 8, dead: 8, expectSuspect: 5, expectDead: 8, adjustments: 1),
        ConfigRow(suspect: 5, dead: 3, expectSuspect: 1.875, expectDead: 3, adjustments: 1),
        ConfigRow(suspect: .nan, dead: 8, expectSuspect: 5, expectDead: 8, adjustments: 1),
        ConfigRow(suspect: 0, dead: 8, expectSuspect: 5, expectDead: 8, adjustments: 1),
        ConfigRow(suspect: -1, dead: .infinity, expectSuspect: 5, expectDead: 8, adjustments: 2),
        ConfigRow(suspect: 5, dead: -8, expectSuspect: 5, expectDead: 8, adjustments: 1),
        ConfigRow(suspect: 5, dead: 8, interval: .zero, expectSuspect: 5, expectDead: 8, adjustments: 1),
        ConfigRow(suspect: 5, dead: 8, interval: .milliseconds(500), expectSuspect: 5, expectDead: 8,
                  expectInterval: .milliseconds(500), expectPause: .milliseconds(500), adjustments: 0),
        ConfigRow(suspect: 5, dead: 8, pause: .zero, expectSuspect: 5, expectDead: 8, expectPause: .zero, adjustments: 0),
        ConfigRow(suspect: 5, dead: 8, pause: .seconds(-2), expectSuspect: 5, expectDead: 8, expectPause: .zero, adjustments: 1),
        ConfigRow(suspect: 5, dead: 8, samples: 1, expectSuspect: 5, expectDead: 8, expectSamples: 2, adjustments: 1),
    ])
    func configuration(row: ConfigRow) {
        let c = EdgeHealth.Configuration(
            heartbeatInterval: row.interval, suspectThreshold: row.suspect, deadThreshold: row.dead,
            acceptableHeartbeatPause: row.pause, maxSampleSize: row.samples)
        #expect(c.suspectThreshold == row.expectSuspect)
        #expect(c.deadThreshold == row.expectDead)
        #expect(c.suspectThreshold < c.deadThreshold)
        #expect(c.heartbeatInterval == row.expectInterval)
        #expect(c.acceptableHeartbeatPause == row.expectPause)
        #expect(c.maxSampleSize == row.expectSamples)
        #expect(c.adjustments.count == row.adjustments, "\(c.adjustments)")
        let detector = c.makeDetector()
        #expect(detector.threshold == c.deadThreshold)
        #expect(detector.firstHeartbeatEstimate == c.heartbeatInterval)
    }

    @Test("an adjustment names the config key")
    func adjustmentText() {
        let c = EdgeHealth.Configuration(suspectThreshold: 9, deadThreshold: 8)
        #expect(c.adjustments == ["edges.phi_suspect (9.0) must be below edges.phi_dead (8.0): using 5.0"])
    }
}

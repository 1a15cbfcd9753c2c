import Testing
@testable import SIP

// The owner's side of the transaction machines, faked for the tests: a
// virtual clock that runs the timers the machines ask for, and a uniform way
// to feed events to the four machines.

/// A fake clock: keeps the armed timers with their deadlines in virtual
/// time and fires the earliest. It also checks that the machine's timer
/// actions make sense to an owner (no start of an armed timer, no cancel of
/// an unarmed one, no non-positive duration).
struct TimerDriver {
    struct Start: Equatable, CustomStringConvertible {
        var timer: TransactionTimer
        var after: Duration
        var at: Duration
        var description: String { "\(timer)+\(after)@\(at)" }
    }

    private(set) var now: Duration = .zero
    /// Armed timers and when they fire.
    private(set) var pending: [TransactionTimer: Duration] = [:]
    /// Every start, in order.
    private(set) var starts: [Start] = []
    /// Anything an owner would find wrong in the actions.
    private(set) var problems: [String] = []

    mutating func apply(_ actions: [TransactionAction]) {
        for action in actions {
            switch action {
            case let .startTimer(timer, after):
                if pending[timer] != nil { problems.append("\(timer) started while armed at \(now)") }
                if after <= .zero { problems.append("\(timer) started with \(after)") }
                pending[timer] = now + after
                starts.append(Start(timer: timer, after: after, at: now))
            case let .cancelTimer(timer):
                if pending.removeValue(forKey: timer) == nil { problems.append("\(timer) cancelled while not armed at \(now)") }
            default:
                break
            }
        }
    }

    /// Disarms the earliest timer (ties in declaration order) and moves the
    /// clock to its deadline; nil when none is armed.
    mutating func fireNext() -> (timer: TransactionTimer, at: Duration)? {
        func order(_ timer: TransactionTimer) -> Int { TransactionTimer.allCases.firstIndex(of: timer)! }
        guard let next = pending.min(by: { ($0.value, order($0.key)) < ($1.value, order($1.key)) }) else {
            return nil
        }
        pending[next.key] = nil
        now = next.value
        return (next.key, next.value)
    }

    /// The owner fires `timer` out of turn (a late or stale firing); the
    /// clock does not move.
    mutating func forget(_ timer: TransactionTimer) {
        pending[timer] = nil
    }

    func durations(of timer: TransactionTimer) -> [Duration] {
        starts.filter { $0.timer == timer }.map(\.after)
    }
}

/// An event for any of the four machines. `response` is a response received
/// (clients) or given by the TU (servers).
enum TxEvent: Hashable, Sendable, CustomStringConvertible {
    case start
    case response(Int)
    case retransmission
    case ack
    case fire(TransactionTimer)
    case transportError
    case abandon

    var description: String {
        switch self {
        case .start: "start"
        case let .response(status): "\(status)"
        case .retransmission: "retransmission"
        case .ack: "ACK"
        case let .fire(timer): "fire \(timer)"
        case .transportError: "transportError"
        case .abandon: "abandon"
        }
    }
}

/// The four machines seen through ``TxEvent``; a step a machine has no method
/// for does nothing (returns []).
protocol TxMachine: Sendable {
    associatedtype State: Hashable & Sendable
    init(timers: SIPTimers, reliable: Bool)
    var state: State { get }
    var isTerminated: Bool { get }
    /// True in the states with no timer armed, that only the TU or the peer
    /// can end (a final response to come, or the start).
    var waitsForEvent: Bool { get }
    /// The actions this kind of machine may produce at all.
    static var possibleActions: Set<TxActionKind> { get }
    mutating func apply(_ step: TxEvent) -> [TransactionAction]
}

/// A ``TransactionAction`` without its payload.
enum TxActionKind: Hashable, Sendable {
    case sendRequest, sendACK, sendTrying, sendResponse, startTimer, cancelTimer
    case deliverResponse, deliverRequest, deliverACK, timedOut, transportError, noACK, terminated

    init(_ action: TransactionAction) {
        switch action {
        case .sendRequest: self = .sendRequest
        case .sendACK: self = .sendACK
        case .sendTrying: self = .sendTrying
        case .sendResponse: self = .sendResponse
        case .startTimer: self = .startTimer
        case .cancelTimer: self = .cancelTimer
        case .deliverResponse: self = .deliverResponse
        case .deliverRequest: self = .deliverRequest
        case .deliverACK: self = .deliverACK
        case .timedOut: self = .timedOut
        case .transportError: self = .transportError
        case .noACK: self = .noACK
        case .terminated: self = .terminated
        }
    }
}

extension InviteClientTransaction: TxMachine {
    var waitsForEvent: Bool { state == .idle || state == .proceeding }
    static var possibleActions: Set<TxActionKind> {
        [.sendRequest, .sendACK, .startTimer, .cancelTimer, .deliverResponse, .timedOut, .transportError, .terminated]
    }
    mutating func apply(_ step: TxEvent) -> [TransactionAction] {
        switch step {
        case .start: start()
        case let .response(status): receive(response: status)
        case let .fire(timer): timerFired(timer)
        case .transportError: transportError()
        case .abandon: abandon()
        case .retransmission, .ack: []
        }
    }
}

extension NonInviteClientTransaction: TxMachine {
    var waitsForEvent: Bool { state == .idle }
    static var possibleActions: Set<TxActionKind> {
        [.sendRequest, .startTimer, .cancelTimer, .deliverResponse, .timedOut, .transportError, .terminated]
    }
    mutating func apply(_ step: TxEvent) -> [TransactionAction] {
        switch step {
        case .start: start()
        case let .response(status): receive(response: status)
        case let .fire(timer): timerFired(timer)
        case .transportError: transportError()
        case .retransmission, .ack, .abandon: []
        }
    }
}

extension InviteServerTransaction: TxMachine {
    var waitsForEvent: Bool { state == .idle || state == .proceeding }
    static var possibleActions: Set<TxActionKind> {
        [.sendTrying, .sendResponse, .startTimer, .cancelTimer, .deliverRequest, .deliverACK, .transportError, .noACK,
         .terminated]
    }
    mutating func apply(_ step: TxEvent) -> [TransactionAction] {
        switch step {
        case .start: start()
        case let .response(status): send(response: status)
        case .retransmission: receiveRetransmission()
        case .ack: receiveACK()
        case let .fire(timer): timerFired(timer)
        case .transportError: transportError()
        case .abandon: []
        }
    }
}

extension NonInviteServerTransaction: TxMachine {
    var waitsForEvent: Bool { state == .idle || state == .trying || state == .proceeding }
    static var possibleActions: Set<TxActionKind> {
        [.sendResponse, .startTimer, .cancelTimer, .deliverRequest, .transportError, .terminated]
    }
    mutating func apply(_ step: TxEvent) -> [TransactionAction] {
        switch step {
        case .start: start()
        case let .response(status): send(response: status)
        case .retransmission: receiveRetransmission()
        case let .fire(timer): timerFired(timer)
        case .transportError: transportError()
        case .ack, .abandon: []
        }
    }
}

/// One machine and its owner: steps go in, actions are performed on the
/// fake clock and recorded.
struct TxHarness<Machine: TxMachine> {
    struct Firing: CustomStringConvertible {
        var timer: TransactionTimer
        var at: Duration
        var actions: [TransactionAction]
        var description: String { "\(timer)@\(at): \(actions)" }
    }

    var machine: Machine
    var driver = TimerDriver()
    /// Every action, in order.
    private(set) var actions: [TransactionAction] = []
    /// Every timer firing, in order.
    private(set) var firings: [Firing] = []

    init(timers: SIPTimers = .default, reliable: Bool = false) {
        machine = Machine(timers: timers, reliable: reliable)
    }

    @discardableResult
    mutating func step(_ step: TxEvent) -> [TransactionAction] {
        if case let .fire(timer) = step { driver.forget(timer) }
        let result = machine.apply(step)
        record(result)
        return result
    }

    /// Fires the earliest armed timer; nil when none is armed.
    @discardableResult
    mutating func fireNext() -> Firing? {
        guard let (timer, at) = driver.fireNext() else { return nil }
        let result = machine.apply(.fire(timer))
        record(result)
        let firing = Firing(timer: timer, at: at, actions: result)
        firings.append(firing)
        return firing
    }

    /// Fires timers until none is armed (at most `limit` firings).
    mutating func runTimers(limit: Int = 1_000) {
        for _ in 0..<limit where fireNext() != nil {}
    }

    /// When each action of this kind happened on a timer firing.
    func firingTimes(of kind: TxActionKind) -> [Duration] {
        firings.filter { $0.actions.contains { TxActionKind($0) == kind } }.map(\.at)
    }

    /// Terminated once, by the last action, with no timer left armed and
    /// nothing an owner would find wrong.
    var endedCleanly: Bool {
        machine.isTerminated && actions.last == .terminated && count(.terminated) == 1
            && driver.pending.isEmpty && driver.problems.isEmpty
    }

    func count(_ kind: TxActionKind) -> Int {
        actions.filter { TxActionKind($0) == kind }.count
    }

    private mutating func record(_ result: [TransactionAction]) {
        driver.apply(result)
        actions += result
    }
}

/// One row of a scenario table: a step and exactly the actions it must return.
struct TxExpect: Sendable, CustomStringConvertible {
    var step: TxEvent
    var actions: [TransactionAction]
    init(_ step: TxEvent, _ actions: [TransactionAction]) {
        self.step = step
        self.actions = actions
    }
    var description: String { "\(step) -> \(actions)" }
}

/// A table-driven path through one machine: every step's actions are
/// compared exactly, the owner's timer bookkeeping must stay consistent, and
/// the machine must end in `end`.
struct TxScenario<Machine: TxMachine>: Sendable, CustomTestStringConvertible {
    var name: String
    var timers: SIPTimers = .default
    var reliable = false
    var steps: [TxExpect]
    var end: Machine.State

    var testDescription: String { name }

    func play() {
        var harness = TxHarness<Machine>(timers: timers, reliable: reliable)
        for (index, row) in steps.enumerated() {
            let got = harness.step(row.step)
            #expect(got == row.actions, "\(name), step \(index) (\(row.step))")
        }
        #expect(harness.machine.state == end, "\(name)")
        #expect(harness.driver.problems.isEmpty, "\(name): \(harness.driver.problems)")
        if harness.machine.isTerminated {
            #expect(harness.driver.pending.isEmpty, "\(name): timers left armed \(harness.driver.pending)")
        }
    }
}

/// A deterministic generator for the randomized tests (TxRandom).
struct TxRandom: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite struct TransactionHarnessTests {
    @Test func driverFiresTheEarliestTimerAndMovesTheClock() {
        var driver = TimerDriver()
        driver.apply([.startTimer(.B, after: .seconds(32)), .startTimer(.A, after: .milliseconds(500))])
        #expect(driver.fireNext()! == (.A, .milliseconds(500)))
        #expect(driver.now == .milliseconds(500))
        driver.apply([.startTimer(.A, after: .seconds(1))])
        #expect(driver.fireNext()! == (.A, .milliseconds(1500)))
        driver.apply([.cancelTimer(.B)])
        #expect(driver.fireNext() == nil)
        #expect(driver.problems.isEmpty)
        #expect(driver.durations(of: .A) == [.milliseconds(500), .seconds(1)])
    }

    @Test func driverBreaksTiesInDeclarationOrder() {
        var driver = TimerDriver()
        driver.apply([.startTimer(.L, after: .seconds(2)), .startTimer(.G, after: .seconds(2))])
        #expect(driver.fireNext()?.timer == .G)
        #expect(driver.fireNext()?.timer == .L)
    }

    @Test(arguments: [
        [TransactionAction.startTimer(.A, after: .seconds(1)), .startTimer(.A, after: .seconds(1))],
        [.cancelTimer(.A)],
        [.startTimer(.D, after: .zero)],
    ])
    func driverReportsWhatAnOwnerCouldNotDo(_ actions: [TransactionAction]) {
        var driver = TimerDriver()
        driver.apply(actions)
        #expect(driver.problems.count == 1)
    }

    @Test func randomGeneratorIsDeterministic() {
        var a = TxRandom(seed: 7)
        var b = TxRandom(seed: 7)
        #expect((0..<8).map { _ in a.next() } == (0..<8).map { _ in b.next() })
    }
}

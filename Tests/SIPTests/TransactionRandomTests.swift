import Testing
@testable import SIP

/// Seeded random event sequences against every machine, over both kinds of
/// transport and three timer settings: nothing traps, the actions always
/// make sense to an owner, and once the events stop, firing the timers (and
/// at most a start and a final response for the states that wait on the TU
/// or the peer) always ends the transaction.
@Suite struct TransactionRandomTests {
    enum Kind: String, CaseIterable, Sendable {
        case inviteClient, nonInviteClient, inviteServer, nonInviteServer
    }

    static let sequencesPerCase = 1_000
    static let statuses = [100, 180, 183, 200, 202, 299, 300, 302, 404, 481, 486, 487, 500, 503, 603, 699, 0, 99, 700, -1]
    static let timerSettings = [
        SIPTimers.default,
        SIPTimers(t1: .milliseconds(100), t2: .milliseconds(300), t4: .seconds(1)),
        SIPTimers(t1: .seconds(1), t2: .seconds(2), t4: .seconds(3)),
    ]

    @Test(arguments: Kind.allCases, [false, true])
    func randomEventsKeepTheMachineSound(_ kind: Kind, reliable: Bool) {
        switch kind {
        case .inviteClient: fuzz(InviteClientTransaction.self, kind: kind, reliable: reliable)
        case .nonInviteClient: fuzz(NonInviteClientTransaction.self, kind: kind, reliable: reliable)
        case .inviteServer: fuzz(InviteServerTransaction.self, kind: kind, reliable: reliable)
        case .nonInviteServer: fuzz(NonInviteServerTransaction.self, kind: kind, reliable: reliable)
        }
    }

    private func fuzz<Machine: TxMachine>(_: Machine.Type, kind: Kind, reliable: Bool) {
        let kindIndex = UInt64(Kind.allCases.firstIndex(of: kind)!)
        var seen: Set<TxActionKind> = []
        for sequence in 0..<Self.sequencesPerCase {
            let seed = kindIndex << 32 | (reliable ? 1 << 31 : 0) | UInt64(sequence)
            var rng = TxRandom(seed: seed)
            let timers = Self.timerSettings[sequence % Self.timerSettings.count]
            let problems = run(Machine.self, timers: timers, reliable: reliable, using: &rng, seen: &seen)
            if !problems.isEmpty {
                Issue.record("\(kind), reliable \(reliable), seed \(seed): \(problems.prefix(8).joined(separator: "; "))")
                return
            }
        }
        // The sequences reach every outcome the machine has (a reliable
        // non-INVITE server never arms a timer: J is zero).
        let unreachable: Set<TxActionKind> = reliable && kind == .nonInviteServer ? [.startTimer, .cancelTimer] : []
        #expect(seen == Machine.possibleActions.subtracting(unreachable))
    }

    /// One random sequence, then the drain; what went wrong (empty if nothing).
    private func run<Machine: TxMachine>(
        _: Machine.Type, timers: SIPTimers, reliable: Bool, using rng: inout TxRandom, seen: inout Set<TxActionKind>
    ) -> [String] {
        var harness = TxHarness<Machine>(timers: timers, reliable: reliable)
        var problems: [String] = []
        var history: [String] = []

        func check(_ step: TxEvent, wasPending: Bool, wasTerminated: Bool, _ actions: [TransactionAction]) {
            history.append("\(step) -> \(actions)")
            let kinds = actions.map(TxActionKind.init)
            seen.formUnion(kinds)
            if wasTerminated && !actions.isEmpty { problems.append("acted after termination: \(history)") }
            if case .fire = step, !wasPending, !actions.isEmpty { problems.append("acted on an unarmed timer: \(history)") }
            if !Set(kinds).isSubset(of: Machine.possibleActions) { problems.append("foreign action: \(history)") }
            if let end = kinds.firstIndex(of: .terminated) {
                if end != kinds.count - 1 { problems.append(".terminated not last: \(history)") }
                if !harness.machine.isTerminated { problems.append(".terminated but not terminated: \(history)") }
                if !harness.driver.pending.isEmpty { problems.append("timers left at the end: \(history)") }
            } else if harness.machine.isTerminated && !wasTerminated {
                problems.append("terminated silently: \(history)")
            }
            for report in [TxActionKind.timedOut, .noACK] where kinds.contains(report) && kinds.last != .terminated {
                problems.append("\(report) without the end: \(history)")
            }
            for case let .startTimer(timer, _) in actions where reliable && !allowedOverReliable(timer, harness.machine) {
                problems.append("\(timer) over a reliable transport: \(history)")
            }
            if !harness.driver.problems.isEmpty { problems.append("owner: \(harness.driver.problems) \(history)") }
        }

        // Random events.
        let length = Int.random(in: 1...60, using: &rng)
        for index in 0..<length {
            let wasTerminated = harness.machine.isTerminated
            let pending = harness.driver.pending.keys.sorted { "\($0)" < "\($1)" }
            let roll = Int.random(in: 0..<100, using: &rng)
            if roll < 30, !pending.isEmpty {
                if let firing = harness.fireNext() {
                    check(.fire(firing.timer), wasPending: true, wasTerminated: wasTerminated, firing.actions)
                }
                continue
            }
            let step: TxEvent = switch roll {
            case _ where index == 0 && roll < 90: .start
            case 0..<30, 30..<55: .response(Self.statuses.randomElement(using: &rng)!)
            case 55..<65: .fire(TransactionTimer.allCases.randomElement(using: &rng)!)
            case 65..<75: .retransmission
            case 75..<85: .ack
            case 85..<90: .transportError
            case 90..<93: .abandon
            default: .start
            }
            var wasPending = false
            if case let .fire(timer) = step { wasPending = harness.driver.pending[timer] != nil }
            let actions = harness.step(step)
            check(step, wasPending: wasPending, wasTerminated: wasTerminated, actions)
        }

        // The drain: fire every timer; a machine left waiting gets a start,
        // then a final response, and its timers fired again.
        for closer in [TxEvent.start, .response(486), .response(486)] {
            for _ in 0..<500 {
                let wasTerminated = harness.machine.isTerminated
                guard let firing = harness.fireNext() else { break }
                check(.fire(firing.timer), wasPending: true, wasTerminated: wasTerminated, firing.actions)
            }
            if !harness.driver.pending.isEmpty { problems.append("still retransmitting after 500 firings: \(history)") }
            if harness.machine.isTerminated { break }
            if !harness.machine.waitsForEvent { problems.append("stuck in \(harness.machine.state): \(history)") }
            let wasTerminated = harness.machine.isTerminated
            check(closer, wasPending: false, wasTerminated: wasTerminated, harness.step(closer))
        }

        if !harness.endedCleanly { problems.append("did not end cleanly in \(harness.machine.state): \(history)") }
        for once in [TxActionKind.timedOut, .noACK, .deliverRequest, .deliverACK, .terminated] where harness.count(once) > 1 {
            problems.append("\(once) \(harness.count(once)) times: \(history)")
        }
        return problems
    }

    /// Over a reliable transport only B, F, H, L, M are armed, and G only
    /// for a 2xx (RFC 3261 13.3.1.4); A, E, D, I, J, K never.
    private func allowedOverReliable(_ timer: TransactionTimer, _ machine: some TxMachine) -> Bool {
        switch timer {
        case .B, .F, .H, .L, .M: true
        case .G: (machine as? InviteServerTransaction)?.state == .accepted
        case .A, .D, .E, .I, .J, .K: false
        }
    }
}

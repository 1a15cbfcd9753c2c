import Testing
@testable import SIP

/// RFC 3261 17.1.1 with RFC 6026: the INVITE client transaction.
@Suite struct TransactionInviteClientTests {
    typealias Machine = InviteClientTransaction

    // MARK: Timer A and B

    /// With the defaults A starts at 0.5 s and doubles with no T2 cap; B ends
    /// Calling at 32 s: 7 transmissions (the first and 6 retransmissions at
    /// 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s), A armed with 0.5, 1, 2, 4, 8, 16, 32 s.
    @Test func timerARetransmitsDoublingUntilTimerB() {
        var harness = TxHarness<Machine>()
        #expect(harness.step(.start) == [
            .sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32)),
        ])
        harness.runTimers()

        #expect(harness.driver.durations(of: .A) == [0.5, 1, 2, 4, 8, 16, 32].map { Duration.seconds($0) })
        #expect(harness.firingTimes(of: .sendRequest) == [0.5, 1.5, 3.5, 7.5, 15.5, 31.5].map { Duration.seconds($0) })
        #expect(harness.count(.sendRequest) == 7)
        #expect(harness.firings.last?.timer == .B)
        #expect(harness.firings.last?.at == .seconds(32))
        #expect(harness.firings.last?.actions == [.cancelTimer(.A), .timedOut, .terminated])
        #expect(harness.count(.timedOut) == 1)
        #expect(harness.count(.terminated) == 1)
        #expect(harness.machine.state == .terminated)
        #expect(harness.driver.pending.isEmpty)
        #expect(harness.driver.problems.isEmpty)
    }

    struct Schedule: Sendable, CustomTestStringConvertible {
        var timers: SIPTimers
        var retransmissions: [Duration]
        var timeout: Duration
        var testDescription: String { "T1 \(timers.t1), T2 \(timers.t2)" }
    }

    /// Custom T1 moves the whole schedule; T2 does not cap Timer A.
    @Test(arguments: [
        Schedule(timers: SIPTimers(t1: .milliseconds(100)),
                 retransmissions: [100, 300, 700, 1500, 3100, 6300].map { Duration.milliseconds($0) },
                 timeout: .milliseconds(6400)),
        Schedule(timers: SIPTimers(t1: .seconds(1), t2: .seconds(2)),
                 retransmissions: [1, 3, 7, 15, 31, 63].map { Duration.seconds($0) },
                 timeout: .seconds(64)),
        Schedule(timers: SIPTimers(t1: .milliseconds(250), t2: .milliseconds(250), t4: .seconds(1)),
                 retransmissions: [250, 750, 1750, 3750, 7750, 15750].map { Duration.milliseconds($0) },
                 timeout: .seconds(16)),
    ])
    func customTimersMoveTheSchedule(_ schedule: Schedule) {
        var harness = TxHarness<Machine>(timers: schedule.timers)
        harness.step(.start)
        harness.runTimers()
        #expect(harness.firingTimes(of: .sendRequest) == schedule.retransmissions)
        #expect(harness.firingTimes(of: .timedOut) == [schedule.timeout])
        #expect(harness.endedCleanly)
    }

    @Test func reliableTransportHasNoTimerA() {
        var harness = TxHarness<Machine>(reliable: true)
        #expect(harness.step(.start) == [.sendRequest, .startTimer(.B, after: .seconds(32))])
        harness.runTimers()
        #expect(harness.count(.sendRequest) == 1)
        #expect(harness.firings.map(\.timer) == [.B])
        #expect(harness.firings.last?.actions == [.timedOut, .terminated])
        #expect(harness.endedCleanly)
    }

    /// A provisional stops the retransmissions and the Calling timeout.
    @Test func provisionalStopsRetransmission() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        harness.fireNext()
        harness.fireNext()
        #expect(harness.step(.response(180)) == [.cancelTimer(.A), .cancelTimer(.B), .deliverResponse(status: 180)])
        #expect(harness.driver.pending.isEmpty)
        #expect(harness.count(.sendRequest) == 3)
        #expect(harness.machine.state == .proceeding)
    }

    /// In Accepted every 2xx (retransmission or another fork) goes up to the
    /// TU, which ACKs it; the machine never ACKs a 2xx.
    @Test func acceptedPassesEvery2xxToTheTUForTimerM() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        harness.step(.response(200))
        for _ in 0..<5 {
            #expect(harness.step(.response(200)) == [.deliverResponse(status: 200)])
        }
        harness.runTimers()
        #expect(harness.firings.map(\.timer) == [.M])
        #expect(harness.firings.map(\.at) == [.seconds(32)])
        #expect(harness.count(.sendACK) == 0)
        #expect(harness.count(.deliverResponse) == 6)
        #expect(harness.endedCleanly)
    }

    /// Completed ACKs each retransmission of the final response and delivers
    /// only the first; Timer D ends it at 32 s.
    @Test func completedACKsRetransmissionsUntilTimerD() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        harness.step(.response(100))
        harness.step(.response(486))
        for _ in 0..<3 {
            #expect(harness.step(.response(486)) == [.sendACK])
        }
        harness.runTimers()
        #expect(harness.count(.sendACK) == 4)
        #expect(harness.actions.filter { $0 == .deliverResponse(status: 486) }.count == 1)
        #expect(harness.firings.map(\.timer) == [.D])
        #expect(harness.endedCleanly)
    }

    // MARK: every path, step by step

    static let scenarios: [TxScenario<Machine>] = [
        TxScenario(name: "1xx, 486, retransmitted 486, Timer D", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.fire(.A), [.sendRequest, .startTimer(.A, after: .seconds(1))]),
            TxExpect(.response(100), [.cancelTimer(.A), .cancelTimer(.B), .deliverResponse(status: 100)]),
            TxExpect(.response(180), [.deliverResponse(status: 180)]),
            TxExpect(.response(183), [.deliverResponse(status: 183)]),
            TxExpect(.fire(.A), []),
            TxExpect(.fire(.B), []),
            TxExpect(.transportError, []),
            TxExpect(.response(486), [.sendACK, .deliverResponse(status: 486), .startTimer(.D, after: .seconds(32))]),
            TxExpect(.response(486), [.sendACK]),
            TxExpect(.response(180), []),
            TxExpect(.response(200), []),
            TxExpect(.abandon, []),
            TxExpect(.fire(.D), [.terminated]),
            TxExpect(.response(486), []),
        ], end: .terminated),
        TxScenario(name: "486 in Calling", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(486), [.cancelTimer(.A), .cancelTimer(.B), .sendACK, .deliverResponse(status: 486),
                                    .startTimer(.D, after: .seconds(32))]),
            TxExpect(.fire(.D), [.terminated]),
        ], end: .terminated),
        TxScenario(name: "302 then a transport error sending the ACK", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(302), [.cancelTimer(.A), .cancelTimer(.B), .sendACK, .deliverResponse(status: 302),
                                    .startTimer(.D, after: .seconds(32))]),
            TxExpect(.transportError, [.cancelTimer(.D), .transportError, .terminated]),
            TxExpect(.response(302), []),
            TxExpect(.fire(.D), []),
        ], end: .terminated),
        TxScenario(name: "2xx in Calling, 2xx retransmissions, Timer M", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(200), [.cancelTimer(.A), .cancelTimer(.B), .deliverResponse(status: 200),
                                    .startTimer(.M, after: .seconds(32))]),
            TxExpect(.response(200), [.deliverResponse(status: 200)]),
            TxExpect(.response(202), [.deliverResponse(status: 202)]),
            TxExpect(.response(180), []),
            TxExpect(.response(486), []),
            TxExpect(.transportError, []),
            TxExpect(.abandon, []),
            TxExpect(.fire(.B), []),
            TxExpect(.fire(.M), [.terminated]),
            TxExpect(.response(200), []),
        ], end: .terminated),
        TxScenario(name: "2xx after 1xx", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(183), [.cancelTimer(.A), .cancelTimer(.B), .deliverResponse(status: 183)]),
            TxExpect(.response(200), [.deliverResponse(status: 200), .startTimer(.M, after: .seconds(32))]),
            TxExpect(.fire(.M), [.terminated]),
        ], end: .terminated),
        TxScenario(name: "Timer B in Calling", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.fire(.B), [.cancelTimer(.A), .timedOut, .terminated]),
            TxExpect(.fire(.A), []),
            TxExpect(.fire(.B), []),
            TxExpect(.response(200), []),
        ], end: .terminated),
        TxScenario(name: "transport error in Calling", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.transportError, [.cancelTimer(.A), .cancelTimer(.B), .transportError, .terminated]),
            TxExpect(.transportError, []),
            TxExpect(.response(180), []),
        ], end: .terminated),
        TxScenario(name: "abandoned in Proceeding (RFC 3261 9.1)", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(180), [.cancelTimer(.A), .cancelTimer(.B), .deliverResponse(status: 180)]),
            TxExpect(.abandon, [.terminated]),
            TxExpect(.response(487), []),
        ], end: .terminated),
        TxScenario(name: "abandoned in Calling", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.abandon, [.cancelTimer(.A), .cancelTimer(.B), .terminated]),
        ], end: .terminated),
        TxScenario(name: "Proceeding waits for a final response", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(180), [.cancelTimer(.A), .cancelTimer(.B), .deliverResponse(status: 180)]),
            TxExpect(.transportError, []),
            TxExpect(.fire(.A), []),
            TxExpect(.fire(.B), []),
        ], end: .proceeding),
        TxScenario(name: "reliable: 1xx, 603, no Timer D", reliable: true, steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(180), [.cancelTimer(.B), .deliverResponse(status: 180)]),
            TxExpect(.response(603), [.sendACK, .deliverResponse(status: 603), .terminated]),
            TxExpect(.response(603), []),
        ], end: .terminated),
        TxScenario(name: "reliable: 2xx keeps Timer M", reliable: true, steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(200), [.cancelTimer(.B), .deliverResponse(status: 200), .startTimer(.M, after: .seconds(32))]),
            TxExpect(.response(200), [.deliverResponse(status: 200)]),
            TxExpect(.fire(.M), [.terminated]),
        ], end: .terminated),
        TxScenario(name: "T1 1 s: Timer D is 64*T1 when above 32 s", timers: SIPTimers(t1: .seconds(1)), steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .seconds(1)), .startTimer(.B, after: .seconds(64))]),
            TxExpect(.response(500), [.cancelTimer(.A), .cancelTimer(.B), .sendACK, .deliverResponse(status: 500),
                                    .startTimer(.D, after: .seconds(64))]),
        ], end: .completed),
        TxScenario(name: "T1 100 ms: Timer D stays 32 s, M is 6.4 s", timers: SIPTimers(t1: .milliseconds(100)), steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(100)), .startTimer(.B, after: .milliseconds(6400))]),
            TxExpect(.response(180), [.cancelTimer(.A), .cancelTimer(.B), .deliverResponse(status: 180)]),
            TxExpect(.response(200), [.deliverResponse(status: 200), .startTimer(.M, after: .milliseconds(6400))]),
        ], end: .accepted),
        TxScenario(name: "nothing before start", steps: [
            TxExpect(.response(200), []),
            TxExpect(.response(486), []),
            TxExpect(.fire(.A), []),
            TxExpect(.fire(.B), []),
            TxExpect(.transportError, []),
            TxExpect(.abandon, []),
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.start, []),
        ], end: .calling),
        TxScenario(name: "status codes outside 100...699 ignored", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.response(0), []),
            TxExpect(.response(99), []),
            TxExpect(.response(700), []),
            TxExpect(.response(-200), []),
            TxExpect(.response(Int.max), []),
            TxExpect(.response(Int.min), []),
        ], end: .calling),
        TxScenario(name: "timers it never armed are ignored", steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.A, after: .milliseconds(500)), .startTimer(.B, after: .seconds(32))]),
            TxExpect(.fire(.D), []),
            TxExpect(.fire(.M), []),
            TxExpect(.fire(.E), []),
            TxExpect(.fire(.G), []),
            TxExpect(.fire(.A), [.sendRequest, .startTimer(.A, after: .seconds(1))]),
        ], end: .calling),
    ]

    @Test(arguments: scenarios)
    func path(_ scenario: TxScenario<Machine>) {
        scenario.play()
    }
}

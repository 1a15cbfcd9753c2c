import Testing
@testable import SIP

/// RFC 3261 17.1.2: the non-INVITE client transaction.
@Suite struct TransactionNonInviteClientTests {
    typealias Machine = NonInviteClientTransaction

    // MARK: Timer E and F

    /// With the defaults E starts at 0.5 s and doubles up to T2 = 4 s; F ends
    /// it at 32 s: 11 transmissions, A-style doubling then every 4 s.
    @Test func timerEDoublesUpToT2UntilTimerF() {
        var harness = TxHarness<Machine>()
        #expect(harness.step(.start) == [
            .sendRequest, .startTimer(.E, after: .milliseconds(500)), .startTimer(.F, after: .seconds(32)),
        ])
        harness.runTimers()

        #expect(harness.driver.durations(of: .E) == [0.5, 1, 2, 4, 4, 4, 4, 4, 4, 4, 4].map { Duration.seconds($0) })
        #expect(harness.firingTimes(of: .sendRequest)
            == [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map { Duration.seconds($0) })
        #expect(harness.count(.sendRequest) == 11)
        #expect(harness.firings.last?.timer == .F)
        #expect(harness.firings.last?.at == .seconds(32))
        #expect(harness.firings.last?.actions == [.cancelTimer(.E), .timedOut, .terminated])
        #expect(harness.count(.timedOut) == 1)
        #expect(harness.endedCleanly)
    }

    /// Once Proceeding, E is re-armed at T2 at each firing (17.1.2.2): the
    /// interval already running ends first, then every T2.
    @Test func timerERunsAtT2InProceeding() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        harness.fireNext()  // 0.5 s, E re-armed for 1 s
        #expect(harness.step(.response(100)) == [.deliverResponse(status: 100)])
        #expect(harness.machine.state == .proceeding)
        harness.runTimers()

        #expect(harness.driver.durations(of: .E) == [0.5, 1, 4, 4, 4, 4, 4, 4, 4, 4].map { Duration.seconds($0) })
        #expect(harness.firingTimes(of: .sendRequest)
            == [0.5, 1.5, 5.5, 9.5, 13.5, 17.5, 21.5, 25.5, 29.5].map { Duration.seconds($0) })
        #expect(harness.firingTimes(of: .timedOut) == [.seconds(32)])
        #expect(harness.endedCleanly)
    }

    struct Schedule: Sendable, CustomTestStringConvertible {
        var timers: SIPTimers
        var provisionalFirst = false
        var intervals: [Duration]
        var timeout: Duration
        var testDescription: String { "T1 \(timers.t1), T2 \(timers.t2)\(provisionalFirst ? ", 1xx first" : "")" }
    }

    @Test(arguments: [
        Schedule(timers: SIPTimers(t1: .milliseconds(500), t2: .seconds(2)),
                 intervals: ([0.5, 1] + Array(repeating: 2, count: 16)).map { Duration.seconds($0) },
                 timeout: .seconds(32)),
        Schedule(timers: SIPTimers(t1: .milliseconds(100), t2: .milliseconds(300)),
                 intervals: ([100, 200] + Array(repeating: 300, count: 21)).map { Duration.milliseconds($0) },
                 timeout: .milliseconds(6400)),
        Schedule(timers: SIPTimers(t1: .seconds(1), t2: .seconds(8)), provisionalFirst: true,
                 intervals: ([1] + Array(repeating: 8, count: 8)).map { Duration.seconds($0) },
                 timeout: .seconds(64)),
    ])
    func customTimersMoveTheSchedule(_ schedule: Schedule) {
        var harness = TxHarness<Machine>(timers: schedule.timers)
        harness.step(.start)
        if schedule.provisionalFirst { harness.step(.response(100)) }
        harness.runTimers()
        #expect(harness.driver.durations(of: .E) == schedule.intervals)
        #expect(harness.firingTimes(of: .timedOut) == [schedule.timeout])
        #expect(harness.endedCleanly)
    }

    @Test func reliableTransportHasNoTimerE() {
        var harness = TxHarness<Machine>(reliable: true)
        #expect(harness.step(.start) == [.sendRequest, .startTimer(.F, after: .seconds(32))])
        harness.runTimers()
        #expect(harness.count(.sendRequest) == 1)
        #expect(harness.firings.map(\.timer) == [.F])
        #expect(harness.firings.last?.actions == [.timedOut, .terminated])
        #expect(harness.endedCleanly)
    }

    /// Completed absorbs every retransmitted response for Timer K (T4).
    @Test func completedAbsorbsRetransmissionsUntilTimerK() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        harness.fireNext()
        harness.step(.response(200))
        for status in [200, 200, 180, 404] {
            #expect(harness.step(.response(status)) == [])
        }
        harness.runTimers()
        #expect(harness.firings.map(\.timer) == [.E, .K])
        #expect(harness.firings.last?.at == .seconds(5.5))
        #expect(harness.count(.deliverResponse) == 1)
        #expect(harness.endedCleanly)
    }

    // MARK: every path, step by step

    static let started = TxExpect(.start, [
        .sendRequest, .startTimer(.E, after: .milliseconds(500)), .startTimer(.F, after: .seconds(32)),
    ])

    static let scenarios: [TxScenario<Machine>] = [
        TxScenario(name: "1xx, 200, retransmissions absorbed, Timer K", steps: [
            started,
            TxExpect(.response(100), [.deliverResponse(status: 100)]),
            TxExpect(.response(180), [.deliverResponse(status: 180)]),
            TxExpect(.fire(.E), [.sendRequest, .startTimer(.E, after: .seconds(4))]),
            TxExpect(.response(200), [.cancelTimer(.E), .cancelTimer(.F), .deliverResponse(status: 200),
                                    .startTimer(.K, after: .seconds(5))]),
            TxExpect(.response(200), []),
            TxExpect(.response(180), []),
            TxExpect(.response(404), []),
            TxExpect(.transportError, []),
            TxExpect(.fire(.E), []),
            TxExpect(.fire(.F), []),
            TxExpect(.fire(.K), [.terminated]),
            TxExpect(.response(200), []),
        ], end: .terminated),
        TxScenario(name: "404 in Trying", steps: [
            started,
            TxExpect(.response(404), [.cancelTimer(.E), .cancelTimer(.F), .deliverResponse(status: 404),
                                    .startTimer(.K, after: .seconds(5))]),
            TxExpect(.fire(.K), [.terminated]),
        ], end: .terminated),
        TxScenario(name: "Timer F in Proceeding", steps: [
            started,
            TxExpect(.response(100), [.deliverResponse(status: 100)]),
            TxExpect(.fire(.F), [.cancelTimer(.E), .timedOut, .terminated]),
            TxExpect(.fire(.F), []),
            TxExpect(.response(200), []),
        ], end: .terminated),
        TxScenario(name: "transport error in Trying", steps: [
            started,
            TxExpect(.transportError, [.cancelTimer(.E), .cancelTimer(.F), .transportError, .terminated]),
            TxExpect(.transportError, []),
        ], end: .terminated),
        TxScenario(name: "transport error in Proceeding", steps: [
            started,
            TxExpect(.response(100), [.deliverResponse(status: 100)]),
            TxExpect(.transportError, [.cancelTimer(.E), .cancelTimer(.F), .transportError, .terminated]),
        ], end: .terminated),
        TxScenario(name: "reliable: 1xx, 200, no Timer K", reliable: true, steps: [
            TxExpect(.start, [.sendRequest, .startTimer(.F, after: .seconds(32))]),
            TxExpect(.response(100), [.deliverResponse(status: 100)]),
            TxExpect(.response(200), [.cancelTimer(.F), .deliverResponse(status: 200), .terminated]),
            TxExpect(.response(200), []),
        ], end: .terminated),
        TxScenario(name: "T4 2 s: Timer K is T4", timers: SIPTimers(t4: .seconds(2)), steps: [
            started,
            TxExpect(.response(503), [.cancelTimer(.E), .cancelTimer(.F), .deliverResponse(status: 503),
                                    .startTimer(.K, after: .seconds(2))]),
        ], end: .completed),
        TxScenario(name: "nothing before start", steps: [
            TxExpect(.response(200), []),
            TxExpect(.fire(.E), []),
            TxExpect(.fire(.F), []),
            TxExpect(.transportError, []),
            started,
            TxExpect(.start, []),
        ], end: .trying),
        TxScenario(name: "status codes outside 100...699 ignored", steps: [
            started,
            TxExpect(.response(0), []),
            TxExpect(.response(99), []),
            TxExpect(.response(700), []),
            TxExpect(.response(-1), []),
        ], end: .trying),
        TxScenario(name: "timers it never armed are ignored", steps: [
            started,
            TxExpect(.fire(.K), []),
            TxExpect(.fire(.A), []),
            TxExpect(.fire(.B), []),
            TxExpect(.fire(.J), []),
        ], end: .trying),
    ]

    @Test(arguments: scenarios)
    func path(_ scenario: TxScenario<Machine>) {
        scenario.play()
    }
}

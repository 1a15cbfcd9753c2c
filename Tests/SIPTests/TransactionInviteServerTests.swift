import Testing
@testable import SIP

/// RFC 3261 17.2.1 with RFC 6026 (and the 2xx retransmission of 13.3.1.4):
/// the INVITE server transaction.
@Suite struct TransactionInviteServerTests {
    typealias Machine = InviteServerTransaction

    /// G with the defaults: 0.5, 1, 2, 4, then every 4 s (T2).
    static let cappedG = ([0.5, 1, 2] + Array(repeating: 4, count: 8)).map { Duration.seconds($0) }
    /// Its firings before 32 s: 10 retransmissions.
    static let cappedGFirings = [0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5].map { Duration.seconds($0) }

    // MARK: 2xx: Accepted

    /// Without an ACK the 2xx is retransmitted on G (capped at T2) until
    /// Timer L, which reports noACK once (the TU sends BYE).
    @Test func unacknowledged2xxIsRetransmittedUntilTimerL() {
        var harness = TxHarness<Machine>()
        #expect(harness.step(.start) == [.sendTrying, .deliverRequest])
        #expect(harness.step(.response(200)) == [
            .sendResponse, .startTimer(.G, after: .milliseconds(500)), .startTimer(.L, after: .seconds(32)),
        ])
        harness.runTimers()

        #expect(harness.driver.durations(of: .G) == Self.cappedG)
        #expect(harness.firingTimes(of: .sendResponse) == Self.cappedGFirings)
        #expect(harness.firings.last?.timer == .L)
        #expect(harness.firings.last?.at == .seconds(32))
        #expect(harness.firings.last?.actions == [.cancelTimer(.G), .noACK, .terminated])
        #expect(harness.count(.noACK) == 1)
        #expect(harness.endedCleanly)
    }

    /// The first ACK stops the retransmission and goes up to the TU; later
    /// ACKs and INVITEs are absorbed until L ends the transaction quietly.
    @Test func ackStops2xxRetransmission() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        harness.step(.response(180))
        harness.step(.response(200))
        harness.fireNext()
        harness.fireNext()
        #expect(harness.step(.ack) == [.cancelTimer(.G), .deliverACK])
        #expect(harness.machine.acknowledged)
        for step in [TxEvent.ack, .retransmission, .ack, .response(180), .response(486)] {
            #expect(harness.step(step) == [], "\(step)")
        }
        harness.runTimers()
        #expect(harness.firings.map(\.timer) == [.G, .G, .L])
        #expect(harness.firings.last?.actions == [.terminated])
        #expect(harness.count(.sendResponse) == 4)
        #expect(harness.count(.deliverACK) == 1)
        #expect(harness.count(.noACK) == 0)
        #expect(harness.endedCleanly)
    }

    /// RFC 3261 13.3.1.4: the 2xx is retransmitted even when this hop is
    /// reliable, because hops beyond may not be.
    @Test func reliableTransportStillRetransmits2xx() {
        var harness = TxHarness<Machine>(reliable: true)
        harness.step(.start)
        #expect(harness.step(.response(200)) == [
            .sendResponse, .startTimer(.G, after: .milliseconds(500)), .startTimer(.L, after: .seconds(32)),
        ])
        harness.runTimers()
        #expect(harness.firingTimes(of: .sendResponse) == Self.cappedGFirings)
        #expect(harness.count(.noACK) == 1)
        #expect(harness.endedCleanly)
    }

    // MARK: 300-699: Completed, Confirmed

    /// Without an ACK the final response is retransmitted on G (capped at
    /// T2) until Timer H, which reports noACK (the transaction failure of 17.2.1).
    @Test func unacknowledgedFailureIsRetransmittedUntilTimerH() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        #expect(harness.step(.response(486)) == [
            .sendResponse, .startTimer(.G, after: .milliseconds(500)), .startTimer(.H, after: .seconds(32)),
        ])
        harness.runTimers()

        #expect(harness.driver.durations(of: .G) == Self.cappedG)
        #expect(harness.firingTimes(of: .sendResponse) == Self.cappedGFirings)
        #expect(harness.firings.last?.timer == .H)
        #expect(harness.firings.last?.actions == [.cancelTimer(.G), .noACK, .terminated])
        #expect(harness.count(.noACK) == 1)
        #expect(harness.endedCleanly)
    }

    /// The ACK of a non-2xx belongs to the transaction: absorbed, never
    /// delivered; Confirmed absorbs more ACKs for Timer I (T4).
    @Test func ackOfFailureIsAbsorbedInConfirmed() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        harness.step(.response(486))
        harness.fireNext()
        #expect(harness.step(.retransmission) == [.sendResponse])
        #expect(harness.step(.ack) == [.cancelTimer(.G), .cancelTimer(.H), .startTimer(.I, after: .seconds(5))])
        #expect(harness.machine.state == .confirmed)
        for step in [TxEvent.ack, .ack, .retransmission, .response(200), .transportError] {
            #expect(harness.step(step) == [], "\(step)")
        }
        harness.runTimers()
        #expect(harness.firings.map(\.timer) == [.G, .I])
        #expect(harness.firings.last?.at == .seconds(5.5))
        #expect(harness.count(.deliverACK) == 0)
        #expect(harness.endedCleanly)
    }

    struct Schedule: Sendable, CustomTestStringConvertible {
        var timers: SIPTimers
        var status: Int
        var intervals: [Duration]
        var end: TransactionTimer
        var endAt: Duration
        var testDescription: String { "\(status), T1 \(timers.t1), T2 \(timers.t2)" }
    }

    @Test(arguments: [
        Schedule(timers: SIPTimers(t2: .seconds(1)), status: 200,
                 intervals: ([0.5] + Array(repeating: 1, count: 32)).map { Duration.seconds($0) },
                 end: .L, endAt: .seconds(32)),
        Schedule(timers: SIPTimers(t1: .milliseconds(250), t2: .seconds(2)), status: 404,
                 intervals: ([250, 500, 1000] + Array(repeating: 2000, count: 8)).map { Duration.milliseconds($0) },
                 end: .H, endAt: .seconds(16)),
        Schedule(timers: SIPTimers(t1: .seconds(1), t2: .seconds(4)), status: 200,
                 intervals: ([1, 2] + Array(repeating: 4, count: 16)).map { Duration.seconds($0) },
                 end: .L, endAt: .seconds(64)),
    ])
    func customTimersMoveTheSchedule(_ schedule: Schedule) {
        var harness = TxHarness<Machine>(timers: schedule.timers)
        harness.step(.start)
        harness.step(.response(schedule.status))
        harness.runTimers()
        #expect(harness.driver.durations(of: .G) == schedule.intervals)
        #expect(harness.firings.last?.timer == schedule.end)
        #expect(harness.firings.last?.at == schedule.endAt)
        #expect(harness.count(.noACK) == 1)
        #expect(harness.endedCleanly)
    }

    // MARK: every path, step by step

    static let started = TxExpect(.start, [.sendTrying, .deliverRequest])
    static let accepted = TxExpect(.response(200), [
        .sendResponse, .startTimer(.G, after: .milliseconds(500)), .startTimer(.L, after: .seconds(32)),
    ])
    static let completed = TxExpect(.response(486), [
        .sendResponse, .startTimer(.G, after: .milliseconds(500)), .startTimer(.H, after: .seconds(32)),
    ])

    static let scenarios: [TxScenario<Machine>] = [
        TxScenario(name: "Proceeding re-sends the 100, then the TU's last provisional", steps: [
            started,
            TxExpect(.retransmission, [.sendTrying]),
            TxExpect(.ack, []),
            TxExpect(.response(180), [.sendResponse]),
            TxExpect(.retransmission, [.sendResponse]),
            TxExpect(.response(183), [.sendResponse]),
            TxExpect(.retransmission, [.sendResponse]),
            TxExpect(.fire(.G), []),
            TxExpect(.fire(.H), []),
        ], end: .proceeding),
        TxScenario(name: "2xx, G, ACK, absorbed ACK and INVITE, L", steps: [
            started,
            TxExpect(.response(180), [.sendResponse]),
            accepted,
            TxExpect(.fire(.G), [.sendResponse, .startTimer(.G, after: .seconds(1))]),
            TxExpect(.retransmission, []),
            TxExpect(.response(180), []),
            TxExpect(.response(486), []),
            TxExpect(.response(200), [.sendResponse]),
            TxExpect(.ack, [.cancelTimer(.G), .deliverACK]),
            TxExpect(.ack, []),
            TxExpect(.fire(.G), []),
            TxExpect(.fire(.L), [.terminated]),
            TxExpect(.ack, []),
            TxExpect(.retransmission, []),
        ], end: .terminated),
        TxScenario(name: "2xx, no ACK, Timer L", steps: [
            started,
            accepted,
            TxExpect(.fire(.L), [.cancelTimer(.G), .noACK, .terminated]),
        ], end: .terminated),
        TxScenario(name: "2xx, transport error stops G, L reports noACK", steps: [
            started,
            accepted,
            TxExpect(.transportError, [.cancelTimer(.G), .transportError]),
            TxExpect(.retransmission, []),
            TxExpect(.fire(.L), [.noACK, .terminated]),
        ], end: .terminated),
        TxScenario(name: "2xx, transport error, then ACK", steps: [
            started,
            accepted,
            TxExpect(.transportError, [.cancelTimer(.G), .transportError]),
            TxExpect(.ack, [.deliverACK]),
            TxExpect(.fire(.L), [.terminated]),
        ], end: .terminated),
        TxScenario(name: "486, G, retransmitted INVITE, ACK, Timer I", steps: [
            started,
            completed,
            TxExpect(.fire(.G), [.sendResponse, .startTimer(.G, after: .seconds(1))]),
            TxExpect(.fire(.G), [.sendResponse, .startTimer(.G, after: .seconds(2))]),
            TxExpect(.retransmission, [.sendResponse]),
            TxExpect(.response(200), []),
            TxExpect(.response(180), []),
            TxExpect(.response(500), []),
            TxExpect(.ack, [.cancelTimer(.G), .cancelTimer(.H), .startTimer(.I, after: .seconds(5))]),
            TxExpect(.ack, []),
            TxExpect(.retransmission, []),
            TxExpect(.transportError, []),
            TxExpect(.fire(.H), []),
            TxExpect(.fire(.I), [.terminated]),
        ], end: .terminated),
        TxScenario(name: "486, no ACK, Timer H", steps: [
            started,
            completed,
            TxExpect(.fire(.H), [.cancelTimer(.G), .noACK, .terminated]),
            TxExpect(.ack, []),
        ], end: .terminated),
        TxScenario(name: "486, transport error", steps: [
            started,
            completed,
            TxExpect(.transportError, [.cancelTimer(.G), .cancelTimer(.H), .transportError, .terminated]),
        ], end: .terminated),
        TxScenario(name: "transport error in Proceeding", steps: [
            started,
            TxExpect(.response(180), [.sendResponse]),
            TxExpect(.transportError, [.transportError, .terminated]),
            TxExpect(.response(200), []),
        ], end: .terminated),
        TxScenario(name: "reliable: 486 has no G, the ACK ends it (I is zero)", reliable: true, steps: [
            started,
            TxExpect(.response(486), [.sendResponse, .startTimer(.H, after: .seconds(32))]),
            TxExpect(.retransmission, [.sendResponse]),
            TxExpect(.ack, [.cancelTimer(.H), .terminated]),
            TxExpect(.ack, []),
        ], end: .terminated),
        TxScenario(name: "reliable: 486 and Timer H", reliable: true, steps: [
            started,
            TxExpect(.response(603), [.sendResponse, .startTimer(.H, after: .seconds(32))]),
            TxExpect(.fire(.H), [.noACK, .terminated]),
        ], end: .terminated),
        TxScenario(name: "T1 1 s, T4 2 s: H, I", timers: SIPTimers(t1: .seconds(1), t4: .seconds(2)), steps: [
            started,
            TxExpect(.response(404), [.sendResponse, .startTimer(.G, after: .seconds(1)), .startTimer(.H, after: .seconds(64))]),
            TxExpect(.ack, [.cancelTimer(.G), .cancelTimer(.H), .startTimer(.I, after: .seconds(2))]),
        ], end: .confirmed),
        TxScenario(name: "T1 100 ms: L", timers: SIPTimers(t1: .milliseconds(100)), steps: [
            started,
            TxExpect(.response(200), [.sendResponse, .startTimer(.G, after: .milliseconds(100)),
                                    .startTimer(.L, after: .milliseconds(6400))]),
        ], end: .accepted),
        TxScenario(name: "nothing before start", steps: [
            TxExpect(.retransmission, []),
            TxExpect(.ack, []),
            TxExpect(.response(200), []),
            TxExpect(.response(486), []),
            TxExpect(.fire(.G), []),
            TxExpect(.fire(.L), []),
            TxExpect(.transportError, []),
            started,
            TxExpect(.start, []),
        ], end: .proceeding),
        TxScenario(name: "status codes outside 100...699 ignored", steps: [
            started,
            TxExpect(.response(0), []),
            TxExpect(.response(99), []),
            TxExpect(.response(700), []),
            TxExpect(.retransmission, [.sendTrying]),
        ], end: .proceeding),
    ]

    @Test(arguments: scenarios)
    func path(_ scenario: TxScenario<Machine>) {
        scenario.play()
    }

    @Test func lastResponseIsWhatSendResponseSends() {
        var machine = Machine()
        _ = machine.start()
        #expect(machine.lastResponse == nil)
        _ = machine.send(response: 180)
        #expect(machine.lastResponse == 180)
        _ = machine.send(response: 486)
        #expect(machine.lastResponse == 486)
        _ = machine.send(response: 200)
        #expect(machine.lastResponse == 486)
    }
}

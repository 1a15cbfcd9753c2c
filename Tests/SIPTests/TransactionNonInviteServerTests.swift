import Testing
@testable import SIP

/// RFC 3261 17.2.2: the non-INVITE server transaction.
@Suite struct TransactionNonInviteServerTests {
    typealias Machine = NonInviteServerTransaction

    /// Completed answers retransmitted requests with the final response for
    /// Timer J (64*T1), then ends.
    @Test func completedAnswersRetransmissionsUntilTimerJ() {
        var harness = TxHarness<Machine>()
        harness.step(.start)
        #expect(harness.step(.response(200)) == [.sendResponse, .startTimer(.J, after: .seconds(32))])
        for _ in 0..<4 {
            #expect(harness.step(.retransmission) == [.sendResponse])
        }
        harness.runTimers()
        #expect(harness.firings.map(\.timer) == [.J])
        #expect(harness.firings.map(\.at) == [.seconds(32)])
        #expect(harness.count(.sendResponse) == 5)
        #expect(harness.count(.deliverRequest) == 1)
        #expect(harness.endedCleanly)
    }

    static let started = TxExpect(.start, [.deliverRequest])

    static let scenarios: [TxScenario<Machine>] = [
        TxScenario(name: "Trying absorbs, Proceeding and Completed answer, Timer J", steps: [
            started,
            TxExpect(.retransmission, []),
            TxExpect(.transportError, []),
            TxExpect(.response(100), [.sendResponse]),
            TxExpect(.retransmission, [.sendResponse]),
            TxExpect(.response(180), [.sendResponse]),
            TxExpect(.response(200), [.sendResponse, .startTimer(.J, after: .seconds(32))]),
            TxExpect(.retransmission, [.sendResponse]),
            TxExpect(.response(500), []),
            TxExpect(.response(180), []),
            TxExpect(.fire(.J), [.terminated]),
            TxExpect(.retransmission, []),
            TxExpect(.response(200), []),
        ], end: .terminated),
        TxScenario(name: "final response from Trying", steps: [
            started,
            TxExpect(.response(404), [.sendResponse, .startTimer(.J, after: .seconds(32))]),
            TxExpect(.fire(.J), [.terminated]),
        ], end: .terminated),
        TxScenario(name: "transport error in Proceeding", steps: [
            started,
            TxExpect(.response(100), [.sendResponse]),
            TxExpect(.transportError, [.transportError, .terminated]),
            TxExpect(.response(200), []),
        ], end: .terminated),
        TxScenario(name: "transport error in Completed", steps: [
            started,
            TxExpect(.response(481), [.sendResponse, .startTimer(.J, after: .seconds(32))]),
            TxExpect(.transportError, [.cancelTimer(.J), .transportError, .terminated]),
            TxExpect(.fire(.J), []),
        ], end: .terminated),
        TxScenario(name: "reliable: Timer J is zero", reliable: true, steps: [
            started,
            TxExpect(.response(100), [.sendResponse]),
            TxExpect(.response(200), [.sendResponse, .terminated]),
            TxExpect(.retransmission, []),
        ], end: .terminated),
        TxScenario(name: "T1 2 s: Timer J is 64*T1", timers: SIPTimers(t1: .seconds(2), t2: .seconds(4)), steps: [
            started,
            TxExpect(.response(202), [.sendResponse, .startTimer(.J, after: .seconds(128))]),
        ], end: .completed),
        TxScenario(name: "Trying and Proceeding wait for the TU", steps: [
            started,
            TxExpect(.fire(.J), []),
            TxExpect(.fire(.F), []),
            TxExpect(.response(183), [.sendResponse]),
            TxExpect(.fire(.J), []),
        ], end: .proceeding),
        TxScenario(name: "nothing before start", steps: [
            TxExpect(.retransmission, []),
            TxExpect(.response(200), []),
            TxExpect(.fire(.J), []),
            TxExpect(.transportError, []),
            started,
            TxExpect(.start, []),
        ], end: .trying),
        TxScenario(name: "status codes outside 100...699 ignored", steps: [
            started,
            TxExpect(.response(0), []),
            TxExpect(.response(99), []),
            TxExpect(.response(700), []),
        ], end: .trying),
    ]

    @Test(arguments: scenarios)
    func path(_ scenario: TxScenario<Machine>) {
        scenario.play()
    }

    @Test func lastResponseIsWhatSendResponseSends() {
        var machine = Machine()
        _ = machine.start()
        #expect(machine.lastResponse == nil)
        _ = machine.send(response: 100)
        #expect(machine.lastResponse == 100)
        _ = machine.send(response: 200)
        #expect(machine.lastResponse == 200)
        _ = machine.send(response: 500)
        #expect(machine.lastResponse == 200)
    }
}

import Testing
@testable import SIP

/// SIPTimers: T1, T2, T4 and the timers derived from them (RFC 3261 Appendix
/// A, RFC 6026).
@Suite struct TransactionTimersTests {
    struct Derived: Sendable, CustomTestStringConvertible {
        var timers: SIPTimers
        /// A, B, D, E, F, G, H, I, J, K, L, M.
        var values: [Duration]
        var testDescription: String { "T1 \(timers.t1), T2 \(timers.t2), T4 \(timers.t4)" }
    }

    @Test(arguments: [
        Derived(timers: .default, values: [
            .milliseconds(500), .seconds(32), .seconds(32), .milliseconds(500), .seconds(32), .milliseconds(500),
            .seconds(32), .seconds(5), .seconds(32), .seconds(5), .seconds(32), .seconds(32),
        ]),
        // D never drops below 32 s.
        Derived(timers: SIPTimers(t1: .milliseconds(100), t2: .seconds(1), t4: .seconds(2)), values: [
            .milliseconds(100), .milliseconds(6400), .seconds(32), .milliseconds(100), .milliseconds(6400),
            .milliseconds(100), .milliseconds(6400), .seconds(2), .milliseconds(6400), .seconds(2),
            .milliseconds(6400), .milliseconds(6400),
        ]),
        // D follows 64*T1 above 32 s, so it outlasts the server's Timer H.
        Derived(timers: SIPTimers(t1: .seconds(1), t2: .seconds(8), t4: .seconds(10)), values: [
            .seconds(1), .seconds(64), .seconds(64), .seconds(1), .seconds(64), .seconds(1),
            .seconds(64), .seconds(10), .seconds(64), .seconds(10), .seconds(64), .seconds(64),
        ]),
    ])
    func derivedTimers(_ row: Derived) {
        let t = row.timers
        #expect([t.timerA, t.timerB, t.timerD, t.timerE, t.timerF, t.timerG,
                  t.timerH, t.timerI, t.timerJ, t.timerK, t.timerL, t.timerM] == row.values)
        #expect(t.transactionTimeout == t.t1 * 64)
    }

    @Test func defaultsAreRFC3261() {
        #expect(SIPTimers() == SIPTimers(t1: .milliseconds(500), t2: .seconds(4), t4: .seconds(5)))
        #expect(SIPTimers.default == SIPTimers())
        var timers = SIPTimers.default
        timers.t1 = .seconds(1)
        #expect(timers.timerB == .seconds(64))
    }

    @Test(arguments: [
        (Duration.milliseconds(500), Duration.seconds(1)),
        (.seconds(1), .seconds(2)),
        (.seconds(2), .seconds(4)),
        (.seconds(3), .seconds(4)),
        (.seconds(4), .seconds(4)),
    ])
    func backoffDoublesUpToT2(_ interval: Duration, _ next: Duration) {
        #expect(SIPTimers.default.backoff(interval) == next)
    }
}

/// The SIP timer base values T1, T2, T4 and the transaction timers derived
/// from them (RFC 3261 17.1.1.1, 17.1.2.2, 17.2.1, 17.2.2 and the timer
/// table in Appendix A; Timers L and M from RFC 6026 7.1 / 7.2).
///
/// The derived values are those for an unreliable transport (UDP). Over a
/// reliable transport the machines do not start A, E, or the G of a non-2xx
/// final response, and they treat D, I, J and K as zero: they go straight to
/// `terminated` instead of starting a zero-length timer.
///
/// T1 must be positive and T2 at least T1: a zero T1 would make every
/// retransmission timer fire at once, for ever.
public struct SIPTimers: Sendable, Hashable {
    /// T1, the round-trip time estimate (default 500 ms, RFC 3261 17.1.1.1).
    /// The first retransmission interval, and 64*T1 is every transaction timeout.
    public var t1: Duration
    /// T2, the longest retransmission interval for non-INVITE requests and
    /// INVITE responses (default 4 s, RFC 3261 17.1.2.2).
    public var t2: Duration
    /// T4, the longest time a message stays in the network (default 5 s,
    /// RFC 3261 17.1.2.2).
    public var t4: Duration

    public init(t1: Duration = .milliseconds(500), t2: Duration = .seconds(4), t4: Duration = .seconds(5)) {
        self.t1 = t1
        self.t2 = t2
        self.t4 = t4
    }

    /// The RFC 3261 defaults: T1 500 ms, T2 4 s, T4 5 s.
    public static let `default` = SIPTimers()

    /// 64*T1: Timers B, F, H, J, L and M (32 s with the defaults).
    public var transactionTimeout: Duration { t1 * 64 }

    /// Timer A, the first INVITE request retransmission interval: T1, then
    /// doubled at every firing without a cap (RFC 3261 17.1.1.2).
    public var timerA: Duration { t1 }
    /// Timer B, the INVITE transaction timeout: 64*T1 (RFC 3261 17.1.1.2).
    public var timerB: Duration { transactionTimeout }
    /// Timer D, the wait for response retransmissions after a non-2xx final
    /// response to an INVITE: "at least 32 s" (RFC 3261 17.1.1.2), here
    /// max(32 s, 64*T1) so that it outlasts the server's Timer H whatever T1.
    public var timerD: Duration { max(.seconds(32), transactionTimeout) }
    /// Timer E, the first non-INVITE request retransmission interval: T1,
    /// then doubled up to T2 (RFC 3261 17.1.2.2).
    public var timerE: Duration { t1 }
    /// Timer F, the non-INVITE transaction timeout: 64*T1 (RFC 3261 17.1.2.2).
    public var timerF: Duration { transactionTimeout }
    /// Timer G, the first INVITE final response retransmission interval: T1,
    /// then doubled up to T2 (RFC 3261 17.2.1, 13.3.1.4).
    public var timerG: Duration { t1 }
    /// Timer H, the wait for the ACK of a non-2xx final response: 64*T1
    /// (RFC 3261 17.2.1).
    public var timerH: Duration { transactionTimeout }
    /// Timer I, the wait for ACK retransmissions: T4 (RFC 3261 17.2.1).
    public var timerI: Duration { t4 }
    /// Timer J, the wait for non-INVITE request retransmissions: 64*T1
    /// (RFC 3261 17.2.2).
    public var timerJ: Duration { transactionTimeout }
    /// Timer K, the wait for non-INVITE response retransmissions: T4
    /// (RFC 3261 17.1.2.2).
    public var timerK: Duration { t4 }
    /// Timer L, the life of an INVITE server transaction after a 2xx: 64*T1
    /// (RFC 6026 7.1).
    public var timerL: Duration { transactionTimeout }
    /// Timer M, the life of an INVITE client transaction after a 2xx: 64*T1
    /// (RFC 6026 7.2).
    public var timerM: Duration { transactionTimeout }

    /// The interval after `interval` for the retransmissions capped at T2
    /// (E, G): twice as long, but no longer than T2 (RFC 3261 17.1.2.2, 17.2.1).
    func backoff(_ interval: Duration) -> Duration {
        min(interval * 2, t2)
    }
}

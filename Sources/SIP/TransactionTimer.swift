/// The transaction timers of RFC 3261 17 (and L, M of RFC 6026). The
/// machines ask for them with ``TransactionAction/startTimer(_:after:)`` and
/// ``TransactionAction/cancelTimer(_:)``; the owner runs them and calls the
/// machine's `timerFired(_:)` when one expires. A machine runs at most one
/// timer of each name at a time. The durations are in ``SIPTimers``.
public enum TransactionTimer: Sendable, Hashable, CaseIterable {
    /// INVITE client: request retransmission, T1 doubling (UDP only; 17.1.1.2).
    case A
    /// INVITE client: transaction timeout in Calling, 64*T1 (17.1.1.2).
    case B
    /// INVITE client: wait for retransmitted non-2xx finals in Completed (17.1.1.2).
    case D
    /// Non-INVITE client: request retransmission, T1 doubling to T2 (UDP only; 17.1.2.2).
    case E
    /// Non-INVITE client: transaction timeout, 64*T1 (17.1.2.2).
    case F
    /// INVITE server: final response retransmission, T1 doubling to T2 (17.2.1, 13.3.1.4).
    case G
    /// INVITE server: wait for the ACK of a non-2xx final, 64*T1 (17.2.1).
    case H
    /// INVITE server: absorb ACK retransmissions in Confirmed, T4 (17.2.1).
    case I
    /// Non-INVITE server: absorb request retransmissions in Completed, 64*T1 (17.2.2).
    case J
    /// Non-INVITE client: absorb response retransmissions in Completed, T4 (17.1.2.2).
    case K
    /// INVITE server: life in Accepted after a 2xx, 64*T1 (RFC 6026 7.1).
    case L
    /// INVITE client: life in Accepted after a 2xx, 64*T1 (RFC 6026 7.2).
    case M
}

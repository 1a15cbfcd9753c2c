/// What a transaction machine asks its owner to do. The owner performs the
/// actions in order: the owner holds the messages (the request, the last
/// response) and the sockets; the machines only decide.
///
/// Order within one returned list: timers cancelled first, then what goes
/// on the wire, then what goes up to the TU, then timers started, and
/// ``terminated`` always last.
public enum TransactionAction: Sendable, Hashable {
    /// Client: (re)transmit the stored request (RFC 3261 17.1.1.2, 17.1.2.2).
    case sendRequest
    /// INVITE client: build and send the ACK for the non-2xx final response
    /// just received (RFC 3261 17.1.1.3): same Request-URI, Call-ID, From,
    /// CSeq number and top Via as the INVITE, To from the response, method
    /// ACK. Sent again for every retransmission of that response.
    case sendACK
    /// INVITE server: send the 100 (Trying) built from the request (RFC 3261
    /// 17.2.1, 8.2.6): at once when the INVITE arrives, and again for a
    /// retransmitted INVITE until the TU has given a response.
    case sendTrying
    /// Server: (re)transmit the last response the TU gave (RFC 3261 17.2.1, 17.2.2).
    case sendResponse
    /// Arm `timer` to fire after the duration; an armed timer of that name is
    /// replaced (the machines never do it: they cancel or wait for the firing).
    case startTimer(TransactionTimer, after: Duration)
    /// Disarm `timer`; it must not fire afterwards. A late firing is harmless:
    /// the machines ignore timers they have not armed.
    case cancelTimer(TransactionTimer)
    /// Client: pass the response with this status up to the TU.
    case deliverResponse(status: Int)
    /// Server: pass the request up to the TU (only the first copy; RFC 3261
    /// 17.2.1, 17.2.2).
    case deliverRequest
    /// INVITE server in Accepted: pass the ACK of the 2xx up to the TU (the
    /// first one only; RFC 6026 8.7).
    case deliverACK
    /// Client: Timer B or F fired without a final response; the TU acts as if
    /// a 408 (Request Timeout) had arrived (RFC 3261 8.1.3.1, 17.1.1.2, 17.1.2.2).
    case timedOut
    /// A send this transaction asked for failed; the TU is told (RFC 3261
    /// 17.1.4, 17.2.4). Usually followed by ``terminated``.
    case transportError
    /// INVITE server: no ACK came for the final response. After Timer L (2xx)
    /// the TU should end the dialog with a BYE (RFC 3261 13.3.1.4); after
    /// Timer H (non-2xx) it is the "transaction failure" of RFC 3261 17.2.1.
    case noACK
    /// The transaction is over: remove it (its timers are already cancelled).
    case terminated
}

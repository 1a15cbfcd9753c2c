/// The INVITE server transaction (RFC 3261 17.2.1, with the Accepted state of
/// RFC 6026 7.1) as a pure state machine: each event returns the actions for
/// the owner. The owner keeps the INVITE and the last response the TU gave,
/// runs the timers and calls ``timerFired(_:)``.
///
/// ```
///                               start()
///                               sendTrying, deliverRequest
///                                    |
///                                    v
///         INVITE             +------------+  1xx from TU
///         sendTrying or +----|            |----+ sendResponse
///         sendResponse  |    | Proceeding |    |
///         (last 1xx)    +--->|            |<---+
///                            +------------+
///                             |   |     |
///      transport error:       |   |     | 2xx from TU
///      transportError         |   |     | sendResponse, start G, L
///   +-------------------------+   |     +--------------------+
///   |         300-699 from TU     |                          |
///   |         sendResponse,       |                          v
///   |         start G (UDP), H    v                   +------------+
///   |   INVITE, Timer G    +-----------+              |            |  INVITE: absorbed
///   |   sendResponse,  +---|           |              |  Accepted  |  Timer G: sendResponse,
///   |   G = min(2G,T2) |   | Completed |              |            |    G = min(2G, T2)
///   |                  +-->|           |              |            |  first ACK: cancel G,
///   |                      +-----------+              |            |    deliverACK
///   |                       |        |                +------------+  later ACKs: absorbed
///   |   Timer H: noACK      |        | ACK                   |        2xx from TU: sendResponse
///   |   transport error:    |        | cancel G, H,          |        transport error:
///   |   transportError      |        | start I               |          cancel G, transportError
///   |                       |        v                       |
///   |                       |  +-----------+                 | Timer L
///   |                       |  | Confirmed |  ACK, INVITE:   | noACK first if
///   |                       |  |           |  absorbed       | no ACK came
///   |                       |  +-----------+                 |
///   |                       |        | Timer I               |
///   |                       |        | (0: reliable)         |
///   v                       v        v                       v
///  +---------------------------------------------------------------+
///  |                           Terminated                          |
///  +---------------------------------------------------------------+
/// ```
///
/// - ``start()`` means "the INVITE arrived": the owner sends the 100
///   (Trying) at once (``TransactionAction/sendTrying``; RFC 3261 17.2.1
///   allows skipping it only if the TU answers within 200 ms) and passes the
///   INVITE to the TU. A retransmitted INVITE in Proceeding re-sends the
///   last provisional: the 100 until the TU has given one of its own.
/// - A 300-699 from the TU is retransmitted on Timer G (T1 doubling up to
///   T2, UDP only) until the ACK, which this machine absorbs (it is part of
///   the transaction, 17.1.1.3). No ACK within Timer H (64*T1) is the
///   "transaction failure" of 17.2.1: ``TransactionAction/noACK``, then the
///   end. After the ACK, Confirmed absorbs ACK retransmissions for Timer I
///   (T4 over UDP; zero, so an immediate end, over a reliable transport).
/// - A 2xx from the TU moves to Accepted (RFC 6026) for Timer L (64*T1).
///   Here, unlike RFC 3261, the 2xx retransmission that 13.3.1.4 gives to the
///   UAS core is done by this machine on Timer G (T1 doubling up to T2) until
///   the first ACK; as 13.3.1.4 says, also over a reliable transport (the
///   hops beyond may be UDP). The first ACK goes up to the TU
///   (``TransactionAction/deliverACK``), later ones are absorbed; a further
///   2xx from the TU is sent. Timer L without an ACK reports
///   ``TransactionAction/noACK`` (the TU should send BYE), then the end.
/// - A transport error ends Proceeding and Completed; in Accepted (RFC 6026
///   Figure 7) it only tells the TU and stops the 2xx retransmission, and the
///   machine stays until Timer L.
/// - Any event that does not apply in the current state returns `[]`, and
///   so does every event after ``State-swift.enum/terminated``.
public struct InviteServerTransaction: Sendable, Hashable {
    /// The states of Figure 7 (RFC 3261 17.2.1, as amended by RFC 6026).
    public enum State: Sendable, Hashable {
        /// Created, ``start()`` not yet called.
        case idle
        /// The INVITE was passed to the TU; no final response yet.
        case proceeding
        /// A 300-699 was sent; retransmitting it until the ACK.
        case completed
        /// The ACK of the 300-699 came; absorbing ACK retransmissions.
        case confirmed
        /// A 2xx was sent; retransmitting it until the ACK, absorbing INVITEs.
        case accepted
        /// Over; the owner removes it.
        case terminated
    }

    public let timers: SIPTimers
    /// True over TCP/TLS/SCTP: no Timer G for a 300-699, Timer I zero.
    public let reliable: Bool
    public private(set) var state: State = .idle
    /// The status of the last response the TU gave (what ``TransactionAction/sendResponse``
    /// sends); nil until the TU gives one.
    public private(set) var lastResponse: Int?
    /// True once an ACK arrived (for the 300-699 in Completed, or the 2xx in Accepted).
    public private(set) var acknowledged = false
    private var armed = TransactionTimerSet()
    /// The duration Timer G was last started with.
    private var intervalG: Duration = .zero

    public init(timers: SIPTimers = .default, reliable: Bool = false) {
        self.timers = timers
        self.reliable = reliable
    }

    public var isTerminated: Bool { state == .terminated }

    /// The INVITE arrived (a new server transaction, 17.2.1): send 100
    /// (Trying) now and pass the INVITE to the TU; enter Proceeding.
    public mutating func start() -> [TransactionAction] {
        guard state == .idle else { return [] }
        state = .proceeding
        return [.sendTrying, .deliverRequest]
    }

    /// A retransmission of the INVITE arrived (matched by the owner, 17.2.3).
    /// Proceeding: re-send the last provisional (the 100 if the TU gave none);
    /// Completed: re-send the final response; Accepted, Confirmed: absorbed.
    public mutating func receiveRetransmission() -> [TransactionAction] {
        switch state {
        case .proceeding:
            return lastResponse == nil ? [.sendTrying] : [.sendResponse]
        case .completed:
            return [.sendResponse]
        default:
            return []
        }
    }

    /// The TU gives a response with this status; the owner stores it as the
    /// last response before performing the actions.
    public mutating func send(response status: Int) -> [TransactionAction] {
        guard let kind = TransactionResponseClass(status: status) else { return [] }
        switch (state, kind) {
        case (.proceeding, .provisional):
            lastResponse = status
            return [.sendResponse]

        case (.proceeding, .success):
            state = .accepted
            lastResponse = status
            intervalG = timers.timerG
            return [
                .sendResponse,
                armed.start(.G, after: intervalG),
                armed.start(.L, after: timers.timerL),
            ]
        case (.accepted, .success):
            lastResponse = status
            return [.sendResponse]

        case (.proceeding, .failure):
            state = .completed
            lastResponse = status
            var actions: [TransactionAction] = [.sendResponse]
            if !reliable {
                intervalG = timers.timerG
                actions.append(armed.start(.G, after: intervalG))
            }
            actions.append(armed.start(.H, after: timers.timerH))
            return actions

        default:
            // A second final response, a provisional after a final, anything
            // before start() or after the end: discarded.
            return []
        }
    }

    /// An ACK matching this transaction arrived (17.2.3; for a 2xx the owner
    /// matches it by dialog and CSeq, as its branch differs).
    public mutating func receiveACK() -> [TransactionAction] {
        switch state {
        case .completed:
            state = .confirmed
            acknowledged = true
            let actions = armed.cancel(.G, .H)
            if reliable {
                return actions + terminate()
            }
            return actions + [armed.start(.I, after: timers.timerI)]
        case .accepted where !acknowledged:
            acknowledged = true
            return armed.cancel(.G) + [.deliverACK]
        default:
            return []
        }
    }

    /// A timer this machine armed fired. Timers it has not armed (cancelled,
    /// already fired) are ignored.
    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard armed.fire(timer) else { return [] }
        switch (state, timer) {
        case (.completed, .G), (.accepted, .G):
            intervalG = timers.backoff(intervalG)
            return [.sendResponse, armed.start(.G, after: intervalG)]
        case (.completed, .H):
            return terminate(reporting: .noACK)
        case (.confirmed, .I):
            return terminate()
        case (.accepted, .L):
            return terminate(reporting: acknowledged ? nil : .noACK)
        default:
            return []
        }
    }

    /// Sending a response failed (17.2.4): tell the TU. Proceeding and
    /// Completed terminate; Accepted stops retransmitting the 2xx and stays
    /// until Timer L (RFC 6026 Figure 7).
    public mutating func transportError() -> [TransactionAction] {
        switch state {
        case .proceeding, .completed:
            return terminate(reporting: .transportError)
        case .accepted:
            return armed.cancel(.G) + [.transportError]
        default:
            return []
        }
    }

    private mutating func terminate(reporting report: TransactionAction? = nil) -> [TransactionAction] {
        state = .terminated
        return armed.cancelAll() + (report.map { [$0] } ?? []) + [.terminated]
    }
}

/// The non-INVITE server transaction (RFC 3261 17.2.2) as a pure state
/// machine: each event returns the actions for the owner. The owner keeps
/// the request and the last response the TU gave, runs the timer and calls
/// ``timerFired(_:)``.
///
/// ```
///                              start()
///                              deliverRequest
///                                   |
///                                   v
///         request            +------------+
///         absorbed      +----|            |
///                       |    |   Trying   |
///                       +--->|            |
///                            +------------+
///                             |          | 1xx from TU
///             200-699 from TU |          | sendResponse
///             sendResponse,   |          v
///             start J         |    +------------+  request, 1xx from TU
///                             |    |            |----+ sendResponse
///                             |    | Proceeding |    |
///                             |    |            |<---+
///                             |    +------------+
///                             |      |         |
///                             |      |         | transport error:
///                             |      |         | transportError
///                             |      | 200-699 from TU
///                             |      | sendResponse, start J
///                             v      v         |
///         request      +-----------+           |
///         sendResponse |           |           |
///         final from   | Completed |           |
///         TU: dropped  |           |           |
///                      +-----------+           |
///                       |        |             |
///      transport error: |        | Timer J     |
///      transportError   |        | (0: reliable)
///                       v        v             v
///                      +-------------------------+
///                      |        Terminated       |
///                      +-------------------------+
/// ```
///
/// - ``start()`` means "the request arrived": pass it to the TU. There is no
///   timer in Trying or Proceeding: the TU must answer (a non-INVITE client
///   gives up after 64*T1).
/// - Retransmitted requests are absorbed in Trying and answered with the
///   last response in Proceeding and Completed.
/// - The first final response (200-699) from the TU is sent and Completed
///   absorbs request retransmissions for Timer J (64*T1 over UDP; zero, so an
///   immediate end, over a reliable transport). Later responses from the TU
///   are discarded.
/// - Any event that does not apply in the current state returns `[]`, and
///   so does every event after ``State-swift.enum/terminated``.
public struct NonInviteServerTransaction: Sendable, Hashable {
    /// The states of Figure 8 (RFC 3261 17.2.2).
    public enum State: Sendable, Hashable {
        /// Created, ``start()`` not yet called.
        case idle
        /// The request was passed to the TU; no response yet.
        case trying
        /// The TU gave a provisional response.
        case proceeding
        /// The TU gave a final response; absorbing request retransmissions.
        case completed
        /// Over; the owner removes it.
        case terminated
    }

    public let timers: SIPTimers
    /// True over TCP/TLS/SCTP: Timer J zero.
    public let reliable: Bool
    public private(set) var state: State = .idle
    /// The status of the last response the TU gave (what ``TransactionAction/sendResponse``
    /// sends); nil until the TU gives one.
    public private(set) var lastResponse: Int?
    private var armed = TransactionTimerSet()

    public init(timers: SIPTimers = .default, reliable: Bool = false) {
        self.timers = timers
        self.reliable = reliable
    }

    public var isTerminated: Bool { state == .terminated }

    /// The request arrived (a new server transaction, 17.2.2): pass it to the
    /// TU; enter Trying.
    public mutating func start() -> [TransactionAction] {
        guard state == .idle else { return [] }
        state = .trying
        return [.deliverRequest]
    }

    /// A retransmission of the request arrived (matched by the owner, 17.2.3):
    /// absorbed in Trying, answered with the last response afterwards.
    public mutating func receiveRetransmission() -> [TransactionAction] {
        switch state {
        case .proceeding, .completed:
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
        case (.trying, .provisional), (.proceeding, .provisional):
            state = .proceeding
            lastResponse = status
            return [.sendResponse]
        case (.trying, .success), (.trying, .failure), (.proceeding, .success), (.proceeding, .failure):
            state = .completed
            lastResponse = status
            if reliable {
                return [.sendResponse] + terminate()
            }
            return [.sendResponse, armed.start(.J, after: timers.timerJ)]
        default:
            // Responses after the final one, anything before start() or
            // after the end: discarded.
            return []
        }
    }

    /// A timer this machine armed fired. Timers it has not armed (cancelled,
    /// already fired) are ignored.
    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard armed.fire(timer) else { return [] }
        switch (state, timer) {
        case (.completed, .J):
            return terminate()
        default:
            return []
        }
    }

    /// Sending a response failed (17.2.4): tell the TU and terminate.
    /// Applies in Proceeding and Completed, where this machine sends.
    public mutating func transportError() -> [TransactionAction] {
        switch state {
        case .proceeding, .completed:
            return terminate(reporting: .transportError)
        default:
            return []
        }
    }

    private mutating func terminate(reporting report: TransactionAction? = nil) -> [TransactionAction] {
        state = .terminated
        return armed.cancelAll() + (report.map { [$0] } ?? []) + [.terminated]
    }
}

/// The non-INVITE client transaction (RFC 3261 17.1.2) as a pure state
/// machine: each event returns the actions for the owner. The owner keeps
/// the request, runs the timers and calls ``timerFired(_:)``.
///
/// ```
///                           start()
///                           sendRequest, start E (UDP), F
///                                |
///                                v
///      Timer E            +-----------+
///      sendRequest,  +----|           |  Timer F: timedOut
///      E doubled,    |    |  Trying   |  transport error: transportError
///      at most T2    +--->|           |-------------------------------+
///                         +-----------+                               |
///                          |        | 1xx                             |
///                          |        | deliver                         |
///                          |        v                                 |
///      200-699             |  +------------+  Timer E                 |
///      cancel E, F,        |  |            |----+ sendRequest,        |
///      deliver, start K    |  | Proceeding |    | E = T2              |
///                          |  |            |<---+                     |
///                          |  |            |<---+ 1xx deliver         |
///                          |  |            |----+                     |
///                          |  +------------+                          |
///                          |    |  |  Timer F: timedOut               |
///                          |    |  |  transport error: transportError |
///                          |    |  +--------------------------------->|
///                          |    | 200-699: cancel E, F, deliver,      |
///                          |    | start K                             |
///                          v    v                                     |
///      responses    +-----------+                                     |
///      absorbed +---|           |                                     |
///               |   | Completed |                                     |
///               +-->|           |                                     |
///                   +-----------+                                     |
///                          | Timer K (0: reliable)                    |
///                          v                                          |
///                   +---------------------------------+               |
///                   |           Terminated            |<--------------+
///                   +---------------------------------+
/// ```
///
/// - Responses are given by status code; codes outside 100...699 are ignored.
/// - Timer E retransmits at intervals T1, 2*T1, ... capped at T2 while
///   Trying, and every T2 once Proceeding (17.1.2.2): with the defaults
///   0.5, 1, 2, 4, 4, 4 ... s, so 11 transmissions before Timer F at 64*T1.
///   Over a reliable transport there is no Timer E.
/// - Timer F (64*T1) times the transaction out in Trying and Proceeding:
///   ``TransactionAction/timedOut`` once, then ``TransactionAction/terminated``.
/// - The first final response (200-699) goes up to the TU; Completed then
///   absorbs its retransmissions for Timer K (T4 over UDP; zero, so an
///   immediate end, over a reliable transport).
/// - Any event that does not apply in the current state returns `[]`, and
///   so does every event after ``State-swift.enum/terminated``.
public struct NonInviteClientTransaction: Sendable, Hashable {
    /// The states of Figure 6 (RFC 3261 17.1.2.2).
    public enum State: Sendable, Hashable {
        /// Created, ``start()`` not yet called.
        case idle
        /// The request was sent; no response yet.
        case trying
        /// A provisional response arrived.
        case proceeding
        /// A final response arrived; absorbing its retransmissions.
        case completed
        /// Over; the owner removes it.
        case terminated
    }

    public let timers: SIPTimers
    /// True over TCP/TLS/SCTP: no Timer E, Timer K zero.
    public let reliable: Bool
    public private(set) var state: State = .idle
    private var armed = TransactionTimerSet()
    /// The duration Timer E was last started with.
    private var intervalE: Duration = .zero

    public init(timers: SIPTimers = .default, reliable: Bool = false) {
        self.timers = timers
        self.reliable = reliable
    }

    public var isTerminated: Bool { state == .terminated }

    /// The TU hands over the request: send it, arm E (unreliable transports
    /// only) at T1 and F at 64*T1; enter Trying (17.1.2.2).
    public mutating func start() -> [TransactionAction] {
        guard state == .idle else { return [] }
        state = .trying
        var actions: [TransactionAction] = [.sendRequest]
        if !reliable {
            intervalE = timers.timerE
            actions.append(armed.start(.E, after: intervalE))
        }
        actions.append(armed.start(.F, after: timers.timerF))
        return actions
    }

    /// A response to the request arrived (already matched to this
    /// transaction by the owner, 17.1.3); `status` is its status code.
    public mutating func receive(response status: Int) -> [TransactionAction] {
        guard let kind = TransactionResponseClass(status: status) else { return [] }
        switch (state, kind) {
        case (.trying, .provisional):
            state = .proceeding
            return [.deliverResponse(status: status)]
        case (.proceeding, .provisional):
            return [.deliverResponse(status: status)]
        case (.trying, .success), (.trying, .failure), (.proceeding, .success), (.proceeding, .failure):
            state = .completed
            let actions = armed.cancel(.E, .F) + [.deliverResponse(status: status)]
            if reliable {
                return actions + terminate()
            }
            return actions + [armed.start(.K, after: timers.timerK)]
        default:
            // Retransmissions absorbed in Completed; nothing before start()
            // or after the end.
            return []
        }
    }

    /// A timer this machine armed fired. Timers it has not armed (cancelled,
    /// already fired) are ignored.
    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard armed.fire(timer) else { return [] }
        switch (state, timer) {
        case (.trying, .E):
            intervalE = timers.backoff(intervalE)
            return [.sendRequest, armed.start(.E, after: intervalE)]
        case (.proceeding, .E):
            intervalE = timers.t2
            return [.sendRequest, armed.start(.E, after: intervalE)]
        case (.trying, .F), (.proceeding, .F):
            return terminate(reporting: .timedOut)
        case (.completed, .K):
            return terminate()
        default:
            return []
        }
    }

    /// Sending the request failed (17.1.4): tell the TU and terminate.
    /// Applies in Trying and Proceeding, where this machine sends.
    public mutating func transportError() -> [TransactionAction] {
        switch state {
        case .trying, .proceeding:
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

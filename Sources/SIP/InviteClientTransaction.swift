/// The INVITE client transaction (RFC 3261 17.1.1, with the Accepted state of
/// RFC 6026 7.2) as a pure state machine: each event returns the actions for
/// the owner (send, deliver to the TU, arm or disarm a timer, remove the
/// transaction). No messages, no clock: the owner keeps the INVITE, builds
/// the ACK, runs the timers and calls ``timerFired(_:)``.
///
/// ```
///                           start()
///                           sendRequest, start A (UDP), B
///                                |
///                                v
///      Timer A            +-----------+  Timer B: timedOut
///      sendRequest,  +----|           |  transport error: transportError
///      A doubled     |    |  Calling  |-------------------------------+
///                    +--->|           |-----------+                   |
///                         +-----------+           |                   |
///                          |        | 1xx         |                   |
///                          |        | deliver     |                   |
///                          |        v             |                   |
///                          |  +------------+      | 2xx               |
///                  300-699 |  |            |<--+  | deliver, start M  |
///                 sendACK, |  | Proceeding |   | 1xx                  |
///                 deliver, |  |            |---+ deliver              |
///                  start D |  +------------+      |                   |
///                          |    |        | 2xx    |                   |
///                  300-699 |    |        | deliver, start M           |
///                          v    v        v        v                   |
///      300-699      +-----------+      +-----------+   2xx            |
///      sendACK +----|           |      |           |----+ deliver     |
///              |    | Completed |      | Accepted  |    |             |
///              +--->|           |      |           |<---+             |
///                   +-----------+      +-----------+                  |
///   transport error: |     | Timer D         | Timer M                |
///   transportError   |     | (0: reliable)   |                        |
///                    v     v                 v                        |
///                   +---------------------------------+               |
///                   |           Terminated            |<--------------+
///                   +---------------------------------+
/// ```
///
/// - Responses are given by status code; codes outside 100...699 are ignored.
/// - Timer A retransmits at T1, 2*T1, 4*T1, ... (intervals double with no
///   T2 cap, 17.1.1.2) until the first response or Timer B (64*T1): with the
///   defaults 7 transmissions, at 0, 0.5, 1.5, 3.5, 7.5, 15.5 and 31.5 s.
/// - A provisional response stops A and B (B times out Calling only, 17.1.1.2).
///   From Proceeding only a final response or ``abandon()`` ends the
///   transaction: the TU's CANCEL rules (RFC 3261 9.1) bound that wait.
/// - A 2xx goes up to the TU and so do its retransmissions (and 2xx from
///   other forks) while in Accepted, for 64*T1 (Timer M): the TU (the UAC
///   core, 13.2.2.4) sends the ACK for each, not this machine.
/// - A 300-699 is ACKed here (17.1.1.3) and delivered once; retransmissions
///   of it in Completed are ACKed again and not delivered. Completed lasts
///   Timer D (max(32 s, 64*T1)) over UDP; over a reliable transport D is
///   zero and the machine terminates at once.
/// - Any event that does not apply in the current state returns `[]`, and
///   so does every event after ``State-swift.enum/terminated``.
public struct InviteClientTransaction: Sendable, Hashable {
    /// The states of Figure 5 (RFC 3261 17.1.1.2, as amended by RFC 6026).
    public enum State: Sendable, Hashable {
        /// Created, ``start()`` not yet called.
        case idle
        /// The INVITE was sent; no response yet.
        case calling
        /// A provisional response arrived.
        case proceeding
        /// A 300-699 arrived and was ACKed; absorbing its retransmissions.
        case completed
        /// A 2xx arrived; passing 2xx retransmissions to the TU (RFC 6026).
        case accepted
        /// Over; the owner removes it.
        case terminated
    }

    public let timers: SIPTimers
    /// True over TCP/TLS/SCTP: no Timer A, Timer D zero.
    public let reliable: Bool
    public private(set) var state: State = .idle
    private var armed = TransactionTimerSet()
    /// The duration Timer A was last started with.
    private var intervalA: Duration = .zero

    public init(timers: SIPTimers = .default, reliable: Bool = false) {
        self.timers = timers
        self.reliable = reliable
    }

    public var isTerminated: Bool { state == .terminated }

    /// The TU hands over the INVITE: send it, arm A (unreliable transports
    /// only) at T1 and B at 64*T1; enter Calling (17.1.1.2).
    public mutating func start() -> [TransactionAction] {
        guard state == .idle else { return [] }
        state = .calling
        var actions: [TransactionAction] = [.sendRequest]
        if !reliable {
            intervalA = timers.timerA
            actions.append(armed.start(.A, after: intervalA))
        }
        actions.append(armed.start(.B, after: timers.timerB))
        return actions
    }

    /// A response to the INVITE arrived (already matched to this transaction
    /// by the owner, 17.1.3); `status` is its status code.
    public mutating func receive(response status: Int) -> [TransactionAction] {
        guard let kind = TransactionResponseClass(status: status) else { return [] }
        switch (state, kind) {
        case (.calling, .provisional):
            state = .proceeding
            return armed.cancel(.A, .B) + [.deliverResponse(status: status)]
        case (.proceeding, .provisional):
            return [.deliverResponse(status: status)]

        case (.calling, .success), (.proceeding, .success):
            state = .accepted
            return armed.cancel(.A, .B) + [
                .deliverResponse(status: status),
                armed.start(.M, after: timers.timerM),
            ]
        case (.accepted, .success):
            return [.deliverResponse(status: status)]

        case (.calling, .failure), (.proceeding, .failure):
            state = .completed
            let actions = armed.cancel(.A, .B) + [.sendACK, .deliverResponse(status: status)]
            if reliable {
                return actions + terminate()
            }
            return actions + [armed.start(.D, after: timers.timerD)]
        case (.completed, .failure):
            return [.sendACK]

        default:
            // Provisionals after a final, 2xx in Completed, non-2xx in
            // Accepted, anything before start() or after the end.
            return []
        }
    }

    /// A timer this machine armed fired. Timers it has not armed (cancelled,
    /// already fired) are ignored.
    public mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        guard armed.fire(timer) else { return [] }
        switch (state, timer) {
        case (.calling, .A):
            intervalA = intervalA * 2
            return [.sendRequest, armed.start(.A, after: intervalA)]
        case (.calling, .B):
            return terminate(reporting: .timedOut)
        case (.completed, .D), (.accepted, .M):
            return terminate()
        default:
            return []
        }
    }

    /// Sending the INVITE or an ACK failed (17.1.4): tell the TU and
    /// terminate. Applies in Calling and Completed, where this machine sends.
    public mutating func transportError() -> [TransactionAction] {
        switch state {
        case .calling, .completed:
            return terminate(reporting: .transportError)
        default:
            return []
        }
    }

    /// The TU gives up before a final response: typically 64*T1 after its
    /// CANCEL drew no final response to the INVITE (RFC 3261 9.1), or at
    /// shutdown. Applies in Calling and Proceeding; the timers are cancelled.
    public mutating func abandon() -> [TransactionAction] {
        switch state {
        case .calling, .proceeding:
            return terminate()
        default:
            return []
        }
    }

    private mutating func terminate(reporting report: TransactionAction? = nil) -> [TransactionAction] {
        state = .terminated
        return armed.cancelAll() + (report.map { [$0] } ?? []) + [.terminated]
    }
}

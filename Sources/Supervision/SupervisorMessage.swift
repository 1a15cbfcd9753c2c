/// A message in a supervisor's mailbox. Every state change goes through it, one at a time.
enum SupervisorMessage: Sendable {
    /// A monitor saw instance `generation` of `child` end.
    case exited(child: String, generation: UInt64, reason: ExitReason)
    /// Start `child` again (OTP's `try_again_restart`). `counted`: the restart was already
    /// recorded against the intensity (a backoff-delayed restart); otherwise it is recorded now.
    case retry(child: String, token: UInt64, counted: Bool)
    case call(SupervisorCall)
}

/// A request from the public API, answered through its continuation.
enum SupervisorCall: Sendable {
    case startDynamic(CheckedContinuation<String, any Error>)
    case startStatic(ChildSpec, CheckedContinuation<String, any Error>)
    case terminate(String, CheckedContinuation<Void, any Error>)
    case restart(String, CheckedContinuation<Void, any Error>)
    case delete(String, CheckedContinuation<Void, any Error>)
    case stop(Shutdown, CheckedContinuation<Void, Never>)
    case barrier(CheckedContinuation<Void, Never>)

    /// Answers a call that arrives after the supervisor ended.
    func reject() {
        switch self {
        case .startDynamic(let reply), .startStatic(_, let reply): reply.resume(throwing: SupervisionError.notRunning)
        case .terminate(_, let reply), .restart(_, let reply), .delete(_, let reply):
            reply.resume(throwing: SupervisionError.notRunning)
        case .stop(_, let reply), .barrier(let reply): reply.resume()
        }
    }
}

/// A FIFO of messages with its depth visible (Swift actors hide their queue; Erlang shows it).
struct MessageQueue: Sendable {
    private var front: [SupervisorMessage] = []
    private var back: [SupervisorMessage] = []

    var count: Int { front.count + back.count }

    mutating func append(_ message: SupervisorMessage) { back.append(message) }

    mutating func popFirst() -> SupervisorMessage? {
        if front.isEmpty {
            front = back.reversed()
            back.removeAll(keepingCapacity: true)
        }
        return front.popLast()
    }
}

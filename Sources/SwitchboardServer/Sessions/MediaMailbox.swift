import Synchronization
import WorkerPorts

/// What the session manager hears from the worker pools: a worker (re)started
/// (its streams must be re-opened on it) or a worker sent an event (stream
/// stats). An explicit, bounded mailbox, as OTP would show it: its depth is
/// a metric and, when full, the oldest notices are dropped (stats are
/// periodic; a lost one is replaced by the next).
final class MediaMailbox: Sendable {
    enum Notice: Sendable {
        case workerStarted(pool: String, worker: String, port: WorkerPort)
        /// `at`: when the event was read from the worker's pipe (not when the
        /// manager got to it), so stats are dated by when they were true.
        case workerEvent(worker: String, code: UInt8, payload: [UInt8], at: ContinuousClock.Instant)
    }

    let notices: AsyncStream<Notice>
    private let continuation: AsyncStream<Notice>.Continuation
    private let pending = Atomic<Int>(0)
    let limit: Int

    init(limit: Int = 8192) {
        self.limit = limit
        (notices, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(limit))
    }

    func post(_ notice: Notice) {
        pending.add(1, ordering: .relaxed)
        continuation.yield(notice)
    }

    /// Called by the consumer for each notice taken.
    func took() { pending.subtract(1, ordering: .relaxed) }

    /// Notices posted and not yet taken (dropped ones included until the
    /// next take, so an overflow shows as a depth at the limit).
    var depth: Int { min(limit, pending.load(ordering: .relaxed)) }

    /// Routes a worker's events here.
    var eventHandler: @Sendable (String, UInt8, [UInt8]) -> Void {
        { [self] worker, code, payload in post(.workerEvent(worker: worker, code: code, payload: payload, at: .now)) }
    }

    func finish() { continuation.finish() }
}

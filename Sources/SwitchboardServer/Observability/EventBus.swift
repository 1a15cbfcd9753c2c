import Foundation
import Synchronization

/// One event of `/v1/events`: session, worker, supervisor and edge events.
public struct SwitchboardEvent: Sendable, Codable, Hashable {
    /// Dotted, past tense: `worker.started`, `worker.exited`,
    /// `worker.restarted`, `supervisor.gave_up`, `pool.scaled`.
    public var type: String
    public var time: Date
    public var fields: [String: String]
    public var sequence: UInt64

    public init(type: String, time: Date = Date(), fields: [String: String], sequence: UInt64 = 0) {
        self.type = type
        self.time = time
        self.fields = fields
        self.sequence = sequence
    }
}

/// Fan-out of events to subscribers. Each subscriber has a bounded buffer
/// (the newest `bufferLimit` events are kept); a slow subscriber loses its
/// oldest events, never slows the publisher.
public final class EventBus: Sendable {
    private struct State {
        var sequence: UInt64 = 0
        var subscribers: [UInt64: AsyncStream<SwitchboardEvent>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
        /// The last `historyLimit` events, a ring: `recent[next]` is the oldest once full.
        var recent: [SwitchboardEvent] = []
        var next = 0
    }
    private let state = Mutex(State())
    public let bufferLimit: Int
    /// Events kept for late readers (`recent`).
    public let historyLimit: Int

    public init(bufferLimit: Int = 1024, historyLimit: Int = 256) {
        self.bufferLimit = bufferLimit
        self.historyLimit = historyLimit
    }

    public func publish(_ type: String, _ fields: [String: String]) {
        let time = Date()
        state.withLock { s in
            s.sequence += 1
            let event = SwitchboardEvent(type: type, time: time, fields: fields, sequence: s.sequence)
            if s.recent.count < historyLimit {
                s.recent.append(event)
            } else if historyLimit > 0 {
                s.recent[s.next] = event  // overwrite the oldest (no shifting of the whole history)
                s.next = (s.next + 1) % historyLimit
            }
            for c in s.subscribers.values { c.yield(event) }
        }
    }

    /// The last events, oldest first.
    public var recent: [SwitchboardEvent] {
        state.withLock { s in Array(s.recent[s.next...] + s.recent[..<s.next]) }
    }

    /// A stream of events from now on; ends when the consumer stops iterating.
    public func subscribe() -> AsyncStream<SwitchboardEvent> {
        let (stream, continuation) = AsyncStream<SwitchboardEvent>.makeStream(bufferingPolicy: .bufferingNewest(bufferLimit))
        let id = state.withLock { s in
            s.nextSubscriber += 1
            s.subscribers[s.nextSubscriber] = continuation
            return s.nextSubscriber
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    /// Ends every subscription (at shutdown).
    public func finishAll() {
        let subs = state.withLock { s in
            defer { s.subscribers = [:] }
            return Array(s.subscribers.values)
        }
        for c in subs { c.finish() }
    }
}

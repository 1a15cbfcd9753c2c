import Synchronization

/// A bounded wait ran out: what was awaited did not happen.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A value guarded by a lock that tests can await conditions on, with a bounded timeout.
/// This is the only synchronisation the tests use: no sleeps.
final class Watched<Value: Sendable>: Sendable {
    private struct Waiter {
        let check: @Sendable (Value) -> Bool
        let cancel: @Sendable () -> Void
    }

    private struct State {
        var value: Value
        var waiters: [Int: Waiter] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state: Mutex<State>

    init(_ value: Value) { state = Mutex(State(value: value)) }

    var value: Value { state.withLock { $0.value } }

    func update(_ body: (inout Value) -> Void) {
        state.withLock { state in
            body(&state.value)
            for (id, waiter) in state.waiters where waiter.check(state.value) {
                state.waiters[id] = nil
            }
        }
    }

    /// Waits until `extract` returns a value, at most `timeout`.
    func wait<Result: Sendable>(
        for what: String,
        timeout: Duration = .seconds(20),
        _ extract: @escaping @Sendable (Value) -> Result?
    ) async throws -> Result {
        try await withThrowingTaskGroup(of: Result.self) { group in
            group.addTask { try await self.waitIndefinitely(extract) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw TimedOut(what: what)
            }
            defer { group.cancelAll() }
            guard let result = try await group.next() else { throw TimedOut(what: what) }
            return result
        }
    }

    private func waitIndefinitely<Result: Sendable>(_ extract: @escaping @Sendable (Value) -> Result?) async throws -> Result {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Error>) in
                state.withLock { state in
                    if let result = extract(state.value) {
                        continuation.resume(returning: result)
                    } else if state.cancelled.remove(id) != nil {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        state.waiters[id] = Waiter(
                            check: { value in
                                guard let result = extract(value) else { return false }
                                continuation.resume(returning: result)
                                return true
                            },
                            cancel: { continuation.resume(throwing: CancellationError()) }
                        )
                    }
                }
            }
        } onCancel: {
            state.withLock { state in
                if let waiter = state.waiters.removeValue(forKey: id) {
                    waiter.cancel()
                } else {
                    state.cancelled.insert(id)
                }
            }
        }
    }
}

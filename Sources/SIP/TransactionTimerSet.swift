/// The timers a machine has armed and not seen fire or cancelled. It keeps
/// each machine's actions consistent with the owner's view: a cancel only
/// for an armed timer, a firing of an unarmed timer (late, stale) ignored,
/// and every armed timer cancelled when the machine terminates.
struct TransactionTimerSet: Sendable, Hashable {
    private var armed: Set<TransactionTimer> = []

    var isEmpty: Bool { armed.isEmpty }

    func contains(_ timer: TransactionTimer) -> Bool {
        armed.contains(timer)
    }

    /// Arms `timer`; the action that tells the owner.
    mutating func start(_ timer: TransactionTimer, after duration: Duration) -> TransactionAction {
        armed.insert(timer)
        return .startTimer(timer, after: duration)
    }

    /// Disarms those of `timers` that are armed, in the order given.
    mutating func cancel(_ timers: TransactionTimer...) -> [TransactionAction] {
        timers.compactMap { armed.remove($0).map { .cancelTimer($0) } }
    }

    /// Disarms every armed timer, in ``TransactionTimer`` declaration order.
    mutating func cancelAll() -> [TransactionAction] {
        let actions = TransactionTimer.allCases.filter(armed.contains).map(TransactionAction.cancelTimer)
        armed.removeAll()
        return actions
    }

    /// Records that `timer` fired; false if it was not armed (to be ignored).
    mutating func fire(_ timer: TransactionTimer) -> Bool {
        armed.remove(timer) != nil
    }
}

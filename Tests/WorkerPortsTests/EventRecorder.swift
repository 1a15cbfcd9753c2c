import Foundation
import SwitchboardTestKit
import Supervision
import Synchronization

/// Collects supervisor events and lets a test await one that matches.
final class EventRecorder: Sendable {
    private let state = Mutex<(events: [SupervisorEvent], waiters: [(id: Int, match: @Sendable (SupervisorEvent) -> Bool, c: CheckedContinuation<Bool, Never>)], next: Int)>(([], [], 0))

    var handler: @Sendable (SupervisorEvent) -> Void {
        { [self] event in
            let ready = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
                s.events.append(event)
                let hits = s.waiters.filter { $0.match(event) }
                s.waiters.removeAll { w in hits.contains { $0.id == w.id } }
                return hits.map(\.c)
            }
            for c in ready { c.resume(returning: true) }
        }
    }

    var events: [SupervisorEvent] { state.withLock { $0.events } }

    /// Waits until `count` events match (counting those already seen), at most `timeout`.
    func wait(for count: Int = 1, timeout: Duration = .seconds(20), _ match: @escaping @Sendable (SupervisorEvent) -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while state.withLock({ $0.events.filter(match).count }) < count {
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw TimedOut(what: "\(count) matching supervisor events; saw \(events)") }
            _ = await withTaskGroup(of: Bool.self) { group in
                let id = state.withLock { s in s.next += 1; return s.next }
                group.addTask {
                    await withCheckedContinuation { c in
                        let already = self.state.withLock { s -> Bool in
                            s.waiters.append((id, match, c))
                            return false
                        }
                        _ = already
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: min(remaining, .milliseconds(200)))
                    let c = self.state.withLock { s -> CheckedContinuation<Bool, Never>? in
                        guard let i = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return s.waiters.remove(at: i).c
                    }
                    c?.resume(returning: false)
                    return false
                }
                let first = await group.next() ?? false
                group.cancelAll()
                await group.waitForAll()
                return first
            }
        }
    }
}

extension SupervisorEvent {
    var isRestart: Bool { if case .childRestarted = self { true } else { false } }
    func isRestart(of child: String) -> Bool {
        if case let .childRestarted(_, c, _, _) = self { return c == child }
        return false
    }
    func isExit(of child: String) -> Bool {
        if case let .childExited(_, c, _) = self { return c == child }
        return false
    }
    var isGiveUp: Bool { if case .gaveUp = self { true } else { false } }
}

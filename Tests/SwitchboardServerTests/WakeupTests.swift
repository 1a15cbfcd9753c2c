import Testing
@testable import SwitchboardServer

@Suite("Wakeup and AsyncLock")
struct WakeupTests {
    @Test("a signal before the wait is kept; a wait without a signal ends at its timeout; cancellation ends it")
    func wakeup() async {
        let w = Wakeup()
        w.signal()
        await w.wait(timeout: .seconds(60))  // returns at once: the pending signal
        await w.wait(timeout: .milliseconds(10))  // no signal: the timeout
        let task = Task { await w.wait(timeout: .seconds(60)) }
        task.cancel()
        await task.value
        // Signals while waiting wake the waiter.
        async let waited: Void = w.wait(timeout: .seconds(60))
        try? await Task.sleep(for: .milliseconds(20))
        w.signal()
        await waited
    }

    @Test("the lock hands over in order and never lets two holders in")
    func lock() async {
        let lock = AsyncLock()
        let log = Log()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    await lock.lock()
                    await log.enter(i)
                    await Task.yield()
                    await log.leave()
                    lock.unlock()
                }
            }
        }
        #expect(await log.maxHolders == 1)
        #expect(await log.entries.count == 20)
    }

    actor Log {
        var holders = 0, maxHolders = 0
        var entries: [Int] = []
        func enter(_ i: Int) { holders += 1; maxHolders = max(maxHolders, holders); entries.append(i) }
        func leave() { holders -= 1 }
    }
}

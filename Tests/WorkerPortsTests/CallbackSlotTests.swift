import Foundation
import Synchronization
import Testing
@testable import WorkerPorts

/// A callback replaced while other threads call it must not get deeper with
/// every call (see ``CallbackSlot``: a function stored as a `Mutex`'s own value
/// gains a re-abstraction thunk on every read).
@Suite("Callback slot")
struct CallbackSlotTests {
    @Test("the 100,000th call is as deep as the first; set and cleared callbacks apply at once")
    func depthStaysFlat() {
        let slot = CallbackSlot<Int>()
        let depths = Mutex<[Int: Int]>([:])
        let calls = Atomic<Int>(0)
        slot.set { n in
            calls.add(1, ordering: .relaxed)
            if n == 1 || n == 100_000 {
                let depth = Thread.callStackSymbols.count
                depths.withLock { $0[n] = depth }
            }
        }
        #expect(slot.isSet)
        for n in 1...100_000 { slot(n) }
        let seen = depths.withLock { $0 }
        #expect(seen[1] != nil && seen[1] == seen[100_000], "call depth at the first and the 100,000th call: \(seen)")
        #expect(calls.load(ordering: .relaxed) == 100_000)

        slot.set(nil)
        slot(7)
        #expect(!slot.isSet && calls.load(ordering: .relaxed) == 100_000, "a cleared slot calls nothing")
    }
}

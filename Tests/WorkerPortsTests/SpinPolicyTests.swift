import Testing
@testable import WorkerPorts

@Suite("Reader spin policy")
struct SpinPolicyTests {
    @Test("spins while frames come within the window, stops when they come further apart, comes back")
    func adapts() {
        var policy = SpinPolicy()
        #expect(policy.worthIt)
        for _ in 0..<20 { policy.waited(10_000, window: 50_000) }
        #expect(policy.worthIt)
        for _ in 0..<20 { policy.waited(200_000, window: 50_000) }
        #expect(!policy.worthIt, "frames 200 us apart: spinning 50 us after each only burns the core")
        for _ in 0..<20 { policy.waited(5_000, window: 50_000) }
        #expect(policy.worthIt, "sleeps that ended within the window bring it back")
    }
}

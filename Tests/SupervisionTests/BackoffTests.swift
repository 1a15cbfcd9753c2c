import Supervision
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test("base delay: min(maximum, initial * multiplier^(n-1))", arguments: [
        (1, 100), (2, 200), (3, 400), (4, 800), (5, 1_000), (6, 1_000), (1_000, 1_000),
    ])
    func baseDelay(_ attempt: Int, _ milliseconds: Int) {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(1), multiplier: 2, jitter: 0)
        #expect(backoff.baseDelay(attempt: attempt) == .milliseconds(milliseconds))
    }

    @Test("jitter scales the delay by 1 - jitter ... 1 + jitter", arguments: [
        (0.0, 150), (0.5, 300), (1.0, 450), (-3.0, 150), (7.0, 450),
    ])
    func jitter(_ unit: Double, _ milliseconds: Int) {
        let backoff = Backoff(initial: .milliseconds(300), maximum: .seconds(1), multiplier: 3, jitter: 0.5)
        let delay = backoff.delay(attempt: 1, unit: unit)
        #expect(abs((delay - .milliseconds(milliseconds)) / .microseconds(1)) < 1)
    }

    @Test("random delays stay within bounds", arguments: [1, 2, 3, 10])
    func bounds(_ attempt: Int) {
        let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2), multiplier: 4, jitter: 0.25)
        let base = backoff.baseDelay(attempt: attempt)
        for _ in 0..<500 {
            let delay = backoff.delay(attempt: attempt)
            #expect(delay >= base * 0.75 && delay <= base * 1.25)
            #expect(delay <= .milliseconds(2_500))
        }
    }

    @Test("multiplier 1 is a constant delay; resetAfter defaults to maximum")
    func constant() {
        let backoff = Backoff(initial: .milliseconds(20), maximum: .seconds(1), multiplier: 1, jitter: 0)
        #expect((1...5).map { backoff.baseDelay(attempt: $0) } == Array(repeating: .milliseconds(20), count: 5))
        #expect(backoff.resetAfter == .seconds(1))
    }
}

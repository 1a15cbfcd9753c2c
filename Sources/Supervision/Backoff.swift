/// An optional delay before restarting a child: exponential, capped, with jitter.
///
/// Not part of OTP, which restarts at once; ``SupervisorFlags/backoff`` is `nil` by default to keep
/// OTP's behaviour. For the n-th consecutive restart of a child the delay is
/// `min(maximum, initial * multiplier^(n-1))`, then scaled by a random factor in
/// `1 - jitter ... 1 + jitter`. A child that ran for at least ``resetAfter`` before exiting starts
/// again from ``initial``. A delayed restart still counts against the restart intensity at once.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration
    public var multiplier: Double
    /// Fraction of the delay, `0...1`, by which it is randomly lengthened or shortened.
    public var jitter: Double
    /// How long a child must have run for its restart count (the exponent) to start over.
    public var resetAfter: Duration

    /// - Parameter resetAfter: `nil` means `maximum`.
    public init(
        initial: Duration = .milliseconds(100),
        maximum: Duration = .seconds(30),
        multiplier: Double = 2,
        jitter: Double = 0.2,
        resetAfter: Duration? = nil
    ) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
        self.resetAfter = resetAfter ?? maximum
    }

    /// The delay before consecutive restart number `attempt` (1-based), without jitter.
    public func baseDelay(attempt: Int) -> Duration {
        let cap = max(0, maximum.seconds)
        var delay = max(0, initial.seconds)
        var step = 1
        while step < attempt, delay < cap {
            delay *= max(1, multiplier)
            step += 1
        }
        return .seconds(min(cap, delay))
    }

    /// The delay before consecutive restart number `attempt`, with jitter chosen by `unit`.
    ///
    /// - Parameter unit: a number in `0...1` (clamped); `0` shortens by the full jitter, `0.5`
    ///   leaves the delay as it is, `1` lengthens by the full jitter.
    public func delay(attempt: Int, unit: Double) -> Duration {
        let spread = min(1, max(0, jitter))
        let u = min(1, max(0, unit))
        let factor = 1 + spread * (2 * u - 1)
        return .seconds(max(0, baseDelay(attempt: attempt).seconds * factor))
    }

    /// The delay before consecutive restart number `attempt`, with random jitter.
    public func delay<Generator: RandomNumberGenerator>(attempt: Int, using generator: inout Generator) -> Duration {
        delay(attempt: attempt, unit: Double.random(in: 0...1, using: &generator))
    }

    /// The delay before consecutive restart number `attempt`, with jitter from the system generator.
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }
}

extension Duration {
    /// This duration in seconds, as a `Double`.
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}

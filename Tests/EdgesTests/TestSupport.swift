import Edges

/// SplitMix64: a tiny seeded generator, so random tests replay exactly.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Virtual time: instants at fixed offsets from one base read once.
enum VirtualTime {
    static let origin = ContinuousClock.Instant.now
    static func at(_ offset: Duration) -> ContinuousClock.Instant { origin + offset }
}

extension Duration {
    /// Seconds as a Double, for printing and bounds.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}

/// `count` heartbeats, one per `interval` (± up to `jitter`, uniform, seeded),
/// starting at `start`; returns the instant of the last one.
@discardableResult
func feed(
    _ detector: inout PhiAccrualDetector, count: Int, every interval: Duration = .seconds(1),
    jitter: Duration = .zero, from start: ContinuousClock.Instant = VirtualTime.origin,
    seed: UInt64 = 1
) -> ContinuousClock.Instant {
    var rng = SeededGenerator(seed: seed)
    let jitterMicros = Int64(jitter.seconds * 1e6)
    var last = start
    for i in 0..<count {
        let nominal = start + interval * i
        let offset = jitterMicros == 0 ? Int64(0) : Int64.random(in: -jitterMicros...jitterMicros, using: &rng)
        last = max(last, nominal + .microseconds(offset))
        detector.heartbeat(at: last)
    }
    return last
}

/// The first instant (1 ms steps, up to `limit`) after `last` at which φ
/// reaches `level`, as a delay from `last`; nil if never.
func crossing(
    _ level: Double, after last: ContinuousClock.Instant, limit: Duration = .seconds(60),
    phi: (ContinuousClock.Instant) -> Double
) -> Duration? {
    var delay = Duration.zero
    while delay <= limit {
        if phi(last + delay) >= level { return delay }
        delay += .milliseconds(1)
    }
    return nil
}

/// Milliseconds with one decimal, for printed figures.
func ms(_ d: Duration?) -> String {
    guard let d else { return "never" }
    let tenths = (d.seconds * 10_000).rounded() / 10
    return "\(tenths) ms"
}

#if canImport(Darwin)
internal import Darwin
#elseif canImport(Glibc)
internal import Glibc
#elseif canImport(Musl)
internal import Musl
#elseif canImport(ucrt)
internal import ucrt
#endif

/// The φ accrual failure detector (Hayashibara et al., 2004) over heartbeat
/// inter-arrival times, in the form Akka and Cassandra use: instead of a
/// yes/no verdict it gives a suspicion level φ that grows continuously while
/// no heartbeat arrives, and the owner compares φ with thresholds.
///
/// Semantics:
///
/// - The detector keeps the last `maxSampleSize` accepted inter-arrival
///   times (a ring buffer with running sums: `heartbeat(at:)` is O(1) and
///   allocates nothing) and models the next arrival as normally distributed
///   with that window's mean plus `acceptableHeartbeatPause`, and standard
///   deviation `max(σ(window), minStdDeviation)`.
/// - `φ(t) = −log₁₀(1 − F(t − last))`, F the normal CDF, through Akka's
///   logistic approximation `F(y) ≈ 1 / (1 + e^(−y(1.5976 + 0.070566 y²)))`,
///   `y = (elapsed − mean) / σ`. φ = 1 means a 10% chance that a heartbeat
///   this late would still come, φ = 8 a 10⁻⁸ chance. It is computed as
///   `softplus(y(1.5976 + 0.070566 y²)) / ln 10`, which is the same value
///   without the cancellation, so φ is finite, ≥ 0 and non-decreasing in t
///   for any input.
/// - Before any heartbeat φ is 0 (an unmanaged connection is healthy, as in
///   Akka). The window starts with two samples, `estimate ∓ estimate/4`
///   (mean `firstHeartbeatEstimate`, σ = estimate/4), which real intervals
///   push out as they arrive.
/// - A heartbeat whose interval made φ reach `threshold` (the first one after
///   a failure) is not added to the window: a long outage would skew the
///   statistics (Akka does the same). A heartbeat at an instant earlier than
///   the last one is ignored. Equal instants add a 0 interval.
///
/// With the defaults and steady 1 s heartbeats, φ reaches 5 about 1.41 s and
/// 8 about 1.52 s after the last heartbeat (σ sits at the 100 ms floor); the
/// `acceptableHeartbeatPause` shifts both by its length.
public struct PhiAccrualDetector: Sendable {
    /// φ at and above which the monitored node is unavailable
    /// (`isAvailable(at:)`); also decides which intervals are recorded.
    public let threshold: Double
    /// How many inter-arrival times the window holds (clamped to `2...65536`).
    public let maxSampleSize: Int
    /// The floor of the standard deviation used for φ: with very regular
    /// heartbeats σ would shrink to ~0 and any small delay would look fatal.
    public let minStdDeviation: Duration
    /// A pause that is tolerated before φ starts rising fast: added to the
    /// mean interval.
    public let acceptableHeartbeatPause: Duration
    /// The assumed interval before any is measured (the heartbeat interval).
    public let firstHeartbeatEstimate: Duration

    /// The instant of the last heartbeat; nil before the first.
    public private(set) var lastHeartbeat: ContinuousClock.Instant?

    private var window: IntervalWindow
    private let pauseMicros: Double
    private let minStdMicros: Double

    /// A detector with no heartbeat yet (φ = 0).
    ///
    /// Negative durations count as zero, a non-finite or negative `threshold`
    /// as 8 (Akka's default); `maxSampleSize` is clamped to `2...65536`.
    public init(
        threshold: Double = 8,
        maxSampleSize: Int = 200,
        minStdDeviation: Duration = .milliseconds(100),
        acceptableHeartbeatPause: Duration = .zero,
        firstHeartbeatEstimate: Duration = .seconds(1)
    ) {
        self.threshold = threshold.isFinite && threshold >= 0 ? threshold : 8
        self.minStdDeviation = max(minStdDeviation, .zero)
        self.acceptableHeartbeatPause = max(acceptableHeartbeatPause, .zero)
        self.firstHeartbeatEstimate = max(firstHeartbeatEstimate, .zero)
        window = IntervalWindow(capacity: maxSampleSize)
        self.maxSampleSize = window.capacity
        pauseMicros = Double(Self.microseconds(self.acceptableHeartbeatPause))
        minStdMicros = Double(Self.microseconds(self.minStdDeviation))
        bootstrap()
    }

    /// Records a heartbeat that arrived at `now`. O(1), allocation-free.
    ///
    /// The first heartbeat only starts the clock. Later ones add
    /// `now − lastHeartbeat` to the window, unless φ had reached `threshold`
    /// by `now` (the first heartbeat after a failure: not recorded, but it
    /// restarts the clock). An instant earlier than `lastHeartbeat` is
    /// ignored.
    public mutating func heartbeat(at now: ContinuousClock.Instant) {
        guard let last = lastHeartbeat else {
            lastHeartbeat = now
            return
        }
        guard now >= last else { return }
        if isAvailable(at: now) {
            window.append(Self.microseconds(now - last))
        }
        lastHeartbeat = now
    }

    /// The suspicion level at `now`: 0 before any heartbeat, otherwise
    /// finite, ≥ 0 and non-decreasing in `now` until the next heartbeat.
    /// An instant before the last heartbeat counts as the last heartbeat.
    public func phi(at now: ContinuousClock.Instant) -> Double {
        guard let last = lastHeartbeat else { return 0 }
        let elapsed = Double(max(Self.microseconds(now - last), 0))
        let deviation = max(window.variance.squareRoot(), minStdMicros, 1)
        return Self.phi(elapsed: elapsed, mean: window.mean + pauseMicros, standardDeviation: deviation)
    }

    /// Whether φ at `now` is below `threshold`.
    public func isAvailable(at now: ContinuousClock.Instant) -> Bool {
        phi(at: now) < threshold
    }

    /// Forgets every heartbeat: back to the state of a new detector.
    public mutating func reset() {
        lastHeartbeat = nil
        window.removeAll()
        bootstrap()
    }

    /// How many intervals the window holds (the two bootstrap samples
    /// included, until real ones push them out).
    public var sampleCount: Int { window.count }

    /// The mean of the window (without `acceptableHeartbeatPause`).
    public var intervalMean: Duration { .microseconds(window.mean) }

    /// The standard deviation of the window (before the `minStdDeviation` floor).
    public var intervalStandardDeviation: Duration { .microseconds(window.variance.squareRoot()) }

    /// The intervals in the window, oldest first (allocates; for inspection).
    public var intervals: [Duration] { window.values.map { .microseconds($0) } }

    /// φ for an arrival `elapsed` after the last one, the intervals having
    /// `mean` and `standardDeviation` (any unit, the same for all three).
    /// Finite and ≥ 0 for any input: NaN counts as 0 elapsed or as the floor
    /// deviation, y is clamped to ±10⁵, σ to ≥ 10⁻⁹.
    public static func phi(elapsed: Double, mean: Double, standardDeviation: Double) -> Double {
        let sigma = standardDeviation.isNaN ? 1e-9 : max(standardDeviation, 1e-9)
        var y = (elapsed - mean) / sigma
        if y.isNaN { y = 0 }
        y = min(max(y, -1e5), 1e5)
        let z = y * (1.5976 + 0.070566 * y * y)
        // −log₁₀(e/(1+e)) with e = exp(−z) is log(1 + exp(z)) / ln 10.
        let softplus = max(z, 0) + log1p(exp(-abs(z)))
        return softplus / 2.302585092994046
    }

    /// Whole microseconds in `duration`, saturating at the `Int64` range.
    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let micros = Int128(seconds) * 1_000_000 + Int128(attoseconds / 1_000_000_000_000)
        return Int64(clamping: micros)
    }

    private mutating func bootstrap() {
        let estimate = Self.microseconds(firstHeartbeatEstimate)
        let deviation = estimate / 4
        window.append(estimate - deviation)
        window.append(estimate + deviation)
    }
}

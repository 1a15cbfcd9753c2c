/// A bounded window of heartbeat inter-arrival times, in whole microseconds:
/// a ring buffer allocated once (at `init`), with running sums so that
/// `append`, `mean` and `variance` are O(1) and allocation-free.
///
/// The sums are exact integers (`Int128`), so they never drift however long
/// the window runs, and the variance (`n·Σx² − (Σx)²) / n²`) is never
/// negative. Samples are clamped to `0...maximumSample` (about 12.7 days) and
/// the capacity to `2...maximumCapacity`, which keeps `n·Σx²` well inside
/// `Int128`.
struct IntervalWindow: Sendable {
    /// The largest sample kept, in microseconds (2^40 µs, about 12.7 days).
    static let maximumSample: Int64 = 1 << 40
    /// The largest capacity accepted (2^16 samples).
    static let maximumCapacity = 1 << 16

    let capacity: Int
    private var samples: [Int64]
    /// Where the next sample goes; when full, also the oldest sample.
    private var next = 0
    private(set) var count = 0
    private(set) var sum: Int128 = 0
    private(set) var squaredSum: Int128 = 0

    /// An empty window of `capacity` samples, clamped to `2...maximumCapacity`.
    init(capacity: Int) {
        self.capacity = min(max(capacity, 2), Self.maximumCapacity)
        samples = [Int64](repeating: 0, count: self.capacity)
    }

    /// Adds a sample (clamped to `0...maximumSample`); when the window is
    /// full the oldest sample leaves it.
    mutating func append(_ microseconds: Int64) {
        let value = min(max(microseconds, 0), Self.maximumSample)
        if count == capacity {
            let old = Int128(samples[next])
            sum -= old
            squaredSum -= old * old
        } else {
            count += 1
        }
        samples[next] = value
        let wide = Int128(value)
        sum += wide
        squaredSum += wide * wide
        next = next + 1 == capacity ? 0 : next + 1
    }

    /// Empties the window (keeps its storage).
    mutating func removeAll() {
        next = 0
        count = 0
        sum = 0
        squaredSum = 0
    }

    /// The mean of the samples, in microseconds; 0 when empty.
    var mean: Double {
        count == 0 ? 0 : Double(sum) / Double(count)
    }

    /// The population variance of the samples, in µs²; 0 when empty.
    var variance: Double {
        guard count > 0 else { return 0 }
        let n = Int128(count)
        return Double(n * squaredSum - sum * sum) / Double(n * n)
    }

    /// The samples, oldest first (for inspection and tests; allocates).
    var values: [Int64] {
        let start = count == capacity ? next : 0
        return (0..<count).map { samples[(start + $0) % capacity] }
    }
}

extension EdgeHealth {
    /// The failure detector's settings, from `edges.heartbeat_interval`,
    /// `edges.phi_suspect` and `edges.phi_dead`.
    ///
    /// Why 5 and 8 with 1 s heartbeats: φ = 8 means a heartbeat this late
    /// would come with probability 10⁻⁸ under the learned distribution (Akka's
    /// default), φ = 5 with 10⁻⁵ (a warning sign, not a verdict). Where those
    /// fall in time is set by the mean (interval + `acceptableHeartbeatPause`)
    /// and σ: with steady heartbeats σ sits at the 100 ms floor, φ = 5 is
    /// mean + 4.1σ and φ = 8 mean + 5.2σ. With the default pause of one
    /// interval (one lost heartbeat is tolerated), that is ~2.41 s to suspect
    /// and ~2.52 s to dead after the last heartbeat: inside the 3 s target and
    /// well under LiveKit's 5 s. Right after registration σ is wider (the
    /// bootstrap window, σ = interval/4), so a brand-new edge that never
    /// reports is dead after ~3.3 s. Because σ is small, suspect is short
    /// (~110 ms): an owner that evaluates less often may see alive -> dead.
    ///
    /// The initializer never fails; it repairs bad values and says what it
    /// did in `adjustments` (one line per repair, naming the config key), so
    /// the caller can log them or refuse to start.
    public struct Configuration: Sendable, Hashable {
        /// The edges' heartbeat period: the detector's first estimate.
        public let heartbeatInterval: Duration
        /// φ at and above which an alive edge becomes suspect; < `deadThreshold`.
        public let suspectThreshold: Double
        /// φ at and above which an edge becomes dead.
        public let deadThreshold: Double
        /// Added to the mean interval before φ is computed.
        public let acceptableHeartbeatPause: Duration
        /// The floor of σ.
        public let minStdDeviation: Duration
        /// The detector's window of intervals.
        public let maxSampleSize: Int
        /// What the initializer repaired; empty when every value was usable.
        public let adjustments: [String]

        /// Settings with these rules:
        /// - `heartbeatInterval` ≤ 0 becomes 1 s;
        /// - a threshold that is not finite or ≤ 0 becomes its default
        ///   (suspect 5, dead 8);
        /// - then, if `suspectThreshold` ≥ `deadThreshold`, suspect becomes
        ///   `deadThreshold × 5/8` (the default ratio), so that suspect is
        ///   always strictly below dead;
        /// - `acceptableHeartbeatPause` nil means one `heartbeatInterval`,
        ///   negative means zero;
        /// - `minStdDeviation` < 0 becomes 0 (σ is still floored at 1 µs);
        ///   `maxSampleSize` is clamped to `2...65536`.
        public init(
            heartbeatInterval: Duration = .seconds(1),
            suspectThreshold: Double = 5,
            deadThreshold: Double = 8,
            acceptableHeartbeatPause: Duration? = nil,
            minStdDeviation: Duration = .milliseconds(100),
            maxSampleSize: Int = 200
        ) {
            var notes: [String] = []
            var interval = heartbeatInterval
            if interval <= .zero {
                notes.append("edges.heartbeat_interval (\(heartbeatInterval)) must be positive: using 1 seconds")
                interval = .seconds(1)
            }
            var dead = deadThreshold
            if !(dead.isFinite && dead > 0) {
                notes.append("edges.phi_dead (\(deadThreshold)) must be a positive number: using 8.0")
                dead = 8
            }
            var suspect = suspectThreshold
            if !(suspect.isFinite && suspect > 0) {
                notes.append("edges.phi_suspect (\(suspectThreshold)) must be a positive number: using 5.0")
                suspect = 5
            }
            if suspect >= dead {
                let repaired = dead * 5 / 8
                notes.append("edges.phi_suspect (\(suspect)) must be below edges.phi_dead (\(dead)): using \(repaired)")
                suspect = repaired
            }
            var pause = acceptableHeartbeatPause ?? interval
            if pause < .zero {
                notes.append("acceptable heartbeat pause (\(pause)) must not be negative: using 0")
                pause = .zero
            }
            var deviation = minStdDeviation
            if deviation < .zero {
                notes.append("minimum standard deviation (\(deviation)) must not be negative: using 0")
                deviation = .zero
            }
            let samples = min(max(maxSampleSize, 2), IntervalWindow.maximumCapacity)
            if samples != maxSampleSize {
                notes.append("sample window (\(maxSampleSize)) must be in 2...\(IntervalWindow.maximumCapacity): using \(samples)")
            }
            self.heartbeatInterval = interval
            self.suspectThreshold = suspect
            self.deadThreshold = dead
            self.acceptableHeartbeatPause = pause
            self.minStdDeviation = deviation
            self.maxSampleSize = samples
            self.adjustments = notes
        }

        /// A fresh detector with these settings (threshold: `deadThreshold`).
        public func makeDetector() -> PhiAccrualDetector {
            PhiAccrualDetector(
                threshold: deadThreshold,
                maxSampleSize: maxSampleSize,
                minStdDeviation: minStdDeviation,
                acceptableHeartbeatPause: acceptableHeartbeatPause,
                firstHeartbeatEstimate: heartbeatInterval
            )
        }
    }
}

import Edges
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Phi accrual detector")
struct PhiAccrualDetectorTests {
    @Test("phi is 0 before any heartbeat, and ~0 at the first one")
    func beforeAndAtFirstHeartbeat() {
        var detector = PhiAccrualDetector()
        #expect(detector.phi(at: VirtualTime.at(.seconds(1000))) == 0)
        #expect(detector.lastHeartbeat == nil)
        #expect(detector.isAvailable(at: VirtualTime.origin))
        detector.heartbeat(at: VirtualTime.origin)
        #expect(detector.lastHeartbeat == VirtualTime.origin)
        #expect(detector.phi(at: VirtualTime.origin) < 1e-4)  // y = -4 with the bootstrap sigma
    }

    @Test("the first heartbeat bootstraps the window: estimate -/+ estimate/4")
    func bootstrap() {
        var detector = PhiAccrualDetector(firstHeartbeatEstimate: .seconds(2))
        #expect(detector.intervals == [.milliseconds(1500), .milliseconds(2500)])
        detector.heartbeat(at: VirtualTime.origin)
        #expect(detector.sampleCount == 2)
        #expect(detector.intervalMean == .seconds(2))
        #expect(detector.intervalStandardDeviation == .milliseconds(500))
        detector.heartbeat(at: VirtualTime.at(.seconds(2)))
        #expect(detector.intervals == [.milliseconds(1500), .milliseconds(2500), .seconds(2)])
    }

    @Test("known values: phi at the mean is log10(2); Akka's two-branch form agrees")
    func knownValues() {
        #expect(abs(PhiAccrualDetector.phi(elapsed: 1000, mean: 1000, standardDeviation: 100) - log10(2.0)) < 1e-12)
        for elapsed in stride(from: 0.0, through: 2500, by: 50) {
            let y = (elapsed - 1000) / 100
            let e = exp(-y * (1.5976 + 0.070566 * y * y))
            let akka = elapsed > 1000 ? -log10(e / (1 + e)) : -log10(1 - 1 / (1 + e))
            let ours = PhiAccrualDetector.phi(elapsed: elapsed, mean: 1000, standardDeviation: 100)
            #expect(abs(ours - akka) <= 1e-9 * max(1, akka), "elapsed \(elapsed)")
        }
    }

    @Test("steady 1 s heartbeats then silence: phi grows monotonically; crossing points with the defaults")
    func silenceAfterSteadyHeartbeats() {
        var detector = PhiAccrualDetector()
        let last = feed(&detector, count: 300)
        var previous = -1.0
        for step in 0...6000 {
            let phi = detector.phi(at: last + .milliseconds(step))
            #expect(phi >= previous && phi.isFinite, "at \(step) ms")
            if phi < 1e12 { #expect(phi > previous, "strictly growing at \(step) ms") }
            previous = phi
        }
        let suspect = crossing(5, after: last) { detector.phi(at: $0) }
        let dead = crossing(8, after: last) { detector.phi(at: $0) }
        print("detector defaults (pause 0), steady 1 s: phi 5 at \(ms(suspect)), phi 8 at \(ms(dead)) after the last heartbeat")
        #expect(suspect.map { $0 > .milliseconds(1300) && $0 < .milliseconds(1500) } == true)
        #expect(dead.map { $0 > .milliseconds(1450) && $0 < .milliseconds(1600) } == true)
    }

    struct CrossingRow: Sendable, CustomTestStringConvertible {
        var name: String
        var pause: Duration
        var jitter: Duration
        var heartbeats: Int
        /// Bounds on the delay from the last heartbeat to phi 8.
        var dead: ClosedRange<Duration>
        var testDescription: String { name }
    }

    static let crossingTable: [CrossingRow] = [
        CrossingRow(name: "pause 0, steady", pause: .zero, jitter: .zero, heartbeats: 300,
                    dead: .milliseconds(1450)...(.milliseconds(1600))),
        CrossingRow(name: "pause 0, jitter 50 ms", pause: .zero, jitter: .milliseconds(50), heartbeats: 300,
                    dead: .milliseconds(1400)...(.milliseconds(1700))),
        CrossingRow(name: "pause 1 s (EdgeHealth default), steady", pause: .seconds(1), jitter: .zero, heartbeats: 300,
                    dead: .seconds(2)...(.seconds(3))),
        CrossingRow(name: "pause 1 s (EdgeHealth default), jitter 50 ms", pause: .seconds(1), jitter: .milliseconds(50),
                    heartbeats: 300, dead: .seconds(2)...(.seconds(3))),
        CrossingRow(name: "pause 1 s, only the bootstrap window (1 heartbeat)", pause: .seconds(1), jitter: .zero,
                    heartbeats: 1, dead: .seconds(3)...(.seconds(4))),
        CrossingRow(name: "pause 1 s, 10 heartbeats", pause: .seconds(1), jitter: .zero, heartbeats: 10,
                    dead: .seconds(2)...(.seconds(3))),
        CrossingRow(name: "pause 3 s (Akka cluster), steady", pause: .seconds(3), jitter: .zero, heartbeats: 300,
                    dead: .seconds(4)...(.seconds(5))),
    ]

    @Test("time from the last heartbeat to phi 5 and phi 8", arguments: crossingTable)
    func crossingPoints(row: CrossingRow) {
        // 20 seeds: the figures printed are the median, min and max.
        var suspects: [Duration] = []
        var deads: [Duration] = []
        for seed in 1...20 as ClosedRange<UInt64> {
            var detector = PhiAccrualDetector(acceptableHeartbeatPause: row.pause)
            let last = feed(&detector, count: row.heartbeats, jitter: row.jitter, seed: seed)
            guard let suspect = crossing(5, after: last, phi: { detector.phi(at: $0) }),
                  let dead = crossing(8, after: last, phi: { detector.phi(at: $0) }) else {
                Issue.record("phi never crossed")
                return
            }
            #expect(suspect < dead)
            #expect(row.dead.contains(dead), "seed \(seed): dead at \(ms(dead))")
            suspects.append(suspect)
            deads.append(dead)
        }
        suspects.sort()
        deads.sort()
        print("\(row.name): phi 5 at \(ms(suspects[10])) (min \(ms(suspects.first)), max \(ms(suspects.last))); "
            + "phi 8 at \(ms(deads[10])) (min \(ms(deads.first)), max \(ms(deads.last)))")
    }

    @Test("jittery heartbeats never look suspicious while they keep coming")
    func jitteryHeartbeats() {
        var detector = PhiAccrualDetector(acceptableHeartbeatPause: .seconds(1))
        var rng = SeededGenerator(seed: 7)
        var now = VirtualTime.origin
        var worst = 0.0
        for _ in 0..<2000 {
            // Intervals between 0.7 s and 1.3 s, some bursts of two at once.
            let gap: Duration = Int.random(in: 0..<20, using: &rng) == 0
                ? .zero : .milliseconds(Int.random(in: 700...1300, using: &rng))
            now += gap
            worst = max(worst, detector.phi(at: now))
            detector.heartbeat(at: now)
        }
        print("jittery heartbeats (0.7-1.3 s, 5% bursts), pause 1 s: worst phi at arrival \(worst)")
        #expect(worst < 1)
        #expect(detector.intervalStandardDeviation > .milliseconds(100))
    }

    @Test("a long pause within acceptableHeartbeatPause is tolerated and recorded")
    func pauseWithinAcceptable() {
        var tolerant = PhiAccrualDetector(acceptableHeartbeatPause: .seconds(3))
        var strict = PhiAccrualDetector()
        let last = feed(&tolerant, count: 50)
        feed(&strict, count: 50)
        let resume = last + .milliseconds(3500)
        print("3.5 s pause: phi \(tolerant.phi(at: resume)) with pause 3 s, \(strict.phi(at: resume)) with pause 0")
        #expect(tolerant.phi(at: resume) < 1)
        #expect(strict.phi(at: resume) > 8)
        tolerant.heartbeat(at: resume)
        #expect(tolerant.intervals.last == .milliseconds(3500))
        #expect(tolerant.sampleCount == 52)
    }

    @Test("the first heartbeat after a failure is not recorded, but restarts the clock")
    func heartbeatAfterFailure() {
        var detector = PhiAccrualDetector(threshold: 8)
        let last = feed(&detector, count: 20)
        let count = detector.sampleCount
        let back = last + .seconds(30)
        #expect(!detector.isAvailable(at: back))
        detector.heartbeat(at: back)
        #expect(detector.sampleCount == count)
        #expect(detector.intervals.allSatisfy { $0 <= .milliseconds(1250) })
        #expect(detector.lastHeartbeat == back)
        #expect(detector.phi(at: back) < 1e-6)
    }

    @Test("a heartbeat earlier than the last is ignored; equal instants add a 0 interval")
    func outOfOrderAndEqual() {
        var detector = PhiAccrualDetector()
        let last = feed(&detector, count: 5)
        let before = detector.intervals
        detector.heartbeat(at: last - .milliseconds(10))
        #expect(detector.intervals == before)
        #expect(detector.lastHeartbeat == last)
        detector.heartbeat(at: last)
        #expect(detector.intervals == before + [.zero])
        #expect(detector.phi(at: last - .seconds(5)) == detector.phi(at: last))
    }

    struct WindowRow: Sendable, CustomTestStringConvertible {
        var maxSampleSize: Int
        var heartbeats: Int
        var expectedCount: Int
        var testDescription: String { "max \(maxSampleSize), \(heartbeats) heartbeats -> \(expectedCount) samples" }
    }

    @Test("the window holds at most maxSampleSize intervals, the newest", arguments: [
        WindowRow(maxSampleSize: 10, heartbeats: 1, expectedCount: 2),
        WindowRow(maxSampleSize: 10, heartbeats: 5, expectedCount: 6),
        WindowRow(maxSampleSize: 10, heartbeats: 9, expectedCount: 10),
        WindowRow(maxSampleSize: 10, heartbeats: 500, expectedCount: 10),
        WindowRow(maxSampleSize: 200, heartbeats: 1000, expectedCount: 200),
        WindowRow(maxSampleSize: 1, heartbeats: 10, expectedCount: 2),
        WindowRow(maxSampleSize: -3, heartbeats: 10, expectedCount: 2),
    ])
    func windowBound(row: WindowRow) {
        var detector = PhiAccrualDetector(maxSampleSize: row.maxSampleSize)
        // Interval i is i ms + 500 ms: every sample differs.
        var now = VirtualTime.origin
        detector.heartbeat(at: now)
        var sent: [Duration] = []
        for i in 1..<row.heartbeats {
            let gap = Duration.milliseconds(500 + i)
            now += gap
            sent.append(gap)
            detector.heartbeat(at: now)
        }
        #expect(detector.sampleCount == row.expectedCount)
        #expect(detector.maxSampleSize == max(row.maxSampleSize, 2))
        let all = [Duration.milliseconds(750), .milliseconds(1250)] + sent
        let expected = Array(all.suffix(row.expectedCount))
        #expect(detector.intervals == expected)
        let micros = expected.map { $0.seconds * 1e6 }
        let mean = micros.reduce(0, +) / Double(micros.count)
        let variance = micros.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(micros.count)
        #expect(abs(detector.intervalMean.seconds * 1e6 - mean) < 1e-3)
        #expect(abs(detector.intervalStandardDeviation.seconds * 1e6 - variance.squareRoot()) < 1e-3)
    }

    @Test("phi is finite and non-negative for any input (seeded random, equal instants, huge gaps)")
    func randomInputsAreSafe() {
        var rng = SeededGenerator(seed: 0x5EED)
        let configs: [PhiAccrualDetector] = [
            PhiAccrualDetector(),
            PhiAccrualDetector(threshold: .nan, maxSampleSize: 0, minStdDeviation: .zero,
                               acceptableHeartbeatPause: .zero, firstHeartbeatEstimate: .zero),
            PhiAccrualDetector(threshold: .infinity, maxSampleSize: 3, minStdDeviation: .nanoseconds(1),
                               acceptableHeartbeatPause: .seconds(-5), firstHeartbeatEstimate: .nanoseconds(1)),
            PhiAccrualDetector(threshold: 0, maxSampleSize: 1_000_000, minStdDeviation: .seconds(-1),
                               acceptableHeartbeatPause: .seconds(1_000_000), firstHeartbeatEstimate: .seconds(1_000_000)),
        ]
        for var detector in configs {
            #expect(detector.maxSampleSize >= 2 && detector.maxSampleSize <= 65536)
            var now = VirtualTime.origin
            for _ in 0..<5000 {
                let gap: Duration
                switch Int.random(in: 0..<6, using: &rng) {
                case 0: gap = .zero
                case 1: gap = .nanoseconds(Int.random(in: 0...1000, using: &rng))
                case 2: gap = .milliseconds(Int.random(in: 0...3000, using: &rng))
                case 3: gap = .seconds(Int64.random(in: 0...1_000_000_000, using: &rng))
                case 4: gap = .seconds(Int64.random(in: 0...1_000_000_000_000, using: &rng))
                default: gap = .seconds(1)
                }
                now += gap
                let probe = now + .nanoseconds(Int64.random(in: -2_000_000_000_000...2_000_000_000_000, using: &rng))
                let phi = detector.phi(at: probe)
                #expect(phi.isFinite && phi >= 0, "phi \(phi)")
                if Bool.random(using: &rng) { detector.heartbeat(at: now) }
                #expect(detector.intervalMean >= .zero && detector.intervalStandardDeviation >= .zero)
            }
        }
    }

    @Test("the static formula is finite and non-negative for NaN, infinities and zero sigma")
    func formulaEdgeCases() {
        let values: [Double] = [.nan, .infinity, -.infinity, 0, -0.0, 1, -1, 1e300, -1e300, .leastNonzeroMagnitude]
        for elapsed in values {
            for mean in values {
                for sigma in values {
                    let phi = PhiAccrualDetector.phi(elapsed: elapsed, mean: mean, standardDeviation: sigma)
                    #expect(phi.isFinite && phi >= 0, "phi(\(elapsed), \(mean), \(sigma)) = \(phi)")
                }
            }
        }
    }

    @Test("reset forgets everything")
    func reset() {
        var detector = PhiAccrualDetector()
        let last = feed(&detector, count: 50, every: .milliseconds(300))
        detector.reset()
        #expect(detector.lastHeartbeat == nil)
        #expect(detector.phi(at: last + .seconds(100)) == 0)
        #expect(detector.intervals == [.milliseconds(750), .milliseconds(1250)])
    }

    @Test("heartbeat throughput (target >= 20,000/s; O(1) per heartbeat)")
    func throughput() {
        var detector = PhiAccrualDetector()
        let count = 1_000_000
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            var now = VirtualTime.origin
            for i in 0..<count {
                now += .milliseconds(990 + i % 20)
                detector.heartbeat(at: now)
            }
        }
        let perSecond = Double(count) / elapsed.seconds
        print("heartbeats: \(count) in \(elapsed) = \(Int(perSecond))/s on one core")
        #expect(detector.sampleCount == 200)
        #expect(perSecond > 20_000)
    }
}

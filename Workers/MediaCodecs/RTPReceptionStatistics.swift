/// What one received RTP source looks like to a receiver: the extended
/// highest sequence number, packets expected and received, cumulative loss
/// and interarrival jitter, per RFC 3550 appendix A.1, A.3 and A.8.
///
/// ``record(sequence:timestamp:arrivalNanoseconds:)`` classifies each packet
/// so that a transcoder knows whether to conceal a gap before it, or drop it
/// as late. Probation (MIN_SEQUENTIAL) is not applied: a media relay latches
/// on the first valid packet. A jump beyond ``maximumDropout`` is taken as a
/// restart of the source once the next packet confirms it (A.1's `bad_seq`).
public struct RTPReceptionStatistics: Sendable, Hashable {
    /// Sequence jumps ahead larger than this are suspicious (RFC 3550 MAX_DROPOUT).
    public static let maximumDropout: UInt16 = 3000
    /// Sequence numbers this far behind are late packets, not a wrap (MAX_MISORDER).
    public static let maximumMisorder: UInt16 = 100

    /// How a packet relates to those before it.
    public enum Arrival: Sendable, Hashable {
        /// The first packet of the source, or the first after a restart.
        case first
        /// The next in order, after `missing` lost packets (0: contiguous).
        case inOrder(missing: Int)
        /// A duplicate or a packet older than the highest seen.
        case late
        /// A large jump, not accepted yet; the next packet decides.
        case suspicious
    }

    /// RTP clock rate in Hz, for jitter.
    public let clockRate: Int
    private var started = false
    private var maxSequence: UInt16 = 0
    private var cycles: UInt32 = 0
    private var baseSequence: UInt32 = 0
    private var badSequence: UInt32 = 1 << 16 + 1
    /// Packets received (duplicates included, as in RFC 3550).
    public private(set) var received: UInt64 = 0
    private var lastTransit: Int64 = 0
    private var jitterUnits: Double = 0
    private var lostBeforeRestart: Int64 = 0

    /// Creates statistics for a source clocked at `clockRate` Hz.
    public init(clockRate: Int) { self.clockRate = max(clockRate, 1) }

    /// The highest sequence number seen, extended with the wrap count.
    public var extendedHighestSequence: UInt32 { cycles &+ UInt32(maxSequence) }

    /// Packets expected from the first sequence number to the highest.
    public var expected: Int64 { started ? Int64(extendedHighestSequence) - Int64(baseSequence) + 1 : 0 }

    /// Cumulative packets lost: expected minus received, never negative (duplicates can outnumber losses).
    public var lost: Int64 { lostBeforeRestart + max(0, expected - Int64(received)) }

    /// Interarrival jitter in timestamp units.
    public var jitter: Double { jitterUnits }

    /// Interarrival jitter in milliseconds.
    public var jitterMilliseconds: Double { jitterUnits * 1000 / Double(clockRate) }

    /// Records one packet and classifies it.
    public mutating func record(sequence: UInt16, timestamp: UInt32, arrivalNanoseconds: UInt64) -> Arrival {
        guard started else {
            restart(at: sequence)
            updateJitter(timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, first: true)
            return .first
        }
        let delta = sequence &- maxSequence
        let arrival: Arrival
        if delta == 0 {
            arrival = .late  // duplicate
        } else if delta < Self.maximumDropout {
            if sequence < maxSequence { cycles &+= 1 << 16 }  // wrapped
            maxSequence = sequence
            arrival = .inOrder(missing: Int(delta) - 1)
        } else if delta <= UInt16.max - Self.maximumMisorder {
            // A very large jump: restart if the next packet follows this one.
            if UInt32(sequence) == badSequence {
                restart(at: sequence)
                updateJitter(timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, first: true)
                return .first
            }
            badSequence = (UInt32(sequence) + 1) & 0xFFFF
            return .suspicious
        } else {
            arrival = .late  // reordered or duplicate within the misorder window
        }
        received &+= 1
        updateJitter(timestamp: timestamp, arrivalNanoseconds: arrivalNanoseconds, first: false)
        return arrival
    }

    /// The source changed (a new SSRC): the next packet starts afresh, and
    /// the losses counted so far stay counted.
    public mutating func sourceChanged() {
        if started { lostBeforeRestart += max(0, expected - Int64(received)) }
        started = false
        received = 0
    }

    private mutating func restart(at sequence: UInt16) {
        // Losses counted before a restart stay counted.
        if started { lostBeforeRestart += max(0, expected - Int64(received)) }
        started = true
        maxSequence = sequence
        cycles = 0
        baseSequence = UInt32(sequence)
        badSequence = 1 << 16 + 1
        received = 1
    }

    private mutating func updateJitter(timestamp: UInt32, arrivalNanoseconds: UInt64, first: Bool) {
        // Arrival time in timestamp units; only differences matter, so wrapping is harmless.
        let arrival = Int64(truncatingIfNeeded: arrivalNanoseconds / 1000 &* UInt64(clockRate) / 1_000_000)
        let transit = arrival &- Int64(timestamp)
        if !first {
            var d = transit &- lastTransit
            // Timestamps wrap at 2^32: fold the difference back into range.
            d = Int64(Int32(truncatingIfNeeded: d))
            jitterUnits += (Double(d.magnitude) - jitterUnits) / 16
        }
        lastTransit = transit
    }
}

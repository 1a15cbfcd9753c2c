/// The health of one edge as a pure state machine (gen_statem's idea):
/// events go in (`heartbeat(at:)`, `evaluate(at:)`), the new state is kept,
/// and actions come out for the owner to perform. No clock: the owner passes
/// the instants, tests drive it in virtual time.
///
/// ```
///             evaluate: phi >= suspect         evaluate: phi >= dead
///  +-------+ -------------------------> +---------+ ----------------------> +------+
///  | alive |                            | suspect |     + moveSessions      | dead |
///  +-------+ <------------------------- +---------+                         +------+
///   |     ^           heartbeat                                               ^   |
///   |     |                                                                   |   |
///   |     +--------------- heartbeat + reconcileSessions ---------------------|---+
///   |                                                                         |
///   +-------- evaluate: phi >= dead (past both at once) + moveSessions -------+
/// ```
///
/// Semantics (every transition emits `.stateChanged(from:to:phi:)` first):
///
/// - `init(configuration:registeredAt:)` starts in `alive` and counts the
///   registration as the first heartbeat, so an edge that registers and
///   never reports still dies (after ~3.3 s with the defaults).
/// - `evaluate(at:)` computes φ at `now`. In `alive`: φ ≥ dead -> `dead`
///   (`.moveSessions`), else φ ≥ suspect -> `suspect`. In `suspect`:
///   φ ≥ dead -> `dead` (`.moveSessions`). In `dead`: nothing. Without a
///   heartbeat φ never falls, so `evaluate` never brings an edge back.
/// - `heartbeat(at:)` feeds the detector. In `alive`: nothing. In `suspect`:
///   -> `alive`. In `dead`: -> `alive` and `.reconcileSessions` (its
///   sessions were moved when it died; its load is what it reports next).
///   A heartbeat at an instant before `lastHeartbeat` is ignored: no
///   actions, no state change.
/// - `.moveSessions` comes exactly once per entry into `dead`; two events
///   never produce two deaths without an `alive` in between.
///
/// The owner calls `evaluate(at:)` periodically for every edge (a tenth of
/// the heartbeat interval adds at most 100 ms to detection) and performs the
/// actions in order. Heartbeat reordering is not the detector's concern:
/// any arrival is evidence of life; the owner uses `HeartbeatReport.sequence`
/// only to keep the newest load figures.
public struct EdgeHealth: Sendable {
    /// The settings, repaired (see `Configuration.init`).
    public let configuration: Configuration
    /// The current state.
    public private(set) var state: EdgeState
    /// The detector, for inspection (`edges list`: φ, mean interval).
    public private(set) var detector: PhiAccrualDetector

    /// An alive edge whose registration, at `registeredAt`, counts as its
    /// first heartbeat.
    public init(configuration: Configuration = Configuration(), registeredAt: ContinuousClock.Instant) {
        self.configuration = configuration
        state = .alive
        detector = configuration.makeDetector()
        detector.heartbeat(at: registeredAt)
    }

    /// The instant of the last heartbeat (or of the registration).
    public var lastHeartbeat: ContinuousClock.Instant {
        // init records one, and the detector never forgets it.
        detector.lastHeartbeat!
    }

    /// φ at `now` (finite, ≥ 0).
    public func phi(at now: ContinuousClock.Instant) -> Double {
        detector.phi(at: now)
    }

    /// A heartbeat arrived at `now`. O(1), allocation-free when it changes
    /// nothing (the common case: an alive edge).
    ///
    /// - alive: `[]`
    /// - suspect: `[.stateChanged(from: .suspect, to: .alive, phi:)]`
    /// - dead: `[.stateChanged(from: .dead, to: .alive, phi:), .reconcileSessions]`
    /// - `now` before `lastHeartbeat`: `[]`, nothing recorded.
    public mutating func heartbeat(at now: ContinuousClock.Instant) -> [EdgeAction] {
        guard now >= lastHeartbeat else { return [] }
        detector.heartbeat(at: now)
        switch state {
        case .alive:
            return []
        case .suspect:
            return move(to: .alive, phi: detector.phi(at: now))
        case .dead:
            return move(to: .alive, phi: detector.phi(at: now)) + [.reconcileSessions]
        }
    }

    /// Checks φ at `now` against the thresholds.
    ///
    /// - alive, φ ≥ dead: `[.stateChanged(from: .alive, to: .dead, phi:), .moveSessions]`
    /// - alive, suspect ≤ φ < dead: `[.stateChanged(from: .alive, to: .suspect, phi:)]`
    /// - suspect, φ ≥ dead: `[.stateChanged(from: .suspect, to: .dead, phi:), .moveSessions]`
    /// - otherwise (and always in dead): `[]`
    public mutating func evaluate(at now: ContinuousClock.Instant) -> [EdgeAction] {
        guard state != .dead else { return [] }
        let phi = detector.phi(at: now)
        if phi >= configuration.deadThreshold {
            return move(to: .dead, phi: phi) + [.moveSessions]
        }
        if state == .alive, phi >= configuration.suspectThreshold {
            return move(to: .suspect, phi: phi)
        }
        return []
    }

    private mutating func move(to next: EdgeState, phi: Double) -> [EdgeAction] {
        let from = state
        state = next
        return [.stateChanged(from: from, to: next, phi: phi)]
    }
}

/// One edge as placement sees it: where it is, whether it is alive, and how
/// full it is. A snapshot: the owner builds it from the registration, the
/// last heartbeat report and the `EdgeHealth` state.
public struct EdgeLoad: Sendable, Hashable, Identifiable {
    /// The edge id (`PUT /v1/edges/{id}`).
    public let id: String
    /// The edge's region; nil when it registered none. Compared exactly.
    public let region: String?
    /// Its health.
    public let state: EdgeState
    /// How many streams (one per session) it takes at most; ≥ 0.
    public let capacity: Int
    /// How many streams it carries now; ≥ 0.
    public let streams: Int
    /// How many of its workers are ready; ≥ 0.
    public let ready: Int

    /// A snapshot; negative counts are taken as 0.
    public init(id: String, region: String?, state: EdgeState, capacity: Int, streams: Int, ready: Int) {
        self.id = id
        self.region = region
        self.state = state
        self.capacity = max(capacity, 0)
        self.streams = max(streams, 0)
        self.ready = max(ready, 0)
    }

    /// A snapshot from what the edge said: capacity from its registration,
    /// streams and ready workers from its last report (none yet: 0 streams,
    /// 0 ready, so it takes no session before its first report).
    public init(id: String, registration: EdgeRegistration, report: HeartbeatReport?, state: EdgeState) {
        self.init(
            id: id, region: registration.region, state: state, capacity: registration.capacity,
            streams: report?.streams ?? 0, ready: report?.workersReady ?? 0
        )
    }

    /// Whether a new session may go here: alive, `streams < capacity`, and
    /// at least one worker ready.
    public var hasRoom: Bool {
        state == .alive && streams < capacity && ready > 0
    }

    /// `streams / capacity` (1 when capacity is 0), for display and metrics.
    /// Placement compares the exact fractions, not this value.
    public var utilization: Double {
        capacity == 0 ? 1 : Double(streams) / Double(capacity)
    }

    /// The same edge carrying `count` more streams (saturating; the result
    /// is never negative).
    public func adding(streams count: Int) -> EdgeLoad {
        let (sum, overflow) = streams.addingReportingOverflow(count)
        let total = overflow ? (count > 0 ? Int.max : 0) : sum
        return EdgeLoad(id: id, region: region, state: state, capacity: capacity, streams: total, ready: ready)
    }
}

/// Where sessions go: a pure choice among edges, deterministic for a given
/// input (no randomness, no clock, ties broken by id).
///
/// The rule, for one new session:
///
/// 1. Eligible edges are those with `hasRoom`: alive, `streams < capacity`,
///    at least one worker ready. Suspect and dead edges never get sessions.
/// 2. If a region is requested and some eligible edge is in it (exact,
///    case-sensitive match), only those compete; otherwise every eligible
///    edge does (the region is a preference, not a constraint).
/// 3. The least loaded wins: the lowest `streams / capacity` (compared as
///    exact fractions), then the fewest streams, then the smallest id.
/// 4. No eligible edge: nil. The caller refuses the session at once (HTTP
///    503 with Retry-After, SIP 503); nothing is queued.
public enum Placement {
    /// The edge for one new session, or nil if no edge has room.
    /// O(candidates), allocation-free.
    public static func choose(among candidates: [EdgeLoad], preferring region: String? = nil) -> EdgeLoad? {
        bestIndex(in: candidates, preferring: region).map { candidates[$0] }
    }

    /// One session given an edge by `spread`.
    public struct Assignment<Session: Sendable>: Sendable {
        public let session: Session
        /// The `EdgeLoad.id` it goes to.
        public let edge: String
    }

    /// What `spread` decided.
    public struct Spread<Session: Sendable>: Sendable {
        /// Sessions with their new edge, in the order they were given.
        public let assignments: [Assignment<Session>]
        /// Sessions no edge had room for, in the order they were given
        /// (the caller ends them with `placement_failed` or retries later).
        public let unplaced: [Session]
        /// The candidates with the assigned streams added, in input order.
        public let loads: [EdgeLoad]
    }

    /// Re-places `sessions` (from a dead edge, or a drained one) one by one
    /// with the rule of `choose`, adding each assignment to its edge's load
    /// before placing the next, so they spread over the edges with room
    /// instead of all landing on the emptiest. `region` is the preference for
    /// all of them (usually the lost edge's region). Once no edge has room,
    /// the rest are unplaced. O(sessions × candidates).
    public static func spread<Session: Sendable>(
        _ sessions: [Session],
        onto candidates: [EdgeLoad],
        preferring region: String? = nil
    ) -> Spread<Session> {
        var loads = candidates
        var assignments: [Assignment<Session>] = []
        assignments.reserveCapacity(sessions.count)
        var unplaced: [Session] = []
        for (offset, session) in sessions.enumerated() {
            guard let index = bestIndex(in: loads, preferring: region) else {
                unplaced.append(contentsOf: sessions[offset...])
                break
            }
            loads[index] = loads[index].adding(streams: 1)
            assignments.append(Assignment(session: session, edge: loads[index].id))
        }
        return Spread(assignments: assignments, unplaced: unplaced, loads: loads)
    }

    /// Whether `a` should be chosen over `b` (both with room): lower
    /// `streams / capacity`, then fewer streams, then smaller id.
    public static func isLessLoaded(_ a: EdgeLoad, than b: EdgeLoad) -> Bool {
        // a.streams / a.capacity < b.streams / b.capacity, without division.
        let left = Int128(a.streams) * Int128(b.capacity)
        let right = Int128(b.streams) * Int128(a.capacity)
        if left != right { return left < right }
        if a.streams != b.streams { return a.streams < b.streams }
        return a.id < b.id
    }

    private static func bestIndex(in loads: [EdgeLoad], preferring region: String?) -> Int? {
        var bestAnywhere: Int?
        var bestInRegion: Int?
        for index in loads.indices where loads[index].hasRoom {
            let load = loads[index]
            if bestAnywhere.map({ isLessLoaded(load, than: loads[$0]) }) ?? true {
                bestAnywhere = index
            }
            if let region, load.region == region,
               bestInRegion.map({ isLessLoaded(load, than: loads[$0]) }) ?? true {
                bestInRegion = index
            }
        }
        return bestInRegion ?? bestAnywhere
    }
}

extension Placement.Assignment: Equatable where Session: Equatable {}
extension Placement.Assignment: Hashable where Session: Hashable {}
extension Placement.Spread: Equatable where Session: Equatable {}

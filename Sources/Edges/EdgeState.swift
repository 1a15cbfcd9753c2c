/// The health of an edge as the control plane sees it (`GET /v1/edges`,
/// `switchboard edges list`, the `edge_state` metric). The raw values are the
/// wire names.
public enum EdgeState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Heartbeats arrive as expected (φ below `edges.phi_suspect`). The only
    /// state in which new sessions are placed on the edge.
    case alive
    /// Heartbeats are late (φ at or above `edges.phi_suspect`, below
    /// `edges.phi_dead`). No new sessions; the sessions already there stay.
    case suspect
    /// Heartbeats have stopped (φ reached `edges.phi_dead`). Its sessions
    /// are re-placed on alive edges. A heartbeat makes it alive again.
    case dead
}

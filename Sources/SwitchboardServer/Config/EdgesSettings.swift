import Foundation

/// The `edges.*` keys (the control plane's failure detector) and the
/// `edge.*` keys (what `switchboard edge` runs with).
public struct EdgesSettings: Sendable, Hashable {
    /// `edges.heartbeat_interval`: how often edges report (default 1 s).
    public var heartbeatInterval: Duration
    /// `edges.phi_suspect`, `edges.phi_dead`: phi-accrual thresholds (5 and 8).
    public var phiSuspect: Double
    public var phiDead: Double
    /// `edges.acceptable_heartbeat_pause`: one missed heartbeat is not yet suspicious (default: one interval).
    public var acceptablePause: Duration

    init(_ c: RawConfig) throws {
        heartbeatInterval = try c.duration("edges.heartbeat_interval", default: 1, minimum: .milliseconds(50))
        phiSuspect = try c.double("edges.phi_suspect", default: 5, in: 0.1...100)
        phiDead = try c.double("edges.phi_dead", default: 8, in: 0.1...100)
        guard phiSuspect < phiDead else {
            throw ConfigError(key: "edges.phi_suspect", problem: "must be below edges.phi_dead (\(phiDead)), got \(phiSuspect)")
        }
        acceptablePause = c.has("edges.acceptable_heartbeat_pause")
            ? try c.duration("edges.acceptable_heartbeat_pause", default: 1, minimum: .zero) : heartbeatInterval
    }
}

/// What `switchboard edge` runs with: its identity and where the control plane is.
public struct EdgeAgentSettings: Sendable, Hashable {
    /// `edge.id`
    public var id: String
    /// `edge.control_plane`: the control plane's base URL.
    public var controlPlane: String
    /// `edge.token`: the edge token presented to the control plane (and expected from it).
    public var token: String
    /// `edge.region`
    public var region: String?
    /// `edge.capacity`: streams this edge takes (default: pool size x max streams).
    public var capacity: Int?
    /// `edge.url`: how the control plane reaches this edge's API (default: http://`http.listen`).
    public var url: String?

    init(_ c: RawConfig) throws {
        id = c.string("edge.id", default: "")
        controlPlane = c.string("edge.control_plane", default: "")
        token = c.string("edge.token", default: "")
        let region = c.string("edge.region", default: "")
        self.region = region.isEmpty ? nil : region
        capacity = c.has("edge.capacity") ? try c.int("edge.capacity", default: 0, in: 1...10_000_000) : nil
        let url = c.string("edge.url", default: "")
        self.url = url.isEmpty ? nil : url
        if !id.isEmpty, id.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", options: .regularExpression) == nil {
            throw ConfigError(key: "edge.id", problem: "'\(id)' must be 1-63 letters, digits, '.', '_' or '-'")
        }
    }
}

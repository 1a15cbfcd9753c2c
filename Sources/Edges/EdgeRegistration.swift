/// The body of `PUT /v1/edges/{id}`: an edge registers, or updates its
/// registration. Registering (again) counts as a heartbeat and makes the
/// edge alive (the owner builds a new `EdgeHealth`); a re-registration after
/// an edge restart also resets the expected `HeartbeatReport.sequence`.
///
/// ```json
/// {"url": "http://10.0.0.7:8081", "region": "eu-west", "capacity": 256,
///  "media_address": "203.0.113.7", "boot": "9f2c41d07a6b3e85"}
/// ```
///
/// Decoding: `url` and `capacity` are required; `region`,
/// `media_address` and `boot` may be absent (SPEC §6 lists `{url, region, capacity}`;
/// without `media_address` the edge's media is addressed at the host of
/// `url`). Unknown keys are ignored. `problems` lists values out of range.
public struct EdgeRegistration: Sendable, Hashable, Codable {
    /// The edge's own HTTP API, where the control plane opens and closes
    /// streams (with the edge token).
    public var url: String
    /// Its region (placement prefers the requested one); nil: none.
    public var region: String?
    /// The most streams (one per session) it takes.
    public var capacity: Int
    /// The address its workers bind and put in SDP; nil: the host of `url`.
    public var mediaAddress: String?
    /// Drawn once per start of the edge process: a registration with
    /// another `boot` than the last one is a new process, whose sessions
    /// went with the old one. nil: not told.
    public var boot: String?

    public init(url: String, region: String? = nil, capacity: Int, mediaAddress: String? = nil, boot: String? = nil) {
        self.url = url
        self.region = region
        self.capacity = capacity
        self.mediaAddress = mediaAddress
        self.boot = boot
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case url
        case region
        case capacity
        case mediaAddress = "media_address"
        case boot
    }

    /// Values out of range, one line each naming the JSON key; empty when
    /// usable: `url` not empty, `capacity` ≥ 0 (0: registered but takes no
    /// sessions), `region`, `media_address` and `boot` not empty when present.
    public var problems: [String] {
        var found: [String] = []
        if url.isEmpty { found.append("url must not be empty") }
        if capacity < 0 { found.append("capacity (\(capacity)) must not be negative") }
        if region?.isEmpty == true { found.append("region must not be empty when present") }
        if mediaAddress?.isEmpty == true { found.append("media_address must not be empty when present") }
        if boot?.isEmpty == true { found.append("boot must not be empty when present") }
        return found
    }
}

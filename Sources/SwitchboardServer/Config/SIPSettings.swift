import Foundation
import SIP

/// The `sip.*` keys: where the B2BUA listens, where calls go, and its timers.
public struct SIPSettings: Sendable, Hashable {
    /// One entry of `sip.routes`: the first whose `match` finds the
    /// request-URI user wins.
    public struct Route: Sendable, Hashable {
        /// A regular expression searched in the request-URI user (`^uas`).
        public var match: String
        public var target: SwitchboardConfig.Endpoint
        /// B's codecs (`transcode.codecs`); nil: A's (relay).
        public var codecs: [String]?
        /// B's profile (`transcode.profile`); nil: A's.
        public var profile: String?
        /// `media`: false passes SDP through untouched (signalling only: no
        /// session, no worker); nil: `sip.media`.
        public var media: Bool?
        /// `region`: the edge region preferred for the call's media; nil: none.
        public var region: String?

        public init(match: String, target: SwitchboardConfig.Endpoint, codecs: [String]? = nil, profile: String? = nil, media: Bool? = nil,
                    region: String? = nil) {
            self.match = match
            self.target = target
            self.codecs = codecs
            self.profile = profile
            self.media = media
            self.region = region
        }
    }

    /// `sip.listen`: the UDP address (port 0: any free port, for tests).
    public var listen: SwitchboardConfig.Endpoint
    /// `sip.default_route`: where calls go that no route matches; nil: 404.
    public var defaultRoute: SwitchboardConfig.Endpoint?
    /// `sip.routes`, in order.
    public var routes: [Route]
    /// `sip.t1`, `sip.t2`, `sip.t4` (RFC 3261 17: 500 ms, 4 s, 5 s).
    public var timers: SIPTimers
    /// `sip.invite_timeout`: no final answer from B within this: CANCEL B, 480 to A.
    public var inviteTimeout: Duration
    /// `sip.enabled`: false runs no SIP listener at all.
    public var enabled: Bool
    /// `sip.media`: false makes every route signalling only (SDP untouched, no
    /// session); a route's own `media` wins.
    public var media: Bool

    /// The route for a request-URI: the first entry whose `match` is found
    /// in the user part (or, for a URI without a user, in the host), else
    /// the default route, else nil (404).
    public func route(user: String?, host: String) -> Route? {
        route(user: user, host: host, in: compiledRoutes())
    }

    /// The routes with their expressions compiled (an entry that does not compile never matches;
    /// loading refuses those anyway).
    func compiledRoutes() -> [(regex: Regex<AnyRegexOutput>, route: Route)] {
        routes.compactMap { route in (try? Regex(route.match)).map { ($0, route) } }
    }

    /// ``route(user:host:)`` over routes compiled once (the B2BUA keeps them).
    func route(user: String?, host: String, in compiled: [(regex: Regex<AnyRegexOutput>, route: Route)]) -> Route? {
        let subject = user ?? host
        for (regex, route) in compiled where (try? regex.firstMatch(in: subject)) != nil { return route }
        return defaultRoute.map { Route(match: "", target: $0) }
    }

    /// Whether calls on `route` get a session (media through a worker) or pass SDP through.
    public func carriesMedia(_ route: Route) -> Bool { route.media ?? media }

    init(_ c: RawConfig) throws {
        enabled = try c.choice("sip.enabled", ["true", "false"], default: "true") == "true"
        media = try c.choice("sip.media", ["true", "false"], default: "true") == "true"
        listen = try c.endpoint("sip.listen", default: "127.0.0.1:5060")
        let fallback = c.string("sip.default_route", default: "").trimmingCharacters(in: .whitespaces)
        defaultRoute = fallback.isEmpty ? nil : try c.endpoint("sip.default_route", default: fallback)
        let t1 = try c.duration("sip.t1", default: 0.5, minimum: .milliseconds(10))
        let t2 = try c.duration("sip.t2", default: 4, minimum: .milliseconds(10))
        let t4 = try c.duration("sip.t4", default: 5, minimum: .milliseconds(10))
        guard t2 >= t1 else { throw ConfigError(key: "sip.t2", problem: "must be at least sip.t1 (\(t1))") }
        timers = SIPTimers(t1: t1, t2: t2, t4: t4)
        inviteTimeout = try c.duration("sip.invite_timeout", default: 60, minimum: .milliseconds(100))
        routes = []
        for (index, item) in (c.lists["sip.routes"] ?? []).enumerated() {
            let key = "sip.routes[\(index)]"
            guard case let .scalar(match)? = item["match"] else {
                throw ConfigError(key: key + ".match", problem: "is required (a regular expression on the request-URI user)")
            }
            do { _ = try Regex(match) } catch {
                throw ConfigError(key: key + ".match", problem: "'\(match)' is not a regular expression: \(error)")
            }
            guard case let .scalar(target)? = item["target"] else {
                throw ConfigError(key: key + ".target", problem: "is required (host:port)")
            }
            let endpoint = try RawConfig.parseEndpoint(target, key: key + ".target")
            var codecs: [String]?
            switch item["transcode.codecs"] {
            case let .list(list)?: codecs = list
            case let .scalar(one)?: codecs = one.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            case nil: codecs = nil
            }
            var profile: String?
            if case let .scalar(p)? = item["transcode.profile"] {
                guard ["RTP/AVP", "RTP/SAVP"].contains(p) else {
                    throw ConfigError(key: key + ".transcode.profile", problem: "'\(p)' is not one of RTP/AVP, RTP/SAVP")
                }
                profile = p
            }
            var media: Bool?
            if let value = item["media"] {
                guard case let .scalar(flag) = value, flag == "true" || flag == "false" else {
                    throw ConfigError(key: key + ".media", problem: "expected true or false")
                }
                media = flag == "true"
            }
            var region: String?
            if let value = item["region"] {
                guard case let .scalar(name) = value, !name.isEmpty else {
                    throw ConfigError(key: key + ".region", problem: "expected an edge region name")
                }
                region = name
            }
            let known: Set = ["match", "target", "transcode.codecs", "transcode.profile", "media", "region"]
            if let unknown = item.keys.sorted().first(where: { !known.contains($0) }) {
                throw ConfigError(key: "\(key).\(unknown)", problem: "unknown key (expected match, target, transcode.codecs, transcode.profile, media, region)")
            }
            routes.append(Route(match: match, target: endpoint, codecs: codecs, profile: profile, media: media, region: region))
        }
    }
}

import Foundation
import Sessions
import Supervision

/// Everything `switchboard serve` runs with, validated.
///
/// Read through apple/swift-configuration from `Config/switchboard.yaml`,
/// environment variables (`SWITCHBOARD_` + the key upper-cased, dots as
/// underscores: `SWITCHBOARD_POOLS_TRANSCODER_SIZE=4`) and explicit
/// overrides, highest first: overrides, environment, file, built-in default.
public struct SwitchboardConfig: Sendable, Hashable {
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public var description: String { "\(host):\(port)" }
        public init(host: String, port: Int) { self.host = host; self.port = port }
    }

    public struct Auth: Sendable, Hashable {
        public var operatorToken: String
        public var clientToken: String
        public var edgeToken: String
        /// `auth.edge_tokens`: tokens bound to one edge each (`ID:TOKEN`), by
        /// token: such a token registers and reports for its edge only (SPEC's
        /// `edge:ID` role); `auth.edge_token` stays good for any edge.
        public var edgeTokens: [String: String] = [:]
    }

    /// One worker pool: a `simple_one_for_one` supervisor of identical workers.
    public struct Pool: Sendable, Hashable {
        public var name: String
        public var size: Int
        public var executable: String
        public var arguments: [String]
        public var maxStreams: Int
        public var intensity: Int
        public var period: Duration
        public var restart: RestartType
        public var shutdownTimeout: Duration
        public var startTimeout: Duration
        public var requestTimeout: Duration
        public var heartbeatInterval: Duration
        public var heartbeatMisses: Int
        public var mailboxLimit: Int
        /// Workers started ahead and kept idle, so a restart adopts one
        /// instead of waiting for a process to start (0: off, as OTP).
        public var warmSpares: Int
        public var backoff: Backoff?
        /// `pools.NAME.autoscale.*`: nil unless `max` is set.
        public var autoscale: Autoscale?
    }

    /// Autoscaling of a pool: its size follows the streams it carries.
    public struct Autoscale: Sendable, Hashable {
        /// `min`, `max`: the size stays within these.
        public var min: Int
        public var max: Int
        /// `target_streams`: streams per worker aimed at (size = ceil(streams / target)).
        public var targetStreams: Int
        /// `cooldown`: at least this long between two scalings.
        public var cooldown: Duration
    }

    public var httpListen: Endpoint
    public var sip: SIPSettings
    public var edges: EdgesSettings
    public var edge: EdgeAgentSettings
    public var mediaAddress: String
    public var mediaPortRange: ClosedRange<Int>
    public var auth: Auth
    /// `none`: /metrics is open; `operator`: it needs the operator token.
    public var metricsAuth: String
    public var storagePath: String
    public var maxFrameLength: Int
    public var maxSessions: Int
    public var sessionTimeouts: SessionTimeouts
    public var rootIntensity: Int
    public var rootPeriod: Duration
    public var pools: [Pool]
    /// The file the values came from, for messages.
    public var source: String
}

/// A configuration problem, naming the key.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var problem: String
    public init(key: String, problem: String) { self.key = key; self.problem = problem }
    public var description: String { "configuration key '\(key)': \(problem)" }
}

import Configuration
import Foundation
import Sessions
import Supervision

extension SwitchboardConfig {
    /// Loads and validates the configuration.
    ///
    /// - Parameters:
    ///   - path: the YAML file; a missing file is an error unless `allowMissing`.
    ///   - environment: variables to read `SWITCHBOARD_*` overrides from.
    ///   - overrides: highest-priority values by dotted key (from flags).
    public static func load(
        path: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        overrides: [String: String] = [:], baseDirectory: String? = nil
    ) async throws -> SwitchboardConfig {
        var providers: [any ConfigProvider] = []
        let overrideValues = Dictionary(uniqueKeysWithValues: overrides.map {
            (AbsoluteConfigKey(stringLiteral: $0.key), ConfigValue(.string($0.value), isSecret: false))
        })
        providers.append(InMemoryProvider(values: overrideValues))
        let prefixed = environment.filter { $0.key.hasPrefix("SWITCHBOARD_") }
        providers.append(EnvironmentVariablesProvider(environmentVariables: prefixed).prefixKeys(with: "switchboard"))
        var lists: [String: [[String: YAMLFile.YAMLEntry]]] = [:]
        if let path {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ConfigError(key: "(file)", problem: "no configuration file at \(path)")
            }
            let file = try YAMLFile(path: path)
            providers.append(InMemoryProvider(name: path, values: file.values))
            lists = file.lists
        }
        let reader = ConfigReader(providers: providers)
        let baseDirectory = baseDirectory ?? path.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? "."
        return try SwitchboardConfig(reader: RawConfig(reader: reader, lists: lists), source: path ?? "(defaults)", baseDirectory: baseDirectory)
    }

    init(reader c: RawConfig, source: String, baseDirectory: String) throws {
        httpListen = try c.endpoint("http.listen", default: "127.0.0.1:8080")
        sip = try SIPSettings(c)
        edges = try EdgesSettings(c)
        edge = try EdgeAgentSettings(c)
        mediaAddress = c.string("media.address", default: "127.0.0.1")
        mediaPortRange = try c.portRange("media.port_range", default: "40000-44999")
        auth = Auth(
            operatorToken: try c.token("auth.operator_token"),
            clientToken: try c.token("auth.client_token"),
            edgeToken: try c.token("auth.edge_token"),
            edgeTokens: try c.edgeTokens("auth.edge_tokens"))
        metricsAuth = try c.choice("metrics.auth", ["none", "operator"], default: "none")
        storagePath = c.string("storage.path", default: "switchboard.db")
        maxFrameLength = try c.int("limits.max_frame", default: 1 << 20, in: 1024...(64 << 20))
        maxSessions = try c.int("limits.max_sessions", default: 10_000, in: 1...1_000_000)
        sessionTimeouts = SessionTimeouts(
            answer: try c.duration("sessions.answer_timeout", default: 60),
            noMedia: try c.duration("sessions.no_media_timeout", default: 60),
            maxDuration: try c.duration("sessions.max_duration", default: 14_400))
        rootIntensity = try c.int("supervision.intensity", default: 3, in: 0...10_000)
        rootPeriod = try c.duration("supervision.period", default: 10)
        self.source = source

        let names = try c.stringList("pools.names", default: ["transcoder"])
        guard !names.isEmpty else { throw ConfigError(key: "pools.names", problem: "at least one pool is required") }
        guard Set(names).count == names.count else {
            throw ConfigError(key: "pools.names", problem: "pool names must be unique: \(names)")
        }
        pools = try names.map { name in
            guard name.range(of: "^[a-z][a-z0-9_-]*$", options: .regularExpression) != nil else {
                throw ConfigError(key: "pools.names", problem: "pool name '\(name)' must match [a-z][a-z0-9_-]*")
            }
            let k = "pools.\(name)."
            let exe = c.string(k + "executable", default: name == "transcoder" ? "switchboard-transcoder" : "")
            guard !exe.isEmpty else { throw ConfigError(key: k + "executable", problem: "is required for pool '\(name)'") }
            var backoff: Backoff?
            if c.has(k + "backoff.initial") {
                let initial = try c.duration(k + "backoff.initial", default: 0.01)
                let maximum = try c.duration(k + "backoff.max", default: 5)
                guard maximum >= initial else {
                    throw ConfigError(key: k + "backoff.max", problem: "must be at least backoff.initial (\(initial))")
                }
                backoff = Backoff(
                    initial: initial,
                    maximum: maximum,
                    multiplier: try c.double(k + "backoff.multiplier", default: 2, in: 1...100),
                    jitter: try c.double(k + "backoff.jitter", default: 0.2, in: 0...1))
            }
            var autoscale: Autoscale?
            if c.has(k + "autoscale.max") {
                let minimum = try c.int(k + "autoscale.min", default: 1, in: 0...1024)
                let maximum = try c.int(k + "autoscale.max", default: 1, in: 1...1024)
                guard maximum >= minimum else {
                    throw ConfigError(key: k + "autoscale.max", problem: "must be at least autoscale.min (\(minimum))")
                }
                autoscale = Autoscale(min: minimum, max: maximum,
                                      targetStreams: try c.int(k + "autoscale.target_streams", default: 32, in: 1...100_000),
                                      cooldown: try c.duration(k + "autoscale.cooldown", default: 30, minimum: .milliseconds(100)))
            }
            return Pool(
                name: name,
                size: try c.int(k + "size", default: 2, in: 0...1024),
                executable: exe,
                arguments: try c.stringList(k + "arguments", default: []),
                maxStreams: try c.int(k + "max_streams", default: 64, in: 1...100_000),
                intensity: try c.int(k + "intensity", default: 5, in: 0...10_000),
                period: try c.duration(k + "period", default: 10),
                restart: RestartType(rawValue: try c.choice(k + "restart", ["permanent", "transient", "temporary"], default: "permanent")) ?? .permanent,
                shutdownTimeout: try c.duration(k + "shutdown_timeout", default: 5),
                startTimeout: try c.duration(k + "start_timeout", default: 5),
                requestTimeout: try c.duration(k + "request_timeout", default: 5),
                heartbeatInterval: try c.duration(k + "heartbeat_interval", default: 1, minimum: .milliseconds(10)),
                heartbeatMisses: try c.int(k + "heartbeat_misses", default: 3, in: 1...1000),
                mailboxLimit: try c.int(k + "mailbox_limit", default: 4096, in: 1...1_000_000),
                warmSpares: try c.int(k + "warm_spares", default: 1, in: 0...16),
                backoff: backoff, autoscale: autoscale)
        }
        _ = baseDirectory
    }
}

/// Typed, validated access to raw configuration strings; every failure
/// names its key.
struct RawConfig {
    let reader: ConfigReader
    /// Lists of mappings from the file (`sip.routes`), which swift-configuration cannot hold.
    var lists: [String: [[String: YAMLFile.YAMLEntry]]] = [:]

    func has(_ key: String) -> Bool { raw(key) != nil }

    func raw(_ key: String) -> String? {
        if let s = reader.string(forKey: ConfigKey(key)) { return s }
        if let i = reader.int(forKey: ConfigKey(key)) { return String(i) }
        if let d = reader.double(forKey: ConfigKey(key)) { return String(d) }
        if let b = reader.bool(forKey: ConfigKey(key)) { return String(b) }
        return nil
    }

    func string(_ key: String, default def: String) -> String { raw(key) ?? def }

    func int(_ key: String, default def: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let s = raw(key) else { return def }
        guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else {
            throw ConfigError(key: key, problem: "expected an integer, got '\(s)'")
        }
        guard range.contains(v) else {
            throw ConfigError(key: key, problem: "\(v) is outside \(range.lowerBound)...\(range.upperBound)")
        }
        return v
    }

    func double(_ key: String, default def: Double, in range: ClosedRange<Double>) throws -> Double {
        guard let s = raw(key) else { return def }
        guard let v = Double(s.trimmingCharacters(in: .whitespaces)), range.contains(v) else {
            throw ConfigError(key: key, problem: "expected a number in \(range.lowerBound)...\(range.upperBound), got '\(s)'")
        }
        return v
    }

    /// Seconds as a number (`0.5`), or with a unit: `500ms`, `2s`, `1m`.
    func duration(_ key: String, default def: Double, minimum: Duration = .milliseconds(1)) throws -> Duration {
        let value = try anyDuration(key, default: def)
        guard value >= minimum else {
            throw ConfigError(key: key, problem: "must be at least \(minimum), got \(value)")
        }
        return value
    }

    func anyDuration(_ key: String, default def: Double) throws -> Duration {
        guard let s = raw(key)?.trimmingCharacters(in: .whitespaces) else { return .milliseconds(Int64(def * 1000)) }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        var value: Double?
        for (suffix, scale) in units where s.hasSuffix(suffix) {
            if let v = Double(s.dropLast(suffix.count)) { value = v * scale; break }
        }
        if value == nil { value = Double(s) }
        guard let v = value, v >= 0, v <= 86_400 else {
            throw ConfigError(key: key, problem: "expected a duration such as 0.5, 500ms or 2s, got '\(s)'")
        }
        return .milliseconds(Int64((v * 1000).rounded()))
    }

    func choice(_ key: String, _ allowed: [String], default def: String) throws -> String {
        guard let s = raw(key) else { return def }
        guard allowed.contains(s) else {
            throw ConfigError(key: key, problem: "'\(s)' is not one of \(allowed.joined(separator: ", "))")
        }
        return s
    }

    func stringList(_ key: String, default def: [String]) throws -> [String] {
        if let list = reader.stringArray(forKey: ConfigKey(key)) { return list }
        guard let s = raw(key) else { return def }
        return s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// `ID:TOKEN` entries: each token at least 8 characters, each edge id valid, no token given twice.
    func edgeTokens(_ key: String) throws -> [String: String] {
        var tokens: [String: String] = [:]
        for entry in try stringList(key, default: []) {
            guard let colon = entry.firstIndex(of: ":") else {
                throw ConfigError(key: key, problem: "'\(entry.prefix(3))...' must be EDGE_ID:TOKEN")
            }
            let id = String(entry[..<colon]), token = String(entry[entry.index(after: colon)...])
            guard id.range(of: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$", options: .regularExpression) != nil else {
                throw ConfigError(key: key, problem: "'\(id)' is not an edge id (1-63 letters, digits, '.', '_' or '-')")
            }
            guard token.count >= 8 else { throw ConfigError(key: key, problem: "the token of edge '\(id)' must be at least 8 characters") }
            guard tokens[token] == nil else { throw ConfigError(key: key, problem: "a token is given to two edges") }
            tokens[token] = id
        }
        return tokens
    }

    func token(_ key: String) throws -> String {
        guard let s = raw(key), !s.isEmpty else {
            throw ConfigError(key: key, problem: "is required (set it in the file or SWITCHBOARD_\(key.uppercased().replacingOccurrences(of: ".", with: "_")))")
        }
        guard s.count >= 8 else { throw ConfigError(key: key, problem: "must be at least 8 characters") }
        return s
    }

    func endpoint(_ key: String, default def: String) throws -> SwitchboardConfig.Endpoint {
        try Self.parseEndpoint(raw(key) ?? def, key: key)
    }

    static func parseEndpoint(_ s: String, key: String) throws -> SwitchboardConfig.Endpoint {
        guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else {
            throw ConfigError(key: key, problem: "expected host:port, got '\(s)'")
        }
        var host = String(s[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw ConfigError(key: key, problem: "expected host:port, got '\(s)'") }
        return .init(host: host, port: port)
    }

    func portRange(_ key: String, default def: String) throws -> ClosedRange<Int> {
        let s = raw(key) ?? def
        let parts = s.split(separator: "-").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts[0] >= 1024, parts[0] <= parts[1], parts[1] <= 65535 else {
            throw ConfigError(key: key, problem: "expected LOW-HIGH within 1024-65535, got '\(s)'")
        }
        return parts[0]...parts[1]
    }
}

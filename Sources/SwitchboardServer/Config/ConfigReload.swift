import Foundation
import ServiceLifecycle
import UnixSignals

/// One difference between the running configuration and a reloaded one.
public struct ConfigChange: Sendable, Hashable, CustomStringConvertible {
    public var key: String
    public var from: String
    public var to: String
    /// Applied at once; otherwise `note` says what it takes.
    public var applied: Bool
    public var note: String?

    public var description: String {
        "\(key): \(from) -> \(to)" + (applied ? "" : " (not applied: \(note ?? "needs a restart"))")
    }
}

extension SwitchboardConfig {
    /// What differs from `self` in `new`, and whether a SIGHUP reload applies
    /// it: pool sizes, tokens, `limits.max_sessions`, SIP routes and timers are applied;
    /// listen addresses, media ranges, pools' executables and the rest need a
    /// restart (or, for an executable, a rollout). Secrets are never printed.
    public func changes(to new: SwitchboardConfig) -> [ConfigChange] {
        var changes: [ConfigChange] = []
        func check<T: Equatable>(_ key: String, _ a: T, _ b: T, applied: Bool, note: String? = nil, secret: Bool = false) {
            guard a != b else { return }
            changes.append(ConfigChange(key: key, from: secret ? "***" : "\(a)", to: secret ? "***" : "\(b)",
                                        applied: applied, note: applied ? nil : note ?? "needs a restart"))
        }
        check("http.listen", httpListen, new.httpListen, applied: false)
        check("sip.listen", sip.listen, new.sip.listen, applied: false)
        check("sip.enabled", sip.enabled, new.sip.enabled, applied: false)
        check("sip.default_route", sip.defaultRoute.map { "\($0)" } ?? "", new.sip.defaultRoute.map { "\($0)" } ?? "", applied: true)
        check("sip.routes", sip.routes.map { "\($0.match)->\($0.target)" }, new.sip.routes.map { "\($0.match)->\($0.target)" }, applied: true)
        if sip.routes != new.sip.routes && sip.routes.map({ "\($0.match)->\($0.target)" }) == new.sip.routes.map({ "\($0.match)->\($0.target)" }) {
            changes.append(ConfigChange(key: "sip.routes", from: "(options)", to: "(options)", applied: true, note: nil))
        }
        check("sip.media", sip.media, new.sip.media, applied: true)
        check("sip.invite_timeout", sip.inviteTimeout, new.sip.inviteTimeout, applied: true)
        check("sip.timers", sip.timers, new.sip.timers, applied: true)
        check("media.address", mediaAddress, new.mediaAddress, applied: false)
        check("media.port_range", mediaPortRange, new.mediaPortRange, applied: false)
        check("auth.operator_token", auth.operatorToken, new.auth.operatorToken, applied: true, secret: true)
        check("auth.client_token", auth.clientToken, new.auth.clientToken, applied: true, secret: true)
        check("auth.edge_token", auth.edgeToken, new.auth.edgeToken, applied: true, secret: true)
        check("auth.edge_tokens", auth.edgeTokens, new.auth.edgeTokens, applied: true, secret: true)
        check("metrics.auth", metricsAuth, new.metricsAuth, applied: false)
        check("limits.max_sessions", maxSessions, new.maxSessions, applied: true)
        check("limits.max_frame", maxFrameLength, new.maxFrameLength, applied: false)
        check("sessions timeouts", sessionTimeouts, new.sessionTimeouts, applied: false)
        check("edges", edges, new.edges, applied: false)
        check("pools.names", pools.map(\.name), new.pools.map(\.name), applied: false)
        for pool in pools {
            guard let other = new.pools.first(where: { $0.name == pool.name }) else { continue }
            let k = "pools.\(pool.name)."
            check(k + "size", pool.size, other.size, applied: true)
            check(k + "executable", pool.executable, other.executable, applied: false,
                  note: "use `switchboard pools rollout \(pool.name) --executable PATH`")
            var rest = other
            rest.size = pool.size
            rest.executable = pool.executable
            if rest != pool { changes.append(ConfigChange(key: k + "(other keys)", from: "…", to: "…", applied: false, note: "needs a restart")) }
        }
        return changes
    }
}

/// Reloads the configuration on SIGHUP: reads the file, the environment and
/// the same `--set` overrides again, applies what can change at run time
/// and says what changed (a log line and a `config.reloaded` event). A bad
/// file is refused with the key named, and the running configuration stays.
public struct ConfigReloader: Service {
    let orchestrator: Orchestrator
    let load: @Sendable () async throws -> SwitchboardConfig

    public init(orchestrator: Orchestrator, load: @escaping @Sendable () async throws -> SwitchboardConfig) {
        self.orchestrator = orchestrator
        self.load = load
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                do {
                    let new = try await load()
                    let changes = await orchestrator.reload(new)
                    orchestrator.logger.notice("configuration reloaded (SIGHUP)", metadata: [
                        "changes": "\(changes.isEmpty ? "none" : changes.map(\.description).joined(separator: "; "))",
                    ])
                } catch {
                    orchestrator.logger.error("configuration reload refused; the running configuration stays", metadata: ["error": "\(error)"])
                    orchestrator.events.publish("config.reload_failed", ["error": "\(error)"])
                }
            }
        }
    }
}


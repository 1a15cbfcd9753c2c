import ArgumentParser
import Foundation
import Logging
import SwitchboardServer

struct Edge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run an edge node: its own worker pools and HTTP API, registered with a control plane and reporting its health.",
        discussion: """
            The edge supervises its pools with the same supervision code as `serve`, on its own \
            http.listen and media.port_range (give each edge on a machine its own, with --set), \
            registers with the control plane (PUT /v1/edges/ID: url, region, capacity, media \
            address) and sends a heartbeat every edges.heartbeat_interval (streams, workers ready, \
            CPU, mailbox depths). While the control plane is unreachable it keeps its workers and \
            streams and keeps trying; when the control plane has forgotten it (404), it registers \
            again. SIP is off on an edge unless --set sip.enabled=true. SIGTERM stops it gracefully.
            """)

    @Option(help: "The control plane's base URL, e.g. http://10.0.0.1:8080 (edge.control_plane).") var controlPlane: String?
    @Option(help: "This edge's id, unique among the control plane's edges (edge.id).") var id: String?
    @Option(help: "The edge token the control plane accepts (edge.token; default: env SWITCHBOARD_EDGE_TOKEN).") var token: String?
    @Option(help: "Region, for placement preferences (edge.region).") var region: String?
    @Option(name: .shortAndLong, help: "Configuration file.") var config: String = "Config/switchboard.yaml"
    @Option(name: .customLong("set"), help: ArgumentHelp("Override a configuration key (repeatable).", valueName: "KEY=VALUE"))
    var overrides: [String] = []
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: Logger.Level = .info

    func run() async throws {
        var values = ["sip.enabled": "false"].merging(try Launch.overrides(overrides)) { $1 }
        if let controlPlane { values["edge.control_plane"] = controlPlane }
        if let id { values["edge.id"] = id }
        if let token = token ?? ProcessInfo.processInfo.environment["SWITCHBOARD_EDGE_TOKEN"] { values["edge.token"] = token }
        if let region { values["edge.region"] = region }
        let logger = Launch.logger("switchboard-edge", level: logLevel)
        let cfg = try await Launch.configuration(path: config, overrides: values, logger: logger)
        for (key, value) in [("edge.id / --id", cfg.edge.id), ("edge.control_plane / --control-plane", cfg.edge.controlPlane),
                             ("edge.token / --token", cfg.edge.token)] where value.isEmpty {
            logger.critical("invalid configuration: \(key) is required for an edge")
            throw ExitCode(78)
        }
        logger.notice("edge starting", metadata: ["edge": "\(cfg.edge.id)", "control_plane": "\(cfg.edge.controlPlane)",
                                                   "http": "\(cfg.httpListen)", "media": "\(cfg.mediaPortRange)"])
        let orchestrator = Orchestrator(config: cfg, logger: logger)
        let app = SwitchboardApp.application(orchestrator: orchestrator, logger: logger, onServerRunning: { port in
            logger.notice("edge HTTP API listening", metadata: ["address": "\(cfg.httpListen.host):\(port)"])
        }, extraServices: [EdgeAgent(orchestrator: orchestrator, logger: logger)])
        try await Launch.run(app, logger: logger, what: "edge")
    }
}

import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwitchboardServer

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the orchestrator: the supervision tree of worker pools and the HTTP API.",
        discussion: """
            Reads the configuration file, then SWITCHBOARD_* environment variables \
            (SWITCHBOARD_POOLS_TRANSCODER_SIZE=4 overrides pools.transcoder.size), then --set \
            KEY=VALUE flags, highest last. SIGHUP reloads the file and applies pool sizes, tokens, \
            limits and SIP routes, logging what changed (and what needs a restart). Stops \
            gracefully on SIGTERM or SIGINT (children stopped in reverse start order) and exits 0; \
            exits 1 if the root supervisor gives up, so systemd or Kubernetes restarts it.
            """)

    @Option(name: .shortAndLong, help: "Configuration file.")
    var config: String = "Config/switchboard.yaml"

    @Option(name: .customLong("set"), help: ArgumentHelp("Override a configuration key, e.g. --set http.listen=127.0.0.1:9090 (repeatable).", valueName: "KEY=VALUE"))
    var overrides: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let values = try Launch.overrides(overrides)
        let logger = Launch.logger("switchboard", level: logLevel)
        let cfg = try await Launch.configuration(path: config, overrides: values, logger: logger)
        logger.notice("starting", metadata: ["config": "\(cfg.source)", "http": "\(cfg.httpListen)",
                                              "pools": "\(cfg.pools.map { "\($0.name)=\($0.size)" }.joined(separator: ","))"])
        let orchestrator = Orchestrator(config: cfg, logger: logger)
        let path = config, reloadOverrides = values
        let app = SwitchboardApp.application(orchestrator: orchestrator, logger: logger, onServerRunning: { port in
            logger.notice("HTTP API listening", metadata: ["address": "\(cfg.httpListen.host):\(port)"])
        }, reload: {
            try await SwitchboardConfig.load(path: path, overrides: reloadOverrides)
        })
        try await Launch.run(app, logger: logger, what: "serve")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

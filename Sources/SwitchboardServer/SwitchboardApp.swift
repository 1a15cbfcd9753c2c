import Foundation
import Hummingbird
import Logging

/// Builds the HTTP application around an orchestrator: the API routes, the
/// orchestrator as a Service (started before the server, stopped after it).
public enum SwitchboardApp {
    public static func router(orchestrator: Orchestrator) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        APIRoutes(orchestrator: orchestrator, auth: BearerAuth(config: orchestrator.config.auth)).register(on: router)
        return router
    }

    public static func application(
        orchestrator: Orchestrator, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let listen = orchestrator.config.httpListen
        return Application(
            router: router(orchestrator: orchestrator),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "switchboard"),
            services: [orchestrator],
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? listen.port) },
            logger: logger)
    }
}

import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// Builds the HTTP application around an orchestrator: the API routes, the
/// orchestrator and the SIP front-end as Services (started before the server, stopped after it).
public enum SwitchboardApp {
    public static func router(orchestrator: Orchestrator) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        let auth = BearerAuth(store: orchestrator.tokens)
        APIRoutes(orchestrator: orchestrator, auth: auth).register(on: router)
        EdgeRoutes(orchestrator: orchestrator, auth: auth).register(on: router.group("v1"))
        RolloutRoutes(orchestrator: orchestrator, auth: auth).register(on: router.group("v1"))
        UIRoutes().register(on: router)
        return router
    }

    public static func application(
        orchestrator: Orchestrator, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        reload: (@Sendable () async throws -> SwitchboardConfig)? = nil,
        extraServices: [any Service] = []
    ) -> some ApplicationProtocol {
        let listen = orchestrator.config.httpListen
        // Started in order, stopped in reverse: SIP stops taking calls before the tree stops.
        var services: [any Service] = [orchestrator]
        if let sip = orchestrator.sip { services.append(sip) }
        if let reload { services.append(ConfigReloader(orchestrator: orchestrator, load: reload)) }
        services += extraServices
        return Application(
            router: router(orchestrator: orchestrator),
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "switchboard"),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? listen.port
                orchestrator.boundHTTPPort.withLock { $0 = port }
                await onServerRunning(port)
            },
            logger: logger)
    }
}

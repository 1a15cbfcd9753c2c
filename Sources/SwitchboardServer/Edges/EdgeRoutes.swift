import Edges
import Foundation
import Hummingbird

/// `/v1/edges`: registration and heartbeats from edges (edge token), the
/// list for operators.
struct EdgeRoutes: Sendable {
    let orchestrator: Orchestrator
    let auth: BearerAuth

    struct Registered: ResponseEncodable { var id: String; var state: String; var created: Bool }
    struct EdgeList: ResponseEncodable { var edges: [EdgeView] }

    func register(on v1: RouterGroup<BasicRequestContext>) {
        let registry = orchestrator.edges
        v1.put("edges/:id") { request, context -> Response in
            let id = try context.parameters.require("id")
            try auth.requireEdge(request, id: id)
            let body: EdgeRegistration
            do { body = try await request.decode(as: EdgeRegistration.self, context: context) } catch {
                throw Problem.badRequest("expected {\"url\", \"region\"?, \"capacity\", \"media_address\"?}: \(error)")
            }
            let created: Bool
            let token = request.headers[.authorization].flatMap(BearerAuth.bearerToken).map { String(decoding: $0, as: UTF8.self) } ?? ""
            do { created = try await registry.register(id, body, token: token) } catch { throw Self.problem(error) }
            return try jsonResponse(Registered(id: id, state: "alive", created: created), status: created ? .created : .ok)
        }
        v1.post("edges/:id/heartbeat") { request, context -> Response in
            let id = try context.parameters.require("id")
            try auth.requireEdge(request, id: id)
            let body: HeartbeatReport
            do { body = try await request.decode(as: HeartbeatReport.self, context: context) } catch {
                throw Problem.badRequest("expected {\"sequence\", \"streams\", \"workers_ready\", ...}: \(error)")
            }
            do { try await registry.heartbeat(id, body) } catch { throw Self.problem(error) }
            return Response(status: .noContent)
        }
        v1.get("edges") { request, _ -> EdgeList in
            try auth.require(request, [.operator])
            return EdgeList(edges: await registry.list(local: await orchestrator.localEdge()))
        }
    }

    static func problem(_ error: any Error) -> any Error {
        guard let failure = error as? EdgeRegistry.Failure else { return error }
        return problem(failure)
    }

    static func problem(_ error: EdgeRegistry.Failure) -> Problem {
        switch error {
        case let .notRegistered(why): Problem.notFound(why)
        case let .invalid(why): Problem(.init(code: 422, reasonPhrase: "Unprocessable Content"), "invalid_report", "Invalid report", detail: why)
        }
    }
}

extension Orchestrator {
    /// The embedded edge (this process's own pools), as `GET /v1/edges` lists it.
    public func localEdge() async -> EdgeView {
        let streams = await sessions.streamCounts().values.reduce(0, +)
        let ready = await pools.first?.readyCount() ?? 0
        let capacity = pools.first.map { $0.desiredSize * $0.config.maxStreams } ?? 0
        return EdgeView(id: "local", state: "alive", phi: 0, region: config.edge.region, url: "http://\(config.httpListen.host):\(boundHTTPPort.withLock { $0 } ?? config.httpListen.port)",
                        lastReport: iso8601(Date()), load: capacity > 0 ? Double(streams) / Double(capacity) : 0,
                        capacity: capacity, streams: streams, workersReady: ready, cpu: nil, packetLoss: nil, heartbeats: 0,
                        mediaAddress: config.mediaAddress)
    }
}

import Foundation
import Hummingbird

/// `POST /v1/pools/{name}/rollout` (`{"executable"?: PATH}`: 202 and the
/// status) and `GET /v1/pools/{name}/rollout` (the status, to follow it).
struct RolloutRoutes: Sendable {
    let orchestrator: Orchestrator
    let auth: BearerAuth

    struct RolloutRequest: Decodable { var executable: String? }

    func register(on v1: RouterGroup<BasicRequestContext>) {
        v1.post("pools/:name/rollout") { request, context -> Response in
            try auth.require(request, [.operator])
            let name = try context.parameters.require("name")
            guard let pool = orchestrator.pool(named: name) else { throw Problem.notFound("no pool named '\(name)'") }
            var body = RolloutRequest(executable: nil)
            if (request.headers[.contentLength].flatMap(Int.init) ?? 1) > 0 {
                do { body = try await request.decode(as: RolloutRequest.self, context: context) } catch {
                    throw Problem.badRequest("expected {\"executable\"?: PATH}: \(error)")
                }
            }
            let status: RolloutStatus
            do { status = try await orchestrator.rollouts.start(pool, executable: body.executable) } catch {
                throw Self.problem(error)
            }
            return try jsonResponse(status, status: .accepted)
        }
        v1.get("pools/:name/rollout") { request, context -> Response in
            try auth.require(request, [.operator])
            let name = try context.parameters.require("name")
            guard let status = await orchestrator.rollouts.status(of: name) else {
                throw Problem.notFound("no rollout of pool '\(name)' yet")
            }
            return try jsonResponse(status, status: .ok)
        }
    }

    static func problem(_ error: any Error) -> any Error {
        guard let failure = error as? RolloutRunner.Failure else { return error }
        return switch failure {
        case let .notFound(why): Problem.notFound(why)
        case let .conflict(why): Problem(.conflict, "conflict", "Conflict", detail: why)
        case let .invalid(why): Problem.badRequest(why)
        }
    }
}

import Foundation
import Hummingbird

/// `/v1/sessions`: offer, answer, list, show, end.
struct SessionRoutes: Sendable {
    let orchestrator: Orchestrator
    let auth: BearerAuth

    struct CreateRequest: Decodable {
        struct Transcode: Decodable { var codecs: [String]?; var profile: String? }
        var offer: String
        var transcode: Transcode?
        var edge: String?
        var labels: [String: String]?
    }
    struct AnswerRequest: Decodable { var answer: String }
    struct SessionList: ResponseEncodable { var sessions: [SessionView] }

    func register(on v1: RouterGroup<BasicRequestContext>) {
        v1.post("sessions") { request, context -> Response in
            try auth.require(request, [.client, .operator])
            let body: CreateRequest
            do { body = try await request.decode(as: CreateRequest.self, context: context) } catch {
                throw Problem.badRequest("expected {\"offer\": SDP, \"transcode\"?: {\"codecs\", \"profile\"}, \"labels\"?}: \(error)")
            }
            do {
                let view = try await orchestrator.sessions.create(offer: body.offer, codecs: body.transcode?.codecs,
                                                                  profile: body.transcode?.profile, labels: body.labels ?? [:])
                return try jsonResponse(view, status: .created)
            } catch { throw Self.problem(error) }
        }
        v1.post("sessions/:id/answer") { request, context -> Response in
            try auth.require(request, [.client, .operator])
            let id = try context.parameters.require("id")
            let body: AnswerRequest
            do { body = try await request.decode(as: AnswerRequest.self, context: context) } catch {
                throw Problem.badRequest("expected {\"answer\": SDP}: \(error)")
            }
            do {
                return try jsonResponse(try await orchestrator.sessions.answer(id, sdp: body.answer), status: .ok)
            } catch { throw Self.problem(error) }
        }
        v1.get("sessions") { request, _ -> Response in
            try auth.require(request, [.client, .operator])
            return try jsonResponse(["sessions": await orchestrator.sessions.list()], status: .ok)
        }
        v1.get("sessions/:id") { request, context -> Response in
            try auth.require(request, [.client, .operator])
            let id = try context.parameters.require("id")
            do { return try jsonResponse(try await orchestrator.sessions.view(id), status: .ok) } catch { throw Self.problem(error) }
        }
        v1.delete("sessions/:id") { request, context -> Response in
            try auth.require(request, [.client, .operator])
            let id = try context.parameters.require("id")
            do { try await orchestrator.sessions.end(id) } catch { throw Self.problem(error) }
            return Response(status: .noContent)
        }
    }

    static func problem(_ error: any Error) -> any Error {
        guard let failure = error as? SessionFailure else { return error }
        return problem(failure)
    }

    static func problem(_ failure: SessionFailure) -> Problem {
        switch failure {
        case let .notFound(why): Problem.notFound(why)
        case let .badRequest(why): Problem.badRequest(why)
        case let .unsupportedMedia(why): Problem(.init(code: 422, reasonPhrase: "Unprocessable Content"), "unsupported_media", "Unsupported media", detail: why)
        case let .noCapacity(why): Problem(.serviceUnavailable, "no_capacity", "No capacity", detail: why, headers: [.retryAfter: "1"])
        case let .conflict(why): Problem(.conflict, "conflict", "Conflict", detail: why)
        case let .workerFailed(why): Problem(.serviceUnavailable, "worker_failed", "Worker failed", detail: why, headers: [.retryAfter: "1"])
        }
    }
}

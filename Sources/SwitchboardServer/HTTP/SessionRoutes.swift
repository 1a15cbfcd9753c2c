import Foundation
import Hummingbird

/// `/v1/sessions`: offer, answer, list, show, end.
struct SessionRoutes: Sendable {
    let orchestrator: Orchestrator
    let auth: BearerAuth

    struct CreateRequest: Decodable {
        struct Transcode: Decodable { var codecs: [String]? = nil; var profile: String? = nil }
        var offer: String
        var transcode: Transcode?
        var edge: String?
        var labels: [String: String]?
    }
    struct AnswerRequest: Decodable { var answer: String }

    func register(on v1: RouterGroup<BasicRequestContext>) {
        v1.post("sessions") { request, context -> Response in
            try auth.require(request, [.client, .operator])
            let body: CreateRequest
            do { body = try await Self.decode(request, context, fast: CreateRequest.init(scanning:)) } catch {
                throw Problem.badRequest("expected {\"offer\": SDP, \"transcode\"?: {\"codecs\", \"profile\"}, \"labels\"?}: \(error)")
            }
            do {
                let view = try await orchestrator.sessions.create(offer: body.offer, codecs: body.transcode?.codecs,
                                                                  profile: body.transcode?.profile, labels: body.labels ?? [:])
                return jsonResponse(bytes: view.jsonBytes, status: .created)
            } catch { throw Self.problem(error) }
        }
        v1.post("sessions/:id/answer") { request, context -> Response in
            try auth.require(request, [.client, .operator])
            let id = try context.parameters.require("id")
            let body: AnswerRequest
            do { body = try await Self.decode(request, context, fast: AnswerRequest.init(scanning:)) } catch {
                throw Problem.badRequest("expected {\"answer\": SDP}: \(error)")
            }
            do {
                return jsonResponse(bytes: try await orchestrator.sessions.answer(id, sdp: body.answer).jsonBytes, status: .ok)
            } catch { throw Self.problem(error) }
        }
        v1.get("sessions") { request, _ -> Response in
            try auth.require(request, [.client, .operator])
            return jsonResponse(bytes: sessionListJSON(await orchestrator.sessions.list()), status: .ok)
        }
        v1.get("sessions/:id") { request, context -> Response in
            try auth.require(request, [.client, .operator])
            let id = try context.parameters.require("id")
            do { return jsonResponse(bytes: try await orchestrator.sessions.view(id).jsonBytes, status: .ok) } catch { throw Self.problem(error) }
        }
        v1.delete("sessions/:id") { request, context -> Response in
            try auth.require(request, [.client, .operator])
            let id = try context.parameters.require("id")
            do { try await orchestrator.sessions.end(id) } catch { throw Self.problem(error) }
            return Response(status: .noContent)
        }
    }

    /// The body through `fast` (``JSONScanner``), or, for any body it does
    /// not take, through the context's decoder as before (same values, same errors).
    static func decode<T: Decodable>(_ request: Request, _ context: BasicRequestContext,
                                     fast: (inout JSONScanner) -> T?) async throws -> T {
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let decoded = buffer.withUnsafeReadableBytes { raw -> T? in
            var scanner = JSONScanner(raw)
            guard let value = fast(&scanner), scanner.atEnd() else { return nil }
            return value
        }
        if let decoded { return decoded }
        return try await request.decode(as: T.self, context: context)
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

extension SessionRoutes.CreateRequest {
    /// The fast path of `Decodable` (see ``SessionRoutes/decode(_:_:fast:)``): nil for anything unusual,
    /// a key given twice included (`JSONDecoder` keeps the first, a scan the last).
    init?(scanning scanner: inout JSONScanner) {
        var offer: String?
        var transcode: Transcode?
        var edge: String?
        var labels: [String: String]?
        var seen = KeySet()
        let ok = scanner.object { scanner, key in
            if key == "offer" {
                guard seen.insert(0) else { return false }
                offer = scanner.string()
                return offer != nil
            } else if key == "transcode" {
                guard seen.insert(1) else { return false }
                if scanner.null() { return true }
                var t = Transcode()
                var seenInside = KeySet()
                let ok = scanner.object { scanner, key in
                    if key == "codecs" {
                        guard seenInside.insert(0) else { return false }
                        if scanner.null() { return true }
                        t.codecs = scanner.stringArray()
                        return t.codecs != nil
                    } else if key == "profile" {
                        guard seenInside.insert(1) else { return false }
                        if scanner.null() { return true }
                        t.profile = scanner.string()
                        return t.profile != nil
                    }
                    return scanner.skipValue()
                }
                transcode = t
                return ok
            } else if key == "edge" {
                guard seen.insert(2) else { return false }
                if scanner.null() { return true }
                edge = scanner.string()
                return edge != nil
            } else if key == "labels" {
                guard seen.insert(3) else { return false }
                if scanner.null() { return true }
                labels = scanner.stringDictionary()
                return labels != nil
            }
            return scanner.skipValue()
        }
        guard ok, let offer else { return nil }
        self.init(offer: offer, transcode: transcode, edge: edge, labels: labels)
    }
}

extension SessionRoutes.AnswerRequest {
    init?(scanning scanner: inout JSONScanner) {
        var answer: String?
        let ok = scanner.object { scanner, key in
            if key == "answer" {
                guard answer == nil else { return false }  // given twice: JSONDecoder decides
                answer = scanner.string()
                return answer != nil
            }
            return scanner.skipValue()
        }
        guard ok, let answer else { return nil }
        self.init(answer: answer)
    }
}

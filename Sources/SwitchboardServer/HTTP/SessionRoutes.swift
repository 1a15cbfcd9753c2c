import Foundation
import Hummingbird
import Sessions

/// `/v1/sessions`: offer, answer, list, show, end; and the re-offer calls a
/// control plane makes on an edge for SIP re-INVITEs. Clients and operators
/// use them; on an edge (`switchboard edge`) also the control plane, with the
/// edge token.
struct SessionRoutes: Sendable {
    let orchestrator: Orchestrator
    let auth: BearerAuth

    struct CreateRequest: Decodable {
        struct Transcode: Decodable { var codecs: [String]? = nil; var profile: String? = nil }
        var offer: String
        var transcode: Transcode?
        var edge: String?
        var region: String?
        var labels: [String: String]?
    }
    struct AnswerRequest: Decodable { var answer: String }
    struct ReofferRequest: Decodable { var sdp: String; var from: String }
    struct SDPRequest: Codable, ResponseEncodable { var sdp: String }
    /// Who may use the session API here: the edge token too on an edge.
    var roles: Set<Role> { orchestrator.config.edge.id.isEmpty ? [.client, .operator] : [.client, .operator, .edge] }

    func register(on v1: RouterGroup<BasicRequestContext>) {
        let sessions = orchestrator.directory
        let roles = roles
        v1.post("sessions") { request, context -> Response in
            try auth.require(request, roles)
            let body: CreateRequest
            do { body = try await Self.decode(request, context, fast: CreateRequest.init(scanning:)) } catch {
                throw Problem.badRequest("expected {\"offer\": SDP, \"transcode\"?: {\"codecs\", \"profile\"}, \"edge\"?, \"region\"?, \"labels\"?}: \(error)")
            }
            do {
                let view = try await sessions.create(offer: body.offer, codecs: body.transcode?.codecs, profile: body.transcode?.profile,
                                                     labels: body.labels ?? [:], edge: body.edge, region: body.region)
                return jsonResponse(bytes: view.jsonBytes, status: .created)
            } catch { throw Self.problem(error) }
        }
        v1.post("sessions/:id/answer") { request, context -> Response in
            try auth.require(request, roles)
            let id = try context.parameters.require("id")
            let body: AnswerRequest
            do { body = try await Self.decode(request, context, fast: AnswerRequest.init(scanning:)) } catch {
                throw Problem.badRequest("expected {\"answer\": SDP}: \(error)")
            }
            do {
                return jsonResponse(bytes: try await sessions.answer(id, sdp: body.answer).jsonBytes, status: .ok)
            } catch { throw Self.problem(error) }
        }
        v1.get("sessions") { request, _ -> Response in
            try auth.require(request, roles)
            return jsonResponse(bytes: sessionListJSON(await sessions.list()), status: .ok)
        }
        v1.get("sessions/:id") { request, context -> Response in
            try auth.require(request, roles)
            let id = try context.parameters.require("id")
            do { return jsonResponse(bytes: try await sessions.view(id).jsonBytes, status: .ok) } catch { throw Self.problem(error) }
        }
        v1.delete("sessions/:id") { request, context -> Response in
            try auth.require(request, roles)
            let id = try context.parameters.require("id")
            var reason = EndReason.deleted
            if let given = request.uri.queryParameters.get("reason") {
                guard let parsed = EndReason(rawValue: given) else { throw Problem.badRequest("reason '\(given)' is not an end reason") }
                reason = parsed
            }
            do { try await sessions.end(id, reason: reason) } catch { throw Self.problem(error) }
            return Response(status: .noContent)
        }
        // A re-offer inside an answered session (SIP re-INVITE on a call whose media is on this node).
        v1.post("sessions/:id/reoffer") { request, context -> SDPRequest in
            try auth.require(request, roles)
            let id = try context.parameters.require("id")
            let body: ReofferRequest
            do { body = try await request.decode(as: ReofferRequest.self, context: context) } catch {
                throw Problem.badRequest("expected {\"sdp\": SDP, \"from\": \"a\" or \"b\"}: \(error)")
            }
            guard body.from == "a" || body.from == "b" else { throw Problem.badRequest("from must be \"a\" or \"b\"") }
            do { return SDPRequest(sdp: try await sessions.reoffer(id, sdp: body.sdp, fromA: body.from == "a")) } catch { throw Self.problem(error) }
        }
        v1.post("sessions/:id/reanswer") { request, context -> SDPRequest in
            try auth.require(request, roles)
            let id = try context.parameters.require("id")
            let body: SDPRequest
            do { body = try await request.decode(as: SDPRequest.self, context: context) } catch {
                throw Problem.badRequest("expected {\"sdp\": SDP}: \(error)")
            }
            do { return SDPRequest(sdp: try await sessions.reanswer(id, sdp: body.sdp)) } catch { throw Self.problem(error) }
        }
        v1.delete("sessions/:id/reoffer") { request, context -> Response in
            try auth.require(request, roles)
            await sessions.dropReoffer(try context.parameters.require("id"))
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
        var region: String?
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
            } else if key == "region" {
                guard seen.insert(4) else { return false }
                if scanner.null() { return true }
                region = scanner.string()
                return region != nil
            } else if key == "labels" {
                guard seen.insert(3) else { return false }
                if scanner.null() { return true }
                labels = scanner.stringDictionary()
                return labels != nil
            }
            return scanner.skipValue()
        }
        guard ok, let offer else { return nil }
        self.init(offer: offer, transcode: transcode, edge: edge, region: region, labels: labels)
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

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Sessions

/// Where a session's media runs: the embedded local edge (this process's
/// own ``SessionManager``) or a remote edge reached over its HTTP API. The
/// ``SessionDirectory`` sees both through this one interface. `session`
/// is the id the edge itself gave the session.
protocol MediaEdge: Sendable {
    /// `local`, or the id the edge registered with.
    var edgeID: String { get }
    func create(offer: String, codecs: [String]?, profile: String?, labels: [String: String]) async throws(SessionFailure) -> SessionView
    func answer(_ session: String, sdp: String) async throws(SessionFailure) -> SessionView
    func end(_ session: String, reason: EndReason) async throws(SessionFailure)
    func view(_ session: String) async throws(SessionFailure) -> SessionView
    func reoffer(_ session: String, sdp: String, fromA: Bool) async throws(SessionFailure) -> String
    func reanswer(_ session: String, sdp: String) async throws(SessionFailure) -> String
    func dropReoffer(_ session: String) async
}

extension SessionManager: MediaEdge {
    nonisolated var edgeID: String { "local" }
}

/// A remote edge (`switchboard edge`), through the session API it serves
/// (`/v1/sessions`, edge-token auth). A request that gets no answer within
/// ``timeout`` fails with ``SessionFailure/workerFailed(_:)`` naming the
/// edge (HTTP 503 with Retry-After to the client).
struct RemoteEdge: MediaEdge {
    let edgeID: String
    let url: String
    let token: String
    var timeout: TimeInterval = 3

    func create(offer: String, codecs: [String]?, profile: String?, labels: [String: String]) async throws(SessionFailure) -> SessionView {
        var body: [String: Any] = ["offer": offer, "labels": labels]
        var transcode: [String: Any] = [:]
        if let codecs { transcode["codecs"] = codecs }
        if let profile { transcode["profile"] = profile }
        if !transcode.isEmpty { body["transcode"] = transcode }
        return try await decode(SessionView.self, from: request("POST", "/v1/sessions", json: body))
    }

    func answer(_ session: String, sdp: String) async throws(SessionFailure) -> SessionView {
        try await decode(SessionView.self, from: request("POST", "/v1/sessions/\(session)/answer", json: ["answer": sdp]))
    }

    func end(_ session: String, reason: EndReason) async throws(SessionFailure) {
        _ = try await request("DELETE", "/v1/sessions/\(session)?reason=\(reason.rawValue)")
    }

    func view(_ session: String) async throws(SessionFailure) -> SessionView {
        try await decode(SessionView.self, from: request("GET", "/v1/sessions/\(session)"))
    }

    func list() async throws(SessionFailure) -> [SessionView] {
        struct Listing: Decodable { var sessions: [SessionView] }
        return try await decode(Listing.self, from: request("GET", "/v1/sessions")).sessions
    }

    func reoffer(_ session: String, sdp: String, fromA: Bool) async throws(SessionFailure) -> String {
        try await decode(SDPBody.self, from: request("POST", "/v1/sessions/\(session)/reoffer", json: ["sdp": sdp, "from": fromA ? "a" : "b"])).sdp
    }

    func reanswer(_ session: String, sdp: String) async throws(SessionFailure) -> String {
        try await decode(SDPBody.self, from: request("POST", "/v1/sessions/\(session)/reanswer", json: ["sdp": sdp])).sdp
    }

    func dropReoffer(_ session: String) async {
        _ = try? await request("DELETE", "/v1/sessions/\(session)/reoffer")
    }

    struct SDPBody: Codable { var sdp: String }

    /// One request; a status outside 2xx becomes the failure the edge's
    /// problem names (its `detail`, prefixed with the edge id).
    func request(_ method: String, _ path: String, json: [String: Any]? = nil) async throws(SessionFailure) -> Data {
        guard let target = URL(string: url.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path) else {
            throw .workerFailed("edge \(edgeID): '\(url)' is not a URL")
        }
        var request = URLRequest(url: target)
        request.httpMethod = method
        request.timeoutInterval = timeout
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let json {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try? JSONSerialization.data(withJSONObject: json)
        }
        let data: Data
        let status: Int
        do {
            let (body, response) = try await HTTPExchange.send(request)
            data = body
            status = response?.statusCode ?? 0
        } catch {
            throw .workerFailed("edge \(edgeID) unreachable: \(error.localizedDescription)")
        }
        if (200..<300).contains(status) { return data }
        let problem = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        let detail = "edge \(edgeID): " + ((problem?["detail"] as? String) ?? "HTTP \(status)")
        switch status {
        case 404: throw .notFound(detail)
        case 400: throw .badRequest(detail)
        case 409: throw .conflict(detail)
        case 415, 422, 488: throw .unsupportedMedia(detail)
        case 503 where problem?["type"] as? String == "no_capacity": throw .noCapacity(detail)
        default: throw .workerFailed(detail)
        }
    }

    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(SessionFailure) -> T {
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw .workerFailed("edge \(edgeID) sent an unreadable answer: \(error)")
        }
    }
}

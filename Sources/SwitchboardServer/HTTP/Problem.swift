import Foundation
import Hummingbird

/// An `application/problem+json` error (RFC 9457): errors are values,
/// rendered once.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var title: String
    public var detail: String
    public var type: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ type: String, _ title: String, detail: String, headers: HTTPFields = [:]) {
        self.status = status
        self.type = type
        self.title = title
        self.detail = detail
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body: [String: String] = ["type": type, "title": title, "detail": detail, "status": "\(status.code)"]
        var json = (try? JSONSerialization.data(withJSONObject: body.mapValues { $0 as Any }, options: [.sortedKeys])) ?? Data()
        // status as a number, as RFC 9457 says
        if var text = String(data: json, encoding: .utf8) {
            text = text.replacingOccurrences(of: "\"status\":\"\(status.code)\"", with: "\"status\":\(status.code)")
            json = Data(text.utf8)
        }
        var fields = headers
        fields[.contentType] = "application/problem+json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    static func notFound(_ what: String) -> Problem {
        Problem(.notFound, "not_found", "Not found", detail: what)
    }

    static func badRequest(_ why: String) -> Problem {
        Problem(.badRequest, "bad_request", "Bad request", detail: why)
    }
}

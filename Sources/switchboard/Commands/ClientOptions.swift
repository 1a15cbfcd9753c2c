import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Options of every command that talks to a running server.
struct ClientOptions: ParsableArguments {
    @Option(help: "Base URL of the switchboard HTTP API (env SWITCHBOARD_SERVER).")
    var server: String = ProcessInfo.processInfo.environment["SWITCHBOARD_SERVER"] ?? "http://127.0.0.1:8080"

    @Option(help: "Bearer token (default: env SWITCHBOARD_TOKEN).")
    var token: String?

    @Flag(help: "Print JSON for scripts instead of a table.")
    var json = false

    var resolvedToken: String? { token ?? ProcessInfo.processInfo.environment["SWITCHBOARD_TOKEN"] }

    /// Sends a request; returns the body, or throws a readable error built
    /// from the server's problem+json.
    func request(_ method: String, _ path: String, body: [String: Any]? = nil) async throws -> Data {
        guard let url = URL(string: server.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path) else {
            throw ValidationError("--server '\(server)' is not a URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 30
        if let token = resolvedToken { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data, response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIError("cannot reach \(server): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            let problem = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
            let detail = problem?["detail"] as? String ?? String(decoding: data, as: UTF8.self)
            var hint = ""
            if status == 401 { hint = " (set SWITCHBOARD_TOKEN or --token)" }
            throw CLIError("\(method) \(path): HTTP \(status): \(detail)\(hint)")
        }
        return data
    }

    func getJSON(_ path: String) async throws -> [String: Any] {
        let data = try await request("GET", path)
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CLIError("GET \(path): the server did not answer a JSON object")
        }
        return object
    }

    /// Prints raw JSON (pretty) for --json.
    func printJSON(_ data: Data) {
        if let object = try? JSONSerialization.jsonObject(with: data),
           let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) {
            print(String(decoding: pretty, as: UTF8.self))
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A plain text table: columns padded to their widest cell.
func renderTable(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
        for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").replacing(/\ +$/, with: "")  // trailing padding only: an indented label keeps its indent
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
}

func string(_ any: Any?) -> String {
    switch any {
    case nil, is NSNull: return "-"
    case let s as String: return s
    case let n as NSNumber: return n.stringValue
    default: return "\(any!)"
    }
}

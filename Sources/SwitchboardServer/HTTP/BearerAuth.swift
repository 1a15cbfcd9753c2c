import Hummingbird

/// Roles of the HTTP API.
public enum Role: String, Sendable, Hashable {
    case client, `operator`, edge
}

/// Bearer-token authentication: a missing or unknown token is 401, a known
/// token of another role 403. Tokens are compared in constant time.
public struct BearerAuth: Sendable {
    let tokens: [(token: [UInt8], role: Role)]

    public init(config: SwitchboardConfig.Auth) {
        tokens = [
            (Array(config.operatorToken.utf8), .operator),
            (Array(config.clientToken.utf8), .client),
            (Array(config.edgeToken.utf8), .edge),
        ]
    }

    /// The role of the request's token, or a 401 problem.
    func role(of request: Request) throws -> Role {
        guard let header = request.headers[.authorization] else {
            throw unauthorized("an Authorization: Bearer token is required")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw unauthorized("the Authorization header must be 'Bearer TOKEN'")
        }
        let presented = Array(parts[1].utf8)
        for (token, role) in tokens where constantTimeEqual(token, presented) { return role }
        throw unauthorized("unknown token")
    }

    /// Throws 401/403 unless the request's token has one of `roles`.
    func require(_ request: Request, _ roles: Set<Role>) throws {
        let role = try role(of: request)
        guard roles.contains(role) else {
            throw Problem(.forbidden, "forbidden", "Forbidden",
                          detail: "this endpoint needs the \(roles.map(\.rawValue).sorted().joined(separator: " or ")) role; the token is a \(role.rawValue) token")
        }
    }

    private func unauthorized(_ detail: String) -> Problem {
        Problem(.unauthorized, "unauthorized", "Unauthorized", detail: detail,
                headers: [.wwwAuthenticate: "Bearer realm=\"switchboard\""])
    }
}

func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<a.count { diff |= a[i] ^ b[i] }
    return diff == 0
}

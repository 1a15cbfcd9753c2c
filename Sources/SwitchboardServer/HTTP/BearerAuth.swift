import Hummingbird
import Synchronization

/// Roles of the HTTP API.
public enum Role: String, Sendable, Hashable {
    case client, `operator`, edge
}

/// Bearer-token authentication: a missing or unknown token is 401, a known
/// token of another role 403. Tokens are compared in constant time.
public struct BearerAuth: Sendable {
    let store: TokenStore

    public init(config: SwitchboardConfig.Auth) {
        store = TokenStore(config)
    }

    /// Authentication against a shared store (which a SIGHUP reload updates).
    public init(store: TokenStore) {
        self.store = store
    }

    var tokens: [(token: [UInt8], role: Role)] { store.tokens }

    /// The role of the request's token, or a 401 problem.
    func role(of request: Request) throws -> Role {
        guard let header = request.headers[.authorization] else {
            throw unauthorized("an Authorization: Bearer token is required")
        }
        guard let presented = Self.bearerToken(header) else {
            throw unauthorized("the Authorization header must be 'Bearer TOKEN'")
        }
        for (token, role) in tokens where constantTimeEqual(token, presented) { return role }
        throw unauthorized("unknown token")
    }

    /// The token of `Bearer TOKEN` (scheme in any case; spaces before it
    /// skipped, everything after the one space that follows it kept), or nil.
    static func bearerToken(_ header: String) -> Substring.UTF8View? {
        let bytes = header.utf8
        guard let start = bytes.firstIndex(where: { $0 != UInt8(ascii: " ") }),
              let space = bytes[start...].firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let token = bytes[bytes.index(after: space)...]
        guard !token.isEmpty else { return nil }
        let scheme = bytes[start..<space]
        let isBearer = scheme.allSatisfy { $0 < 0x80 }
            ? scheme.elementsEqual("bearer".utf8) { ($0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0) == $1 }
            : String(decoding: scheme, as: UTF8.self).lowercased() == "bearer"
        return isBearer ? token : nil
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

func constantTimeEqual(_ a: [UInt8], _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    var diff: UInt8 = 0
    for (x, y) in zip(a, b) { diff |= x ^ y }
    return diff == 0
}

/// The tokens by role, replaceable at run time (SIGHUP reload).
/// An edge (`switchboard edge`) also takes its own `edge.token` as an edge
/// token: the control plane calls the edge's API with the token the edge
/// registered with.
public final class TokenStore: Sendable {
    private let current: Mutex<[(token: [UInt8], role: Role)]>
    private let ownEdgeToken: String

    public init(_ config: SwitchboardConfig.Auth, ownEdgeToken: String = "") {
        self.ownEdgeToken = ownEdgeToken
        current = Mutex(Self.tokens(config, ownEdgeToken: ownEdgeToken))
    }

    var tokens: [(token: [UInt8], role: Role)] { current.withLock { $0 } }

    /// New tokens apply to the next request; the old ones stop working at once.
    public func update(_ config: SwitchboardConfig.Auth) {
        let fresh = Self.tokens(config, ownEdgeToken: ownEdgeToken)
        current.withLock { $0 = fresh }
    }

    static func tokens(_ config: SwitchboardConfig.Auth, ownEdgeToken: String = "") -> [(token: [UInt8], role: Role)] {
        var tokens: [(token: [UInt8], role: Role)] = [(Array(config.operatorToken.utf8), .operator), (Array(config.clientToken.utf8), .client),
                                                       (Array(config.edgeToken.utf8), .edge)]
        if !ownEdgeToken.isEmpty && ownEdgeToken != config.edgeToken { tokens.append((Array(ownEdgeToken.utf8), .edge)) }
        return tokens
    }
}

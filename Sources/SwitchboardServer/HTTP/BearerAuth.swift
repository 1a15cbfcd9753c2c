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

    var tokens: [TokenStore.Grant] { store.tokens }

    /// The role of the request's token, or a 401 problem.
    func role(of request: Request) throws -> Role { try grant(of: request).role }

    /// What the request's token grants, or a 401 problem.
    func grant(of request: Request) throws -> TokenStore.Grant {
        guard let header = request.headers[.authorization] else {
            throw unauthorized("an Authorization: Bearer token is required")
        }
        guard let presented = Self.bearerToken(header) else {
            throw unauthorized("the Authorization header must be 'Bearer TOKEN'")
        }
        for grant in tokens where constantTimeEqual(grant.token, presented) { return grant }
        throw unauthorized("unknown token")
    }

    /// Throws 401/403 unless the request's token is an edge token good for
    /// edge `id`: the shared `auth.edge_token`, or the one `auth.edge_tokens`
    /// gives that edge (SPEC's `edge:ID` role).
    func requireEdge(_ request: Request, id: String) throws {
        let grant = try grant(of: request)
        guard grant.role == .edge else {
            throw Problem(.forbidden, "forbidden", "Forbidden", detail: "this endpoint needs the edge role; the token is a \(grant.role.rawValue) token")
        }
        if let bound = grant.edge, bound != id {
            throw Problem(.forbidden, "forbidden", "Forbidden", detail: "this token belongs to edge '\(bound)', not to edge '\(id)'")
        }
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
    /// One token: its role, and for a per-edge token the edge it is bound to.
    struct Grant: Sendable {
        var token: [UInt8]
        var role: Role
        var edge: String? = nil
    }

    private let current: Mutex<[Grant]>
    private let ownEdgeToken: String

    public init(_ config: SwitchboardConfig.Auth, ownEdgeToken: String = "") {
        self.ownEdgeToken = ownEdgeToken
        current = Mutex(Self.tokens(config, ownEdgeToken: ownEdgeToken))
    }

    var tokens: [Grant] { current.withLock { $0 } }

    /// New tokens apply to the next request; the old ones stop working at once.
    public func update(_ config: SwitchboardConfig.Auth) {
        let fresh = Self.tokens(config, ownEdgeToken: ownEdgeToken)
        current.withLock { $0 = fresh }
    }

    static func tokens(_ config: SwitchboardConfig.Auth, ownEdgeToken: String = "") -> [Grant] {
        var tokens = [Grant(token: Array(config.operatorToken.utf8), role: .operator), Grant(token: Array(config.clientToken.utf8), role: .client),
                      Grant(token: Array(config.edgeToken.utf8), role: .edge)]
        for (token, edge) in config.edgeTokens.sorted(by: { $0.value < $1.value }) {
            tokens.append(Grant(token: Array(token.utf8), role: .edge, edge: edge))
        }
        if !ownEdgeToken.isEmpty && ownEdgeToken != config.edgeToken && config.edgeTokens[ownEdgeToken] == nil {
            tokens.append(Grant(token: Array(ownEdgeToken.utf8), role: .edge))
        }
        return tokens
    }
}

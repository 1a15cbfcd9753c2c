/// The `o=` line: who created the session description and its version.
///
/// ```
/// o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
/// o=- 4858251967428331542 2 IN IP4 127.0.0.1
/// ```
/// The numeric fields are kept as the text they were written with (some
/// stacks use values beyond 64 bits), so a description round-trips exactly.
public struct Origin: Sendable, Hashable, Codable {
    /// The user name, `-` when there is none.
    public var username: String
    /// The session id (digits).
    public var sessionID: String
    /// The session version (digits); increased by the author on each new offer or answer.
    public var sessionVersion: String
    /// The network type, `IN`.
    public var networkType: String
    /// The address type, `IP4` or `IP6`.
    public var addressType: String
    /// The address of the machine that created the description.
    public var address: String

    /// An origin; `addressType` defaults to `IP6` for an address with a colon, else `IP4`.
    public init(
        username: String = "-", sessionID: String, sessionVersion: String,
        networkType: String = "IN", addressType: String? = nil, address: String
    ) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.networkType = networkType
        self.addressType = addressType ?? Connection.addressType(of: address)
        self.address = address
    }

    var value: String {
        "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(address)"
    }
}

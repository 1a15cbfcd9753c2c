/// A `c=` line: where media goes.
///
/// ```
/// c=<nettype> <addrtype> <connection-address>
/// c=IN IP4 203.0.113.7
/// c=IN IP4 224.2.1.1/127/3      (multicast: TTL and count stay in `address`)
/// ```
public struct Connection: Sendable, Hashable, Codable {
    /// The network type, `IN`.
    public var networkType: String
    /// `IP4` or `IP6`.
    public var addressType: String
    /// The address, with any multicast `/ttl/count` suffix as written.
    public var address: String

    /// A connection; `addressType` defaults to `IP6` for an address with a colon, else `IP4`.
    public init(networkType: String = "IN", addressType: String? = nil, address: String) {
        self.networkType = networkType
        self.addressType = addressType ?? Self.addressType(of: address)
        self.address = address
    }

    /// The address without a multicast `/ttl/count` suffix.
    public var host: String {
        if let slash = address.firstIndex(of: "/") { return String(address[..<slash]) }
        return address
    }

    static func addressType(of address: String) -> String { address.contains(":") ? "IP6" : "IP4" }

    var value: String { "\(networkType) \(addressType) \(address)" }

    init?(parsing value: Substring) {
        let fields = value.fields(UInt8(ascii: " "))
        guard fields.count == 3 else { return nil }
        self.init(networkType: String(fields[0]), addressType: String(fields[1]), address: String(fields[2]))
    }
}

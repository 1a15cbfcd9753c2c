/// A transport address: where a side sends or receives media.
public struct MediaEndpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    /// An IPv4 or IPv6 address (or a host name, as an SDP may carry).
    public var address: String
    /// The UDP port.
    public var port: UInt16

    /// An endpoint.
    public init(address: String, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `203.0.113.7:40000`, `[2001:db8::1]:40000`.
    public var description: String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}

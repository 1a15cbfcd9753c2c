/// An `a=rtcp` attribute (RFC 3605): the RTCP port when it is not the RTP port + 1.
///
/// ```
/// a=rtcp:<port> [<nettype> <addrtype> <connection-address>]
/// a=rtcp:53020 IN IP4 126.16.64.4
/// ```
public struct RTCPAttribute: Sendable, Hashable, Codable {
    /// The RTCP port.
    public var port: UInt16
    /// The RTCP address, when it differs from the media connection.
    public var connection: Connection?

    /// An rtcp attribute.
    public init(port: UInt16, connection: Connection? = nil) {
        self.port = port
        self.connection = connection
    }

    /// Parses the value of an `a=rtcp` attribute; `nil` when malformed.
    public init?(_ value: String) {
        guard let parsed = try? Self(parsing: value[...]) else { return nil }
        self = parsed
    }

    /// The attribute, `rtcp:<port>[ IN IP4 <address>]`.
    public var attribute: Attribute {
        if let connection { return Attribute("rtcp", "\(port) \(connection.value)") }
        return Attribute("rtcp", "\(port)")
    }

    init(parsing value: Substring) throws(FieldError) {
        let portText = value.prefix { $0 != " " }
        guard let port = Digits.int(portText, max: 65535) else {
            throw FieldError("rtcp port '\(portText)' is not in 0...65535")
        }
        var connection: Connection?
        if portText.endIndex < value.endIndex {
            guard let parsed = Connection(parsing: value[value.index(after: portText.endIndex)...]) else {
                throw FieldError("rtcp address '\(value)' is not '<port> IN IP4 <address>'")
            }
            connection = parsed
        }
        self.init(port: UInt16(port), connection: connection)
    }
}

/// SIP (RFC 3261 over UDP), the pure half: messages, transactions and
/// dialog state as value types. No sockets here; the UDP transport and the
/// B2BUA live in SwitchboardServer.
public enum SIP {
    /// The largest datagram accepted or produced (RFC 3261 18.1.1 leaves UDP
    /// sizes to the path MTU; 64 KiB is the hard ceiling of a UDP datagram).
    public static let maxMessageSize = 65_507
}

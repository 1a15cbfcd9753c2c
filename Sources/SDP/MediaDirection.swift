/// The direction attributes of RFC 8866 / 3264: `a=sendrecv`, `a=sendonly`,
/// `a=recvonly`, `a=inactive`, always from the point of view of the author
/// of the description.
///
/// A media-level direction overrides the session-level one; with neither,
/// the direction is `sendrecv`.
public enum MediaDirection: String, Sendable, Hashable, Codable, CaseIterable {
    case sendrecv, sendonly, recvonly, inactive

    /// The attribute names, for recognising direction attributes.
    static let names: Set<String> = Set(allCases.map(\.rawValue))

    /// The author sends media.
    public var sends: Bool { self == .sendrecv || self == .sendonly }
    /// The author receives media.
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    /// The direction with these capabilities.
    public init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    /// The direction seen from the other end (RFC 3264 §6.1): `sendonly` <-> `recvonly`;
    /// `sendrecv` and `inactive` stay. The answer to an offer with direction `d` is at most `d.reversed`.
    public var reversed: MediaDirection { MediaDirection(sends: receives, receives: sends) }

    /// What both allow: sending only if both send, receiving only if both receive.
    public func intersection(_ other: MediaDirection) -> MediaDirection {
        MediaDirection(sends: sends && other.sends, receives: receives && other.receives)
    }

    /// The attribute, `a=sendrecv` etc.
    public var attribute: Attribute { Attribute(rawValue) }
}

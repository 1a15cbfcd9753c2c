/// A session description (RFC 8866): the session-level lines and the media sections.
///
/// ```
/// v=0                                      version (always 0)
/// o=- 20518 0 IN IP4 203.0.113.1           ``origin``
/// s=-                                      ``name``
/// i= u= e= p=                              ``information``, ``uri``, ``emails``, ``phones``
/// c=IN IP4 203.0.113.1                     ``connection``
/// b=AS:64                                  ``bandwidths``
/// t=0 0   (r=...)                          ``timings``
/// z= k=                                    ``timeZones``, ``encryptionKey``
/// a=...                                    ``attributes``
/// m=audio 54400 RTP/SAVP 0 96              ``media``, each with its own i= c= b= k= a=
/// ```
///
/// Parse with `init(parsing:limits:)` (text or bytes), write with ``text``. Lines
/// are written in the order RFC 8866 gives, attributes in the order read, with
/// CRLF: a canonical description read and written back is byte-for-byte the same.
public struct SessionDescription: Sendable, Hashable, Codable {
    /// The `o=` line.
    public var origin: Origin
    /// The `s=` line (`-` or a space when there is no name).
    public var name: String
    /// The `i=` line.
    public var information: String?
    /// The `u=` line.
    public var uri: String?
    /// The `e=` lines.
    public var emails: [String]
    /// The `p=` lines.
    public var phones: [String]
    /// The session-level `c=` line, the default for media sections without one.
    public var connection: Connection?
    /// The session-level `b=` lines.
    public var bandwidths: [Bandwidth]
    /// The `t=` lines (at least one), each with its `r=` lines.
    public var timings: [Timing]
    /// The `z=` line, as written.
    public var timeZones: String?
    /// The session-level `k=` line (obsolete), as written.
    public var encryptionKey: String?
    /// The session-level `a=` lines, in order.
    public var attributes: [Attribute]
    /// The media sections, in order.
    public var media: [MediaDescription]

    /// A session description; `timings` defaults to one `t=0 0`.
    public init(
        origin: Origin, name: String = "-", information: String? = nil, uri: String? = nil,
        emails: [String] = [], phones: [String] = [], connection: Connection? = nil,
        bandwidths: [Bandwidth] = [], timings: [Timing] = [Timing()], timeZones: String? = nil,
        encryptionKey: String? = nil, attributes: [Attribute] = [], media: [MediaDescription] = []
    ) {
        self.origin = origin
        self.name = name
        self.information = information
        self.uri = uri
        self.emails = emails
        self.phones = phones
        self.connection = connection
        self.bandwidths = bandwidths
        self.timings = timings
        self.timeZones = timeZones
        self.encryptionKey = encryptionKey
        self.attributes = attributes
        self.media = media
    }

    /// The session-level direction attribute, if any.
    public var direction: MediaDirection? {
        attributes.lazy.compactMap { MediaDirection(rawValue: $0.name) }.first
    }

    /// The direction of a media section: its own attribute, else the session-level one, else `sendrecv`.
    public func direction(of media: MediaDescription) -> MediaDirection {
        media.direction ?? direction ?? .sendrecv
    }

    /// The connection of a media section: its first `c=` line, else the session-level one.
    public func connection(of media: MediaDescription) -> Connection? {
        media.connections.first ?? connection
    }
}

/// Bounds on what the parser accepts, checked before any work is done on the
/// rest of the input: a session description over a limit is refused with
/// ``SDPError/tooLarge`` and the line where the limit was crossed.
public struct SDPLimits: Sendable, Hashable {
    /// The most bytes of text (default 64 KiB).
    public var maxBytes: Int
    /// The most lines (default 1024).
    public var maxLines: Int
    /// The most `m=` sections (default 64).
    public var maxMediaSections: Int

    /// Limits; the defaults suit any real offer (a WebRTC offer with video is ~6 KiB).
    public init(maxBytes: Int = 65_536, maxLines: Int = 1024, maxMediaSections: Int = 64) {
        self.maxBytes = maxBytes
        self.maxLines = maxLines
        self.maxMediaSections = maxMediaSections
    }

    /// 64 KiB, 1024 lines, 64 media sections.
    public static let `default` = SDPLimits()
}

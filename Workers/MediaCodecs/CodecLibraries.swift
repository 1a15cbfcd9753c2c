import COpus

/// Version strings of the C libraries linked in.
public enum CodecLibraries {
    /// `opus_get_version_string()`, e.g. `libopus 1.3.1`.
    public static var opusVersion: String {
        guard let s = opus_get_version_string() else { return "libopus" }
        return String(cString: s)
    }

    /// `srtp_get_version_string()`, e.g. `libsrtp2 2.5.0`.
    public static var srtpVersion: String { SRTPSession.libraryVersion }
}

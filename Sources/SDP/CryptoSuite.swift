/// An SRTP crypto suite named in `a=crypto` (RFC 4568 §6.2, RFC 6188, RFC 7714).
///
/// Any token is kept; negotiation supports ``aesCM128HMACSHA1_80`` and
/// ``aesCM128HMACSHA1_32`` (what libsrtp2 does with SDES in the worker).
public struct CryptoSuite: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The suite name as written.
    public var rawValue: String

    /// A suite from its name.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `AES_CM_128_HMAC_SHA1_80`: AES-128 counter mode, 80-bit HMAC-SHA1 tag.
    public static let aesCM128HMACSHA1_80 = Self(rawValue: "AES_CM_128_HMAC_SHA1_80")
    /// `AES_CM_128_HMAC_SHA1_32`: AES-128 counter mode, 32-bit HMAC-SHA1 tag on SRTP (80 on SRTCP).
    public static let aesCM128HMACSHA1_32 = Self(rawValue: "AES_CM_128_HMAC_SHA1_32")

    /// The suites negotiation supports, in our order of preference.
    public static let supported: [CryptoSuite] = [.aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32]

    /// Whether negotiation can use this suite.
    public var isSupported: Bool { Self.supported.contains(self) }

    /// The length in bytes of the master key || master salt, for the suites whose length is known.
    public var keySaltLength: Int? {
        switch rawValue {
        case "AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32", "F8_128_HMAC_SHA1_80",
             "AES_CM_128_NULL_AUTH": 30
        case "AES_192_CM_HMAC_SHA1_80", "AES_192_CM_HMAC_SHA1_32": 38
        case "AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32": 46
        case "AEAD_AES_128_GCM": 28
        case "AEAD_AES_256_GCM": 44
        default: nil
        }
    }

    public var description: String { rawValue }
}

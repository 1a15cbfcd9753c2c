/// An SDES `a=crypto` attribute (RFC 4568): the key the author will use to
/// send SRTP, offered under a tag.
///
/// ```
/// a=crypto:<tag> <crypto-suite> <key-params> [<session-params>...]
/// key-params = inline:<base64(key || salt)>[|<lifetime>][|<MKI>:<MKI length>] *(";" key-param)
///
/// a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4
///              \__ suite ___________/         \__ 40 chars: 30 bytes, key 16 + salt 14 _/  \lifetime \MKI 1, 4 bytes
/// ```
public struct CryptoAttribute: Sendable, Hashable, Codable {
    /// One `inline:` key parameter.
    public struct Key: Sendable, Hashable, Codable {
        /// The master key followed by the master salt (30 bytes for the AES_CM_128 suites).
        public var keySalt: [UInt8]
        /// The key lifetime as written (`2^20`, `1048576`), if any.
        public var lifetime: String?
        /// The master key identifier value, if any.
        public var mki: UInt64?
        /// The MKI length in bytes (1...128), if any.
        public var mkiLength: Int?

        /// A key parameter.
        public init(keySalt: [UInt8], lifetime: String? = nil, mki: UInt64? = nil, mkiLength: Int? = nil) {
            self.keySalt = keySalt
            self.lifetime = lifetime
            self.mki = mki
            self.mkiLength = mkiLength
        }

        var text: String {
            var text = "inline:" + Base64.encode(keySalt)
            if let lifetime { text += "|" + lifetime }
            if let mki, let mkiLength { text += "|\(mki):\(mkiLength)" }
            return text
        }
    }

    /// The tag (1 to 9 digits) that the answer refers to.
    public var tag: Int
    /// The crypto suite.
    public var suite: CryptoSuite
    /// The key parameters, at least one.
    public var keys: [Key]
    /// Session parameters (`UNENCRYPTED_SRTCP`, `KDR=...`, `WSH=...`), kept as written.
    public var sessionParameters: [String]

    /// A crypto attribute.
    public init(tag: Int, suite: CryptoSuite, keys: [Key], sessionParameters: [String] = []) {
        self.tag = tag
        self.suite = suite
        self.keys = keys
        self.sessionParameters = sessionParameters
    }

    /// A crypto attribute with one inline key and no lifetime, MKI or session parameters.
    public init(tag: Int, suite: CryptoSuite, keySalt: [UInt8]) {
        self.init(tag: tag, suite: suite, keys: [Key(keySalt: keySalt)])
    }

    /// Parses the value of an `a=crypto` attribute; `nil` when malformed.
    public init?(_ value: String) {
        guard let parsed = try? Self(parsing: value[...]) else { return nil }
        self = parsed
    }

    /// Whether negotiation can use this line: a supported suite, one key without MKI,
    /// no session parameters (the worker's libsrtp2 policy honours none of them).
    public var isNegotiable: Bool {
        suite.isSupported && keys.count == 1 && keys[0].mki == nil && sessionParameters.isEmpty
    }

    /// The attribute, `crypto:<tag> <suite> inline:...`.
    public var attribute: Attribute {
        var value = "\(tag) \(suite.rawValue) " + keys.map(\.text).joined(separator: ";")
        for parameter in sessionParameters { value += " " + parameter }
        return Attribute("crypto", value)
    }

    init(parsing value: Substring) throws(FieldError) {
        let fields = value.fields(UInt8(ascii: " "))
        guard fields.count >= 3 else {
            throw FieldError("crypto '\(value)' is not '<tag> <suite> inline:<key>'")
        }
        guard fields[0].utf8.count <= 9, let tag = Digits.int(fields[0]) else {
            throw FieldError("crypto tag '\(fields[0])' is not 1 to 9 digits")
        }
        let suite = CryptoSuite(rawValue: String(fields[1]))
        var keys: [Key] = []
        for param in fields[2].fields(UInt8(ascii: ";"), omittingEmptySubsequences: false) {
            keys.append(try Self.parseKey(param, suite: suite))
        }
        self.init(tag: tag, suite: suite, keys: keys, sessionParameters: fields.dropFirst(3).map(String.init))
    }

    private static func parseKey(_ param: Substring, suite: CryptoSuite) throws(FieldError) -> Key {
        guard param.hasPrefix("inline:") else {
            throw FieldError("crypto key method in '\(param)' is not 'inline:'")
        }
        let parts = param.dropFirst("inline:".count).fields(UInt8(ascii: "|"), omittingEmptySubsequences: false)
        guard parts.count <= 3, let keyText = parts.first else {
            throw FieldError("crypto key '\(param)' has too many '|' fields")
        }
        guard let keySalt = Base64.decode(keyText), !keySalt.isEmpty else {
            throw FieldError("crypto key '\(keyText)' is not base64")
        }
        if let expected = suite.keySaltLength, keySalt.count != expected {
            throw FieldError("crypto key is \(keySalt.count) bytes, \(suite.rawValue) needs \(expected) (key || salt)")
        }
        var key = Key(keySalt: keySalt)
        for part in parts.dropFirst() {
            if let colon = part.firstIndex(of: ":") {
                guard key.mki == nil,
                      let mki = Digits.uint64(part[..<colon]),
                      let length = Digits.int(part[part.index(after: colon)...], max: 128), length > 0 else {
                    throw FieldError("crypto MKI '\(part)' is not '<value>:<length 1...128>'")
                }
                key.mki = mki
                key.mkiLength = length
            } else {
                let digits = part.hasPrefix("2^") ? part.dropFirst(2) : part
                guard key.lifetime == nil, key.mki == nil, Digits.uint64(digits) != nil else {
                    throw FieldError("crypto lifetime '\(part)' is not '<n>' or '2^<n>'")
                }
                key.lifetime = String(part)
            }
        }
        return key
    }
}

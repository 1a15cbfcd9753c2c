/// Checks the attributes of one section as they are read: typed attributes
/// must parse, and those that must be unique are.
///
/// | attribute | must be | error |
/// | --- | --- | --- |
/// | `rtpmap` | `<pt> <enc>/<rate>[/<ch>]`, one per payload type | ``SDPError/badRTPMap``, ``SDPError/duplicateAttribute`` |
/// | `fmtp` | `<format> <params>`, one per format | ``SDPError/badAttribute``, ``SDPError/duplicateAttribute`` |
/// | `ptime`, `maxptime` | a positive integer, once | ``SDPError/badAttribute``, ``SDPError/duplicateAttribute`` |
/// | direction | once per section | ``SDPError/duplicateAttribute`` |
/// | `rtcp` | `<port> [IN IP4 <addr>]`, once | ``SDPError/badAttribute``, ``SDPError/duplicateAttribute`` |
/// | `crypto` | RFC 4568, key of the suite's length, one per tag | ``SDPError/badCrypto``, ``SDPError/duplicateAttribute`` |
struct AttributeChecker {
    private var rtpmaps: [UInt8: Int] = [:]
    private var fmtps: [String: Int] = [:]
    private var cryptoTags: [Int: Int] = [:]
    private var singles: [String: Int] = [:]

    mutating func check(_ attribute: Attribute, line: Int) throws(SDPError) {
        let name = attribute.name
        if MediaDirection.names.contains(name) {
            try single("direction", shown: "direction attribute (a=\(name))", line: line)
            return
        }
        switch name {
        case "rtpmap":
            let map: RTPMap
            do { map = try RTPMap(parsing: (attribute.value ?? "")[...]) } catch {
                throw .badRTPMap(line: line, error.message)
            }
            if let first = rtpmaps[map.payloadType] {
                throw .duplicateAttribute(
                    line: line, "second a=rtpmap for payload type \(map.payloadType) (first on line \(first))")
            }
            rtpmaps[map.payloadType] = line
        case "fmtp":
            guard let value = attribute.value, let fmtp = FormatParameters(value) else {
                throw .badAttribute(line: line, "fmtp '\(attribute.value ?? "")' is not '<format> <parameters>'")
            }
            if let first = fmtps[fmtp.format] {
                throw .duplicateAttribute(
                    line: line, "second a=fmtp for format \(fmtp.format) (first on line \(first))")
            }
            fmtps[fmtp.format] = line
        case "ptime", "maxptime":
            guard let value = attribute.value, let ms = Digits.int(value, max: 100_000), ms > 0 else {
                throw .badAttribute(line: line, "\(name) '\(attribute.value ?? "")' is not a positive number of ms")
            }
            try single(name, shown: "a=\(name)", line: line)
        case "rtcp":
            do { _ = try RTCPAttribute(parsing: (attribute.value ?? "")[...]) } catch {
                throw .badAttribute(line: line, error.message)
            }
            try single(name, shown: "a=rtcp", line: line)
        case "crypto":
            let crypto: CryptoAttribute
            do { crypto = try CryptoAttribute(parsing: (attribute.value ?? "")[...]) } catch {
                throw .badCrypto(line: line, error.message)
            }
            if let first = cryptoTags[crypto.tag] {
                throw .duplicateAttribute(line: line, "second a=crypto with tag \(crypto.tag) (first on line \(first))")
            }
            cryptoTags[crypto.tag] = line
        default:
            break
        }
    }

    private mutating func single(_ key: String, shown: String, line: Int) throws(SDPError) {
        if let first = singles[key] {
            throw .duplicateAttribute(line: line, "second \(shown) in one section (first on line \(first))")
        }
        singles[key] = line
    }
}

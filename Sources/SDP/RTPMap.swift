/// An `a=rtpmap` attribute: what an RTP payload type number means.
///
/// ```
/// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<channels>]
/// a=rtpmap:111 opus/48000/2
/// ```
/// The static payload types of RFC 3551 need no rtpmap: see ``RTPMap/staticMap(for:)``.
public struct RTPMap: Sendable, Hashable, Codable {
    /// The payload type, 0...127.
    public var payloadType: UInt8
    /// The encoding name as written (`opus`, `PCMU`, `telephone-event`); compare case-insensitively.
    public var encoding: String
    /// The RTP clock rate in Hz.
    public var clockRate: UInt32
    /// The number of audio channels, when written (absent means 1).
    public var channels: Int?

    /// An rtpmap.
    public init(payloadType: UInt8, encoding: String, clockRate: UInt32, channels: Int? = nil) {
        self.payloadType = payloadType
        self.encoding = encoding
        self.clockRate = clockRate
        self.channels = channels
    }

    /// Parses the value of an `a=rtpmap` attribute; `nil` when malformed.
    public init?(_ value: String) {
        guard let map = try? Self(parsing: value[...]) else { return nil }
        self = map
    }

    /// The static audio payload types of RFC 3551 that are known without an rtpmap.
    public static func staticMap(for payloadType: UInt8) -> RTPMap? {
        switch payloadType {
        case 0: RTPMap(payloadType: 0, encoding: "PCMU", clockRate: 8000)
        case 3: RTPMap(payloadType: 3, encoding: "GSM", clockRate: 8000)
        case 4: RTPMap(payloadType: 4, encoding: "G723", clockRate: 8000)
        case 8: RTPMap(payloadType: 8, encoding: "PCMA", clockRate: 8000)
        case 9: RTPMap(payloadType: 9, encoding: "G722", clockRate: 8000)
        case 13: RTPMap(payloadType: 13, encoding: "CN", clockRate: 8000)
        case 18: RTPMap(payloadType: 18, encoding: "G729", clockRate: 8000)
        default: nil
        }
    }

    /// The attribute, `rtpmap:<pt> <encoding>/<rate>[/<channels>]`.
    public var attribute: Attribute {
        var value = "\(payloadType) \(encoding)/\(clockRate)"
        if let channels { value += "/\(channels)" }
        return Attribute("rtpmap", value)
    }

    init(parsing value: Substring) throws(FieldError) {
        if let parsed = Self.parsingASCII(value) {
            self = parsed
            return
        }
        guard let space = value.firstIndex(ofASCII: UInt8(ascii: " ")) else {
            throw FieldError("rtpmap '\(value)' has no encoding (expected '<pt> <encoding>/<clock rate>')")
        }
        guard let pt = Digits.int(value[..<space], max: 127) else {
            throw FieldError("rtpmap payload type '\(value[..<space])' is not in 0...127")
        }
        let parts = value[value.index(after: space)...].fields(UInt8(ascii: "/"), omittingEmptySubsequences: false)
        guard parts.count >= 2, parts.count <= 3, !parts[0].isEmpty, !parts[0].contains(ascii: UInt8(ascii: " ")) else {
            throw FieldError("rtpmap '\(value)' is not '<pt> <encoding>/<clock rate>[/<channels>]'")
        }
        guard let rate = Digits.int(parts[1], max: Int(UInt32.max)), rate > 0 else {
            throw FieldError("rtpmap clock rate '\(parts[1])' is not a positive number")
        }
        var channels: Int?
        if parts.count == 3 {
            guard let count = Digits.int(parts[2], max: 255), count > 0 else {
                throw FieldError("rtpmap channel count '\(parts[2])' is not in 1...255")
            }
            channels = count
        }
        self.init(payloadType: UInt8(pt), encoding: String(parts[0]), clockRate: UInt32(rate), channels: channels)
    }
}

extension RTPMap {
    /// The common case of ``init(parsing:)`` over bytes: a well-formed ASCII
    /// value gives the same map; anything else (including every error) gives
    /// nil, and the general parser decides.
    static func parsingASCII(_ value: Substring) -> RTPMap? {
        let bytes = value.utf8
        var i = bytes.startIndex
        let end = bytes.endIndex
        func number(max: UInt64) -> UInt64? {
            var n: UInt64 = 0
            var digits = 0
            while i != end, bytes[i] >= 0x30, bytes[i] <= 0x39 {
                n = n * 10 + UInt64(bytes[i] - 0x30)
                digits += 1
                guard digits <= 10, n <= max else { return nil }
                bytes.formIndex(after: &i)
            }
            return digits > 0 ? n : nil
        }
        guard let pt = number(max: 127), i != end, bytes[i] == UInt8(ascii: " ") else { return nil }
        bytes.formIndex(after: &i)
        let encodingStart = i
        while i != end, bytes[i] != UInt8(ascii: "/") {
            guard bytes[i] > 0x20, bytes[i] < 0x7F else { return nil }  // no space, no control, ASCII only
            bytes.formIndex(after: &i)
        }
        guard i != end, i != encodingStart else { return nil }
        let encoding = String(value[encodingStart..<i])
        bytes.formIndex(after: &i)
        guard let rate = number(max: UInt64(UInt32.max)), rate > 0 else { return nil }
        var channels: Int?
        if i != end {
            guard bytes[i] == UInt8(ascii: "/") else { return nil }
            bytes.formIndex(after: &i)
            guard let count = number(max: 255), count > 0, i == end else { return nil }
            channels = Int(count)
        }
        return RTPMap(payloadType: UInt8(pt), encoding: encoding, clockRate: UInt32(rate), channels: channels)
    }
}

/// A field-level parse failure; the parser adds the line number.
struct FieldError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

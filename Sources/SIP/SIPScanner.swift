/// A cursor over the UTF-8 bytes of one header value or URI, with the
/// character classes of the RFC 3261 grammar (section 25.1).
///
/// Header values reach it unfolded (no CR or LF), so linear white space is
/// only SP and HT. Every read is bounds-checked: at the end, `peek` is nil.
struct SIPScanner {
    let bytes: [UInt8]
    private(set) var index: Int = 0

    init(_ text: some StringProtocol) {
        bytes = Array(text.utf8)
    }

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { index >= bytes.count }
    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    /// The rest of the input, as text.
    var rest: String { index < bytes.count ? String(decoding: bytes[index...], as: UTF8.self) : "" }

    mutating func advance() {
        if index < bytes.count { index += 1 }
    }

    /// Consumes `byte` if it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    /// Skips SP and HT; returns whether any were skipped.
    @discardableResult
    mutating func skipWhitespace() -> Bool {
        let start = index
        while let byte = peek, byte == Octet.space || byte == Octet.tab { index += 1 }
        return index > start
    }

    /// Reads bytes while `predicate` holds (possibly none).
    mutating func scan(while predicate: (UInt8) -> Bool) -> String {
        let start = index
        while let byte = peek, predicate(byte) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// Reads a quoted string starting at the opening `"`, returning it as written
    /// (quotes and backslashes included), or nil when there is no closing quote.
    mutating func scanQuotedString() -> String? {
        let start = index
        guard consume(Octet.quote) else { return nil }
        while let byte = peek {
            index += 1
            if byte == Octet.backslash {
                guard !isAtEnd else { break }
                index += 1
            } else if byte == Octet.quote {
                return String(decoding: bytes[start..<index], as: UTF8.self)
            }
        }
        index = start
        return nil
    }

    // MARK: character classes

    /// `token` characters: alphanumerics and `-.!%*_+`'~`.
    static func isToken(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || tokenMarks.contains(byte)
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isHexDigit(_ byte: UInt8) -> Bool {
        isDigit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// Characters of a host name or IPv4 address (`_` tolerated, as seen in the wild).
    static func isHostCharacter(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == Octet.hyphen || byte == Octet.dot || byte == Octet.underscore
    }

    /// Characters of an IPv6 reference between `[` and `]`.
    static func isIPv6Character(_ byte: UInt8) -> Bool {
        isHexDigit(byte) || byte == Octet.colon || byte == Octet.dot
    }

    /// A parameter value that is not quoted: `token / host` (`:`, `[`, `]` for IPv6).
    static func isParameterValue(_ byte: UInt8) -> Bool {
        isToken(byte) || byte == Octet.colon || byte == Octet.leftBracket || byte == Octet.rightBracket
    }

    /// Bytes a URI may contain outside an IPv6 reference: printable ASCII except
    /// white space and `<>"{}|\^` and backtick (those must be %-escaped).
    static func isURICharacter(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte < 0x7F && !uriForbidden.contains(byte)
    }

    private static let tokenMarks: [UInt8] = Array("-.!%*_+`'~".utf8)
    private static let uriForbidden: [UInt8] = Array("<>\"{}|\\^`".utf8)

    /// Parses `1*DIGIT` into an Int no larger than `maximum`; nil for anything else.
    static func decimal(_ text: some StringProtocol, maximum: Int) -> Int? {
        var value = 0
        var count = 0
        for byte in text.utf8 {
            guard isDigit(byte) else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int(byte - 0x30))
            guard !overflow1, !overflow2, sum <= maximum else { return nil }
            value = sum
            count += 1
        }
        return count > 0 ? value : nil
    }
}

/// The ASCII bytes the grammar names.
enum Octet {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let percent: UInt8 = 0x25
    static let comma: UInt8 = 0x2C
    static let hyphen: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let lessThan: UInt8 = 0x3C
    static let equals: UInt8 = 0x3D
    static let greaterThan: UInt8 = 0x3E
    static let questionMark: UInt8 = 0x3F
    static let at: UInt8 = 0x40
    static let leftBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let rightBracket: UInt8 = 0x5D
    static let underscore: UInt8 = 0x5F
}

extension StringProtocol {
    /// Without leading and trailing SP and HT (linear white space once unfolded).
    var trimmingWhitespace: Substring {
        let base = Substring(self)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = base.firstIndex(where: { !isSpace($0) }),
              let last = base.lastIndex(where: { !isSpace($0) })
        else { return base[base.endIndex...] }
        return base[first...last]
    }
}

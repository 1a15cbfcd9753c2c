extension SessionDescription {
    /// Parses a session description; CRLF or LF line endings.
    ///
    /// - Throws: ``SDPError`` with the line number: missing `v=`/`o=`/`s=`/`t=`,
    ///   unknown or malformed lines, bad `m=` lines and ports, malformed or duplicate
    ///   typed attributes, over ``SDPLimits``, NUL bytes, control characters, invalid UTF-8.
    public init(parsing text: String, limits: SDPLimits = .default) throws(SDPError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }

    /// Parses a session description from raw bytes (as received in a SIP or HTTP body).
    public init(parsing bytes: [UInt8], limits: SDPLimits = .default) throws(SDPError) {
        var lines = try SDPLineReader.lines(bytes, limits: limits)
        while let last = lines.last, last.text.isEmpty { lines.removeLast() }
        guard !lines.isEmpty else { throw .emptyInput("only empty lines") }
        var parser = SDPParser(limits: limits, lines: lines)
        self = try parser.parse()
    }
}

/// The grammar of RFC 8866 §9, over checked lines.
///
/// ```
/// v= o= s= [i=] [u=] *e= *p= [c=] *b= 1*(t= *r=) [z=] [k=] *a=    session section
/// *( m= [i=] *c= *b= [k=] *a= )                                    media sections
/// ```
/// `v=`, `o=`, `s=` must be the first three lines; the other session-level
/// lines may come in any order before the first `m=`, `r=` after a `t=`.
struct SDPParser {
    let limits: SDPLimits
    let lines: [SDPLine]

    private static let sessionTypes: Set<Character> = [
        "v", "o", "s", "i", "u", "e", "p", "c", "b", "t", "r", "z", "k", "a", "m",
    ]

    private static func isSessionType(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "v"), UInt8(ascii: "o"), UInt8(ascii: "s"), UInt8(ascii: "i"), UInt8(ascii: "u"),
             UInt8(ascii: "e"), UInt8(ascii: "p"), UInt8(ascii: "c"), UInt8(ascii: "b"), UInt8(ascii: "t"),
             UInt8(ascii: "r"), UInt8(ascii: "z"), UInt8(ascii: "k"), UInt8(ascii: "a"), UInt8(ascii: "m"): true
        default: false
        }
    }

    init(limits: SDPLimits, lines: [SDPLine]) {
        self.limits = limits
        self.lines = lines
    }

    mutating func parse() throws(SDPError) -> SessionDescription {
        var split: [(type: Character, value: Substring, number: Int)] = []
        for line in lines {
            split.append(try Self.split(line))
        }
        guard split[0].type == "v" else { throw .missingVersion(line: 1) }
        guard split[0].value == "0" else {
            throw .malformedLine(line: 1, "version '\(split[0].value)' is not 0")
        }
        guard split.count > 1, split[1].type == "o" else { throw .missingOrigin(line: 2) }
        let origin = try Self.origin(split[1].value, line: split[1].number)
        guard split.count > 2, split[2].type == "s" else { throw .missingSessionName(line: 3) }
        var session = SessionDescription(origin: origin, name: String(split[2].value), timings: [])
        var sessionChecker = AttributeChecker()
        var index = 3
        var lastWasTiming = false
        while index < split.count, split[index].type != "m" {
            let (type, value, number) = split[index]
            index += 1
            func once<T>(_ field: T?) throws(SDPError) {
                if field != nil { throw .unexpectedLine(line: number, "second '\(type)=' line in the session section") }
            }
            switch type {
            case "i": try once(session.information); session.information = String(value)
            case "u": try once(session.uri); session.uri = String(value)
            case "e": session.emails.append(String(value))
            case "p": session.phones.append(String(value))
            case "c": try once(session.connection); session.connection = try Self.connection(value, line: number)
            case "b": session.bandwidths.append(try Self.bandwidth(value, line: number))
            case "t":
                guard let timing = Timing(parsing: value) else {
                    throw .malformedLine(line: number, "t= line '\(value)' is not '<start> <stop>' (NTP seconds)")
                }
                session.timings.append(timing)
            case "r":
                guard lastWasTiming, !session.timings.isEmpty else {
                    throw .unexpectedLine(line: number, "r= line not after a t= line")
                }
                session.timings[session.timings.count - 1].repeats.append(String(value))
            case "z": try once(session.timeZones); session.timeZones = String(value)
            case "k": try once(session.encryptionKey); session.encryptionKey = String(value)
            case "a":
                let attribute = Attribute(parsing: value)
                try sessionChecker.check(attribute, line: number)
                session.attributes.append(attribute)
            default:
                throw .unexpectedLine(line: number, "'\(type)=' line after the first three lines")
            }
            lastWasTiming = type == "t" || type == "r"
        }
        if session.timings.isEmpty {
            throw .missingTiming(line: index < split.count ? split[index].number : split.count + 1)
        }
        while index < split.count {
            let (_, value, number) = split[index]
            index += 1
            if session.media.count == limits.maxMediaSections {
                throw .tooLarge(line: number, "more than \(limits.maxMediaSections) media sections")
            }
            var media = try Self.mediaLine(value, line: number)
            var checker = AttributeChecker()
            while index < split.count, split[index].type != "m" {
                let (type, value, lineNumber) = split[index]
                index += 1
                func once<T>(_ field: T?) throws(SDPError) {
                    if field != nil {
                        throw .unexpectedLine(line: lineNumber, "second '\(type)=' line in a media section")
                    }
                }
                switch type {
                case "i": try once(media.information); media.information = String(value)
                case "c": media.connections.append(try Self.connection(value, line: lineNumber))
                case "b": media.bandwidths.append(try Self.bandwidth(value, line: lineNumber))
                case "k": try once(media.encryptionKey); media.encryptionKey = String(value)
                case "a":
                    let attribute = Attribute(parsing: value)
                    try checker.check(attribute, line: lineNumber)
                    media.attributes.append(attribute)
                default:
                    throw .unexpectedLine(line: lineNumber, "'\(type)=' line is not allowed in a media section")
                }
            }
            if media.connections.isEmpty, session.connection == nil {
                throw .missingConnection(line: number)
            }
            session.media.append(media)
        }
        return session
    }

    private static func split(_ line: SDPLine) throws(SDPError) -> (type: Character, value: Substring, number: Int) {
        let text = line.text
        // The usual line: an ASCII letter of a known type, then '=' (a byte that starts no
        // grapheme cluster with what precedes it, so the first Character is that letter).
        let utf8 = text.utf8
        if utf8.count >= 2, let type = utf8.first, utf8[utf8.index(after: utf8.startIndex)] == UInt8(ascii: "="),
           Self.isSessionType(type), utf8.count == 2 || utf8[utf8.index(utf8.startIndex, offsetBy: 2)] < 0x80 {
            return (Character(Unicode.Scalar(type)), text[utf8.index(utf8.startIndex, offsetBy: 2)...], line.number)
        }
        guard let first = text.first else { throw .malformedLine(line: line.number, "empty line") }
        let afterFirst = text.index(after: text.startIndex)
        guard afterFirst < text.endIndex, text[afterFirst] == "=" else {
            throw .malformedLine(line: line.number, "'\(text.prefix(40))' is not '<type>=<value>'")
        }
        guard sessionTypes.contains(first) else { throw .unknownLineType(line: line.number, String(first)) }
        return (first, text[text.index(after: afterFirst)...], line.number)
    }

    private static func origin(_ value: Substring, line: Int) throws(SDPError) -> Origin {
        let fields = value.fields(UInt8(ascii: " "))
        guard fields.count == 6 else {
            throw .malformedLine(line: line, "o= has \(fields.count) fields, expected 6: "
                + "'<username> <sess-id> <sess-version> <nettype> <addrtype> <address>'")
        }
        return Origin(
            username: String(fields[0]), sessionID: String(fields[1]), sessionVersion: String(fields[2]),
            networkType: String(fields[3]), addressType: String(fields[4]), address: String(fields[5]))
    }

    private static func connection(_ value: Substring, line: Int) throws(SDPError) -> Connection {
        guard let connection = Connection(parsing: value) else {
            throw .malformedLine(line: line, "c= line '\(value)' is not '<nettype> <addrtype> <address>'")
        }
        return connection
    }

    private static func bandwidth(_ value: Substring, line: Int) throws(SDPError) -> Bandwidth {
        guard let bandwidth = Bandwidth(parsing: value) else {
            throw .malformedLine(line: line, "b= line '\(value)' is not '<type>:<number>'")
        }
        return bandwidth
    }

    private static func mediaLine(_ value: Substring, line: Int) throws(SDPError) -> MediaDescription {
        let fields = value.fields(UInt8(ascii: " "))
        guard fields.count >= 4 else {
            throw .badMediaLine(line: line, "'m=\(value.prefix(60))' is not '<media> <port> <proto> <format>...'")
        }
        let portField = fields[1].fields(UInt8(ascii: "/"), maxSplits: 1, omittingEmptySubsequences: false)
        guard let portNumber = Digits.uint64(portField[0]) else {
            throw .badPort(line: line, "port '\(portField[0])' is not a number")
        }
        guard portNumber <= 65535 else {
            throw .badPort(line: line, "port \(portNumber) is not in 0...65535")
        }
        var portCount: Int?
        if portField.count == 2 {
            guard let count = Digits.int(portField[1], max: 65535), count > 0 else {
                throw .badPort(line: line, "port count '\(portField[1])' is not a positive number")
            }
            portCount = count
        }
        let proto = TransportProfile(rawValue: String(fields[2]))
        let formats = fields.dropFirst(3).map(String.init)
        if proto.isRTP {
            for format in formats where Digits.int(format, max: 127) == nil {
                throw .badMediaLine(line: line, "payload type '\(format)' is not in 0...127")
            }
        }
        return MediaDescription(
            type: String(fields[0]), port: UInt16(portNumber), portCount: portCount, proto: proto, formats: formats)
    }
}

/// The head of a datagram: its lines up to the empty line that ends the header
/// section, and where the body starts.
///
/// ```
/// bytes ──► size limit ──► skip leading CRLFs ──► lines split on LF (a CR before it dropped)
///       ──► up to the first empty line (incompleteMessage without one)
///       ──► header fields: continuation lines (SP/HT first) unfolded into one SP,
///           NUL (nulByte), stray CR, no colon, non-token name (malformedHeader),
///           limits (tooManyHeaders, headerTooLong), UTF-8 (invalidUTF8)
/// ```
///
/// The lenient mode serves ``BadRequestScan``: the head may end at the end of the
/// datagram, and fields that cannot be read are skipped instead of thrown.
struct SIPHead {
    /// The lines (without line endings): the start line, then the header lines.
    let lines: [Range<Int>]
    /// The index of the first body byte.
    let bodyStart: Int

    init(_ data: [UInt8], lenient: Bool) throws(SIPError) {
        var position = 0
        while position < data.count, data[position] == Octet.carriageReturn || data[position] == Octet.lineFeed {
            position += 1
        }
        guard position < data.count else {
            throw .emptyInput(data.isEmpty ? "no bytes at all" : "only line breaks")
        }
        var lines: [Range<Int>] = []
        while true {
            guard let lineFeed = data[position...].firstIndex(of: Octet.lineFeed) else {
                guard lenient else { throw .incompleteMessage("no empty line after the header section") }
                if position < data.count { lines.append(position..<data.count) }
                self.lines = lines
                bodyStart = data.count
                return
            }
            var end = lineFeed
            if end > position, data[end - 1] == Octet.carriageReturn { end -= 1 }
            if end == position {
                self.lines = lines
                bodyStart = lineFeed + 1
                return
            }
            lines.append(position..<end)
            position = lineFeed + 1
        }
    }

    /// The header fields, unfolded, names as written, values trimmed.
    func fields(_ data: [UInt8], lenient: Bool) throws(SIPError) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = []
        var index = 1
        while index < lines.count {
            let first = lines[index]
            var end = index + 1
            while end < lines.count, Self.isContinuation(data, lines[end]) { end += 1 }
            defer { index = end }
            if fields.count == SIP.maxHeaderFields {
                if lenient { break }
                throw .tooManyHeaders("more than \(SIP.maxHeaderFields) header fields")
            }
            do throws(SIPError) {
                // Only the first header line can start with SP/HT here: later ones were folded in.
                fields.append(try Self.field(data, lines[index..<end], startsWithContinuation: Self.isContinuation(data, first)))
            } catch {
                if !lenient { throw error }
            }
        }
        return fields
    }

    private static func field(
        _ data: [UInt8], _ lines: ArraySlice<Range<Int>>, startsWithContinuation: Bool
    ) throws(SIPError) -> (name: String, value: String) {
        if startsWithContinuation { throw .malformedHeader("a continuation line before the first header field") }
        guard let first = lines.first else { throw .malformedHeader("empty header field") }
        let length = lines.reduce(0) { $0 + $1.count + 1 }
        guard length <= SIP.maxHeaderFieldLength else {
            throw .headerTooLong("a header field of \(length) bytes, the limit is \(SIP.maxHeaderFieldLength)")
        }
        for line in lines {
            if data[line].contains(0) { throw .nulByte("NUL byte in a header field") }
            if data[line].contains(Octet.carriageReturn) { throw .malformedHeader("a CR inside a header line") }
        }
        guard let colon = data[first].firstIndex(of: Octet.colon) else {
            throw .malformedHeader("no colon in '\(String(decoding: data[first].prefix(60), as: UTF8.self))'")
        }
        var nameEnd = colon
        while nameEnd > first.lowerBound, data[nameEnd - 1] == Octet.space || data[nameEnd - 1] == Octet.tab { nameEnd -= 1 }
        let name = data[first.lowerBound..<nameEnd]
        guard !name.isEmpty, name.allSatisfy(SIPScanner.isToken) else {
            throw .malformedHeader("'\(String(decoding: name.prefix(60), as: UTF8.self))' is not a header name")
        }
        var value: [UInt8] = []
        for (offset, line) in lines.enumerated() {
            let part = trimmed(data[(offset == 0 ? colon + 1 : line.lowerBound)..<line.upperBound])
            if part.isEmpty { continue }
            if !value.isEmpty { value.append(Octet.space) }
            value += part
        }
        guard let text = String(validating: value, as: UTF8.self) else {
            throw .invalidUTF8("the \(String(decoding: name, as: UTF8.self)) header field is not UTF-8")
        }
        return (String(decoding: name, as: UTF8.self), text)
    }

    /// Whether the (non-empty) line starts with SP or HT.
    private static func isContinuation(_ data: [UInt8], _ line: Range<Int>) -> Bool {
        guard line.lowerBound < line.upperBound, line.lowerBound < data.count else { return false }
        return data[line.lowerBound] == Octet.space || data[line.lowerBound] == Octet.tab
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var slice = bytes
        while let byte = slice.first, byte == Octet.space || byte == Octet.tab { slice = slice.dropFirst() }
        while let byte = slice.last, byte == Octet.space || byte == Octet.tab { slice = slice.dropLast() }
        return slice
    }
}


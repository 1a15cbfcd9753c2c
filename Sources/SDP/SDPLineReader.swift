/// One line of a session description, checked to be text.
struct SDPLine {
    /// 1-based.
    let number: Int
    /// Without its line ending.
    let text: String
}

/// Splits raw bytes into lines, enforcing ``SDPLimits`` and the text rules
/// before any grammar is looked at.
///
/// ```
///  bytes ──► size limit ──► split on LF (a CR before it, or at EOF, is dropped) ──► per line:
///            (tooLarge)                                                  NUL (nulByte)
///                                                                        other control bytes, lone CR (controlCharacter)
///                                                                        UTF-8 (invalidUTF8)
///                                                                        line limit (tooLarge)
/// ```
enum SDPLineReader {
    static func lines(_ bytes: [UInt8], limits: SDPLimits) throws(SDPError) -> [SDPLine] {
        if bytes.count > limits.maxBytes {
            var line = 1
            for byte in bytes[..<max(0, limits.maxBytes)] where byte == 0x0A { line += 1 }
            throw .tooLarge(line: line, "\(bytes.count) bytes, the limit is \(limits.maxBytes)")
        }
        if bytes.isEmpty { throw .emptyInput("no bytes at all") }
        var lines: [SDPLine] = []
        var start = 0
        var number = 1
        while start < bytes.count {
            var end = start
            while end < bytes.count, bytes[end] != 0x0A { end += 1 }
            if number > limits.maxLines {
                throw .tooLarge(line: number, "more than \(limits.maxLines) lines")
            }
            var contentEnd = end
            if contentEnd > start, bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }  // CRLF, or a CR at EOF
            let content = bytes[start..<contentEnd]
            // One pass for the usual line (printable ASCII, tabs): no NUL or control byte to
            // report, and ASCII is valid UTF-8. Anything else is checked as before, in order.
            var plain = true
            for byte in content where byte < 0x20 || byte >= 0x7F {
                if byte != 0x09 { plain = false; break }
            }
            if !plain {
                if content.contains(0) { throw .nulByte(line: number) }
                if let control = content.first(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
                    throw .controlCharacter(line: number, control)
                }
            }
            guard let text = plain ? String(decoding: content, as: UTF8.self) : String(validating: content, as: UTF8.self) else {
                throw .invalidUTF8(line: number)
            }
            lines.append(SDPLine(number: number, text: text))
            number += 1
            start = end + 1
        }
        return lines
    }
}

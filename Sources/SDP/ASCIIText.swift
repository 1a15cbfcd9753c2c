/// Byte-level versions of the `Character`-level string operations the parser
/// uses, taken only when the text is ASCII — where a `Character` is one byte
/// and both give the same result. Grapheme breaking made splitting and
/// searching the largest cost of parsing a description; SDP is almost always
/// ASCII. Other text goes through the `Character` operations as before, so
/// results never differ (the tests compare both on hostile inputs).
extension Substring {
    /// Whether every byte is ASCII.
    var isASCII: Bool {
        utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 < 0x80 } }
            ?? utf8.allSatisfy { $0 < 0x80 }
    }

    /// `split(separator:maxSplits:omittingEmptySubsequences:)` for an ASCII separator.
    func fields(_ separator: UInt8, maxSplits: Int = Int.max, omittingEmptySubsequences: Bool = true) -> [Substring] {
        guard isASCII else {
            return split(separator: Character(Unicode.Scalar(separator)), maxSplits: maxSplits,
                         omittingEmptySubsequences: omittingEmptySubsequences)
        }
        // The standard library's algorithm, over bytes.
        let bytes = utf8
        var result: [Substring] = []
        var start = bytes.startIndex
        if maxSplits == 0 || bytes.isEmpty {
            if !(omittingEmptySubsequences && bytes.isEmpty) { result.append(self) }
            return result
        }
        var end = start
        let last = bytes.endIndex
        while end != last {
            if bytes[end] == separator {
                let appended = !(omittingEmptySubsequences && start == end)
                if appended { result.append(self[start..<end]) }
                bytes.formIndex(after: &end)
                start = end
                if appended && result.count == maxSplits { break }
                continue
            }
            bytes.formIndex(after: &end)
        }
        if start != last || !omittingEmptySubsequences { result.append(self[start..<last]) }
        return result
    }

    /// `firstIndex(of:)` for an ASCII character.
    func firstIndex(ofASCII byte: UInt8) -> Index? {
        guard isASCII else { return firstIndex(of: Character(Unicode.Scalar(byte))) }
        return utf8.firstIndex(of: byte)
    }

    /// `contains(_:)` for an ASCII character.
    func contains(ascii byte: UInt8) -> Bool {
        guard isASCII else { return contains(Character(Unicode.Scalar(byte))) }
        return utf8.contains(byte)
    }
}

extension String {
    /// `lowercased() == other.lowercased()`, without allocating when both are ASCII.
    func equalsIgnoringCase(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        if a.allSatisfy({ $0 < 0x80 }) && b.allSatisfy({ $0 < 0x80 }) {
            return a.count == b.count && a.elementsEqual(b) { x, y in
                (x >= 0x41 && x <= 0x5A ? x | 0x20 : x) == (y >= 0x41 && y <= 0x5A ? y | 0x20 : y)
            }
        }
        return lowercased() == other.lowercased()
    }
}

extension String {
    /// `uppercased().contains(needle)` for an uppercase ASCII needle, without allocating when this is ASCII.
    func uppercasedContains(_ needle: String) -> Bool {
        let hay = Array(utf8)
        guard hay.allSatisfy({ $0 < 0x80 }) else { return uppercased().contains(needle) }
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return true }
        guard hay.count >= pattern.count else { return false }
        for start in 0...(hay.count - pattern.count) {
            var match = true
            for (offset, p) in pattern.enumerated() {
                let c = hay[start + offset]
                if (c >= 0x61 && c <= 0x7A ? c - 0x20 : c) != p { match = false; break }
            }
            if match { return true }
        }
        return false
    }
}

extension SessionDescription {
    /// The description as text with CRLF line endings, lines in RFC 8866 order,
    /// attributes in their order.
    public var text: String {
        var out = ""
        func line(_ type: String, _ value: String) {
            out += type
            out += "="
            out += value
            out += "\r\n"
        }
        line("v", "0")
        line("o", origin.value)
        line("s", name)
        if let information { line("i", information) }
        if let uri { line("u", uri) }
        for email in emails { line("e", email) }
        for phone in phones { line("p", phone) }
        if let connection { line("c", connection.value) }
        for bandwidth in bandwidths { line("b", bandwidth.text) }
        for timing in timings {
            line("t", "\(timing.start) \(timing.stop)")
            for repeatLine in timing.repeats { line("r", repeatLine) }
        }
        if let timeZones { line("z", timeZones) }
        if let encryptionKey { line("k", encryptionKey) }
        for attribute in attributes { line("a", attribute.text) }
        for media in media {
            var mediaLine = "\(media.type) \(media.port)"
            if let count = media.portCount { mediaLine += "/\(count)" }
            mediaLine += " " + media.proto.rawValue
            for format in media.formats { mediaLine += " " + format }
            line("m", mediaLine)
            if let information = media.information { line("i", information) }
            for connection in media.connections { line("c", connection.value) }
            for bandwidth in media.bandwidths { line("b", bandwidth.text) }
            if let key = media.encryptionKey { line("k", key) }
            for attribute in media.attributes { line("a", attribute.text) }
        }
        return out
    }

    /// ``text`` as UTF-8 bytes, for a SIP or HTTP body.
    public var bytes: [UInt8] { Array(text.utf8) }
}

extension SessionDescription: CustomStringConvertible {
    /// The description as text (``text``).
    public var description: String { text }
}

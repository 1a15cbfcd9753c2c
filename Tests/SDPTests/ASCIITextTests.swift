import Testing
@testable import SDP

/// The byte-level string operations of the parser against the Character-level
/// ones they stand in for: the same results on ASCII, non-ASCII and hostile text.
@Suite("ASCII fast paths")
struct ASCIITextTests {
    static let samples: [String] = [
        "", " ", "  ", "a", "a b", " a b ", "a  b", "IN IP4 127.0.0.1", "0 PCMU/8000", "101 telephone-event/8000/1",
        "a//b", "/", "//", "a/", "/a", "x;y;;z;", "é b", "e\u{301} b", "a \u{301}b", " \u{301}", "a:\u{301}b", "\u{600}:x",
        "tab\there", "🎧 🎧", "a\r\nb", "::", "k:v:w", "AES_CM_128_HMAC_SHA1_80 inline:QUJD|2^20|1:4",
    ]

    @Test("fields(_:) splits as split(separator:) does")
    func fields() {
        for text in Self.samples {
            let s = text[...]
            for separator in [" ", "/", ";", "|", ":"] {
                let byte = separator.utf8.first!
                let character = Character(separator)
                for omitting in [true, false] {
                    for maxSplits in [0, 1, 2, Int.max] {
                        let expected = s.split(separator: character, maxSplits: maxSplits, omittingEmptySubsequences: omitting)
                        let actual = s.fields(byte, maxSplits: maxSplits, omittingEmptySubsequences: omitting)
                        #expect(actual == expected, "\(text.unicodeScalars.map(\.value)) \(separator) \(omitting) \(maxSplits)")
                    }
                }
                #expect(s.firstIndex(ofASCII: byte) == s.firstIndex(of: character), "\(text)")
                #expect(s.contains(ascii: byte) == s.contains(character), "\(text)")
            }
        }
    }

    @Test("case-insensitive comparisons agree with lowercased() and uppercased()")
    func caseFolding() {
        let words = ["opus", "OPUS", "Opus", "pcmu", "PCMU", "telephone-event", "Telephone-Event", "audio", "AUDIO", "audİo",
                     "ß", "SS", "", "K", "k", "\u{212A}", "rtp/avp", "RTP/SAVP", "udp/tls/rtp/savpf", "savp", "SAV", "ŕtp/"]
        for a in words {
            for b in words {
                #expect(a.equalsIgnoringCase(b) == (a.lowercased() == b.lowercased()), "\(a) \(b)")
            }
            for needle in ["RTP/", "SAVP"] {
                #expect(a.uppercasedContains(needle) == a.uppercased().contains(needle), "\(a) \(needle)")
            }
        }
    }

    @Test("rtpmap: the byte parser gives the general parser's map, or steps aside")
    func rtpMaps() {
        let values = ["0 PCMU/8000", "111 opus/48000/2", "101 telephone-event/8000", "96 X/90000/1", "127 a/1/255",
                      "128 a/1", "0 PCMU/0", "0 PCMU/8000/0", "0 PCMU/8000/256", "0 PCMU", "0 /8000", "0  PCMU/8000",
                      "0 PC MU/8000", "0 PCMU/8000/1/2", "007 PCMU/8000", "00000000000000 PCMU/8000", "0 PCMU/4294967295",
                      "0 PCMU/4294967296", "0 PCMU/8000x", "0 PC\tMU/8000", "0 PCMÜ/8000", "x PCMU/8000", "", " ", "0 PCMU/08000"]
        for value in values {
            let general = try? RTPMap(parsing: value[...])
            if let fast = RTPMap.parsingASCII(value[...]) {
                #expect(fast == general, "\(value)")
            }
            #expect(RTPMap(value) == general, "\(value)")
        }
        #expect(RTPMap.parsingASCII("111 opus/48000/2") != nil)
    }
}

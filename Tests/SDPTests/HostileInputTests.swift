import Testing
@testable import SDP

private let audio = "m=audio 4000 RTP/AVP 0 96\r\n"

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

private func base64(_ count: Int) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
    let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
    var out = ""
    var index = 0
    while index < bytes.count {
        let chunk = Array(bytes[index..<min(index + 3, bytes.count)]) + [0, 0]
        let value = Int(chunk[0]) << 16 | Int(chunk[1]) << 8 | Int(chunk[2])
        let available = min(3, bytes.count - index)
        for position in 0..<4 {
            out.append(position <= available ? alphabet[(value >> (18 - 6 * position)) & 63] : "=")
        }
        index += 3
    }
    return out
}

@Suite("Hostile inputs: a precise SDPError, never a crash")
struct HostileInputTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: [UInt8]
        let error: SDPError
        let line: Int?
        var limits = SDPLimits.default
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty", input: [], error: .emptyInput, line: 1),
        Case(name: "only newlines", input: bytes("\r\n\r\n"), error: .emptyInput, line: 1),
        Case(name: "only v=0", input: bytes("v=0"), error: .missingOrigin, line: 2),
        Case(name: "only v=0 CRLF", input: bytes("v=0\r\n"), error: .missingOrigin, line: 2),
        Case(name: "first line not v=", input: bytes("o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n"), error: .missingVersion, line: 1),
        Case(name: "version 1", input: bytes("v=1\r\n"), error: .malformedLine, line: 1),
        Case(name: "no s=", input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nt=0 0\r\n"), error: .missingSessionName, line: 3),
        Case(name: "truncated o= line", input: bytes("v=0\r\no=- 1 1 IN IP"), error: .malformedLine, line: 2),
        Case(name: "truncated in the middle of m=", input: bytes(header + "m=aud"), error: .badMediaLine, line: 6),
        Case(name: "truncated after the type letter", input: bytes(header + "m"), error: .malformedLine, line: 6),
        Case(name: "missing t=", input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n" + audio),
             error: .missingTiming, line: 5),
        Case(name: "missing t=, no media", input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"),
             error: .missingTiming, line: 4),
        Case(name: "non-numeric port", input: bytes(header + "m=audio abc RTP/AVP 0\r\n"), error: .badPort, line: 6),
        Case(name: "port 70000", input: bytes(header + "m=audio 70000 RTP/AVP 0\r\n"), error: .badPort, line: 6),
        Case(name: "port with sign", input: bytes(header + "m=audio +4000 RTP/AVP 0\r\n"), error: .badPort, line: 6),
        Case(name: "port 2^64", input: bytes(header + "m=audio 18446744073709551616 RTP/AVP 0\r\n"), error: .badPort, line: 6),
        Case(name: "port count 0", input: bytes(header + "m=audio 4000/0 RTP/AVP 0\r\n"), error: .badPort, line: 6),
        Case(name: "m= without formats", input: bytes(header + "m=audio 4000 RTP/AVP\r\n"), error: .badMediaLine, line: 6),
        Case(name: "payload type 200", input: bytes(header + "m=audio 4000 RTP/AVP 200\r\n"), error: .badMediaLine, line: 6),
        Case(name: "rtpmap without clock rate", input: bytes(header + audio + "a=rtpmap:96 opus\r\n"), error: .badRTPMap, line: 7),
        Case(name: "rtpmap clock rate 0", input: bytes(header + audio + "a=rtpmap:96 opus/0\r\n"), error: .badRTPMap, line: 7),
        Case(name: "rtpmap PT 300", input: bytes(header + audio + "a=rtpmap:300 opus/48000/2\r\n"), error: .badRTPMap, line: 7),
        Case(name: "rtpmap huge clock rate",
             input: bytes(header + audio + "a=rtpmap:96 opus/99999999999999999999999\r\n"), error: .badRTPMap, line: 7),
        Case(name: "duplicate rtpmap for one PT",
             input: bytes(header + audio + "a=rtpmap:96 opus/48000/2\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:96 PCMA/8000\r\n"),
             error: .duplicateAttribute, line: 9),
        Case(name: "two direction attributes", input: bytes(header + audio + "a=sendrecv\r\na=ptime:20\r\na=sendonly\r\n"),
             error: .duplicateAttribute, line: 9),
        Case(name: "two session-level directions", input: bytes(header + "a=inactive\r\na=inactive\r\n"),
             error: .duplicateAttribute, line: 7),
        Case(name: "duplicate fmtp", input: bytes(header + audio + "a=fmtp:96 a=1\r\na=fmtp:96 a=2\r\n"),
             error: .duplicateAttribute, line: 8),
        Case(name: "two ptimes", input: bytes(header + audio + "a=ptime:20\r\na=ptime:30\r\n"), error: .duplicateAttribute, line: 8),
        Case(name: "ptime not a number", input: bytes(header + audio + "a=ptime:twenty\r\n"), error: .badAttribute, line: 7),
        Case(name: "fmtp without parameters", input: bytes(header + audio + "a=fmtp:96\r\n"), error: .badAttribute, line: 7),
        Case(name: "rtcp port 70000", input: bytes(header + audio + "a=rtcp:70000\r\n"), error: .badAttribute, line: 7),
        Case(name: "crypto with 29-byte key",
             input: bytes(header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(base64(29))\r\n"),
             error: .badCrypto, line: 7),
        Case(name: "crypto with non-base64 key",
             input: bytes(header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!!PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtx\r\n"),
             error: .badCrypto, line: 7),
        Case(name: "crypto with a bad MKI",
             input: bytes(header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(base64(30))|1:999\r\n"),
             error: .badCrypto, line: 7),
        Case(name: "crypto tag of 10 digits",
             input: bytes(header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:\(base64(30))\r\n"),
             error: .badCrypto, line: 7),
        Case(name: "crypto not inline",
             input: bytes(header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:x\r\n"),
             error: .badCrypto, line: 7),
        Case(name: "duplicate crypto tag",
             input: bytes(header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(base64(30))\r\n"
                 + "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:\(base64(30))\r\n"),
             error: .duplicateAttribute, line: 8),
        Case(name: "unknown line type", input: bytes(header + "x=1\r\n"), error: .unknownLineType, line: 6),
        Case(name: "upper-case line type", input: bytes(header + "A=rtcp-mux\r\n"), error: .unknownLineType, line: 6),
        Case(name: "no '='", input: bytes(header + "garbage\r\n"), error: .malformedLine, line: 6),
        Case(name: "empty line in the middle", input: bytes("v=0\r\n\r\no=- 1 1 IN IP4 192.0.2.1\r\n"), error: .malformedLine, line: 2),
        Case(name: "t= in a media section", input: bytes(header + audio + "t=0 0\r\n"), error: .unexpectedLine, line: 7),
        Case(name: "r= without t=", input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nr=1 2 3\r\n"), error: .unexpectedLine, line: 4),
        Case(name: "second c= at session level", input: bytes(header + "c=IN IP4 192.0.2.2\r\n"), error: .unexpectedLine, line: 6),
        Case(name: "malformed c=", input: bytes(header + audio + "c=IN IP4\r\n"), error: .malformedLine, line: 7),
        Case(name: "malformed b=", input: bytes(header + "b=AS:lots\r\n"), error: .malformedLine, line: 6),
        Case(name: "malformed t=", input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=now\r\n"), error: .malformedLine, line: 4),
        Case(name: "no c= anywhere",
             input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"),
             error: .missingConnection, line: 5),
        Case(name: "1 MB of text", input: bytes(header + "a=" + String(repeating: "x", count: 1 << 20)), error: .tooLarge, line: 6),
        Case(name: "100000 lines", input: bytes(header + String(repeating: "a=x\n", count: 100_000)), error: .tooLarge,
             line: 6 + (65_536 - header.utf8.count) / 4),
        Case(name: "100000 lines under a large byte limit", input: bytes(header + String(repeating: "a=x\n", count: 100_000)),
             error: .tooLarge, line: 1025, limits: SDPLimits(maxBytes: 10 << 20)),
        Case(name: "65 media sections", input: bytes(header + String(repeating: audio, count: 65)), error: .tooLarge, line: 70),
        Case(name: "binary junk (PNG header)",
             input: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52],
             error: .invalidUTF8, line: 1),
        Case(name: "binary junk with control bytes", input: bytes("v=0\r\n") + [0x01, 0x02, 0x03, 0x7F], error: .controlCharacter, line: 2),
        Case(name: "NUL byte", input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1") + [0] + bytes("\r\ns=-\r\n"), error: .nulByte, line: 2),
        Case(name: "NUL-terminated C string", input: bytes(header) + [0], error: .nulByte, line: 6),
        Case(name: "invalid UTF-8", input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=") + [0xC3, 0x28] + bytes("\r\n"),
             error: .invalidUTF8, line: 3),
        Case(name: "overlong UTF-8 encoding of '/'", input: bytes("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=") + [0xC0, 0xAF],
             error: .invalidUTF8, line: 3),
        Case(name: "UTF-16 text", input: [0xFF, 0xFE, 0x76, 0x00, 0x3D, 0x00, 0x30, 0x00], error: .nulByte, line: 1),
        Case(name: "lone CR in a line", input: bytes("v=0\r\no=- 1 1\rIN IP4 192.0.2.1\r\n"), error: .controlCharacter, line: 2),
        Case(name: "escape sequence", input: bytes(header + "s=\u{1B}[31m\r\n"), error: .controlCharacter, line: 6),
    ]

    @Test("each hostile input gives its error and line", arguments: cases)
    func hostile(_ testCase: Case) {
        expectError(testCase.error, line: testCase.line, parsing: testCase.input, limits: testCase.limits)
    }

    @Test("messages are precise")
    func messages() {
        let port = expectError(.badPort, line: 6, parsing: bytes(header + "m=audio 70000 RTP/AVP 0\r\n"))
        #expect(port?.description == "line 6: bad port: port 70000 is not in 0...65535")
        #expect(port?.kind == "bad_port")
        let key = expectError(.badCrypto, line: 7, parsing: bytes(
            header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:\(base64(29))\r\n"))
        #expect(key?.message == "crypto key is 29 bytes, AES_CM_128_HMAC_SHA1_80 needs 30 (key || salt)")
        let duplicate = expectError(.duplicateAttribute, line: 8, parsing: bytes(
            header + audio + "a=rtpmap:96 opus/48000/2\r\na=rtpmap:96 opus/48000/2\r\n"))
        #expect(duplicate?.message == "second a=rtpmap for payload type 96 (first on line 7)")
        #expect(SDPError.unsupportedMedia.kind == "unsupported_media")
        #expect(SDPError.badRTPMap.kind == "bad_rtp_map")
        #expect(SDPError.invalidUTF8.kind == "invalid_utf8")
        #expect(SDPError.nulByte.kind == "nul_byte")
    }

    @Test("a CR at end of input is a line ending, not a control character")
    func trailingCR() throws {
        let sdp = try SessionDescription(parsing: header + audio + "a=sendonly\r")
        #expect(sdp.media.first?.direction == .sendonly)
    }

    @Test("random bytes never crash the parser")
    func randomBytes() {
        var random = XorShift(state: 0x5DEE_CE66_D1CE_B00C)
        for _ in 0..<3000 {
            let length = random.below(600)
            let input = (0..<length).map { _ in random.byte() }
            _ = try? SessionDescription(parsing: input)
        }
    }

    @Test("mutated corpus files never crash the parser, and whatever parses writes back and re-parses",
          arguments: Corpus.names)
    func mutatedCorpus(name: String) throws {
        let original = try Corpus.bytes(name)
        var random = XorShift(state: UInt64(original.count) &* 0x9E37_79B9_7F4A_7C15 | 1)
        let interesting: [UInt8] = Array("=:/ \r\n0123456789a-".utf8) + [0, 0xFF, 0xC3]
        for _ in 0..<400 {
            var input = original
            for _ in 0...random.below(4) where !input.isEmpty {
                let position = random.below(input.count)
                switch random.below(4) {
                case 0: input[position] = interesting[random.below(interesting.count)]
                case 1: input.remove(at: position)
                case 2: input.insert(interesting[random.below(interesting.count)], at: position)
                default: input = Array(input[..<position])
                }
            }
            if let parsed = try? SessionDescription(parsing: input) {
                #expect(try SessionDescription(parsing: parsed.text) == parsed)
                _ = try? AudioStream(parsed)
            }
        }
    }
}

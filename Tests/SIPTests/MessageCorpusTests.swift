#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Testing
@testable import SIP

/// The messages in `Corpus/` (sipp captures and RFC 4475 torture messages), read
/// through `#filePath` (the folder is excluded from the target). Files named
/// `invalid-*` must be rejected; every other one must parse and round-trip.
enum MessageCorpus {
    static let directory = URL(filePath: #filePath).deletingLastPathComponent().appending(path: "Corpus")

    static var names: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".sip") }.sorted()
    }

    static var valid: [String] { names.filter { !$0.hasPrefix("invalid-") } }
    static var invalid: [String] { names.filter { $0.hasPrefix("invalid-") } }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: directory.appending(path: name)))
    }

    static func parse(_ name: String) throws -> SIPMessage {
        try SIPMessage(parsing: bytes(name))
    }
}

/// Helpers shared by the Message*Tests files.
enum MessageFixtures {
    /// `text` with LF line endings turned into CRLF (CRLF kept), as bytes.
    static func crlf(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        var previous: UInt8 = 0
        for byte in text.utf8 {
            if byte == 0x0A, previous != 0x0D { out.append(0x0D) }
            out.append(byte)
            previous = byte
        }
        return out
    }

    /// The headers without Content-Length, which writing recomputes.
    static func withoutLength(_ message: SIPMessage) -> SIPMessage {
        var copy = message
        copy.headers.remove("Content-Length")
        return copy
    }

    /// A plain INVITE with an SDP body, CRLF line endings.
    static let invite = crlf("""
        INVITE sip:bob@biloxi.example.com SIP/2.0
        Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport
        Max-Forwards: 70
        To: Bob <sip:bob@biloxi.example.com>
        From: "Alice, A." <sip:alice@atlanta.example.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.atlanta.example.com
        CSeq: 314159 INVITE
        Contact: <sip:alice@pc33.atlanta.example.com>
        Content-Type: application/sdp
        Content-Length: 36

        v=0
        o=- 1 1 IN IP4 192.0.2.1
        s=-

        """)

    /// `headers` after a request line, a blank line and `body`.
    static func request(_ headers: String, line: String = "OPTIONS sip:bob@example.com SIP/2.0", body: String = "") -> [UInt8] {
        crlf(line + "\n" + headers + "\n\n") + Array(body.utf8)
    }

    /// The five mandatory headers of an OPTIONS request.
    static let mandatory = """
        Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKmandatory
        From: <sip:alice@example.com>;tag=abc
        To: <sip:bob@example.com>
        Call-ID: mandatory@192.0.2.1
        CSeq: 1 OPTIONS
        """
}

/// Deterministic pseudo-random numbers (xorshift64), for junk and mutations.
struct MessageRandom {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}

@Suite("Corpus: sipp captures and RFC 4475 messages")
struct MessageCorpusTests {
    @Test("the corpus is there")
    func corpusPresent() {
        #expect(MessageCorpus.names.count >= 50, "\(MessageCorpus.directory.path)")
        #expect(MessageCorpus.names.filter { $0.hasPrefix("sipp-") }.count >= 9)
        #expect(MessageCorpus.invalid.count >= 20)
    }

    @Test("parse -> write -> parse gives the same message (Content-Length aside)", arguments: MessageCorpus.valid)
    func roundTrip(name: String) throws {
        let parsed = try MessageCorpus.parse(name)
        let written = parsed.serialized()
        let reparsed = try SIPMessage(parsing: written)
        #expect(MessageFixtures.withoutLength(reparsed) == MessageFixtures.withoutLength(parsed))
        #expect(reparsed.serialized() == written, "writing is stable")
        #expect(reparsed.contentLength == parsed.body.count)
    }

    @Test("an LF-only header section reads like the CRLF one", arguments: MessageCorpus.valid)
    func bareLineFeeds(name: String) throws {
        let bytes = try MessageCorpus.bytes(name)
        let crlfcrlf: [UInt8] = [13, 10, 13, 10]
        let end = try #require((0...(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == crlfcrlf })
        let head = bytes[..<end].filter { $0 != 13 } + [10, 10]
        #expect(try SIPMessage(parsing: head + bytes[(end + 4)...]) == MessageCorpus.parse(name))
    }

    @Test("the sipp messages are written back byte for byte (but for Content-Length padding)",
          arguments: MessageCorpus.valid.filter { $0.hasPrefix("sipp-") })
    func sippCanonical(name: String) throws {
        let input = String(decoding: try MessageCorpus.bytes(name), as: UTF8.self)
        let written = String(decoding: try MessageCorpus.parse(name).serialized(), as: UTF8.self)
        #expect(written == input.replacing("Content-Length:   ", with: "Content-Length: "))
    }

    /// (file, error, canRespond)
    static let rejections: [(String, SIPError, Bool)] = [
        ("invalid-badcl.sip", .badContentLength, true),
        ("invalid-rfc4475-badinv01.sip", .badVia, false),
        ("invalid-rfc4475-baddn.sip", .badAddress, true),
        ("invalid-rfc4475-badvers.sip", .unsupportedVersion, false),  // its Via is SIP/7.0 too
        ("invalid-rfc4475-bigcode.sip", .badStartLine, false),
        ("invalid-rfc4475-clerr.sip", .badContentLength, true),
        ("invalid-rfc4475-escruri.sip", .badRequestURI, true),
        ("invalid-rfc4475-insuf.sip", .missingHeader, false),
        ("invalid-rfc4475-intmeth-nul.sip", .nulByte, false),
        ("invalid-rfc4475-ltgtruri.sip", .badRequestURI, true),
        ("invalid-rfc4475-lwsruri.sip", .badStartLine, true),
        ("invalid-rfc4475-lwsstart.sip", .badStartLine, true),
        ("invalid-rfc4475-mcl01.sip", .duplicateHeader, true),
        ("invalid-rfc4475-mismatch01.sip", .cseqMismatch, true),
        ("invalid-rfc4475-mismatch02.sip", .cseqMismatch, true),
        ("invalid-rfc4475-multi01.sip", .duplicateHeader, true),
        ("invalid-rfc4475-ncl.sip", .badContentLength, true),
        ("invalid-rfc4475-quotbal.sip", .badAddress, true),
        ("invalid-rfc4475-scalar02.sip", .badCSeq, true),
        ("invalid-rfc4475-scalarlg.sip", .badCSeq, false),
        ("invalid-rfc4475-trws.sip", .badStartLine, true),
    ]

    @Test("every invalid file has an expected error")
    func rejectionTableComplete() {
        #expect(Set(Self.rejections.map(\.0)) == Set(MessageCorpus.invalid))
    }

    @Test("invalid messages are rejected with the right error, and a 400 exactly when possible", arguments: rejections)
    func rejected(name: String, expected: SIPError, canRespond: Bool) throws {
        let bytes = try MessageCorpus.bytes(name)
        #expect(throws: expected) { try SIPMessage(parsing: bytes) }
        do {
            _ = try SIPMessage(parsing: bytes)
        } catch {
            #expect(error.canRespond == canRespond, "\(error)")
            #expect(!error.message.isEmpty)
            let response = SIPMessage.badRequestResponse(for: bytes, error: error)
            #expect((response != nil) == canRespond)
            if let response {
                #expect(response.status == 400)
                #expect(response.reason == error.reasonPhrase)
                // The copies are as received, so the 400 may not parse itself (a bad From, CSeq, ...).
                let written = String(decoding: response.serialized(), as: UTF8.self)
                #expect(written.hasPrefix("SIP/2.0 400 \(error.reasonPhrase)\r\nVia: "))
            }
        }
    }
}

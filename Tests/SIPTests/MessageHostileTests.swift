import Testing
@testable import SIP

private let crlf = MessageFixtures.crlf
private let mandatory = MessageFixtures.mandatory

/// Parses anything; the only requirement is to end (in a value or an error).
private func outcome(_ bytes: [UInt8]) -> Result<SIPMessage, SIPError> {
    do throws(SIPError) {
        return .success(try SIPMessage(parsing: bytes))
    } catch {
        return .failure(error)
    }
}

@Suite("Hostile inputs: a precise SIPError, never a crash")
struct MessageHostileTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let input: [UInt8]
        let error: SIPError
        let canRespond: Bool
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "empty", input: [], error: .emptyInput, canRespond: false),
        Case(name: "only CRLFs (a keep-alive)", input: crlf("\n\n"), error: .emptyInput, canRespond: false),
        Case(name: "70 KB", input: MessageFixtures.request(mandatory, body: String(repeating: "x", count: 70_000)),
             error: .tooLarge, canRespond: false),
        Case(name: "300 headers", input: MessageFixtures.request(
            mandatory + String(repeating: "\nX-Filler: yes", count: 300)), error: .tooManyHeaders, canRespond: true),
        Case(name: "a header line of 10 KB", input: MessageFixtures.request(
            mandatory + "\nX-Long: " + String(repeating: "a", count: 10_240)), error: .headerTooLong, canRespond: true),
        Case(name: "a header folded to 10 KB", input: MessageFixtures.request(
            mandatory + "\nX-Long: a" + String(repeating: "\n aaaaaaaaa", count: 1_024)), error: .headerTooLong, canRespond: true),
        Case(name: "NUL inside a header", input: MessageFixtures.request(mandatory + "\nSubject: a\u{0}b"),
             error: .nulByte, canRespond: true),
        Case(name: "NUL inside the Call-ID", input: MessageFixtures.request(mandatory.replacing("Call-ID: ", with: "Call-ID: \u{0}")),
             error: .nulByte, canRespond: false),
        Case(name: "NUL in the start line", input: MessageFixtures.request(mandatory, line: "OPTIONS sip:b\u{0}b@x SIP/2.0"),
             error: .nulByte, canRespond: true),
        Case(name: "non-UTF-8 header", input: crlf("OPTIONS sip:bob@example.com SIP/2.0\n" + mandatory + "\nSubject: ")
             + [0xC3, 0x28] + crlf("\n\n"), error: .invalidUTF8, canRespond: true),
        Case(name: "non-UTF-8 start line", input: Array("OPTIONS sip:".utf8) + [0xFF] + crlf("@x SIP/2.0\n" + mandatory + "\n\n"),
             error: .invalidUTF8, canRespond: true),
        Case(name: "header without colon", input: MessageFixtures.request(mandatory + "\nNoColonHere"),
             error: .malformedHeader, canRespond: true),
        Case(name: "header name with a space", input: MessageFixtures.request(mandatory + "\nBad Name: x"),
             error: .malformedHeader, canRespond: true),
        Case(name: "empty header name", input: MessageFixtures.request(mandatory + "\n: x"),
             error: .malformedHeader, canRespond: true),
        Case(name: "continuation before the first header", input: MessageFixtures.request(" folded\n" + mandatory),
             error: .malformedHeader, canRespond: true),
        Case(name: "stray CR inside a header", input: MessageFixtures.request(mandatory + "\nSubject: a\rb"),
             error: .malformedHeader, canRespond: true),
        Case(name: "no empty line (truncated)", input: crlf("OPTIONS sip:bob@example.com SIP/2.0\n" + mandatory + "\n"),
             error: .incompleteMessage, canRespond: true),
        Case(name: "start line only", input: Array("OPTIONS sip:bob@example.com SIP/2.0".utf8),
             error: .incompleteMessage, canRespond: false),
        Case(name: "SIP/3.0", input: MessageFixtures.request(mandatory, line: "INVITE sip:x SIP/3.0"),
             error: .unsupportedVersion, canRespond: true),
        Case(name: "SIP/2.0 99 x", input: crlf("SIP/2.0 99 x\n" + mandatory + "\n\n"), error: .badStartLine, canRespond: false),
        Case(name: "SIP/2.0 abc OK", input: crlf("SIP/2.0 abc OK\n" + mandatory + "\n\n"), error: .badStartLine, canRespond: false),
        Case(name: "SIP/2.0 700 Big", input: crlf("SIP/2.0 700 Big\n" + mandatory + "\n\n"), error: .badStartLine, canRespond: false),
        Case(name: "SIP/2.0 2000 OK", input: crlf("SIP/2.0 2000 OK\n" + mandatory + "\n\n"), error: .badStartLine, canRespond: false),
        Case(name: "SIP/2.0200 OK (version 2.0200)", input: crlf("SIP/2.0200 OK\n" + mandatory + "\n\n"), error: .unsupportedVersion, canRespond: false),
        Case(name: "SIP/2 200 OK", input: crlf("SIP/2 200 OK\n" + mandatory + "\n\n"), error: .badStartLine, canRespond: false),
        Case(name: "SIP/2.1 response", input: crlf("SIP/2.1 200 OK\n" + mandatory + "\n\n"), error: .unsupportedVersion, canRespond: false),
        Case(name: "empty start line field", input: MessageFixtures.request(mandatory, line: "OPTIONS  SIP/2.0"),
             error: .badStartLine, canRespond: true),
        Case(name: "request line with two fields", input: MessageFixtures.request(mandatory, line: "OPTIONS sip:bob@example.com"),
             error: .badStartLine, canRespond: true),
        Case(name: "HTTP request", input: crlf("GET / HTTP/1.1\nHost: example.com\n\n"), error: .badStartLine, canRespond: false),
        Case(name: "method with a slash", input: MessageFixtures.request(mandatory, line: "OPT/IONS sip:bob@example.com SIP/2.0"),
             error: .badStartLine, canRespond: false),
        Case(name: "tab in the request line", input: MessageFixtures.request(mandatory, line: "OPTIONS\tsip:bob@example.com SIP/2.0"),
             error: .badStartLine, canRespond: false),
        Case(name: "Request-URI without scheme", input: MessageFixtures.request(mandatory, line: "OPTIONS bob@example.com SIP/2.0"),
             error: .badRequestURI, canRespond: true),
        Case(name: "Request-URI with port 70000", input: MessageFixtures.request(mandatory, line: "OPTIONS sip:bob@example.com:70000 SIP/2.0"),
             error: .badRequestURI, canRespond: true),
        Case(name: "non-numeric CSeq", input: MessageFixtures.request(mandatory.replacing("CSeq: 1 OPTIONS", with: "CSeq: one OPTIONS")),
             error: .badCSeq, canRespond: true),
        Case(name: "CSeq without method", input: MessageFixtures.request(mandatory.replacing("CSeq: 1 OPTIONS", with: "CSeq: 1")),
             error: .badCSeq, canRespond: true),
        Case(name: "CSeq 2^32", input: MessageFixtures.request(mandatory.replacing("CSeq: 1 OPTIONS", with: "CSeq: 4294967296 OPTIONS")),
             error: .badCSeq, canRespond: true),
        Case(name: "CSeq method mismatch", input: MessageFixtures.request(mandatory.replacing("CSeq: 1 OPTIONS", with: "CSeq: 1 INVITE")),
             error: .cseqMismatch, canRespond: true),
        Case(name: "CSeq method in lower case", input: MessageFixtures.request(mandatory.replacing("CSeq: 1 OPTIONS", with: "CSeq: 1 options")),
             error: .cseqMismatch, canRespond: true),
        Case(name: "missing Via", input: MessageFixtures.request(mandatory.replacing("Via:", with: "X-Via:")),
             error: .missingHeader, canRespond: false),
        Case(name: "missing Call-ID", input: MessageFixtures.request(mandatory.replacing("Call-ID:", with: "X-Call-ID:")),
             error: .missingHeader, canRespond: false),
        Case(name: "missing CSeq in a response", input: crlf("SIP/2.0 200 OK\n" + mandatory.replacing("CSeq:", with: "X:") + "\n\n"),
             error: .missingHeader, canRespond: false),
        Case(name: "two To", input: MessageFixtures.request(mandatory + "\nt: <sip:carol@example.com>"),
             error: .duplicateHeader, canRespond: true),
        Case(name: "two Max-Forwards", input: MessageFixtures.request(mandatory + "\nMax-Forwards: 70\nMax-Forwards: 69"),
             error: .duplicateHeader, canRespond: true),
        Case(name: "Call-ID with a space", input: MessageFixtures.request(mandatory.replacing("Call-ID: mandatory", with: "Call-ID: man datory")),
             error: .badCallID, canRespond: true),
        Case(name: "non-numeric Max-Forwards", input: MessageFixtures.request(mandatory + "\nMax-Forwards: seventy"),
             error: .badMaxForwards, canRespond: true),
        Case(name: "Via without SIP/2.0", input: MessageFixtures.request(mandatory.replacing("SIP/2.0/UDP", with: "HTTP/1.1/UDP")),
             error: .badVia, canRespond: false),
        Case(name: "Via without host", input: MessageFixtures.request(mandatory.replacing("192.0.2.1:5060", with: "")),
             error: .badVia, canRespond: false),
        Case(name: "second Via malformed", input: MessageFixtures.request(mandatory + "\nVia: SIP/2.0/UDP ;branch=x"),
             error: .badVia, canRespond: true),
        Case(name: "Via rport not a port", input: MessageFixtures.request(mandatory.replacing(";branch", with: ";rport=99999;branch")),
             error: .badVia, canRespond: false),
        Case(name: "From without URI", input: MessageFixtures.request(mandatory.replacing("From: <sip:alice@example.com>", with: "From: Alice")),
             error: .badAddress, canRespond: true),
        Case(name: "To with an unterminated <", input: MessageFixtures.request(mandatory.replacing("To: <sip:bob@example.com>", with: "To: <sip:bob@example.com")),
             error: .badAddress, canRespond: true),
        Case(name: "From with junk after the address", input: MessageFixtures.request(mandatory.replacing(";tag=abc", with: ";tag=abc junk")),
             error: .badAddress, canRespond: true),
    ]

    @Test("each hostile input gives its error", arguments: cases)
    func hostile(_ testCase: Case) {
        switch outcome(testCase.input) {
        case .success(let message):
            Issue.record("parsed, expected \(testCase.error): \(message)")
        case .failure(let error):
            #expect(error == testCase.error, "\(error)")
            #expect(error.canRespond == testCase.canRespond, "\(error)")
            #expect(!error.message.isEmpty)
            #expect(!error.reasonPhrase.isEmpty && !error.reasonPhrase.contains("\r") && !error.reasonPhrase.contains("\n"))
            let response = SIPMessage.badRequestResponse(for: testCase.input, error: error)
            #expect((response != nil) == testCase.canRespond)
        }
    }

    @Test("every truncation of a valid INVITE ends in a value or an error")
    func truncations() throws {
        let full = MessageFixtures.invite
        let whole = try SIPMessage(parsing: full)
        var parsed = 0
        for end in 0...full.count {
            if case .success(let message) = outcome(Array(full[..<end])) {
                parsed += 1
                #expect(message.callID == whole.callID)
            }
        }
        #expect(parsed == 1, "only the whole message: the body has a Content-Length, the head its empty line")
        // Without Content-Length every cut after the empty line parses, with what is there as body.
        let text = String(decoding: full, as: UTF8.self).replacing("Content-Length: 36\r\n", with: "")
        let bytes = Array(text.utf8)
        let bodyStart = bytes.count - whole.body.count
        for end in 0...bytes.count {
            switch outcome(Array(bytes[..<end])) {
            case .success(let message):
                #expect(end >= bodyStart)
                #expect(message.body == Array(whole.body.prefix(end - bodyStart)))
            case .failure:
                #expect(end < bodyStart)
            }
        }
    }

    @Test("every truncation of every corpus message ends (and so do their suffixes)")
    func corpusTruncations() throws {
        for name in MessageCorpus.names {
            let bytes = try MessageCorpus.bytes(name)
            for end in stride(from: 0, through: bytes.count, by: 7) {
                _ = outcome(Array(bytes[..<end]))
                _ = outcome(Array(bytes[end...]))
            }
        }
    }

    @Test("4,000 random datagrams, random lengths, some with a valid start")
    func randomBytes() {
        var random = MessageRandom(state: 0x5EED_5EED_1234_5678)
        let prefixes = [[UInt8](), Array("INVITE sip:a@b SIP/2.0\r\n".utf8), Array("SIP/2.0 200 OK\r\n".utf8),
                        Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKx\r\n".utf8)]
        var errors = 0
        for round in 0..<4_000 {
            let length = random.below(round % 10 == 0 ? 3_000 : 300)
            let input = prefixes[round % prefixes.count] + (0..<length).map { _ in random.byte() }
            if case .failure(let error) = outcome(input) {
                errors += 1
                _ = SIPMessage.badRequestResponse(for: input, error: error)
            }
        }
        #expect(errors == 4_000)
    }

    @Test("random text built from SIP's own alphabet")
    func randomSIPText() {
        var random = MessageRandom(state: 42)
        let alphabet = Array("SIP/2.0 INVITE sip:@;:,<>\"\\=[]?\r\n\t Via From To Call-ID CSeq Content-Length 0123456789 branch tag z9hG4bK".utf8)
        for _ in 0..<3_000 {
            let input = (0..<random.below(400)).map { _ in alphabet[random.below(alphabet.count)] }
            if case .failure(let error) = outcome(input) { _ = SIPMessage.badRequestResponse(for: input, error: error) }
        }
    }

    @Test("3,000 mutations of valid messages: flipped, inserted and deleted bytes")
    func mutations() throws {
        var random = MessageRandom(state: 0xC0FFEE)
        let seeds = try [MessageFixtures.invite] + ["rfc4475-wsinv.sip", "sipp-uas-200-invite.sip", "rfc4475-intmeth.sip",
                                                     "rfc4475-longreq.sip"].map(MessageCorpus.bytes)
        let interesting = Array("\r\n :;,<>\"\\/@=0\u{0}".utf8) + [0xFF, 0xC3]
        var parsed = 0
        for round in 0..<3_000 {
            var input = seeds[round % seeds.count]
            for _ in 0...random.below(4) {
                let position = random.below(input.count)
                let byte = random.below(2) == 0 ? random.byte() : interesting[random.below(interesting.count)]
                switch random.below(3) {
                case 0: input[position] = byte
                case 1: input.insert(byte, at: position)
                default: input.remove(at: position)
                }
            }
            switch outcome(input) {
            case .success(let message):
                parsed += 1
                // Whatever parses must write and read back to the same message.
                let again = try SIPMessage(parsing: message.serialized())
                #expect(MessageFixtures.withoutLength(again) == MessageFixtures.withoutLength(message))
            case .failure(let error):
                _ = SIPMessage.badRequestResponse(for: input, error: error)
            }
        }
        #expect(parsed > 100, "some mutations are harmless")
    }

    @Test("binary junk: all zeros, all 0xFF, CR storms, a PNG header")
    func binaryJunk() {
        let inputs: [[UInt8]] = [
            [UInt8](repeating: 0, count: 1_000), [UInt8](repeating: 0xFF, count: 1_000),
            [UInt8](repeating: 13, count: 5_000), [UInt8](repeating: 10, count: 5_000) + [0x41],
            [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52],
            Array((0...255).map { UInt8($0) }), [UInt8](repeating: 0x3A, count: SIP.maxMessageSize),
        ]
        for input in inputs {
            guard case .failure = outcome(input) else {
                Issue.record("junk parsed")
                continue
            }
        }
    }

    @Test("exactly at the size limit is read, one byte more is not")
    func sizeLimit() throws {
        let head = MessageFixtures.request(mandatory)
        let fill = [UInt8](repeating: 0x61, count: SIP.maxMessageSize - head.count)
        #expect(try SIPMessage(parsing: head + fill).body.count == fill.count)
        #expect(throws: SIPError.tooLarge) { try SIPMessage(parsing: head + fill + [0x61]) }
    }

    @Test("exactly 256 headers are read, 257 are not")
    func headerLimit() throws {
        let five = 5
        let fillers = { (count: Int) in String(repeating: "\nX: y", count: count) }
        let ok = MessageFixtures.request(mandatory + fillers(SIP.maxHeaderFields - five))
        #expect(try SIPMessage(parsing: ok).headers.count == SIP.maxHeaderFields)
        let over = MessageFixtures.request(mandatory + fillers(SIP.maxHeaderFields - five + 1))
        #expect(throws: SIPError.tooManyHeaders) { try SIPMessage(parsing: over) }
    }
}

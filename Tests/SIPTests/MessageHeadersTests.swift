import Testing
@testable import SIP

@Suite("SIPHeaders: ordered, case-insensitive, compact-form aware")
struct MessageHeadersTests {
    private var sample: SIPHeaders {
        [
            "Via": "SIP/2.0/UDP a.example.com;branch=z9hG4bK1",
            "v": "SIP/2.0/UDP b.example.com;branch=z9hG4bK2, SIP/2.0/UDP c.example.com;branch=z9hG4bK3",
            "From": "<sip:alice@example.com>;tag=1",
            "t": "<sip:bob@example.com>",
            "Contact": "\"Bob, Jr.\" <sip:bob@192.0.2.5>, <sip:bob@192.0.2.6;a=\"x,y\">",
            "Subject": "Hello, world",
            "l": "0",
        ]
    }

    @Test("lookups by any spelling")
    func lookups() {
        let headers = sample
        #expect(headers.count == 7)
        #expect(headers["TO"] == "<sip:bob@example.com>")
        #expect(headers["t"] == "<sip:bob@example.com>")
        #expect(headers["content-length"] == "0")
        #expect(headers["Via"] == "SIP/2.0/UDP a.example.com;branch=z9hG4bK1", "the first field")
        #expect(headers["Call-ID"] == nil)
        #expect(headers.contains("V"))
        #expect(!headers.contains("Route"))
        #expect(headers.count(of: "via") == 2)
    }

    @Test("values: lists split across lines; other headers whole")
    func values() {
        let headers = sample
        #expect(headers.values("Via").count == 3)
        #expect(headers.values("Via").last == "SIP/2.0/UDP c.example.com;branch=z9hG4bK3")
        #expect(headers.values("m") == ["\"Bob, Jr.\" <sip:bob@192.0.2.5>", "<sip:bob@192.0.2.6;a=\"x,y\">"])
        #expect(headers.values("Subject") == ["Hello, world"])
        #expect(headers.values("Route").isEmpty)
    }

    /// (list value, elements)
    static let lists: [(String, [String])] = [
        ("a, b,c", ["a", "b", "c"]),
        ("a,,b, ,", ["a", "b"]),
        ("\"x, \\\"y\\\", z\" <sip:a@b>, <sip:c@d>", ["\"x, \\\"y\\\", z\" <sip:a@b>", "<sip:c@d>"]),
        ("<sip:a@b;x=1,2>, <sip:c@d>", ["<sip:a@b;x=1,2>", "<sip:c@d>"]),
        ("\"unterminated, still one", ["\"unterminated, still one"]),
        ("", []),
    ]

    @Test("splitting respects quotes, escapes and <...>", arguments: lists)
    func split(value: String, elements: [String]) {
        #expect(SIPHeaders.splitList(value) == elements)
    }

    @Test("add, set, remove, insert")
    func editing() {
        var headers = sample
        headers.add("Route", "<sip:p1.example.com;lr>")
        #expect(headers.values("Route") == ["<sip:p1.example.com;lr>"])

        headers.set("Via", "SIP/2.0/UDP z.example.com;branch=z9hG4bKz")
        #expect(headers.values("Via") == ["SIP/2.0/UDP z.example.com;branch=z9hG4bKz"], "replaces the compact v too")
        #expect(headers.map(\.name).first == "Via", "at the place of the first")

        headers.set("Call-ID", "new@example.com")
        #expect(headers.map(\.name).last == "Call-ID", "appended when absent")

        headers.insert("Via", "SIP/2.0/UDP top.example.com;branch=z9hG4bKtop", at: 0)
        #expect(headers.values("Via").first == "SIP/2.0/UDP top.example.com;branch=z9hG4bKtop")
        headers.insert("X-End", "1", at: 1_000)
        headers.insert("X-Start", "1", at: -5)
        #expect(headers.map(\.name).first == "X-Start")
        #expect(headers.map(\.name).last == "X-End")

        headers.remove("CONTENT-LENGTH")
        #expect(headers["l"] == nil)
        headers["Subject"] = nil
        #expect(!headers.contains("s"))
        headers["s"] = "compact"
        #expect(headers["Subject"] == "compact")
    }

    @Test("equality is by names as written and values, in order")
    func equality() {
        let a: SIPHeaders = ["To": "x", "From": "y"]
        #expect(a == SIPHeaders([(name: "To", value: "x"), (name: "From", value: "y")]))
        #expect(a != ["From": "y", "To": "x"])
        #expect(a != ["t": "x", "From": "y"])
        #expect(SIPHeaders().isEmpty)
    }

    @Test("typed setters on a message write the headers")
    func typedSetters() throws {
        var request = SIPRequest(method: .options, uri: SIPURI(host: "example.com"))
        request.callID = "set@example.com"
        request.cseq = CSeq(number: 3, method: .options)
        request.from = NameAddress(uri: SIPURI(user: "a", host: "example.com"), parameters: [SIPParameter(name: "tag", value: "f")])
        request.to = NameAddress(displayName: "B", uri: SIPURI(user: "b", host: "example.com"))
        request.maxForwards = 70
        request.contentType = "text/plain"
        #expect(Array(request.headers.map(\.name)) == ["Call-ID", "CSeq", "From", "To", "Max-Forwards", "Content-Type"])
        #expect(request.headers["To"] == "\"B\" <sip:b@example.com>")
        #expect(request.from?.tag == "f")
        request.maxForwards = nil
        #expect(request.maxForwards == nil)
        #expect(!request.isWildcardContact)
        request.headers.add("Contact", "*")
        #expect(request.isWildcardContact)
        #expect(request.contacts.isEmpty)
    }
}

import Testing
@testable import SIP

@Suite("Writing: start line, fields in order, a correct Content-Length")
struct MessageWritingTests {
    @Test("a request built from parts is written exactly")
    func request() throws {
        var headers = SIPHeaders()
        headers.add("Via", Via(host: "192.0.2.1", port: 5060, branch: "z9hG4bKw").description)
        headers.add("Max-Forwards", "70")
        headers.add("From", "<sip:alice@example.com>;tag=1")
        headers.add("To", "<sip:bob@example.com>")
        headers.add("Call-ID", "w@192.0.2.1")
        headers.add("CSeq", "1 MESSAGE")
        headers.add("Content-Type", "text/plain")
        let request = SIPRequest(method: .message, uri: SIPURI(user: "bob", host: "example.com"), headers: headers,
                                 body: Array("hi".utf8))
        let expected = """
            MESSAGE sip:bob@example.com SIP/2.0\r
            Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKw\r
            Max-Forwards: 70\r
            From: <sip:alice@example.com>;tag=1\r
            To: <sip:bob@example.com>\r
            Call-ID: w@192.0.2.1\r
            CSeq: 1 MESSAGE\r
            Content-Type: text/plain\r
            Content-Length: 2\r
            \r
            hi
            """
        #expect(String(decoding: request.serialized(), as: UTF8.self) == expected)
        #expect(SIPMessage.request(request).serialized() == request.serialized())
        #expect(try SIPMessage(parsing: request.serialized()).request?.headers["Content-Length"] == "2")
    }

    @Test("a response: status line with the reason, and an empty body")
    func response() {
        let response = SIPResponse(status: 486, headers: ["CSeq": "1 INVITE"])
        #expect(String(decoding: response.serialized(), as: UTF8.self)
            == "SIP/2.0 486 Busy Here\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        #expect(SIPResponse(status: 100, reason: "").serialized().starts(with: Array("SIP/2.0 100 \r\n".utf8)))
    }

    @Test("Content-Length is replaced in place (compact or wrong), duplicates dropped")
    func contentLength() {
        let response = SIPResponse(status: 200, headers: ["To": "x", "l": "999", "From": "y", "Content-Length": "5"],
                                   body: [1, 2, 3])
        #expect(String(decoding: response.serialized(), as: UTF8.self)
            == "SIP/2.0 200 OK\r\nTo: x\r\nContent-Length: 3\r\nFrom: y\r\n\r\n\u{1}\u{2}\u{3}")
    }

    @Test("CR, LF and NUL cannot inject header lines")
    func injection() throws {
        var request = SIPRequest(method: .options, uri: SIPURI(host: "example.com"))
        request.headers.add("Subject", "hi\r\nVia: SIP/2.0/UDP evil.example.com")
        request.headers.add("X-Evil\r\nTo", "a\u{0}b")
        let text = String(decoding: request.serialized(), as: UTF8.self)
        #expect(text.contains("Subject: hi  Via: SIP/2.0/UDP evil.example.com\r\n"))
        #expect(text.contains("X-Evil  To: a b\r\n"))
        #expect(!request.serialized().contains(0))
        let reason = SIPResponse(status: 200, reason: "OK\r\nVia: x").serialized()
        #expect(reason.starts(with: Array("SIP/2.0 200 OK  Via: x\r\nContent-Length: 0\r\n".utf8)))
    }

    @Test("a body with CRLFCRLF inside is carried whole")
    func bodyWithBlankLines() throws {
        let body = Array("a\r\n\r\nb\r\n\r\n".utf8)
        let message = try SIPMessage(parsing: MessageFixtures.request(MessageFixtures.mandatory, body: String(decoding: body, as: UTF8.self)))
        #expect(message.body == body)
        #expect(try SIPMessage(parsing: message.serialized()).body == body)
    }
}

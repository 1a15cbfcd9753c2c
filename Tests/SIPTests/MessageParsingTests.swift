import Testing
@testable import SIP

private let crlf = MessageFixtures.crlf
private let mandatory = MessageFixtures.mandatory

@Suite("Parsing: the features of RFC 3261 messages")
struct MessageParsingTests {
    @Test("a plain INVITE")
    func plainInvite() throws {
        let message = try SIPMessage(parsing: MessageFixtures.invite)
        let invite = try #require(message.request)
        #expect(invite.method == .invite)
        #expect(invite.uri == SIPURI(user: "bob", host: "biloxi.example.com"))
        #expect(invite.headers.count == 9)
        #expect(invite.callID == "a84b4c76e66710@pc33.atlanta.example.com")
        #expect(invite.cseq == CSeq(number: 314_159, method: .invite))
        #expect(invite.from?.displayName == "Alice, A.")
        #expect(invite.to?.tag == nil)
        #expect(invite.topVia == Via(host: "pc33.atlanta.example.com", port: 5060, branch: "z9hG4bK776asdhds",
                                     parameters: [SIPParameter(name: "rport")]))
        #expect(invite.maxForwards == 70)
        #expect(invite.contentType == "application/sdp")
        #expect(invite.contentLength == 36)
        #expect(String(decoding: invite.body, as: UTF8.self) == "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n")
        #expect(message.response == nil)
    }

    @Test("an ArraySlice parses like the array")
    func slice() throws {
        let padded = [0xFF] + MessageFixtures.invite + [0xFF]
        let slice = padded[1..<(padded.count - 1)]
        #expect(try SIPMessage(parsing: slice) == SIPMessage(parsing: MessageFixtures.invite))
    }

    @Test("compact header names are found by full name, and the reverse")
    func compactForms() throws {
        let message = try SIPMessage(parsing: crlf("""
            INVITE sip:bob@example.com SIP/2.0
            v: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKcompact
            f: <sip:alice@example.com>;tag=1
            t: <sip:bob@example.com>
            i: compact@192.0.2.1
            CSeq: 1 INVITE
            m: <sip:alice@192.0.2.1>
            c: application/sdp
            e: gzip
            s: hello
            k: timer, 100rel
            o: presence
            r: <sip:carol@example.com>
            b: <sip:alice@example.com>
            x: 1800;refresher=uac
            u: dialog
            l: 4

            1234
            """))
        #expect(message.callID == "compact@192.0.2.1")
        #expect(message.topVia?.branch == "z9hG4bKcompact")
        #expect(message.from?.tag == "1")
        #expect(message.to?.uri.user == "bob")
        #expect(message.contacts.count == 1)
        #expect(message.contentType == "application/sdp")
        #expect(message.contentLength == 4)
        let expected: [(String, String)] = [
            ("Content-Encoding", "gzip"), ("Subject", "hello"), ("Supported", "timer, 100rel"), ("Event", "presence"),
            ("Refer-To", "<sip:carol@example.com>"), ("Referred-By", "<sip:alice@example.com>"),
            ("Session-Expires", "1800;refresher=uac"), ("Allow-Events", "dialog"), ("CALL-ID", "compact@192.0.2.1"),
        ]
        for (name, value) in expected { #expect(message.headers[name] == value, "\(name)") }
        #expect(message.headers.values("Supported") == ["timer", "100rel"])
        #expect(message.headers.values("k") == ["timer", "100rel"])
        #expect(message.headers["I"] == "compact@192.0.2.1", "compact names are case-insensitive too")
    }

    @Test("folded header lines are unfolded into one space")
    func folding() throws {
        let message = try SIPMessage(parsing: MessageFixtures.request(mandatory + """

            Subject: first
             second
            \tthird
            Allow: INVITE,
               ACK,
              BYE
            """))
        #expect(message.headers["Subject"] == "first second third")
        #expect(message.headers.values("Allow") == ["INVITE", "ACK", "BYE"])
    }

    @Test("Via: repeated lines and comma-joined values, in order")
    func vias() throws {
        let message = try SIPMessage(parsing: crlf("""
            SIP/2.0 200 OK
            Via: SIP/2.0/UDP a.example.com;branch=z9hG4bKa, SIP/2.0/TCP b.example.com:5061;branch=z9hG4bKb
            v: SIP/2.0/UDP c.example.com;branch=z9hG4bKc;received=192.0.2.3
            Via: SIP/2.0/UDP [2001:db8::9]:5070;branch=z9hG4bKd;rport=5071
            From: <sip:alice@example.com>;tag=1
            To: <sip:bob@example.com>;tag=2
            Call-ID: vias@example.com
            CSeq: 7 BYE
            Content-Length: 0


            """))
        let vias = try message.parsedVias()
        #expect(vias.map(\.host) == ["a.example.com", "b.example.com", "c.example.com", "[2001:db8::9]"])
        #expect(vias.map(\.port) == [nil, 5061, nil, 5070])
        #expect(vias.map(\.transport) == ["UDP", "TCP", "UDP", "UDP"])
        #expect(vias[2].received == "192.0.2.3")
        #expect(vias[3].rport == .value(5071))
        #expect(message.topVia == vias.first)
        #expect(message.headers.values("Via").count == 4)
    }

    @Test("Record-Route: several lines and lists keep their order")
    func recordRoutes() throws {
        let message = try SIPMessage(parsing: MessageFixtures.request(mandatory + """

            Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>
            Record-Route: <sip:p3.example.com;lr;ftag=x,y>
            Route: "Proxy, One" <sip:p1.example.com;lr>
            """))
        #expect(message.recordRoutes.map(\.uri.host) == ["p1.example.com", "p2.example.com", "p3.example.com"])
        #expect(message.recordRoutes.last?.uri.parameter("ftag") == "x,y", "a comma inside <> does not split")
        #expect(message.routes.map(\.displayName) == ["Proxy, One"])
    }

    @Test("quoted display names with commas, escapes and angle brackets stay whole")
    func quotedDisplayNames() throws {
        let message = try SIPMessage(parsing: MessageFixtures.request(mandatory + """

            Contact: "Doe, John \\"JD\\" <boss>" <sip:john@example.com>;expires=60, <sip:john@192.0.2.7>;q=0.5
            """))
        let contacts = try message.parsedContacts()
        #expect(contacts.count == 2)
        #expect(contacts[0].displayName == "Doe, John \"JD\" <boss>")
        #expect(contacts[0].parameter("expires") == "60")
        #expect(contacts[1].parameter("q") == "0.5")
        #expect(contacts[0].description == "\"Doe, John \\\"JD\\\" <boss>\" <sip:john@example.com>;expires=60")
    }

    @Test("IPv6 hosts in the Request-URI, Via, Contact and received")
    func ipv6() throws {
        let message = try SIPMessage(parsing: crlf("""
            INVITE sip:bob@[2001:db8::10]:5060;transport=udp SIP/2.0
            Via: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKv6;received=2001:db8::99
            From: <sip:alice@[2001:db8::1]>;tag=v6
            To: <sip:bob@[2001:db8::10]>
            Call-ID: v6@2001:db8::1
            CSeq: 1 INVITE
            Contact: <sip:alice@[2001:db8::1]:5060>
            Content-Length: 0


            """))
        let invite = try #require(message.request)
        #expect(invite.uri.host == "[2001:db8::10]")
        #expect(invite.uri.port == 5060)
        #expect(invite.uri.parameter("transport") == "udp")
        #expect(invite.topVia?.host == "[2001:db8::1]")
        #expect(invite.topVia?.received == "2001:db8::99")
        #expect(invite.topVia?.sentBy == "[2001:db8::1]:5060")
        #expect(invite.contacts.first?.uri.hostPort == "[2001:db8::1]:5060")
        #expect(invite.callID == "v6@2001:db8::1")
    }

    @Test("without Content-Length a UDP message runs to the end of the datagram (RFC 3261 18.3)")
    func missingContentLength() throws {
        let message = try SIPMessage(parsing: MessageFixtures.request(mandatory, body: "hello\r\nworld"))
        #expect(message.contentLength == nil)
        #expect(message.body == Array("hello\r\nworld".utf8))
        #expect(try SIPMessage(parsing: MessageFixtures.request(mandatory)).body.isEmpty)
    }

    /// (Content-Length, body on the wire, body read or nil for an error)
    static let lengths: [(String, String, String?)] = [
        ("5", "hello", "hello"),
        ("3", "hello", "hel"),
        ("0", "hello", ""),
        ("  5  ", "hello", "hello"),
        ("0005", "hello", "hello"),
        ("6", "hello", nil),
        ("99999999999999999999999", "hello", nil),
        ("-1", "hello", nil),
        ("five", "hello", nil),
        ("", "hello", nil),
        ("5 5", "hello", nil),
    ]

    @Test("Content-Length: smaller truncates, larger is an error", arguments: lengths)
    func contentLength(length: String, wire: String, body: String?) throws {
        let bytes = MessageFixtures.request(mandatory + "\nContent-Length: \(length)", body: wire)
        if let body {
            #expect(try SIPMessage(parsing: bytes).body == Array(body.utf8))
        } else {
            #expect(throws: SIPError.badContentLength) { try SIPMessage(parsing: bytes) }
        }
    }

    @Test("bare LF line endings, a mix of LF and CRLF, and leading CRLFs")
    func lineEndings() throws {
        let crlfMessage = try SIPMessage(parsing: MessageFixtures.invite)
        let lf = MessageFixtures.invite.filter { $0 != 13 }
        // The body is 36 bytes with CRLFs: read it with the CRLFs kept.
        let head = Array(String(decoding: MessageFixtures.invite, as: UTF8.self).split(separator: "\r\n\r\n")[0].utf8)
        let mixedHead = head.filter { $0 != 13 } + Array("\n\r\n".utf8)
        let mixed = try SIPMessage(parsing: mixedHead + crlfMessage.body)
        #expect(mixed == crlfMessage)
        #expect(throws: SIPError.badContentLength) { try SIPMessage(parsing: lf) }  // the LF body is 3 bytes short
        #expect(try SIPMessage(parsing: Array("\r\n\r\n\n".utf8) + MessageFixtures.invite) == crlfMessage)
    }

    /// (status line, status, reason)
    static let statusLines: [(String, Int, String)] = [
        ("SIP/2.0 200 OK", 200, "OK"),
        ("SIP/2.0 100 ", 100, ""),
        ("SIP/2.0 100", 100, ""),
        ("sip/2.0 180 Ringing", 180, "Ringing"),
        ("SIP/2.0 486 Busy  Here ", 486, "Busy  Here "),
        ("SIP/2.0 699 \tTabbed", 699, "\tTabbed"),
        ("SIP/2.0 183 Session Progress", 183, "Session Progress"),
    ]

    @Test("status lines", arguments: statusLines)
    func statusLine(line: String, status: Int, reason: String) throws {
        let bytes = crlf(line + "\n" + mandatory + "\n\n")
        let response = try #require(try SIPMessage(parsing: bytes).response)
        #expect(response.status == status)
        #expect(response.reason == reason)
    }

    @Test("header names keep their spelling; white space before the colon is dropped")
    func headerNames() throws {
        let message = try SIPMessage(parsing: MessageFixtures.request(mandatory + "\nX-Custom  \t: value\nx-custom:second"))
        #expect(message.headers.map(\.name).suffix(2) == ["X-Custom", "x-custom"])
        #expect(message.headers.values("X-CUSTOM") == ["value", "second"])
    }

    @Test("Request-URI forms: sips, tel, user and password, parameters")
    func requestURIs() throws {
        for (uri, user) in [("sips:bob@example.com:5061", "bob"), ("tel:+1-201-555-0123;phone-context=example.com", "+1-201-555-0123"),
                            ("sip:alice:secret@example.com;transport=tcp", "alice")] {
            let request = try SIPRequest(parsing: MessageFixtures.request(mandatory, line: "OPTIONS \(uri) SIP/2.0"))
            #expect(request.uri.user == user)
            #expect(request.uri.description == uri)
        }
    }

    @Test("SIPRequest(parsing:) and SIPResponse(parsing:) want their kind")
    func kinds() throws {
        let requestBytes = MessageFixtures.request(mandatory)
        let responseBytes = crlf("SIP/2.0 200 OK\n" + mandatory + "\n\n")
        #expect(try SIPRequest(parsing: requestBytes).method == .options)
        #expect(try SIPResponse(parsing: responseBytes).status == 200)
        #expect(throws: SIPError.badStartLine) { try SIPRequest(parsing: responseBytes) }
        #expect(throws: SIPError.badStartLine) { try SIPResponse(parsing: requestBytes) }
    }
}

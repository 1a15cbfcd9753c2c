import Testing
@testable import SIP

@Suite("SIPURI, NameAddress, Via, CSeq, SIPMethod")
struct MessageURITests {
    /// (text, scheme, user, password, host, port, parameters, headers)
    static let uris: [(String, String, String?, String?, String, Int?, [SIPParameter], String?)] = [
        ("sip:alice@atlanta.com", "sip", "alice", nil, "atlanta.com", nil, [], nil),
        ("sip:alice:secretword@atlanta.com;transport=tcp", "sip", "alice", "secretword", "atlanta.com", nil,
         [SIPParameter(name: "transport", value: "tcp")], nil),
        ("sips:alice@atlanta.com?subject=project%20x&priority=urgent", "sips", "alice", nil, "atlanta.com", nil, [],
         "subject=project%20x&priority=urgent"),
        ("sip:+1-212-555-1212:1234@gateway.com;user=phone", "sip", "+1-212-555-1212", "1234", "gateway.com", nil,
         [SIPParameter(name: "user", value: "phone")], nil),
        ("sips:1212@gateway.com", "sips", "1212", nil, "gateway.com", nil, [], nil),
        ("sip:alice@192.0.2.4", "sip", "alice", nil, "192.0.2.4", nil, [], nil),
        ("sip:atlanta.com;method=REGISTER?to=alice%40atlanta.com", "sip", nil, nil, "atlanta.com", nil,
         [SIPParameter(name: "method", value: "REGISTER")], "to=alice%40atlanta.com"),
        ("sip:alice;day=tuesday@atlanta.com", "sip", "alice;day=tuesday", nil, "atlanta.com", nil, [], nil),
        ("sip:[2001:db8::1]:5061;lr;maddr=[2001:db8::2]", "sip", nil, nil, "[2001:db8::1]", 5061,
         [SIPParameter(name: "lr"), SIPParameter(name: "maddr", value: "[2001:db8::2]")], nil),
        ("SIP:Bob@Example.COM:05060", "SIP", "Bob", nil, "Example.COM", 5060, [], nil),
        ("sip:p.example.com;lr;a=", "sip", nil, nil, "p.example.com", nil,
         [SIPParameter(name: "lr"), SIPParameter(name: "a", value: "")], nil),
        ("tel:+1-201-555-0123;phone-context=example.com", "tel", "+1-201-555-0123", nil, "", nil,
         [SIPParameter(name: "phone-context", value: "example.com")], nil),
        ("urn:service:sos", "urn", nil, nil, "service:sos", nil, [], nil),
        ("http://www.example.com/a?b=c", "http", nil, nil, "//www.example.com/a?b=c", nil, [], nil),
    ]

    @Test("URIs parse into their parts", arguments: uris)
    func uri(text: String, scheme: String, user: String?, password: String?, host: String, port: Int?,
             parameters: [SIPParameter], headers: String?) throws {
        let uri = try SIPURI(parsing: text)
        #expect(uri.scheme == scheme)
        #expect(uri.user == user)
        #expect(uri.password == password)
        #expect(uri.host == host)
        #expect(uri.port == port)
        #expect(uri.parameters == parameters)
        #expect(uri.headers == headers)
        #expect(try SIPURI(parsing: uri.description) == uri, "renders to an equal URI")
    }

    @Test("description writes the parts back")
    func uriDescription() throws {
        #expect(SIPURI(user: "bob", host: "example.com", port: 5062, parameters: [SIPParameter(name: "lr")]).description
            == "sip:bob@example.com:5062;lr")
        #expect(try SIPURI(parsing: "sip:Bob@Example.COM:05060").description == "sip:Bob@Example.COM:5060")
        var uri = SIPURI(host: "192.0.2.1")
        uri.setParameter("transport", "udp")
        uri.setParameter("lr", .some(nil))
        #expect(uri.description == "sip:192.0.2.1;transport=udp;lr")
        #expect(uri.parameter("TRANSPORT") == "udp")
        #expect(uri.parameter("lr") == .some(nil))
        #expect(uri.parameter("maddr") == nil)
        uri.setParameter("transport", nil)
        #expect(uri.description == "sip:192.0.2.1;lr")
        #expect(uri.isSIP)
        #expect(!SIPURI(scheme: "tel", user: "+1", host: "").isSIP)
    }

    static let badURIs = [
        "", "sip", "sip:", ":alice@example.com", "1sip:alice@example.com", "s p:alice@example.com",
        "sip:alice@", "sip:@example.com", "sip:alice@example.com:", "sip:alice@example.com:65536",
        "sip:alice@example.com:12a", "sip:alice@[2001:db8::1", "sip:alice@[]", "sip:alice@[zz]",
        "sip:alice@exa mple.com", "sip:alice@example.com;;lr", "sip:alice@example.com;=x", "sip:<alice>@example.com",
        "sip:alice@example.com\"", "sip:alice@exa\\mple.com", "sip:alice@example.com:99999999999999999999999",
        "tel:", "tel:;x=1", "sip:alice@example..com:5060x", "sip:alice@ex/ample.com", "sip:alice@例え.jp",
    ]

    @Test("malformed URIs throw badURI", arguments: badURIs)
    func badURI(text: String) {
        #expect(throws: SIPError.badURI) { try SIPURI(parsing: text) }
    }

    /// (text, display name, URI, parameters)
    static let addresses: [(String, String?, String, [SIPParameter])] = [
        ("\"Alice\" <sip:alice@example.com>;tag=1", "Alice", "sip:alice@example.com", [SIPParameter(name: "tag", value: "1")]),
        ("Alice Smith <sip:alice@example.com>", "Alice Smith", "sip:alice@example.com", []),
        ("<sip:alice@example.com;transport=udp>;expires=60;+sip.instance=\"<urn:uuid:0001>\"", nil,
         "sip:alice@example.com;transport=udp",
         [SIPParameter(name: "expires", value: "60"), SIPParameter(name: "+sip.instance", value: "\"<urn:uuid:0001>\"")]),
        ("sip:alice@example.com;tag=x", nil, "sip:alice@example.com", [SIPParameter(name: "tag", value: "x")]),
        ("sip:alice@example.com", nil, "sip:alice@example.com", []),
        ("  \"\" <sip:a@b>  ", "", "sip:a@b", []),
        ("\"a\\\\b\\\"c\" <sip:a@b>", "a\\b\"c", "sip:a@b", []),
        ("\"Ünïcödé 名前\" <sip:a@b>", "Ünïcödé 名前", "sip:a@b", []),
        ("<tel:+15551234>;tag=9", nil, "tel:+15551234", [SIPParameter(name: "tag", value: "9")]),
        ("sip:+15551234@gw.example.com;user=phone", nil, "sip:+15551234@gw.example.com", [SIPParameter(name: "user", value: "phone")]),
        ("<sip:a@b> ; tag = 7 ; lr", nil, "sip:a@b", [SIPParameter(name: "tag", value: "7"), SIPParameter(name: "lr")]),
        ("Jürgen Müller <sip:jm@example.de>", "Jürgen Müller", "sip:jm@example.de", []),
    ]

    @Test("name-addr and addr-spec forms", arguments: addresses)
    func address(text: String, displayName: String?, uri: String, parameters: [SIPParameter]) throws {
        let address = try NameAddress(parsing: text)
        #expect(address.displayName == displayName)
        #expect(address.uri.description == uri)
        #expect(address.parameters == parameters)
        #expect(try NameAddress(parsing: address.description) == address, "renders to an equal address")
    }

    static let badAddresses = [
        "", "   ", "*", "\"Alice <sip:alice@example.com>", "\"Alice\" sip:alice@example.com", "<sip:alice@example.com",
        "Alice, Bob <sip:a@b>", "<sip:a@b>;", "<sip:a@b>;tag=", "<sip:a@b>;;tag=1", "<sip:a@b> junk", "<sip:a@b>, <sip:c@d>",
        "sip:a@b?subject=x", "sip:a@b,sip:c@d", "<>", "<not a uri>", "<sip:a@b>;tag=\"unterminated", "<sip:a@b>;tag=ü",
    ]

    @Test("malformed addresses throw badAddress", arguments: badAddresses)
    func badAddress(text: String) {
        #expect(throws: SIPError.badAddress) { try NameAddress(parsing: text) }
    }

    @Test("tag: get, set, replace, remove")
    func tag() throws {
        var address = try NameAddress(parsing: "<sip:bob@example.com>;Tag=1;x=y")
        #expect(address.tag == "1")
        address.tag = "2"
        #expect(address.description == "<sip:bob@example.com>;Tag=2;x=y")
        address.tag = nil
        #expect(address.description == "<sip:bob@example.com>;x=y")
        address.tag = "3"
        #expect(address.description == "<sip:bob@example.com>;x=y;tag=3")
        let named = NameAddress(displayName: "Bob \"B\"", uri: SIPURI(user: "bob", host: "example.com"))
        #expect(named.description == "\"Bob \\\"B\\\"\" <sip:bob@example.com>")
    }

    /// (text, transport, host, port, branch)
    static let vias: [(String, String, String, Int?, String?)] = [
        ("SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds", "UDP", "pc33.atlanta.com", nil, "z9hG4bK776asdhds"),
        ("SIP/2.0/TCP 192.0.2.1:5061;branch=z9hG4bKx;received=192.0.2.9", "TCP", "192.0.2.1", 5061, "z9hG4bKx"),
        ("sip/2.0/udp host", "udp", "host", nil, nil),
        ("SIP / 2.0 / UDP   host : 5060 ; branch = z9hG4bK1 ; rport", "UDP", "host", 5060, "z9hG4bK1"),
        ("SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bK6;received=2001:db8::2", "UDP", "[2001:db8::1]", 5060, "z9hG4bK6"),
        ("SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bKasudf;x=\"a;b,c\"", "WSS", "df7jal23ls0d.invalid", nil, "z9hG4bKasudf"),
    ]

    @Test("Via values", arguments: vias)
    func via(text: String, transport: String, host: String, port: Int?, branch: String?) throws {
        let via = try Via(parsing: text)
        #expect(via.transport == transport)
        #expect(via.host == host)
        #expect(via.port == port)
        #expect(via.branch == branch)
        #expect(try Via(parsing: via.description) == via)
    }

    static let badVias = [
        "", "SIP/2.0/UDP", "SIP/2.0/UDP ", "SIP/2.0 UDP host", "SIP/3.0/UDP host", "SIPS/2.0/UDP host", "SIP/2.0/ host",
        "SIP/2.0/UDP host:", "SIP/2.0/UDP host:99999", "SIP/2.0/UDP host;", "SIP/2.0/UDP host;branch",
        "SIP/2.0/UDP host;branch=", "SIP/2.0/UDP host;rport=abc", "SIP/2.0/UDP host extra", "SIP/2.0/UDP [::1",
        "SIP/2.0/UDP host, SIP/2.0/UDP other",
    ]

    @Test("malformed Via values throw badVia", arguments: badVias)
    func badVia(text: String) {
        #expect(throws: SIPError.badVia) { try Via(parsing: text) }
    }

    @Test("Via accessors: received and rport for a NATed client (RFC 3581)")
    func viaAccessors() throws {
        var via = try Via(parsing: "SIP/2.0/UDP 10.0.0.2:5060;rport;branch=z9hG4bKnat")
        #expect(via.rport == .flag)
        #expect(via.received == nil)
        via.received = "198.51.100.7"
        via.rport = .value(40123)
        #expect(via.description == "SIP/2.0/UDP 10.0.0.2:5060;rport=40123;branch=z9hG4bKnat;received=198.51.100.7")
        via.rport = .absent
        via.branch = "z9hG4bKother"
        #expect(via.description == "SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKother;received=198.51.100.7")
        #expect(Via(host: "192.0.2.1", port: 5060, branch: "z9hG4bK1").description == "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1")
        #expect(via.parameter("BRANCH") == "z9hG4bKother")
    }

    @Test("CSeq")
    func cseq() throws {
        #expect(try CSeq(parsing: "4711 INVITE") == CSeq(number: 4711, method: .invite))
        #expect(try CSeq(parsing: " 0009 \t INVITE ") == CSeq(number: 9, method: .invite))
        #expect(try CSeq(parsing: "4294967295 ACK").number == UInt32.max)
        #expect(try CSeq(parsing: "1 FOO").method == .other("FOO"))
        #expect(CSeq(number: 2, method: .bye).description == "2 BYE")
        for bad in ["", "INVITE", "1", "1INVITE", "-1 INVITE", "4294967296 INVITE", "1 INVITE x", "1.5 INVITE", "1 IN/VITE"] {
            #expect(throws: SIPError.badCSeq, "\(bad)") { try CSeq(parsing: bad) }
        }
    }

    @Test("SIPMethod: known tokens map to their cases, others are kept; case-sensitive")
    func methods() {
        let known: [SIPMethod] = [.invite, .ack, .bye, .cancel, .options, .register, .info, .update, .prack, .subscribe,
                                  .notify, .refer, .message]
        for method in known {
            #expect(SIPMethod(method.description) == method)
            #expect(SIPMethod(method.description) == .other(method.description), "equal by token")
            #expect(Set([method, .other(method.description)]).count == 1)
        }
        #expect(SIPMethod("invite") == .other("invite"))
        #expect(SIPMethod("invite") != .invite)
        #expect(SIPMethod("PUBLISH").description == "PUBLISH")
    }

    @Test("SIPError: kinds, reason phrases, descriptions")
    func errors() {
        #expect(SIPError.badCSeq.kind == "bad_cseq")
        #expect(SIPError.cseqMismatch.kind == "cseq_mismatch")
        #expect(SIPError.badCallID.kind == "bad_call_id")
        #expect(SIPError.invalidUTF8.kind == "invalid_utf8")
        #expect(SIPError.badURI.kind == "bad_uri")
        #expect(SIPError.missingHeader("Call-ID").reasonPhrase == "Missing Call-ID Header Field")
        #expect(SIPError.missingHeader("Call-ID") == .missingHeader)
        #expect(SIPError.badCSeq("x").description == "malformed CSeq: x")
        #expect(SIPError.badCSeq.description == "malformed CSeq")
        #expect(!SIPError.badVia.canRespond)
    }
}

import Testing
@testable import SIP

/// What the typed accessors read from the RFC 4475 and sipp messages.
@Suite("Corpus: the typed model of each message")
struct MessageTortureTests {
    private func request(_ name: String) throws -> SIPRequest {
        try #require(try MessageCorpus.parse(name + ".sip").request)
    }

    private func response(_ name: String) throws -> SIPResponse {
        try #require(try MessageCorpus.parse(name + ".sip").response)
    }

    @Test("wsinv: a short tortuous INVITE")
    func wsinv() throws {
        let invite = try request("rfc4475-wsinv")
        #expect(invite.method == .invite)
        #expect(invite.uri.user == "vivekg")
        #expect(invite.uri.host == "chair-dnrc.example.com")
        #expect(invite.uri.parameter("unknownparam") == .some(nil))
        #expect(invite.to?.uri.description == "sip:vivekg@chair-dnrc.example.com")
        #expect(invite.to?.tag == "1918181833n")
        #expect(invite.from?.displayName == "J Rosenberg \\\"")
        #expect(invite.from?.tag == "98asjd8")
        #expect(invite.maxForwards == 68)
        #expect(invite.callID == "wsinv.ndaksdj@192.0.2.1")
        #expect(invite.cseq == CSeq(number: 9, method: .invite))
        #expect(invite.headers["Subject"] == "")
        #expect(invite.headers["NewFangledHeader"] == "newfangled value continued newfangled value")
        #expect(invite.headers["UnknownHeaderWithUnusualValue"] == ";;,,;;,;")
        #expect(invite.routes.map(\.uri.host) == ["services.example.com"])
        #expect(invite.routes.first?.uri.parameter("unknownwith") == "value")
        let vias = try invite.parsedVias()
        #expect(vias.map(\.transport) == ["UDP", "TCP", "UDP"])
        #expect(vias.map(\.host) == ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
        #expect(vias.map(\.branch) == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
        let contact = try #require(invite.contacts.first)
        #expect(invite.contacts.count == 1)
        #expect(contact.displayName == "Quoted string \"\"")
        #expect(contact.parameter("newparam") == "newvalue")
        #expect(contact.parameter("secondparam") == .some(nil))
        #expect(contact.parameter("q") == "0.33")
        #expect(invite.contentType == "application/sdp")
        #expect(invite.body.count == 150)
        #expect(invite.body.prefix(5) == [0x76, 0x3D, 0x30, 0x0D, 0x0A])
    }

    @Test("intmeth: a wide range of valid characters")
    func intmeth() throws {
        let message = try request("rfc4475-intmeth")
        #expect(message.method == .other("!interesting-Method0123456789_*+`.%indeed'~"))
        #expect(message.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(message.uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        #expect(message.uri.host == "example.com")
        #expect(message.topVia?.branch == "z9hG4bK-.!%66*_+`'~")
        #expect(message.to?.displayName == "BEL:\u{07} DEL:\u{7F}")
        #expect(message.to?.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        #expect(message.from?.displayName == "token1~` token2'+_ token3*%!.-")
        #expect(message.from?.tag == "_token~1'+`*%!-.")
        #expect(message.from?.parameter("fromParam''~+*_!.-%") == "\"работающий\"")
        #expect(message.callID == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
        #expect(message.cseq?.number == 139_122_385)
        #expect(message.maxForwards == 255)
        #expect(message.headers["extensionHeader-!.%*+_`'~"] == "\u{FEFF}大停電")
    }

    @Test("esc01, escnull, esc02: escapes are kept as written")
    func escapes() throws {
        let esc01 = try request("rfc4475-esc01")
        #expect(esc01.uri.user == "sips%3Auser%40example.com")
        #expect(esc01.to?.uri.user == "%75se%72")
        #expect(esc01.callID == "esc01.239409asdfakjkn23onasd0-3234")
        #expect(esc01.contentType == "application/sdp")
        #expect(esc01.contacts.first?.uri.parameters == [
            SIPParameter(name: "%6C%72"), SIPParameter(name: "n%61me", value: "v%61lue%25%34%31"),
        ])
        let escnull = try request("rfc4475-escnull")
        #expect(escnull.contacts.map(\.uri.user) == ["%00", "%00%00"])
        #expect(escnull.contentLength == 0)
        let esc02 = try request("rfc4475-esc02")
        #expect(esc02.method == .other("RE%47IST%45R"))
        #expect(esc02.from?.displayName == "%Z%45")
        #expect(esc02.contacts.map(\.uri.host) == ["host1.example.com", "host3.example.com"])
        #expect(esc02.headers["C%6Fntact"] == "<sip:alias2@host2.example.com>")
    }

    @Test("lwsdisp, semiuri, longreq")
    func oddButValid() throws {
        #expect(try request("rfc4475-lwsdisp").from?.displayName == "caller")
        let semiuri = try request("rfc4475-semiuri")
        #expect(semiuri.uri.user == "user;par=u%40example.net")
        #expect(semiuri.uri.host == "example.com")
        #expect(semiuri.uri.parameters.isEmpty)
        #expect(semiuri.headers.values("Accept").count == 6)
        let longreq = try request("rfc4475-longreq")
        let vias = longreq.vias
        #expect(vias.count == 34)
        #expect(vias.first?.host == "sip33.example.com")
        #expect(vias.last?.branch?.count == 215)
        #expect(longreq.from?.tag?.count == 125)
        #expect(longreq.from?.uri.parameters.isEmpty == true)
        #expect(longreq.to?.uri.port == 6000)
        #expect(longreq.callID?.count == 141)
    }

    @Test("dblreq: bytes after Content-Length are ignored (RFC 3261 18.3)")
    func dblreq() throws {
        let register = try request("rfc4475-dblreq")
        #expect(register.method == .register)
        #expect(register.body.isEmpty)
        #expect(register.callID == "dblreq.0ha0isndaksdj99sdfafnl3lk233412")
    }

    @Test("transports: five Via lines, unknown transports kept")
    func transports() throws {
        let message = try request("rfc4475-transports")
        #expect(message.vias.map(\.transport) == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
        #expect(message.callID == "transports.kijh4akdnaqjkwendsasfdj")
    }

    @Test("mpart01: a binary multipart body, byte for byte")
    func mpart01() throws {
        let message = try request("rfc4475-mpart01")
        let bytes = try MessageCorpus.bytes("rfc4475-mpart01.sip")
        #expect(message.body == Array(bytes.suffix(message.body.count)))
        #expect(message.body.contains(0))
        #expect(message.topVia?.rport == .flag)
        #expect(message.headers["Date"] == "Sat, 15 Oct 2005 04:44:56 GMT")
        #expect(message.headers.values("Date").count == 1, "Date is not a list header")
    }

    @Test("unreason, noreason: reason phrases in UTF-8, and empty")
    func reasons() throws {
        let unreason = try response("rfc4475-unreason")
        #expect(unreason.status == 200)
        #expect(unreason.reason == "= 2**3 * 5**2 но сто девяносто девять - простое")
        let noreason = try response("rfc4475-noreason")
        #expect(noreason.status == 100)
        #expect(noreason.reason == "")
    }

    @Test("unkscm, novelsc, unksm2: other schemes are kept opaque")
    func schemes() throws {
        let unkscm = try request("rfc4475-unkscm")
        #expect(unkscm.uri.scheme == "nobodyKnowsThisScheme")
        #expect(unkscm.uri.host == "totallyopaquecontent")
        #expect(try request("rfc4475-novelsc").uri.description == "soap.beep://192.0.2.103:3002")
        let unksm2 = try request("rfc4475-unksm2")
        #expect(unksm2.to?.uri.description == "isbn:2983792873")
        #expect(unksm2.from?.uri.scheme == "http")
        #expect(unksm2.contacts.first?.uri.description == "name:John_Smith")
    }

    @Test("bext01: Require and Proxy-Require lists")
    func bext01() throws {
        let message = try request("rfc4475-bext01")
        #expect(message.headers.values("Require") == ["nothingSupportsThis", "nothingSupportsThisEither"])
        #expect(message.headers.values("Proxy-Require") == ["noProxiesSupportThis", "nothingSupportsThisEither"])
    }

    @Test("cparam01/02: in the bare form a parameter is the header's, in brackets the URI's")
    func contactParameters() throws {
        let bare = try #require(try request("rfc4475-cparam01").contacts.first)
        #expect(bare.parameter("unknownparam") == .some(nil))
        #expect(bare.uri.parameters.isEmpty)
        let bracketed = try #require(try request("rfc4475-cparam02").contacts.first)
        #expect(bracketed.parameters.isEmpty)
        #expect(bracketed.uri.parameter("unknownparam") == .some(nil))
    }

    @Test("regescrt reads; regbadct reads but its bare Contact with '?' does not")
    func registerContacts() throws {
        let regescrt = try request("rfc4475-regescrt")
        #expect(regescrt.contacts.first?.uri.headers == "Route=%3Csip:sip.example.com%3E")
        let regbadct = try request("rfc4475-regbadct")
        #expect(regbadct.contacts.isEmpty)
        #expect(throws: SIPError.badAddress) { try regbadct.parsedContacts() }
        do {
            _ = try regbadct.parsedContacts()
        } catch {
            #expect(error.reasonPhrase == "Malformed Contact Header Field")
        }
    }

    @Test("badaspec: white space inside '<>' is tolerated, quoted commas are not list separators")
    func badaspec() throws {
        let message = try request("rfc4475-badaspec")
        #expect(message.to?.displayName == "Watson, Thomas")
        #expect(message.to?.uri.description == "sip:t.watson@example.org")
        #expect(message.from?.displayName == "Bell, Alexander")
    }

    @Test("inv2543: an RFC 2543 INVITE (no branch, no tag, no Max-Forwards)")
    func inv2543() throws {
        let message = try request("rfc4475-inv2543")
        #expect(message.topVia?.branch == nil)
        #expect(message.from?.tag == nil)
        #expect(message.maxForwards == nil)
        #expect(message.to?.parameter("user") == "phone", "bare form: ;user=phone is a header parameter")
        #expect(message.recordRoutes.first?.uri.parameter("maddr") == "ss1.example.com")
        let key = try #require(message.serverTransactionKey)
        #expect(key.branch.hasPrefix("rfc2543|1717@ift.here.com|56|"))
    }

    @Test("badbranch: a branch that is only the magic cookie is not an RFC 3261 branch")
    func badbranch() throws {
        let key = try #require(try request("rfc4475-badbranch").serverTransactionKey)
        #expect(key.branch.hasPrefix("rfc2543|"))
    }

    @Test("bcast, zeromf, regaut01, invut")
    func applicationLayer() throws {
        #expect(try response("rfc4475-bcast").vias.count == 2)
        #expect(try request("rfc4475-zeromf").maxForwards == 0)
        #expect(try request("rfc4475-regaut01").headers["Authorization"] == "NoOneKnowsThisScheme opaque-data=here")
        let invut = try request("rfc4475-invut")
        #expect(invut.contentType == "application/unknownformat")
        #expect(invut.body.count == 40)
    }

    @Test("sipp: the INVITE, its responses, ACK and BYE")
    func sipp() throws {
        let invite = try request("sipp-uac-invite")
        #expect(invite.method == .invite)
        #expect(invite.uri.description == "sip:service@127.0.0.1:5090")
        #expect(invite.topVia?.sentBy == "127.0.0.1:5091")
        #expect(invite.contentLength == 129)
        #expect(invite.body.count == 129)
        #expect(invite.contacts.first?.uri.description == "sip:sipp@127.0.0.1:5091")
        #expect(invite.from?.displayName == "sipp")
        let ringing = try response("sipp-uas-180-ringing")
        #expect(ringing.status == 180)
        #expect(ringing.to?.tag != nil)
        #expect(ringing.clientTransactionKey == invite.clientTransactionKey)
        let ok = try response("sipp-uas-200-invite")
        #expect(ok.clientTransactionKey == invite.clientTransactionKey)
        #expect(ok.contacts.first?.uri.parameter("transport") == "UDP")
        let ack = try request("sipp-uac-ack")
        #expect(ack.cseq == CSeq(number: 1, method: .ack))
        #expect(ack.serverTransactionKey != invite.serverTransactionKey, "an ACK for a 2xx has its own branch")
        let bye = try request("sipp-uac-bye")
        let byeOK = try response("sipp-uas-200-bye")
        #expect(byeOK.clientTransactionKey == bye.clientTransactionKey)
        #expect(try request("sipp-branchc-register").maxForwards == nil)
        #expect(try response("sipp-branchs-403-error").reason == "Error")
    }
}

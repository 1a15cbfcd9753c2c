import Testing
@testable import SIP

@Suite("Responses from requests, 400s from garbage, transaction keys, identifiers")
struct MessageResponseTests {
    private func invite() throws -> SIPRequest {
        var request = try #require(try SIPMessage(parsing: MessageFixtures.invite).request)
        request.headers.insert("v", "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy, SIP/2.0/UDP p2.example.com;branch=z9hG4bKp2", at: 0)
        request.headers.add("Record-Route", "<sip:proxy.example.com;lr>")
        request.headers.add("Timestamp", "54")
        return request
    }

    @Test("makeResponse copies Via (all, in order), From, To, Call-ID, CSeq (RFC 3261 8.2.6)")
    func makeResponse() throws {
        let request = try invite()
        let response = request.makeResponse(status: 180, toTag: "bobtag")
        #expect(response.status == 180)
        #expect(response.reason == "Ringing")
        #expect(response.headers.values("Via") == request.headers.values("Via"))
        #expect(response.headers.values("Via").count == 3)
        #expect(response.headers["From"] == request.headers["From"])
        #expect(response.to?.tag == "bobtag")
        #expect(response.to?.uri == request.to?.uri)
        #expect(response.to?.displayName == "Bob")
        #expect(response.callID == request.callID)
        #expect(response.headers["CSeq"] == request.headers["CSeq"])
        #expect(response.headers.map(\.name) == ["Via", "Via", "From", "To", "Call-ID", "CSeq"], "two Via fields, three values")
        #expect(!response.headers.contains("Record-Route"))
        #expect(!response.headers.contains("Timestamp"))
        #expect(!response.headers.contains("Contact"))
        #expect(response.body.isEmpty)
        #expect(response.clientTransactionKey == request.clientTransactionKey)
        let parsed = try SIPMessage(parsing: response.serialized())
        #expect(MessageFixtures.withoutLength(parsed) == .response(response))
    }

    @Test("a To that has a tag keeps it; 100 Trying copies Timestamp; a body gets its type")
    func makeResponseDetails() throws {
        var request = try invite()
        request.headers.set("To", "<sip:bob@biloxi.example.com>;tag=existing")
        let ok = request.makeResponse(status: 200, toTag: "ignored", body: Array("v=0\r\n".utf8), contentType: "application/sdp")
        #expect(ok.to?.tag == "existing")
        #expect(ok.contentType == "application/sdp")
        #expect(ok.body == Array("v=0\r\n".utf8))
        #expect(ok.reason == "OK")
        let trying = try invite().makeResponse(status: 100)
        #expect(trying.headers["Timestamp"] == "54")
        #expect(trying.to?.tag == nil)
        #expect(try invite().makeResponse(status: 603, reason: "Go away").reason == "Go away")
    }

    /// (status, phrase)
    static let phrases: [(Int, String)] = [
        (100, "Trying"), (180, "Ringing"), (183, "Session Progress"), (200, "OK"), (400, "Bad Request"),
        (404, "Not Found"), (408, "Request Timeout"), (480, "Temporarily Unavailable"),
        (481, "Call/Transaction Does Not Exist"), (486, "Busy Here"), (487, "Request Terminated"),
        (488, "Not Acceptable Here"), (500, "Server Internal Error"), (501, "Not Implemented"),
        (503, "Service Unavailable"), (504, "Server Time-out"), (199, "Early Dialog Terminated"),
        (299, "OK"), (477, "Bad Request"), (0, "Unknown"), (700, "Unknown"), (-1, "Unknown"),
    ]

    @Test("reason phrases", arguments: phrases)
    func reasonPhrase(status: Int, phrase: String) {
        #expect(SIPResponse.reasonPhrase(status) == phrase)
    }

    @Test("a 400 for a request with readable mandatory headers")
    func badRequest() throws {
        let bytes = MessageFixtures.crlf("""
            INVITE sip:bob@example.com SIP/2.0
            Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbad
            v: SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKsecond
            From: "Alice" <sip:alice@example.com>;tag=a1
            To: <sip:bob@example.com>
            Call-ID: bad@192.0.2.1
            CSeq: 5 BYE
            Content-Length: 0


            """)
        var caught: SIPError?
        do {
            _ = try SIPMessage(parsing: bytes)
        } catch {
            caught = error
        }
        let error = try #require(caught)
        #expect(error == .cseqMismatch)
        #expect(error.canRespond)
        let response = try #require(SIPMessage.badRequestResponse(for: bytes, error: error, toTag: "t400"))
        #expect(response.status == 400)
        #expect(response.reason == "CSeq Method Does Not Match Request Method")
        #expect(response.headers.map(\.name) == ["Via", "Via", "From", "To", "Call-ID", "CSeq"])
        #expect(response.headers.values("Via") == ["SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKbad",
                                                  "SIP/2.0/UDP 192.0.2.99;branch=z9hG4bKsecond"])
        #expect(response.to?.tag == "t400")
        #expect(response.headers["CSeq"] == "5 BYE")
        #expect(response.headers["From"] == "\"Alice\" <sip:alice@example.com>;tag=a1")
        let parsed = try SIPMessage(parsing: response.serialized())
        #expect(parsed.response?.status == 400)
        #expect(SIPMessage.badRequestResponse(for: bytes, error: error)?.to?.tag?.isEmpty == false)
    }

    @Test("no 400 for responses, ACKs or garbage")
    func noBadRequest() {
        let mandatory = MessageFixtures.mandatory
        let inputs: [[UInt8]] = [
            MessageFixtures.crlf("SIP/2.0 200 OK\n" + mandatory.replacing("CSeq: 1 OPTIONS", with: "CSeq: x") + "\n\n"),
            MessageFixtures.request(mandatory.replacing("CSeq: 1 OPTIONS", with: "CSeq: 1 INVITE"), line: "ACK sip:b@example.com SIP/2.0"),
            MessageFixtures.request(mandatory.replacing("CSeq: 1 OPTIONS", with: "CSeq: x ACK"), line: "ACK sip:b@example.com SIP/2.0"),
            [], Array("garbage".utf8), [UInt8](repeating: 0xFF, count: 300),
            MessageFixtures.request(mandatory.replacing("To:", with: "X:")),
        ]
        for input in inputs {
            #expect(SIPMessage.badRequestResponse(for: input, error: .badCSeq) == nil)
            #expect(throws: SIPError.self) { try SIPMessage(parsing: input) }
            do {
                _ = try SIPMessage(parsing: input)
            } catch {
                #expect(!error.canRespond)
            }
        }
    }

    @Test("server transaction keys: branch, sent-by, method; ACK and CANCEL (RFC 3261 17.2.3)")
    func serverKeys() throws {
        let invite = try #require(try SIPMessage(parsing: MessageFixtures.invite).request)
        let key = try #require(invite.serverTransactionKey)
        #expect(key == TransactionKey(branch: "z9hG4bK776asdhds", sentBy: "pc33.atlanta.example.com:5060", method: .invite))
        #expect(key.description == "z9hG4bK776asdhds|pc33.atlanta.example.com:5060|INVITE")

        var ack = invite
        ack.method = .ack
        ack.cseq = CSeq(number: 314_159, method: .ack)
        #expect(ack.serverTransactionKey == key, "the ACK of a non-2xx matches the INVITE transaction")

        var cancel = invite
        cancel.method = .cancel
        #expect(cancel.serverTransactionKey != key, "CANCEL is its own transaction")
        #expect(cancel.serverTransactionKey?.method == .cancel)

        var elsewhere = invite
        elsewhere.headers.set("Via", "SIP/2.0/UDP PC33.atlanta.example.com:5070;branch=z9hG4bK776asdhds")
        #expect(elsewhere.serverTransactionKey != key, "another sent-by is another transaction")
        elsewhere.headers.set("Via", "SIP/2.0/UDP PC33.Atlanta.example.com:5060;branch=z9hG4bK776asdhds")
        #expect(elsewhere.serverTransactionKey == key, "host case does not matter")
    }

    @Test("RFC 2543 requests are keyed by Call-ID, CSeq, From tag and top Via")
    func legacyKeys() throws {
        var old = try #require(try SIPMessage(parsing: MessageFixtures.invite).request)
        old.headers.set("Via", "SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=1234")
        let key = try #require(old.serverTransactionKey)
        #expect(key.branch.hasPrefix("rfc2543|a84b4c76e66710@pc33.atlanta.example.com|314159|1928301774|"))
        var ack = old
        ack.method = .ack
        ack.cseq = CSeq(number: 314_159, method: .ack)
        ack.to?.tag = "from-the-response"
        #expect(ack.serverTransactionKey == key)
        var next = old
        next.cseq = CSeq(number: 314_160, method: .invite)
        #expect(next.serverTransactionKey != key)
        var noVia = old
        noVia.headers.remove("Via")
        #expect(noVia.serverTransactionKey == nil)
    }

    @Test("client transaction keys: branch and CSeq method (RFC 3261 17.1.3)")
    func clientKeys() throws {
        let request = try invite()
        let response = request.makeResponse(status: 200, toTag: "x")
        #expect(response.clientTransactionKey == TransactionKey(branch: "z9hG4bKproxy", method: .invite))
        var cancelResponse = response
        cancelResponse.cseq = CSeq(number: 314_159, method: .cancel)
        #expect(cancelResponse.clientTransactionKey != response.clientTransactionKey)
        #expect(SIPResponse(status: 200).clientTransactionKey == nil)
    }

    @Test("new branches, tags and Call-IDs are fresh and well-formed")
    func identifiers() throws {
        let branches = (0..<200).map { _ in SIP.newBranch() }
        #expect(Set(branches).count == 200)
        #expect(branches.allSatisfy { $0.hasPrefix("z9hG4bK") && $0.count == 7 + 24 })
        let tags = (0..<200).map { _ in SIP.newTag() }
        #expect(Set(tags).count == 200)
        #expect(tags.allSatisfy { $0.count == 16 && $0.utf8.allSatisfy(SIPScanner.isHexDigit) })
        #expect(SIP.newCallID().count == 32)
        let via = Via(host: "192.0.2.1", branch: SIP.newBranch())
        #expect(try Via(parsing: via.description) == via)
        #expect(TransactionKey.isRFC3261(via.branch))
    }
}

import Foundation
import SIP
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// The B2BUA driven message by message over real UDP: A and B are
/// hand-driven SIP peers on 127.0.0.1, the media sessions and workers are real.
@Suite("SIP B2BUA", .serialized)
struct SIPB2BUATests {
    /// A server whose default route is B; short T1 so retransmissions show quickly.
    static func withCall(_ overrides: [String: String] = [:], _ body: @Sendable (LiveServer, SIPPeer, SIPPeer, Int) async throws -> Void) async throws {
        let a = try SIPPeer(), b = try SIPPeer()
        var values = ["sip.default_route": "127.0.0.1:\(b.port)", "sip.t1": "50ms", "sip.t2": "400ms", "pools.transcoder.size": "1"]
        for (k, v) in overrides { values[k] = v }
        try await withLiveServer(values) { server in
            let sip = try #require(server.sipPort)
            try await body(server, a, b, sip)
        }
    }

    /// A places a call, B answers 180 then 200; A ACKs. Returns B's INVITE and A's 200.
    static func connect(_ a: SIPPeer, _ b: SIPPeer, sip: Int, callID: String, sdp: String? = nil) throws -> (SIPRequest, SIPResponse) {
        a.send(a.invite(user: "bob", sipPort: sip, callID: callID, sdp: sdp ?? SIPPeer.sdp(port: 30_000)), to: sip)
        _ = try a.response(100)
        let invite = try b.request(.invite)
        b.send(b.answer(invite, status: 180), to: sip)
        _ = try a.response(180)
        b.send(b.answer(invite, status: 200, sdp: SIPPeer.sdp(port: 30_002)), to: sip)
        let ok = try a.response(200)
        a.send(a.inDialog(.ack, user: "bob", sipPort: sip, callID: callID, cseq: 1, toTag: ok.to?.tag), to: sip)
        _ = try b.request(.ack)
        return (invite, ok)
    }

    @Test("OPTIONS is answered 200 with Allow (keep-alive probes)")
    func options() async throws {
        try await Self.withCall { _, a, _, sip in
            a.send(a.inDialog(.options, user: "ping", sipPort: sip, callID: "opt-1", cseq: 1, toTag: nil), to: sip)
            let ok = try a.response(200)
            #expect(ok.headers["Allow"]?.contains("INVITE") == true)
            #expect(ok.callID == "opt-1")
        }
    }

    @Test("malformed SIP: 400 when the headers to answer are readable, silence for junk; the server goes on")
    func malformed() async throws {
        try await Self.withCall { _, a, _, sip in
            // Content-Length larger than the body: a readable request, so 400.
            a.send("INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(a.port);branch=z9hG4bK-bad1\r\n"
                   + "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: bad-1\r\nCSeq: 1 INVITE\r\nContent-Length: 500\r\n\r\nv=0\r\n", to: sip)
            let refused = try a.response(400)
            #expect(refused.callID == "bad-1")
            a.udp.send([0x00, 0xFF, 0x13, 0x37] + Array(repeating: 0x41, count: 100), to: sip)
            a.send("SIP/2.0 200 OK\r\n\r\n", to: sip)
            #expect(a.silent(for: 0.3))
            a.send(a.inDialog(.options, user: "ping", sipPort: sip, callID: "opt-2", cseq: 1, toTag: nil), to: sip)
            _ = try a.response(200)
        }
    }

    @Test("a call: INVITE, 100 at once, 180 and 200 relayed with our SDP, ACK, BYE from A ends both legs and the session")
    func callAndByeFromA() async throws {
        try await Self.withCall { server, a, b, sip in
            let (invite, ok) = try Self.connect(a, b, sip: sip, callID: "call-1")
            // B was offered our media address and a port of ours, not A's.
            let offerPort = try #require(SIPPeer.mediaPort(invite.body))
            #expect(offerPort != 30_000)
            #expect(String(decoding: invite.body, as: UTF8.self).contains("c=IN IP4 127.0.0.1"))
            #expect(invite.callID != "call-1", "B's leg is a dialog of its own")
            let answerPort = try #require(SIPPeer.mediaPort(ok.body))
            #expect(answerPort != 30_002 && answerPort != offerPort)
            let sessions = try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]]
            let session = try #require(sessions?.first)
            #expect((session["labels"] as? [String: String])?["origin"] == "sip")
            #expect(session["state"] as? String == "answered")
            let id = try #require(session["id"] as? String)

            a.send(a.inDialog(.bye, user: "bob", sipPort: sip, callID: "call-1", cseq: 2, toTag: ok.to?.tag), to: sip)
            _ = try a.response(200)
            let bye = try b.request(.bye)
            #expect(bye.callID == invite.callID)
            b.send(b.answer(bye, status: 200), to: sip)
            let ended = try await server.request("GET", "/v1/sessions/\(id)", token: LiveServer.clientToken).json
            #expect(ended["state"] as? String == "ended")
            #expect(ended["end_reason"] as? String == "bye_a")
        }
    }

    @Test("BYE from B ends A's leg too")
    func byeFromB() async throws {
        try await Self.withCall { server, a, b, sip in
            let (invite, _) = try Self.connect(a, b, sip: sip, callID: "call-2")
            let bye = "BYE sip:switchboard@127.0.0.1:\(sip) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(b.port);branch=z9hG4bK-bye-b\r\n"
                + "From: \(invite.to?.description ?? "");tag=b-tag\r\nTo: \(invite.headers["From"] ?? "")\r\nCall-ID: \(invite.callID ?? "")\r\n"
                + "CSeq: 7 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            b.send(bye, to: sip)
            _ = try b.response(200)
            let toA = try a.request(.bye)
            #expect(toA.callID == "call-2")
            #expect(toA.to?.tag == "a-tag")
            a.send(a.answer(toA, status: 200), to: sip)
            let sessions = try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]]
            #expect(sessions?.first?["end_reason"] as? String == "bye_b")
        }
    }

    @Test("the 200 to A is retransmitted until A's ACK (T1 doubling); a retransmitted INVITE is absorbed, not sent to B again")
    func retransmissions() async throws {
        try await Self.withCall { _, a, b, sip in
            let inviteText = a.invite(user: "bob", sipPort: sip, callID: "call-3", branch: "z9hG4bK-fixed-3", sdp: SIPPeer.sdp(port: 30_000))
            a.send(inviteText, to: sip)
            _ = try a.response(100)
            let invite = try b.request(.invite)
            b.send(b.answer(invite, status: 180), to: sip)  // stops our retransmissions towards B (Timer A)
            _ = try a.response(180)
            a.send(inviteText, to: sip)  // A's retransmission
            _ = try a.response(180)      // answered from the transaction: the last provisional again
            #expect(b.silent(for: 0.2), "B must not see the retransmitted INVITE")
            b.send(b.answer(invite, status: 200, sdp: SIPPeer.sdp(port: 30_002)), to: sip)
            let first = try a.response(200)
            let again = try a.response(200, timeout: 1)
            #expect(again.to?.tag == first.to?.tag)
            a.send(a.inDialog(.ack, user: "bob", sipPort: sip, callID: "call-3", cseq: 1, toTag: first.to?.tag), to: sip)
            _ = try b.request(.ack)
            // After the ACK the retransmissions stop (beyond one already in flight).
            _ = a.udp.receive(timeout: 0.15)
            #expect(a.silent(for: 0.6))
        }
    }

    @Test("CANCEL before the answer: 200 to the CANCEL, 487 to A's INVITE, CANCEL to B, session ended as cancelled")
    func cancel() async throws {
        try await Self.withCall { server, a, b, sip in
            a.send(a.invite(user: "bob", sipPort: sip, callID: "call-4", branch: "z9hG4bK-c4", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            _ = try a.response(100)
            let invite = try b.request(.invite)
            b.send(b.answer(invite, status: 180), to: sip)
            _ = try a.response(180)
            let cancel = "CANCEL sip:bob@127.0.0.1:\(sip) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(a.port);branch=z9hG4bK-c4\r\n"
                + "From: \"Alice\" <sip:alice@127.0.0.1:\(a.port)>;tag=a-tag\r\nTo: <sip:bob@127.0.0.1:\(sip)>\r\n"
                + "Call-ID: call-4\r\nCSeq: 1 CANCEL\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
            a.send(cancel, to: sip)
            var statuses: [Int] = []
            for _ in 0..<2 {
                if case let .response(r) = try a.receive() { statuses.append(r.status) }
            }
            #expect(statuses.sorted() == [200, 487])
            let toB = try b.request(.cancel)
            #expect(toB.topVia?.branch == invite.topVia?.branch, "CANCEL carries the INVITE's branch (RFC 3261 9.1)")
            b.send(b.answer(toB, status: 200), to: sip)
            b.send(b.answer(invite, status: 487), to: sip)
            _ = try b.request(.ack)
            let sessions = try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]]
            #expect(sessions?.first?["end_reason"] as? String == "cancelled")
        }
    }

    @Test("B's failure is relayed to A and ACKed towards B")
    func failureRelayed() async throws {
        try await Self.withCall { _, a, b, sip in
            a.send(a.invite(user: "bob", sipPort: sip, callID: "call-5", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            let invite = try b.request(.invite)
            b.send(b.answer(invite, status: 486), to: sip)
            _ = try b.request(.ack)
            let busy = try a.response(486)
            a.send(a.inDialog(.ack, user: "bob", sipPort: sip, callID: "call-5", cseq: 1, toTag: busy.to?.tag,
                              branch: busy.topVia?.branch ?? ""), to: sip)
            #expect(a.silent(for: 0.3), "A's ACK stops the 486 retransmissions")
        }
    }

    @Test("no route: 404; no SDP offer: 488; media we cannot carry: 488; no capacity: 503 with Retry-After")
    func refusals() async throws {
        let a = try SIPPeer()
        try await withLiveServer(["pools.transcoder.size": "1"]) { server in
            let sip = try #require(server.sipPort)
            a.send(a.invite(user: "nobody", sipPort: sip, callID: "r-1", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            _ = try a.response(404)
        }
        try await Self.withCall { _, a, _, sip in
            a.send(a.invite(user: "bob", sipPort: sip, callID: "r-2", sdp: nil), to: sip)
            _ = try a.response(488)
            a.send(a.invite(user: "bob", sipPort: sip, callID: "r-3", sdp: SIPPeer.sdp(port: 30_000, codecs: "18", extra: "a=rtpmap:18 G729/8000\n")), to: sip)
            let refused = try a.response(488)
            #expect(refused.headers["Warning"] != nil)
        }
        try await Self.withCall(["pools.transcoder.size": "0", "pools.transcoder.warm_spares": "0"]) { _, a, b, sip in
            a.send(a.invite(user: "bob", sipPort: sip, callID: "r-4", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            let full = try a.response(503)
            #expect(full.headers["Retry-After"] != nil)
            #expect(b.silent(for: 0.2), "B is never called when admission refuses")
        }
    }

    @Test("no answer within sip.invite_timeout: CANCEL to B, 480 to A")
    func inviteTimeout() async throws {
        try await Self.withCall(["sip.invite_timeout": "300ms"]) { server, a, b, sip in
            a.send(a.invite(user: "bob", sipPort: sip, callID: "call-6", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            let invite = try b.request(.invite)
            b.send(b.answer(invite, status: 180), to: sip)
            _ = try a.response(180)
            _ = try a.response(480, timeout: 3)
            let cancel = try b.request(.cancel, timeout: 3)
            b.send(b.answer(cancel, status: 200), to: sip)
            b.send(b.answer(invite, status: 487), to: sip)
            _ = try b.request(.ack)
            let sessions = try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]]
            #expect(sessions?.first?["end_reason"] as? String == "no_answer")
        }
    }

    @Test("re-INVITE hold and resume from A: B is re-offered sendonly/sendrecv on the same port, A gets B's direction back")
    func holdAndResume() async throws {
        try await Self.withCall { _, a, b, sip in
            let (invite, ok) = try Self.connect(a, b, sip: sip, callID: "call-7")
            let portForB = SIPPeer.mediaPort(invite.body)
            let portForA = SIPPeer.mediaPort(ok.body)
            for (cseq, (offered, answered, expected)) in [(2, ("sendonly", "recvonly", "recvonly")), (3, ("sendrecv", "sendrecv", "sendrecv"))] {
                a.send(a.invite(user: "bob", sipPort: sip, callID: "call-7", cseq: cseq,
                                sdp: SIPPeer.sdp(port: 30_000, direction: offered, version: cseq), toTag: ok.to?.tag), to: sip)
                let reinvite = try b.request(.invite)
                let offer = String(decoding: reinvite.body, as: UTF8.self)
                #expect(offer.contains("a=\(offered)"), "\(offer)")
                #expect(SIPPeer.mediaPort(reinvite.body) == portForB)
                #expect(reinvite.callID == invite.callID && reinvite.to?.tag == "b-tag")
                b.send(b.answer(reinvite, status: 200, sdp: SIPPeer.sdp(port: 30_002, direction: answered, version: cseq)), to: sip)
                _ = try b.request(.ack)
                let answer = try a.response(200)
                #expect(String(decoding: answer.body, as: UTF8.self).contains("a=\(expected)"))
                #expect(SIPPeer.mediaPort(answer.body) == portForA)
                a.send(a.inDialog(.ack, user: "bob", sipPort: sip, callID: "call-7", cseq: cseq, toTag: ok.to?.tag), to: sip)
            }
        }
    }

    @Test("re-INVITE hold from B: A is re-offered sendonly on A's port with A's codec, B gets A's answer bridged back")
    func holdFromB() async throws {
        try await Self.withCall { server, a, b, sip in
            let (invite, ok) = try Self.connect(a, b, sip: sip, callID: "call-9")
            let portForB = SIPPeer.mediaPort(invite.body)
            let portForA = SIPPeer.mediaPort(ok.body)
            let reinvite = "INVITE sip:switchboard@127.0.0.1:\(sip) SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:\(b.port);branch=z9hG4bK-rb1\r\n"
                + "From: \(invite.to?.description ?? "");tag=b-tag\r\nTo: \(invite.headers["From"] ?? "")\r\nCall-ID: \(invite.callID ?? "")\r\n"
                + "CSeq: 5 INVITE\r\nMax-Forwards: 70\r\nContact: <sip:bob@127.0.0.1:\(b.port)>\r\nContent-Type: application/sdp\r\n"
            let body = SIPPeer.sdp(port: 30_002, direction: "sendonly", version: 2)
            b.send(reinvite + "Content-Length: \(body.utf8.count)\r\n\r\n" + body, to: sip)
            let toA = try a.request(.invite)
            #expect(toA.callID == "call-9" && toA.to?.tag == "a-tag")
            let offer = String(decoding: toA.body, as: UTF8.self)
            #expect(offer.contains("a=sendonly") && offer.contains("PCMU"), "\(offer)")
            #expect(SIPPeer.mediaPort(toA.body) == portForA)
            a.send(a.answer(toA, status: 200, tag: "a-tag", sdp: SIPPeer.sdp(port: 30_000, direction: "recvonly", version: 2)), to: sip)
            _ = try a.request(.ack)
            let answer = try b.response(200)
            let text = String(decoding: answer.body, as: UTF8.self)
            #expect(text.contains("a=recvonly"), "\(text)")
            #expect(SIPPeer.mediaPort(answer.body) == portForB)
            let sessions = try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]]
            #expect(sessions?.first?["state"] as? String != "ended")
        }
    }

    @Test("B never answers at all: 408 to A when our INVITE's Timer B fires (64*T1); a BYE for no call gets 481")
    func timeoutAnd481() async throws {
        try await Self.withCall { server, a, b, sip in
            a.send(a.invite(user: "bob", sipPort: sip, callID: "call-10", sdp: SIPPeer.sdp(port: 30_000)), to: sip)
            _ = try b.request(.invite)  // and its retransmissions, unanswered
            _ = try a.response(408, timeout: 8)
            a.send(a.inDialog(.bye, user: "bob", sipPort: sip, callID: "no-such-call", cseq: 2, toTag: "x"), to: sip)
            _ = try a.response(481)
            let sessions = try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]]
            #expect(sessions?.first?["end_reason"] as? String == "no_answer")
        }
    }

    @Test("re-INVITE with a new media address: the stream is re-opened and B's media reaches A's new port, same SSRC")
    func mediaChange() async throws {
        try await Self.withCall { _, a, b, sip in
            let mediaA1 = try UDPPeer(), mediaA2 = try UDPPeer(), mediaB = try UDPPeer()
            let (invite, ok) = try Self.connect(a, b, sip: sip, callID: "call-11", sdp: SIPPeer.sdp(port: Int(mediaA1.port)))
            let portForB = try #require(SIPPeer.mediaPort(invite.body))
            _ = ok
            func sendFromB(_ count: Int, from first: Int) {
                for i in first..<(first + count) {
                    mediaB.send(RTP(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: 0xB,
                                    payload: [UInt8](repeating: 0xD5, count: 160)).bytes, to: portForB)
                }
            }
            sendFromB(3, from: 0)
            let before = try mediaA1.receiveRTP()
            // A moves its media to another port.
            a.send(a.invite(user: "bob", sipPort: sip, callID: "call-11", cseq: 2, sdp: SIPPeer.sdp(port: Int(mediaA2.port), version: 2),
                            toTag: ok.to?.tag), to: sip)
            let reinvite = try b.request(.invite)
            #expect(SIPPeer.mediaPort(reinvite.body) == portForB, "B keeps talking to the same port of ours")
            b.send(b.answer(reinvite, status: 200, sdp: SIPPeer.sdp(port: Int(mediaB.port), version: 2)), to: sip)
            _ = try b.request(.ack)
            _ = try a.response(200)
            _ = mediaA1.drain(quiet: 0.1)
            sendFromB(3, from: 10)
            let after = try mediaA2.receiveRTP()
            #expect(after.ssrc == before.ssrc, "the outgoing SSRC is kept across the re-open")
            #expect(after.sequence &- before.sequence < 1000 && after.sequence != before.sequence)
        }
    }

    @Test("a session ended over HTTP hangs up both SIP legs with BYE")
    func endedElsewhere() async throws {
        try await Self.withCall { server, a, b, sip in
            _ = try Self.connect(a, b, sip: sip, callID: "call-8")
            let sessions = try await server.request("GET", "/v1/sessions", token: LiveServer.clientToken).json["sessions"] as? [[String: Any]]
            let id = try #require(sessions?.first?["id"] as? String)
            #expect(try await server.request("DELETE", "/v1/sessions/\(id)", token: LiveServer.clientToken).status == 204)
            let byeA = try a.request(.bye)
            a.send(a.answer(byeA, status: 200), to: sip)
            let byeB = try b.request(.bye)
            b.send(b.answer(byeB, status: 200), to: sip)
        }
    }
}

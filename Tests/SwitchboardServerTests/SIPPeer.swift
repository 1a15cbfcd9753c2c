import Foundation
import SIP
import SwitchboardTestKit

/// A hand-driven SIP endpoint over UDP for the B2BUA tests: sends text,
/// receives parsed messages, bounded by timeouts (a missing message fails
/// the test, never hangs it).
final class SIPPeer: Sendable {
    let udp: UDPPeer
    var port: Int { Int(udp.port) }

    init() throws { udp = try UDPPeer() }

    func send(_ text: String, to port: Int) {
        udp.send(Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n").utf8), to: port)
    }

    func send(_ message: SIPRequest, to port: Int) { udp.send(message.serialized(), to: port) }
    func send(_ message: SIPResponse, to port: Int) { udp.send(message.serialized(), to: port) }

    /// The next SIP message (non-SIP datagrams fail the test).
    func receive(timeout: Double = 3) throws -> SIPMessage {
        let bytes = try udp.receiveBytes(timeout: timeout)
        do { return try SIPMessage(parsing: bytes) } catch {
            throw UDPPeer.Failure(description: "not SIP (\(error)): \(String(decoding: bytes.prefix(300), as: UTF8.self))")
        }
    }

    /// The next request (skipping nothing: a response here fails).
    func request(_ method: SIPMethod, timeout: Double = 3) throws -> SIPRequest {
        let message = try receive(timeout: timeout)
        guard case let .request(request) = message, request.method == method else {
            throw UDPPeer.Failure(description: "expected \(method), got \(Self.summary(message))")
        }
        return request
    }

    /// The next response with this status, skipping 100 Trying unless asked for.
    func response(_ status: Int, timeout: Double = 3) throws -> SIPResponse {
        while true {
            let message = try receive(timeout: timeout)
            guard case let .response(response) = message else {
                throw UDPPeer.Failure(description: "expected \(status), got \(Self.summary(message))")
            }
            if response.status == 100 && status != 100 { continue }
            guard response.status == status else {
                throw UDPPeer.Failure(description: "expected \(status), got \(Self.summary(message))")
            }
            return response
        }
    }

    /// Nothing arrives within `timeout` (100 Trying ignored).
    func silent(for timeout: Double) -> Bool {
        while let (bytes, _) = udp.receive(timeout: timeout) {
            if case let .response(r)? = try? SIPMessage(parsing: bytes), r.status == 100 { continue }
            return false
        }
        return true
    }

    static func summary(_ message: SIPMessage) -> String {
        switch message {
        case let .request(r): "\(r.method) \(r.uri)"
        case let .response(r): "\(r.status) \(r.reason) (\(r.cseq.map { "\($0.method)" } ?? "?"))"
        }
    }

    // MARK: messages

    static func sdp(port: Int, codecs: String = "0 101", extra: String = "a=rtpmap:0 PCMU/8000\na=rtpmap:101 telephone-event/8000\na=fmtp:101 0-15\n",
                    direction: String = "sendrecv", version: Int = 1) -> String {
        """
        v=0
        o=peer 1000 \(version) IN IP4 127.0.0.1
        s=-
        c=IN IP4 127.0.0.1
        t=0 0
        m=audio \(port) RTP/AVP \(codecs)
        \(extra)a=\(direction)

        """.replacingOccurrences(of: "\n", with: "\r\n")
    }

    /// An INVITE from this peer to `user` at the B2BUA (a new call, or a re-INVITE with `toTag`).
    func invite(user: String, sipPort: Int, callID: String, branch: String = SIP.newBranch(), cseq: Int = 1,
                sdp: String?, toTag: String? = nil, fromTag: String = "a-tag") -> String {
        inDialog(.invite, user: user, sipPort: sipPort, callID: callID, cseq: cseq, toTag: toTag, branch: branch, body: sdp, fromTag: fromTag)
    }

    /// An in-dialog request from this peer (A side): ACK, BYE, CANCEL, re-INVITE.
    func inDialog(_ method: SIPMethod, user: String, sipPort: Int, callID: String, cseq: Int, toTag: String?,
                  branch: String = SIP.newBranch(), body: String? = nil, fromTag: String = "a-tag") -> String {
        let payload = body ?? ""
        return "\(method) sip:\(user)@127.0.0.1:\(sipPort) SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:\(port);branch=\(branch);rport\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: \"Alice\" <sip:alice@127.0.0.1:\(port)>;tag=\(fromTag)\r\n"
            + "To: <sip:\(user)@127.0.0.1:\(sipPort)>\(toTag.map { ";tag=\($0)" } ?? "")\r\n"
            + "Call-ID: \(callID)\r\n"
            + "CSeq: \(cseq) \(method)\r\n"
            + "Contact: <sip:alice@127.0.0.1:\(port)>\r\n"
            + (body == nil ? "" : "Content-Type: application/sdp\r\n")
            + "Content-Length: \(payload.utf8.count)\r\n\r\n" + payload
    }

    /// B's response to a request it received, with its tag, Contact and an optional SDP body.
    func answer(_ request: SIPRequest, status: Int, tag: String = "b-tag", sdp: String? = nil) -> SIPResponse {
        var response = request.makeResponse(status: status, toTag: status > 100 ? tag : nil,
                                            body: Array((sdp ?? "").utf8), contentType: sdp == nil ? nil : "application/sdp")
        if status < 300 && status > 100 { response.headers.add("Contact", "<sip:bob@127.0.0.1:\(port)>") }
        return response
    }

    /// The port a message came from is the B2BUA's; replies go back there.
    static func mediaPort(_ sdp: [UInt8]) -> Int? {
        let text = String(decoding: sdp, as: UTF8.self)
        guard let line = text.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("m=audio ") }) else { return nil }
        return Int(line.split(separator: " ")[1])
    }
}

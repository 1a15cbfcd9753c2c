import NIOCore
import SIP

/// One side of a call as a dialog (RFC 3261 12): what it takes to send an
/// in-dialog request to that peer and to recognise its requests.
struct DialogSide: Sendable {
    /// The peer's Call-ID for this side (A's own; ours towards B).
    let callID: String
    /// Our tag on this side (our To tag towards A, our From tag towards B).
    let localTag: String
    /// The peer's tag (A's From tag; B's To tag once B answers).
    var remoteTag: String?
    /// Our URI on this side (A's To URI towards A; our From URI towards B).
    let localURI: NameAddress
    /// The peer's URI (A's From; B's To).
    var remoteURI: NameAddress
    /// Where in-dialog requests go: the peer's Contact.
    var remoteTarget: SIPURI
    /// The route set (RFC 3261 12.1): Record-Route as received (A side) or reversed (B side).
    var routeSet: [NameAddress]
    /// Our next CSeq for requests on this side.
    var localCSeq: UInt32
    /// The highest CSeq seen from the peer.
    var remoteCSeq: UInt32
    /// Where to send when the route set and Contact give no IP literal: the source of the peer's messages.
    var address: SocketAddress

    /// The headers of a new in-dialog request of ours on this side (without Via, which the sender adds).
    mutating func request(_ method: SIPMethod, contact: NameAddress, maxForwards: Int = 70) -> SIPRequest {
        if method != .ack && method != .cancel { localCSeq &+= 1 }
        var headers = SIPHeaders()
        for route in routeSet { headers.add("Route", route.description) }
        var from = localURI
        from.tag = localTag
        var to = remoteURI
        to.tag = remoteTag
        headers.add("From", from.description)
        headers.add("To", to.description)
        headers.add("Call-ID", callID)
        headers.add("CSeq", "\(localCSeq) \(method)")
        headers.add("Max-Forwards", "\(maxForwards)")
        headers.add("Contact", contact.description)
        return SIPRequest(method: method, uri: remoteTarget, headers: headers, body: [])
    }

    /// Where a request on this side goes: the first route, else the remote target, when an IP literal.
    var destination: SocketAddress {
        let uri = routeSet.first?.uri ?? remoteTarget
        let port = uri.port ?? 5060
        let host = uri.host.hasPrefix("[") ? String(uri.host.dropFirst().dropLast()) : uri.host
        return (try? SocketAddress(ipAddress: host, port: port)) ?? address
    }
}

/// A call through the B2BUA: A's dialog (we are its UAS), B's dialog (we
/// are its UAC), and the session that carries the media.
struct SIPCall: Sendable {
    enum Phase: Sendable, Equatable {
        /// INVITE sent to B, no final answer yet.
        case calling
        /// 200 relayed to A; both dialogs confirmed (or about to be).
        case confirmed
        /// Hanging up: BYE or CANCEL sent, final answers pending.
        case ending
    }

    /// A's Call-ID: the key of the call.
    var id: String { a.callID }
    var phase: Phase = .calling
    var session: String?
    var a: DialogSide
    var b: DialogSide
    /// A's INVITE (the request the responses to A are built from).
    let inviteFromA: SIPRequest
    /// The server transaction of A's INVITE, while it has not sent its final answer.
    var aInvite: ServerKey?
    /// The server transaction of A's INVITE once its 2xx went out (the ACK goes to it).
    var aAccepted: ServerKey?
    /// Our INVITE to B and its branch (for CANCEL and the ACK of its 2xx).
    var inviteToB: SIPRequest
    var bInviteBranch: String
    /// B sent a provisional response: a CANCEL may go (RFC 3261 9.1).
    var bProvisional = false
    /// A CANCEL is due as soon as B sends a provisional response.
    var cancelPending = false
    /// The SDP answer for A, once B's answer went through the session.
    var answerForA: [UInt8]?
    /// The ACK sent for B's 2xx, kept to answer its retransmissions.
    var ackToB: [UInt8]?
    let startedAt: ContinuousClock.Instant
    /// A re-INVITE in progress: which side offered, and its server transaction.
    var reinvite: ReInvite?
    /// The server transaction of the last re-INVITE answered 2xx (its ACK goes to it).
    var reinviteAccepted: ServerKey?
    /// The session moved to another edge while the call could not take a
    /// re-INVITE (B still ringing, or a re-INVITE in progress): each leg
    /// is offered its new SDP once it can.
    var offerForAAfterMove: String?
    var offerForBAfterMove: String?
    /// Our re-INVITEs after a move still waiting for their final answer
    /// (a re-INVITE from a leg meanwhile is glare: 491).
    var moveReinvitesInFlight = 0

    struct ReInvite: Sendable {
        var fromA: Bool
        var server: ServerKey
        var request: SIPRequest
    }
}

/// A server transaction's key (RFC 3261 17.2.3): branch, sent-by and method, ACK as INVITE.
struct ServerKey: Hashable, Sendable {
    var branch: String
    var sentBy: String
    var method: String

    init?(_ request: SIPRequest, method override: SIPMethod? = nil) {
        guard let via = request.topVia else { return nil }
        let method = override ?? (request.method == .ack ? .invite : request.method)
        if let branch = via.branch, branch.hasPrefix("z9hG4bK") {
            self.branch = branch
        } else {
            // RFC 2543 peers: match on the request's identity instead.
            self.branch = "\(request.callID ?? "")|\(request.cseq?.number ?? 0)|\(request.from?.tag ?? "")"
        }
        sentBy = "\(via.host):\(via.port ?? 5060)"
        self.method = method.description
    }
}

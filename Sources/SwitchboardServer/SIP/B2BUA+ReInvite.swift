import SIP

extension B2BUA {
    /// A re-INVITE from either side (hold, resume, a new address or codec):
    /// the session bridges the new offer, the other side gets a re-INVITE
    /// with it, and its answer comes back bridged to the offerer.
    func receivedReInvite(_ request: SIPRequest, key: ServerKey) async {
        guard let callID = request.callID else { return }
        let fromA = calls[callID] != nil
        guard let id = fromA ? callID : callByB[callID], var call = calls[id], call.phase == .confirmed else {
            respond(key, request.makeResponse(status: 481))
            return
        }
        guard call.reinvite == nil, call.moveReinvitesInFlight == 0 else {
            respond(key, request.makeResponse(status: 491))  // RFC 3261 14.2: one offer at a time
            return
        }
        if let target = request.contacts.first?.uri {
            if fromA { call.a.remoteTarget = target } else { call.b.remoteTarget = target }
        }
        guard Self.hasSDP(request) else {
            var response = request.makeResponse(status: 488)
            response.headers.add("Warning", "399 switchboard \"a re-INVITE needs an SDP offer\"")
            respond(key, response)
            calls[id] = call
            return
        }
        var offer = String(decoding: request.body, as: UTF8.self)
        if let session = call.session {
            do {
                offer = try await sessions.reoffer(session, sdp: offer, fromA: fromA)
            } catch {
                respond(key, Self.refusal(request, error))
                return
            }
        }
        guard var call = calls[id] else { return }
        call.reinvite = SIPCall.ReInvite(fromA: fromA, server: key, request: request)
        var reinvite = fromA ? call.b.request(.invite, contact: contact) : call.a.request(.invite, contact: contact)
        reinvite.headers.add("Allow", Self.allow)
        reinvite.headers.add("Content-Type", "application/sdp")
        reinvite.body = Array(offer.utf8)
        calls[id] = call
        startClient(reinvite, to: fromA ? call.b.destination : call.a.destination, purpose: .reinvite(call: id, toA: !fromA))
    }

    /// The answer to our re-INVITE, relayed to the side that offered.
    func reinviteResponse(_ upcall: Upcall, call id: String, toA: Bool) async {
        guard let call = calls[id], let pending = call.reinvite else { return }
        defer { if calls[id]?.reinvite == nil { flushMoveReinvites(id) } }
        guard case let .response(response) = upcall else {
            respond(pending.server, pending.request.makeResponse(status: 408))
            calls[id]?.reinvite = nil
            if let session = call.session { await sessions.dropReoffer(session) }
            return
        }
        switch response.status {
        case 100..<200:
            return
        case 200..<300:
            acknowledge(response, call: call, toA: toA)
            calls[id]?.reinvite = nil
            guard Self.hasSDP(response) else {
                respond(pending.server, pending.request.makeResponse(status: 488, reason: "No SDP Answer"))
                if let session = call.session { await sessions.dropReoffer(session) }
                return
            }
            do {
                var answer = String(decoding: response.body, as: UTF8.self)
                if let session = call.session { answer = try await sessions.reanswer(session, sdp: answer) }
                var ok = pending.request.makeResponse(status: 200, body: Array(answer.utf8), contentType: "application/sdp")
                ok.headers.add("Contact", contact.description)
                respond(pending.server, ok)
                calls[id]?.reinviteAccepted = pending.server
            } catch {
                respond(pending.server, Self.refusal(pending.request, error))
            }
        default:
            respond(pending.server, pending.request.makeResponse(status: response.status, reason: response.reason))
            calls[id]?.reinvite = nil
            if let session = call.session { await sessions.dropReoffer(session) }
        }
    }
}

extension B2BUA {
    /// The call's session moved to another edge (its edge died): both legs
    /// get a re-INVITE with the session's new SDP — A our new answer (as an
    /// offer: the new address, port and keys), B the new offer for B. Their
    /// answers are ACKed; the addresses they answer with are those the
    /// session was placed again with (A's offer and B's answer). A call
    /// still ringing gets the new edge's answer in A's 200, and B a
    /// re-INVITE once the call is up.
    func sessionMoved(_ session: String, sdpForA: String?, sdpForB: String) {
        guard let id = callBySession[session], calls[id] != nil else { return }
        // A is re-offered only if it has had an answer already (a 183 with SDP, or the 200):
        // else its 200 carries the new edge's answer.
        if let sdpForA, calls[id]?.answerForA != nil { calls[id]?.offerForAAfterMove = sdpForA }
        calls[id]?.offerForBAfterMove = sdpForB
        logger.notice("the session moved to another edge: both legs are re-INVITEd", metadata: ["session": "\(session)", "call": "\(id)"])
        flushMoveReinvites(id)
    }

    /// Sends the re-INVITEs a move left pending, once the call is confirmed
    /// and no other re-INVITE is in progress (one offer at a time, RFC 3261 14.2).
    func flushMoveReinvites(_ id: String) {
        guard let call = calls[id], call.phase == .confirmed, call.reinvite == nil, call.moveReinvitesInFlight == 0 else { return }
        if let sdp = call.offerForAAfterMove { reinviteAfterMove(id, toA: true, sdp: sdp) }
        if let sdp = call.offerForBAfterMove { reinviteAfterMove(id, toA: false, sdp: sdp) }
        calls[id]?.offerForAAfterMove = nil
        calls[id]?.offerForBAfterMove = nil
    }

    /// Our re-INVITE of one leg with the session's SDP after a move.
    func reinviteAfterMove(_ id: String, toA: Bool, sdp: String) {
        guard var call = calls[id] else { return }
        var reinvite = toA ? call.a.request(.invite, contact: contact) : call.b.request(.invite, contact: contact)
        reinvite.headers.add("Allow", Self.allow)
        reinvite.headers.add("Content-Type", "application/sdp")
        reinvite.body = Array(sdp.utf8)
        call.moveReinvitesInFlight += 1
        calls[id] = call
        startClient(reinvite, to: toA ? call.a.destination : call.b.destination, purpose: .move(call: id, toA: toA))
    }

    /// The answer to our re-INVITE after a move: a 2xx is ACKed; anything
    /// else is logged (the leg keeps sending to the old edge).
    func moveResponse(_ upcall: Upcall, call id: String, toA: Bool) {
        guard let call = calls[id] else { return }
        guard case let .response(response) = upcall else {
            logger.warning("no answer to the re-INVITE after a move", metadata: ["call": "\(id)", "leg": "\(toA ? "a" : "b")"])
            calls[id]?.moveReinvitesInFlight -= 1
            return
        }
        if response.status >= 200 { calls[id]?.moveReinvitesInFlight -= 1 }
        defer { flushMoveReinvites(id) }  // another move meanwhile
        switch response.status {
        case 100..<200:
            return
        case 200..<300:
            acknowledge(response, call: call, toA: toA)
        default:
            logger.warning("the re-INVITE after a move was refused", metadata: ["call": "\(id)", "leg": "\(toA ? "a" : "b")",
                                                                              "status": "\(response.status)"])
        }
    }
}

extension B2BUA {
    /// ACKs the 2xx to our re-INVITE of one leg (a 2xx ACK: our own request,
    /// same CSeq number), and takes the leg's new Contact as its target.
    func acknowledge(_ response: SIPResponse, call: SIPCall, toA: Bool) {
        var side = toA ? call.a : call.b
        var ack = side.request(.ack, contact: contact)
        stamp(&ack)
        transmit(ack.serialized(), to: side.destination, kind: "ACK")
        if let target = response.contacts.first?.uri { side.remoteTarget = target }
        if toA { calls[call.id]?.a = side } else { calls[call.id]?.b = side }
    }
}

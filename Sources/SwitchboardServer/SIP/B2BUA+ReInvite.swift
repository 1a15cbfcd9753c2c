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
        guard call.reinvite == nil else {
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
            // ACK the side we re-INVITEd (a 2xx ACK: our own request, same CSeq number).
            var side = toA ? call.a : call.b
            var ack = side.request(.ack, contact: contact)
            stamp(&ack)
            transmit(ack.serialized(), to: side.destination, kind: "ACK")
            if let target = response.contacts.first?.uri { side.remoteTarget = target }
            if toA { calls[id]?.a = side } else { calls[id]?.b = side }
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

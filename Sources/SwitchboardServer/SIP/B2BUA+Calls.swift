import NIOCore
import SIP
import Sessions

extension B2BUA {
    // MARK: A calls

    /// A's INVITE outside a dialog: a new call. 100 Trying went out with the
    /// transaction's start; now the session, then the INVITE to B.
    func receivedInvite(_ invite: SIPRequest, key: ServerKey, from source: SocketAddress) async {
        let started = ContinuousClock.now
        guard let callID = invite.callID, let from = invite.from, let fromTag = from.tag, let to = invite.to,
              let cseq = invite.cseq else {
            respond(key, invite.makeResponse(status: 400, reason: "Missing Call-ID, From tag, To or CSeq"))
            return
        }
        if let hops = invite.maxForwards, hops <= 0 {
            respond(key, invite.makeResponse(status: 483))
            return
        }
        guard calls[callID] == nil else {
            // Another INVITE for a call we already have (a fork or a loop): RFC 3261 8.2.2.2.
            respond(key, invite.makeResponse(status: 482))
            return
        }
        guard let route = route(for: invite.uri) else {
            respond(key, invite.makeResponse(status: 404, reason: "No Route"))
            metrics.sipCallEnded(outcome: "no_route")
            return
        }
        guard !invite.body.isEmpty, invite.contentType?.lowercased().hasPrefix("application/sdp") ?? true else {
            var response = invite.makeResponse(status: 488, reason: "SDP Offer Required")
            response.headers.add("Warning", "399 switchboard \"an INVITE without an SDP offer is not supported\"")
            respond(key, response)
            metrics.sipCallEnded(outcome: "refused")
            return
        }
        guard let bAddress = Self.resolve(route.target) else {
            respond(key, invite.makeResponse(status: 502, reason: "Bad Route Target"))
            return
        }
        var offerForB = invite.body
        var session: String?
        if settings.carriesMedia(route) {
            do {
                let view = try await sessions.create(offer: String(decoding: invite.body, as: UTF8.self), codecs: route.codecs,
                                                     profile: route.profile, labels: ["origin": "sip", "sip_call_id": callID],
                                                     region: route.region)
                offerForB = Array((view.sdp ?? "").utf8)
                session = view.id
            } catch {
                respond(key, Self.refusal(invite, error))
                metrics.sipCallEnded(outcome: "refused")
                return
            }
        }
        var aLocal = to
        aLocal.tag = nil
        let a = DialogSide(
            callID: callID, localTag: SIP.newTag(), remoteTag: fromTag, localURI: aLocal, remoteURI: from,
            remoteTarget: invite.contacts.first?.uri ?? from.uri, routeSet: invite.recordRoutes,
            localCSeq: UInt32.random(in: 1...0xFFFF), remoteCSeq: cseq.number, address: source)
        let targetHost = route.target.host.contains(":") ? "[\(route.target.host)]" : route.target.host
        let uriB = SIPURI(scheme: "sip", user: invite.uri.user, host: targetHost, port: route.target.port)
        let ourHost = host.contains(":") ? "[\(host)]" : host
        let fromB = NameAddress(displayName: from.displayName, uri: SIPURI(scheme: "sip", user: from.uri.user ?? "switchboard", host: ourHost, port: port),
                                parameters: [])
        var b = DialogSide(
            callID: SIP.newTag() + SIP.newTag() + "@switchboard", localTag: SIP.newTag(), remoteTag: nil, localURI: fromB,
            remoteURI: NameAddress(displayName: nil, uri: uriB, parameters: []), remoteTarget: uriB, routeSet: [],
            localCSeq: 0, remoteCSeq: 0, address: bAddress)
        var inviteB = b.request(.invite, contact: contact, maxForwards: max(0, (invite.maxForwards ?? 70) - 1))
        inviteB.headers.add("Allow", Self.allow)
        inviteB.headers.add("Content-Type", "application/sdp")
        inviteB.body = offerForB
        let branch = SIP.newBranch()
        calls[callID] = SIPCall(a: a, b: b, inviteFromA: invite, aInvite: key, inviteToB: inviteB, bInviteBranch: branch,
                                startedAt: started)
        calls[callID]?.session = session
        callByB[b.callID] = callID
        if let session { callBySession[session] = callID }
        let clientKey = startClient(inviteB, to: bAddress, purpose: .inviteB(call: callID), branch: branch)
        if let sent = clients[clientKey]?.request { calls[callID]?.inviteToB = sent }
        arm(.invite(callID), after: settings.inviteTimeout)
        logger.debug("call placed", metadata: ["call": "\(callID)", "session": "\(session ?? "none")", "target": "\(route.target)"])
    }

    /// The answer to A for a session the core refused.
    static func refusal(_ invite: SIPRequest, _ error: SessionFailure) -> SIPResponse {
        var response: SIPResponse
        switch error {
        case .noCapacity, .workerFailed:
            response = invite.makeResponse(status: 503)
            response.headers.add("Retry-After", "1")
        case .unsupportedMedia:
            response = invite.makeResponse(status: 488)
        case .badRequest:
            response = invite.makeResponse(status: 488)
        case .notFound, .conflict:
            response = invite.makeResponse(status: 500)
        }
        let detail = "\(error)".replacingOccurrences(of: "\"", with: "'").prefix(200)
        response.headers.add("Warning", "399 switchboard \"\(detail)\"")
        return response
    }

    static func resolve(_ target: SwitchboardConfig.Endpoint) -> SocketAddress? {
        if let address = try? SocketAddress(ipAddress: target.host, port: target.port) { return address }
        return try? SocketAddress.makeAddressResolvingHost(target.host, port: target.port)
    }

    /// Answers A's INVITE (provisional or final) on behalf of B.
    func respondToA(_ id: String, status: Int, reason: String? = nil, body: [UInt8] = [], extra: [(String, String)] = []) {
        guard let call = calls[id], let key = call.aInvite else { return }
        var response = call.inviteFromA.makeResponse(status: status, reason: reason, toTag: status > 100 ? call.a.localTag : nil,
                                                     body: body, contentType: body.isEmpty ? nil : "application/sdp")
        if status > 100 && status < 300 {
            for route in call.inviteFromA.headers.values("Record-Route") { response.headers.add("Record-Route", route) }
            response.headers.add("Contact", contact.description)
        }
        for (name, value) in extra { response.headers.add(name, value) }
        respond(key, response)
    }

    // MARK: B answers

    func deliver(_ upcall: Upcall, transaction: ClientTransaction) async {
        switch transaction.purpose {
        case let .inviteB(id):
            await inviteResponse(upcall, call: id)
        case let .reinvite(id, toA):
            await reinviteResponse(upcall, call: id, toA: toA)
        case let .move(id, toA):
            moveResponse(upcall, call: id, toA: toA)
        case .bye, .cancel:
            break
        }
    }

    func inviteResponse(_ upcall: Upcall, call id: String) async {
        guard var call = calls[id] else { return }
        guard case let .response(response) = upcall else {
            // Timer B: B never answered at all.
            if call.phase == .calling { respondToA(id, status: 408) }
            await finish(id, reason: .noAnswer, outcome: "timeout")
            return
        }
        if response.status == 100 { return }
        if let to = response.to, to.tag != nil {
            call.b.remoteTag = to.tag
            call.b.remoteURI = to
        }
        if let target = response.contacts.first?.uri { call.b.remoteTarget = target }
        let recordRoutes = response.recordRoutes
        if !recordRoutes.isEmpty { call.b.routeSet = recordRoutes.reversed() }
        calls[id] = call
        switch response.status {
        case 101..<200:
            calls[id]?.bProvisional = true
            if call.cancelPending {
                calls[id]?.cancelPending = false
                sendCANCEL(id)
                return
            }
            guard call.phase == .calling else { return }
            var body: [UInt8] = []
            if Self.hasSDP(response) {
                if call.answerForA == nil {
                    if let session = call.session {
                        if let view = try? await sessions.answer(session, sdp: String(decoding: response.body, as: UTF8.self)) {
                            calls[id]?.answerForA = Array((view.sdp ?? "").utf8)
                        }
                    } else {
                        calls[id]?.answerForA = response.body  // signalling only: SDP untouched
                    }
                }
                body = calls[id]?.answerForA ?? []
            }
            respondToA(id, status: response.status, reason: response.reason, body: body)
        case 200..<300:
            await answered(id, response)
        default:
            if call.phase == .calling {
                respondToA(id, status: response.status, reason: response.reason)
            }
            await finish(id, reason: .rejected, outcome: call.phase == .calling ? "rejected" : "cancelled")
        }
    }

    /// B's 2xx: ACK it, put its answer through the session, and send 200 with our answer to A.
    func answered(_ id: String, _ response: SIPResponse) async {
        guard var call = calls[id] else { return }
        if let ack = call.ackToB {
            transmit(ack, to: call.b.destination, kind: "ACK")  // a retransmitted 2xx
            return
        }
        var ack = call.b.request(.ack, contact: contact)
        stamp(&ack)
        let bytes = ack.serialized()
        transmit(bytes, to: call.b.destination, kind: "ACK")
        call.ackToB = bytes
        calls[id] = call
        guard call.phase == .calling else {
            // Cancelled or hung up while B was answering: B's call is up, end it.
            sendBYE(id, toA: false)
            await finish(id, reason: .cancelled, outcome: "cancelled")
            return
        }
        if call.answerForA == nil, call.session == nil, Self.hasSDP(response) {
            calls[id]?.answerForA = response.body  // signalling only: SDP untouched
        } else if call.answerForA == nil {
            guard Self.hasSDP(response), let session = call.session else {
                respondToA(id, status: 488, reason: "No SDP Answer From B")
                sendBYE(id, toA: false)
                await finish(id, reason: .rejected, outcome: "bad_answer")
                return
            }
            do {
                let view = try await sessions.answer(session, sdp: String(decoding: response.body, as: UTF8.self))
                calls[id]?.answerForA = Array((view.sdp ?? "").utf8)
            } catch {
                respondToA(id, status: error.isCapacity ? 503 : 488, extra: [("Warning", "399 switchboard \"\(String("\(error)".prefix(200)).replacingOccurrences(of: "\"", with: "'"))\"")])
                sendBYE(id, toA: false)
                await finish(id, reason: .rejected, outcome: "bad_answer")
                return
            }
        }
        armed[.invite(id)] = nil
        calls[id]?.phase = .confirmed
        respondToA(id, status: 200, reason: response.reason, body: calls[id]?.answerForA ?? [])
        calls[id]?.aAccepted = call.aInvite
        calls[id]?.aInvite = nil
        metrics.sipSetup(.now - call.startedAt)
        metrics.sipCallEnded(outcome: "answered")
        flushMoveReinvites(id)
    }

    static func hasSDP(_ message: SIPResponse) -> Bool {
        !message.body.isEmpty && (message.contentType?.lowercased().hasPrefix("application/sdp") ?? true)
    }

    static func hasSDP(_ message: SIPRequest) -> Bool {
        !message.body.isEmpty && (message.contentType?.lowercased().hasPrefix("application/sdp") ?? true)
    }

    // MARK: ACK, CANCEL, BYE

    func receivedACK(_ ack: SIPRequest, from source: SocketAddress) async {
        // The ACK of a non-2xx final: same branch as the INVITE.
        if let key = ServerKey(ack), servers[key] != nil {
            perform(server: key) { $0.receiveACK() }
            return
        }
        // The ACK of a 2xx: in A's dialog (or B's, for B's re-INVITE).
        guard let callID = ack.callID else { return }
        let id = calls[callID] != nil ? callID : callByB[callID]
        guard let id, let call = calls[id] else { return }
        for key in [call.aAccepted, call.reinviteAccepted].compactMap({ $0 }) {
            perform(server: key) { $0.receiveACK() }
        }
    }

    func receivedCANCEL(_ cancel: SIPRequest, key: ServerKey, from source: SocketAddress) async {
        startServer(key, request: cancel, from: source)
        guard let inviteKey = ServerKey(cancel, method: .invite), let invite = servers[inviteKey] else {
            respond(key, cancel.makeResponse(status: 481))
            return
        }
        respond(key, cancel.makeResponse(status: 200))
        guard let id = invite.request.callID, let call = calls[id], call.phase == .calling, call.aInvite == inviteKey else {
            return  // already answered: the CANCEL has no effect (RFC 3261 9.2)
        }
        await abandonSetup(id, answeringA: 487, reason: .cancelled)
        metrics.sipCallEnded(outcome: "cancelled")
    }

    /// CANCEL of our INVITE to B (RFC 3261 9.1): same Request-URI, Call-ID, From, To, CSeq number and Via branch.
    func sendCANCEL(_ id: String) {
        guard let call = calls[id] else { return }
        let invite = call.inviteToB
        var headers = SIPHeaders()
        for route in invite.headers.values("Route") { headers.add("Route", route) }
        if let from = invite.headers["From"] { headers.add("From", from) }
        if let to = invite.headers["To"] { headers.add("To", to) }
        headers.add("Call-ID", call.b.callID)
        headers.add("CSeq", "\(invite.cseq?.number ?? 1) CANCEL")
        headers.add("Max-Forwards", "70")
        let cancel = SIPRequest(method: .cancel, uri: invite.uri, headers: headers, body: [])
        startClient(cancel, to: call.b.address, purpose: .cancel(call: id), branch: call.bInviteBranch)
        // B owes a final answer to its INVITE now; if none comes within 64*T1, give up on it (RFC 3261 9.1).
        arm(.invite(id), after: settings.timers.transactionTimeout)
    }

    func receivedBYE(_ bye: SIPRequest, key: ServerKey) async {
        guard let callID = bye.callID else { return }
        let fromA = calls[callID] != nil
        guard let id = fromA ? callID : callByB[callID], let call = calls[id] else {
            respond(key, bye.makeResponse(status: 481))
            return
        }
        respond(key, bye.makeResponse(status: 200))
        switch call.phase {
        case .confirmed:
            sendBYE(id, toA: !fromA)
            await finish(id, reason: fromA ? .byeFromA : .byeFromB, outcome: nil)
        case .calling:
            // A BYE on an early dialog: treat as a CANCEL of B, and end A's INVITE.
            await abandonSetup(id, answeringA: 487, reason: fromA ? .byeFromA : .byeFromB)
        case .ending:
            await finish(id, reason: fromA ? .byeFromA : .byeFromB, outcome: nil)
        }
    }

    /// An in-dialog BYE of ours to one side.
    func sendBYE(_ id: String, toA: Bool) {
        guard var call = calls[id] else { return }
        if toA {
            let bye = call.a.request(.bye, contact: contact)
            calls[id] = call
            startClient(bye, to: call.a.destination, purpose: .bye(call: id))
        } else {
            guard call.b.remoteTag != nil else { return }
            let bye = call.b.request(.bye, contact: contact)
            calls[id] = call
            startClient(bye, to: call.b.destination, purpose: .bye(call: id))
        }
    }

    // MARK: ends

    /// No final answer from B within `sip.invite_timeout`: CANCEL B, 480 to A (RFC 3261 and SPEC §7).
    func inviteTimedOut(_ id: String) async {
        guard let call = calls[id] else { return }
        if call.phase == .ending {
            // B never answered our CANCEL'd INVITE: drop its transaction and the call.
            let key = ClientKey(branch: call.bInviteBranch, method: "INVITE")
            if clients[key] != nil {
                await perform(client: key, response: nil) { machine in
                    guard case var .invite(m) = machine else { return [] }
                    defer { machine = .invite(m) }
                    return m.abandon()
                }
            }
            await finish(id, reason: nil, outcome: nil)
            return
        }
        guard call.phase == .calling else { return }
        await abandonSetup(id, answeringA: 480, reason: .noAnswer)
        metrics.sipCallEnded(outcome: "no_answer")
    }

    /// The session ended elsewhere (no media, max duration, `DELETE`, worker
    /// failure): hang up both sides.
    func sessionEnded(_ session: String, reason: String) async {
        guard let id = callBySession[session] else { return }
        await hangUp(id, reason: nil)
    }

    /// Hangs up a call from our side: BYE both confirmed dialogs, or 480 to A and CANCEL B while calling.
    func hangUp(_ id: String, reason: EndReason?) async {
        guard let call = calls[id] else { return }
        switch call.phase {
        case .calling:
            await abandonSetup(id, answeringA: 480, reason: reason)
        case .confirmed:
            sendBYE(id, toA: true)
            sendBYE(id, toA: false)
            await finish(id, reason: reason, outcome: nil)
        case .ending:
            break
        }
    }

    /// Ends a call still being set up: the final answer to A's INVITE, a
    /// CANCEL to B (at once, or when B's first provisional comes: RFC 3261
    /// 9.1), and the session ended (if `reason`). The call stays, `ending`,
    /// until B's final answer.
    func abandonSetup(_ id: String, answeringA status: Int, reason: EndReason?) async {
        guard let call = calls[id] else { return }
        respondToA(id, status: status)
        calls[id]?.aInvite = nil
        calls[id]?.phase = .ending
        if call.bProvisional { sendCANCEL(id) } else { calls[id]?.cancelPending = true }
        if let reason, let session = call.session { try? await sessions.end(session, reason: reason) }
    }

    /// Forgets the call and ends its session (if `reason`).
    func finish(_ id: String, reason: EndReason?, outcome: String?) async {
        guard let call = calls.removeValue(forKey: id) else { return }
        callByB[call.b.callID] = nil
        armed[.invite(id)] = nil
        if let session = call.session {
            callBySession[session] = nil
            if let reason { try? await sessions.end(session, reason: reason) }
        }
        if let outcome { metrics.sipCallEnded(outcome: outcome) }
    }
}

extension SessionFailure {
    var isCapacity: Bool {
        switch self {
        case .noCapacity, .workerFailed: true
        default: false
        }
    }
}

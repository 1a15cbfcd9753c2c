import PortProtocol
import SDP
import Sessions

extension SessionManager {
    /// A new offer inside an answered session (a SIP re-INVITE: hold, resume,
    /// a new address or codec), from A or from B. Returns the offer for the
    /// other side: our same address and port facing it, the same SRTP keys,
    /// the offerer's direction. Finish with ``reanswer(_:sdp:)`` or ``dropReoffer(_:)``.
    public func reoffer(_ id: String, sdp: String, fromA: Bool) throws(SessionFailure) -> String {
        guard let record = sessions[id] else { throw .notFound("no session \(id)") }
        guard record.state == .answered || record.state == .active, let current = record.answer else {
            throw .conflict("session \(id) is \(record.state.rawValue): a re-offer needs an answered session")
        }
        let description: SessionDescription
        do { description = try SessionDescription(parsing: sdp) } catch { throw .from(error) }
        let bridge: BridgeOffer
        do {
            if fromA {
                let key = current.legB.srtp?.localKey
                bridge = try BridgeOffer(offerFromA: description, localB: endpoint(record.portB), options: record.options,
                                         keyProvider: { key ?? Self.freshKey() })
            } else {
                // B's offer, bridged towards A: A keeps the codec and profile it has.
                let key = current.legA.srtp?.localKey
                var options = record.options
                options.codecs = [current.legA.codec]
                options.profile = current.legA.profile
                bridge = try BridgeOffer(offerFromA: description, localB: endpoint(record.portA), options: options,
                                         keyProvider: { key ?? Self.freshKey() })
            }
        } catch {
            throw .from(error)
        }
        sessions[id]?.reoffer = (bridge, fromA)
        return bridge.offerForB.text
    }

    /// The answer to a re-offer: the answer for the side that offered. The
    /// stream is re-opened on its worker only if the media plan changed
    /// (address, codec, keys), with SSRC, sequence and timestamp carried on;
    /// a hold with no media either way stops the no-media timer.
    public func reanswer(_ id: String, sdp: String) async throws(SessionFailure) -> String {
        guard let record = sessions[id] else { throw .notFound("no session \(id)") }
        guard let (bridge, fromA) = record.reoffer, let current = record.answer else {
            throw .conflict("session \(id) has no re-offer waiting for an answer")
        }
        let description: SessionDescription
        do { description = try SessionDescription(parsing: sdp) } catch { throw .from(error) }
        let answer: BridgeAnswer
        let text: String
        do {
            if fromA {
                let key = current.legA.srtp?.localKey
                answer = try bridge.answer(description, localA: endpoint(record.portA), keyProvider: { key ?? Self.freshKey() })
                text = answer.answerForA.text
            } else {
                let key = current.legB.srtp?.localKey
                let reversed = try bridge.answer(description, localA: endpoint(record.portB), keyProvider: { key ?? Self.freshKey() })
                answer = BridgeAnswer(answerForA: reversed.answerForA, legA: reversed.legB, legB: reversed.legA)
                text = reversed.answerForA.text
            }
        } catch {
            sessions[id]?.reoffer = nil
            throw .from(error)
        }
        sessions[id]?.reoffer = nil
        sessions[id]?.answer = AgreedLegs(answer)
        if fromA { sessions[id]?.options = bridge.options }
        if let plan = record.plan {
            let advanced = Self.advance(plan, stats: record.stats, at: record.statsAt ?? record.openedAt ?? .now, now: .now)
            var next = plan
            next.a = Self.renegotiated(streamLeg(answer.legA, port: record.portA, out: (plan.a.ssrcOut, plan.a.seqOut, plan.a.timestampOut)),
                                       continuing: advanced.a)
            next.b = Self.renegotiated(streamLeg(answer.legB, port: record.portB, out: (plan.b.ssrcOut, plan.b.seqOut, plan.b.timestampOut)),
                                       continuing: advanced.b)
            if Self.mediaChanged(plan, next) {
                if let port = pool.port(record.worker), port.isUsable,
                   let request = try? PortMessage.json(.request, StreamSelector(stream: record.streamID)) {
                    _ = try? await port.call(.closeStream, request.payload)
                }
                sessions[id]?.stats = nil
                try await open(next, session: id)
                events.publish("session.renegotiated", ["session": id, "reopened": "true"])
            } else {
                events.publish("session.renegotiated", ["session": id, "reopened": "false"])
            }
        }
        let held = answer.legA.direction == .inactive || answer.legB.direction == .inactive
        if let updated = sessions[id] {
            let actions = updated.machine.handle(.held(held))
            sessions[id] = updated
            await perform(actions, for: id)
        }
        return text
    }

    /// Forgets a re-offer that the other side refused; the session goes on as before.
    public func dropReoffer(_ id: String) {
        sessions[id]?.reoffer = nil
    }

    func endpoint(_ port: Int) -> MediaEndpoint {
        MediaEndpoint(address: config.mediaAddress, port: UInt16(port))
    }

    /// The new leg with the outgoing RTP state of the running one (SSRC kept,
    /// sequence and timestamp moved on, the SRTP rollover counter carried).
    static func renegotiated(_ leg: StreamLeg, continuing running: StreamLeg) -> StreamLeg {
        var leg = leg
        leg.ssrcOut = running.ssrcOut
        leg.seqOut = running.seqOut
        leg.rocOut = running.rocOut
        leg.timestampOut = running.timestampOut
        if leg.srtp == running.srtp {
            leg.remoteSSRC = running.remoteSSRC
            leg.rocIn = running.rocIn
            leg.remoteSeq = running.remoteSeq
        }
        return leg
    }

    /// Whether the worker must re-open the stream: anything but the outgoing RTP state differs.
    static func mediaChanged(_ old: OpenStream, _ new: OpenStream) -> Bool {
        func normalized(_ leg: StreamLeg) -> StreamLeg {
            var leg = leg
            leg.seqOut = 0
            leg.timestampOut = 0
            leg.rocOut = 0
            leg.remoteSSRC = nil
            leg.rocIn = nil
            leg.remoteSeq = nil
            return leg
        }
        return normalized(old.a) != normalized(new.a) || normalized(old.b) != normalized(new.b)
    }
}

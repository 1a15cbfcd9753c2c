extension BridgeOffer {
    /// Takes B's answer and builds the answer for A.
    ///
    /// From B's answer: the codec B chose is the first format of its `m=` line
    /// that is one of the codecs we offered; its telephone-event at that codec's
    /// clock rate (else another B accepted); B's address and port; B's `a=crypto` (one whose tag and suite
    /// match one we offered: B's key is what we decrypt B with, ours for that tag
    /// what we encrypt with); B's direction.
    ///
    /// The answer for A:
    /// - our address and port for A; A's profile; A's audio section answered,
    ///   A's other sections rejected (port 0), as RFC 3264 requires;
    /// - one codec: the one B chose if A offered it (relay, no transcoding),
    ///   else A's first supported codec (the worker transcodes); A's payload types;
    ///   format parameters: B's for a relayed codec, our own (``Codec/opus``) when transcoding;
    /// - telephone-event when A offered it and B accepted one: A's at the codec's clock rate,
    ///   else A's first (the worker scales events between clock rates);
    /// - `a=ptime`: B's when relaying, else A's; `a=rtcp-mux` if A offered it;
    /// - direction: B's answered direction, within what A's offer allows
    ///   (A `sendonly` -> `recvonly`, A `recvonly` -> `sendonly`, `inactive` stays);
    /// - `RTP/SAVP`: a fresh key from `keyProvider` under the tag and suite of
    ///   A's first negotiable `a=crypto`.
    ///
    /// - Throws: ``SDPError/unsupportedMedia`` when B rejected the stream, changed the
    ///   profile, chose nothing we offered, or answered SAVP without a matching `a=crypto`;
    ///   ``SDPError/invalidRequest`` for a key of the wrong length.
    public func answer(
        _ answerFromB: SessionDescription, localA: MediaEndpoint, keyProvider: () -> [UInt8]
    ) throws(SDPError) -> BridgeAnswer {
        let legB = try negotiateB(answerFromB)
        let directionB = answerFromB.media.first.map { answerFromB.direction(of: $0) } ?? .sendrecv

        // Leg A: prefer B's codec (no transcoding), else A's first.
        let relayed = streamA.codecs.first { $0.codec.isSameCodec(as: legB.codec) }
        guard let chosenA = relayed ?? streamA.codecs.first else {
            throw .unsupportedMedia("A's offer has no supported codec")
        }
        let eventA = legB.telephoneEventPayloadType == nil
            ? nil : streamA.telephoneEvent(clockRate: chosenA.codec.clockRate) ?? streamA.telephoneEvents.first
        var answerFormat = chosenA
        if relayed != nil {
            answerFormat.codec.formatParameters = legB.codec.formatParameters ?? chosenA.codec.formatParameters
        } else {
            answerFormat.codec.formatParameters = Codec.supportedAudio
                .first { $0.isSameCodec(as: chosenA.codec) }?.formatParameters
        }
        let directionA = directionB.intersection(streamA.direction.reversed)
        var srtpA: NegotiatedLeg.SRTP?
        var cryptoA: CryptoAttribute?
        if streamA.profile == .rtpSAVP {
            guard let offered = streamA.cryptos.first, let remoteKey = offered.keys.first?.keySalt else {
                throw .unsupportedMedia("A's RTP/SAVP offer has no usable a=crypto")
            }
            let key = try Self.freshKey(offered.suite, keyProvider)
            cryptoA = CryptoAttribute(tag: offered.tag, suite: offered.suite, keySalt: key)
            srtpA = NegotiatedLeg.SRTP(suite: offered.suite, tag: offered.tag, localKey: key, remoteKey: remoteKey)
        }

        var attributes = answerFormat.attributes + (eventA?.attributes ?? [])
        let answerPtime = relayed != nil ? (answerFromB.media.first?.ptime ?? streamA.ptime) : streamA.ptime
        if let answerPtime { attributes.append(Attribute("ptime", "\(answerPtime)")) }
        attributes.append(directionA.attribute)
        if streamA.rtcpMux { attributes.append(Attribute("rtcp-mux")) }
        if let cryptoA { attributes.append(cryptoA.attribute) }
        var media: [MediaDescription] = []
        for (index, offered) in offerFromA.media.enumerated() {
            if index == streamA.mediaIndex {
                media.append(MediaDescription(
                    type: offered.type, port: localA.port, proto: streamA.profile,
                    formats: ["\(chosenA.payloadType)"] + (eventA.map { ["\($0.payloadType)"] } ?? []),
                    attributes: attributes))
            } else {
                media.append(MediaDescription(type: offered.type, port: 0, proto: offered.proto,
                                              formats: offered.formats))
            }
        }
        let originB = answerFromB.origin
        let answerForA = SessionDescription(
            origin: Origin(username: options.originUsername, sessionID: originB.sessionID,
                           sessionVersion: originB.sessionVersion, address: localA.address),
            name: options.sessionName ?? answerFromB.name,
            connection: Connection(address: localA.address),
            timings: offerFromA.timings, media: media)

        let legA = NegotiatedLeg(
            codec: chosenA.codec, payloadType: chosenA.payloadType, receivePayloadType: chosenA.payloadType,
            telephoneEventPayloadType: eventA?.payloadType, receiveTelephoneEventPayloadType: eventA?.payloadType,
            telephoneEventClockRate: eventA?.codec.clockRate,
            ptime: streamA.ptime ?? 20, profile: streamA.profile, srtp: srtpA, local: localA,
            remote: streamA.remote, remoteRTCP: Self.rtcpEndpoint(streamA),
            rtcpMux: streamA.rtcpMux, direction: directionA)
        return BridgeAnswer(answerForA: answerForA, legA: legA, legB: legB)
    }

    /// Reads B's answer into leg B.
    private func negotiateB(_ answer: SessionDescription) throws(SDPError) -> NegotiatedLeg {
        guard answer.media.count == offerForB.media.count, let media = answer.media.first else {
            throw .unsupportedMedia("B's answer has \(answer.media.count) media sections, our offer had "
                + "\(offerForB.media.count)")
        }
        guard media.type.equalsIgnoringCase("audio") else {
            throw .unsupportedMedia("B answered an audio offer with m=\(media.type)")
        }
        guard media.port != 0 else { throw .unsupportedMedia("B rejected the audio stream (port 0)") }
        let profileB = offerForB.media[0].proto
        guard media.proto == profileB else {
            throw .unsupportedMedia("B answered with profile \(media.proto), we offered \(profileB)")
        }
        var chosen: (answer: UInt8, offered: PayloadFormat, codec: Codec)?
        for pt in media.payloadTypes {
            guard let map = media.rtpMap(for: pt),
                  let codec = Codec(rtpMap: map, formatParameters: media.formatParameters(for: "\(pt)")),
                  !codec.isTelephoneEvent,
                  let offered = codecsForB.first(where: { $0.codec.isSameCodec(as: codec) }) else { continue }
            chosen = (pt, offered, codec)
            break
        }
        guard let chosen else {
            throw .unsupportedMedia("B's answer (formats \(media.formats.joined(separator: " "))) has none of the "
                + "codecs we offered: " + codecsForB.map(\.description).joined(separator: ", "))
        }
        // telephone-event: B's at the codec's clock rate, else any B answered that we offered.
        var answeredEvents: [(answer: UInt8, offered: PayloadFormat)] = []
        for pt in media.payloadTypes {
            guard let map = media.rtpMap(for: pt), let codec = Codec(rtpMap: map), codec.isTelephoneEvent,
                  let offered = telephoneEventsForB.first(where: { $0.codec.clockRate == codec.clockRate })
            else { continue }
            answeredEvents.append((pt, offered))
        }
        let event = answeredEvents.first { $0.offered.codec.clockRate == chosen.codec.clockRate }
            ?? answeredEvents.first
        var srtp: NegotiatedLeg.SRTP?
        if profileB == .rtpSAVP {
            let match = media.cryptos.lazy.compactMap { answered -> NegotiatedLeg.SRTP? in
                guard answered.isNegotiable, let remoteKey = answered.keys.first?.keySalt,
                      let ours = self.cryptosForB.first(where: { $0.tag == answered.tag && $0.suite == answered.suite }),
                      let localKey = ours.keys.first?.keySalt else { return nil }
                return NegotiatedLeg.SRTP(suite: ours.suite, tag: ours.tag, localKey: localKey, remoteKey: remoteKey)
            }.first
            guard let match else {
                throw .unsupportedMedia("B's RTP/SAVP answer has no a=crypto matching a tag and suite we offered")
            }
            srtp = match
        }
        guard let connection = answer.connection(of: media) else {
            throw .unsupportedMedia("B's answer has no c= line for the audio stream")
        }
        let rtcpMux = streamA.rtcpMux && media.isRTCPMuxed
        var remoteRTCP: MediaEndpoint?
        if !rtcpMux {
            if let attribute = media.rtcp {
                remoteRTCP = MediaEndpoint(address: attribute.connection?.host ?? connection.host, port: attribute.port)
            } else if media.port < UInt16.max {
                remoteRTCP = MediaEndpoint(address: connection.host, port: media.port + 1)
            }
        }
        var codec = chosen.codec
        codec.formatParameters = codec.formatParameters ?? chosen.offered.codec.formatParameters
        return NegotiatedLeg(
            codec: codec, payloadType: chosen.answer, receivePayloadType: chosen.offered.payloadType,
            telephoneEventPayloadType: event?.answer, receiveTelephoneEventPayloadType: event?.offered.payloadType,
            telephoneEventClockRate: event?.offered.codec.clockRate,
            ptime: media.ptime ?? streamA.ptime ?? 20, profile: profileB, srtp: srtp, local: localB,
            remote: MediaEndpoint(address: connection.host, port: media.port), remoteRTCP: remoteRTCP,
            rtcpMux: rtcpMux, direction: streamA.direction.intersection(answer.direction(of: media).reversed))
    }

    static func rtcpEndpoint(_ stream: AudioStream) -> MediaEndpoint? {
        if stream.rtcpMux { return nil }
        if let rtcp = stream.remoteRTCP { return rtcp }
        guard stream.remote.port < UInt16.max else { return nil }
        return MediaEndpoint(address: stream.remote.address, port: stream.remote.port + 1)
    }
}

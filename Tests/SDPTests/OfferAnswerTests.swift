import Foundation
import Testing
@testable import SDP

@Suite("Offer/answer through the bridge (RFC 3264)")
struct OfferAnswerTests {
    @Test("relay: same codecs on both legs, A's payload types preserved")
    func relay() throws {
        let keys = KeySource()
        let offerA = try Corpus.parse("baresip-avp.sdp")
        let offer = try BridgeOffer(offerFromA: offerA, localB: ourB, keyProvider: keys.next)
        #expect(offer.codecsForB.map(\.payloadType) == [111, 0, 8])
        #expect(offer.codecsForB[0].codec.formatParameters == "stereo=1;sprop-stereo=1")
        // telephone-event per clock rate of B's codecs: new PT for 48000, A's 101 for 8000.
        #expect(offer.telephoneEventsForB.map(\.payloadType) == [96, 101])
        #expect(offer.telephoneEventsForB.map(\.codec.clockRate) == [48000, 8000])
        #expect(offer.telephoneEventsForB.map(\.codec.formatParameters) == ["0-15", "0-15"])
        #expect(!offer.mayTranscode)
        #expect(keys.issued.isEmpty)
        let sdpB = try reparsed(offer.offerForB)
        #expect(sdpB == offer.offerForB)
        #expect(sdpB.text == """
            v=0\r
            o=switchboard 1715012345 1715012345 IN IP4 10.0.0.1\r
            s=-\r
            c=IN IP4 10.0.0.1\r
            t=0 0\r
            m=audio 40002 RTP/AVP 111 0 8 96 101\r
            a=rtpmap:111 opus/48000/2\r
            a=fmtp:111 stereo=1;sprop-stereo=1\r
            a=rtpmap:0 PCMU/8000\r
            a=rtpmap:8 PCMA/8000\r
            a=rtpmap:96 telephone-event/48000\r
            a=fmtp:96 0-15\r
            a=rtpmap:101 telephone-event/8000\r
            a=fmtp:101 0-15\r
            a=ptime:20\r
            a=sendrecv\r

            """)

        let answerB = answerFromB(to: offer, formats: [111, 96])
        let result = try offer.answer(try reparsed(answerB), localA: ourA, keyProvider: keys.next)
        #expect(!result.isTranscoding)
        #expect(result.legA.codec.isSameCodec(as: .opus))
        #expect(result.legA.payloadType == 111)
        #expect(result.legB.payloadType == 111)
        #expect(result.legB.receivePayloadType == 111)
        #expect(result.legB.telephoneEventPayloadType == 96)
        #expect(result.legB.telephoneEventClockRate == 48000)
        // A offered telephone-event only at 8000: used with Opus, the worker scales.
        #expect(result.legA.telephoneEventPayloadType == 101)
        #expect(result.legA.telephoneEventClockRate == 8000)
        #expect(result.legA.remote == MediaEndpoint(address: "192.168.1.10", port: 10304))
        #expect(result.legA.remoteRTCP == MediaEndpoint(address: "192.168.1.10", port: 10305))
        #expect(result.legB.remote == MediaEndpoint(address: "192.0.2.20", port: 50000))
        #expect(result.legA.local == ourA)
        #expect(result.legB.local == ourB)
        #expect(result.legA.ptime == 20)
        #expect(result.legA.srtp == nil && result.legB.srtp == nil)
        let sdpA = try reparsed(result.answerForA)
        #expect(sdpA == result.answerForA)
        #expect(sdpA.text == """
            v=0\r
            o=switchboard 777 3 IN IP4 10.0.0.1\r
            s=B\r
            c=IN IP4 10.0.0.1\r
            t=0 0\r
            m=audio 40000 RTP/AVP 111 101\r
            a=rtpmap:111 opus/48000/2\r
            a=fmtp:111 stereo=1;sprop-stereo=1\r
            a=rtpmap:101 telephone-event/8000\r
            a=fmtp:101 0-15\r
            a=ptime:20\r
            a=sendrecv\r

            """)
    }

    @Test("relay where B picks A's second codec: A answered with that codec, no transcoding")
    func relaySecondCodec() throws {
        let offer = try BridgeOffer(offerFromA: try Corpus.parse("rtpengine-avp.sdp"), localB: ourB) { [] }
        let result = try offer.answer(answerFromB(to: offer, formats: [8, 101]), localA: ourA) { [] }
        #expect(!result.isTranscoding)
        #expect(result.legA.payloadType == 8)
        #expect(result.legA.codec.isSameCodec(as: .pcma))
        #expect(result.answerForA.media[0].formats == ["8", "101"])
        // rtpengine gave a=rtcp:30001
        #expect(result.legA.remoteRTCP == MediaEndpoint(address: "203.0.113.1", port: 30001))
    }

    @Test("transcode: A Opus/SAVP -> B PCMU/AVP, and back")
    func transcodeOpusSRTPToPCMU() throws {
        let keys = KeySource()
        let offerA = try Corpus.parse("ffmpeg-opus-srtp.sdp")
        let options = try BridgeOptions.transcode(codecs: ["PCMU"], profile: "RTP/AVP")
        let offer = try BridgeOffer(offerFromA: offerA, localB: ourB, options: options, keyProvider: keys.next)
        #expect(offer.codecsForB.map(\.payloadType) == [0])
        #expect(offer.telephoneEventsForB.isEmpty)
        #expect(offer.cryptosForB.isEmpty)
        #expect(offer.mayTranscode)
        #expect(offer.offerForB.media[0].proto == .rtpAVP)
        #expect(offer.offerForB.media[0].cryptos.isEmpty)
        #expect(keys.issued.isEmpty)

        let result = try offer.answer(answerFromB(to: offer, formats: [0]), localA: ourA, keyProvider: keys.next)
        #expect(result.isTranscoding)
        #expect(result.legB.codec.isSameCodec(as: .pcmu))
        #expect(result.legB.payloadType == 0)
        #expect(result.legB.profile == .rtpAVP)
        #expect(result.legB.srtp == nil)
        #expect(result.legA.codec.isSameCodec(as: .opus))
        #expect(result.legA.payloadType == 97)
        #expect(result.legA.clockRate == 48000)
        #expect(result.legA.channels == 2)
        #expect(result.legA.profile == .rtpSAVP)
        let srtp = try #require(result.legA.srtp)
        #expect(srtp.suite == .aesCM128HMACSHA1_80)
        #expect(srtp.tag == 1)
        #expect(srtp.localKey == keys.issued.first)
        #expect(srtp.remoteKey == offerA.media[0].cryptos[0].keys[0].keySalt)
        let answerA = try reparsed(result.answerForA)
        let audio = answerA.media[0]
        #expect(audio.proto == .rtpSAVP)
        #expect(audio.formats == ["97"])
        #expect(audio.rtpMap(for: 97)?.encoding == "opus")
        #expect(audio.formatParameters(for: "97") == "minptime=10;useinbandfec=1")
        #expect(audio.cryptos == [CryptoAttribute(tag: 1, suite: .aesCM128HMACSHA1_80, keySalt: srtp.localKey)])
    }

    @Test("transcode: A PCMU/AVP (sipp) -> B Opus/SAVP with fresh crypto for both suites")
    func transcodePCMUToOpusSRTP() throws {
        let keys = KeySource()
        let options = BridgeOptions(profile: .rtpSAVP, codecs: [.opus])
        let offer = try BridgeOffer(offerFromA: try Corpus.parse("sipp-uac.sdp"), localB: ourB,
                                    options: options, keyProvider: keys.next)
        #expect(offer.codecsForB == [PayloadFormat(payloadType: 96, codec: .opus)])
        #expect(offer.cryptosForB.map(\.tag) == [1, 2])
        #expect(offer.cryptosForB.map(\.suite) == CryptoSuite.supported)
        #expect(keys.issued.count == 2)
        #expect(try reparsed(offer.offerForB).media[0].cryptos == offer.cryptosForB)

        let bKey = [UInt8](repeating: 0xB0, count: 30)
        let answer = answerFromB(to: offer, formats: [96],
                                 crypto: CryptoAttribute(tag: 2, suite: .aesCM128HMACSHA1_32, keySalt: bKey))
        let result = try offer.answer(answer, localA: ourA, keyProvider: keys.next)
        #expect(result.isTranscoding)
        #expect(result.legA.codec.isSameCodec(as: .pcmu) && result.legA.payloadType == 0)
        #expect(result.legA.srtp == nil)
        let srtp = try #require(result.legB.srtp)
        #expect(srtp.tag == 2)
        #expect(srtp.suite == .aesCM128HMACSHA1_32)
        #expect(srtp.localKey == keys.issued[1])
        #expect(srtp.remoteKey == bKey)
        #expect(keys.issued.count == 2)
    }

    @Test("telephone-event mapped across clock rates: A PCMU + te/8000, B Opus + te/48000")
    func telephoneEventAcrossClockRates() throws {
        let offer = try BridgeOffer(offerFromA: try Corpus.parse("rtpengine-avp.sdp"), localB: ourB,
                                    options: BridgeOptions(codecs: [.opus])) { [] }
        #expect(offer.codecsForB.map(\.payloadType) == [96])
        #expect(offer.telephoneEventsForB == [PayloadFormat(
            payloadType: 97, codec: Codec(name: "telephone-event", clockRate: 48000, formatParameters: "0-15"))])
        #expect(offer.offerForB.media[0].formats == ["96", "97"])
        let result = try offer.answer(answerFromB(to: offer, formats: [96, 97]), localA: ourA) { [] }
        #expect(result.isTranscoding)
        #expect(result.legB.telephoneEventPayloadType == 97)
        #expect(result.legB.telephoneEventClockRate == 48000)
        #expect(result.legA.telephoneEventPayloadType == 101)
        #expect(result.legA.telephoneEventClockRate == 8000)
        #expect(result.answerForA.media[0].formats == ["0", "101"])
    }

    @Test("no telephone-event on A when B declined it")
    func telephoneEventDeclined() throws {
        let offer = try BridgeOffer(offerFromA: try Corpus.parse("rtpengine-avp.sdp"), localB: ourB) { [] }
        let result = try offer.answer(answerFromB(to: offer, formats: [0]), localA: ourA) { [] }
        #expect(result.legA.telephoneEventPayloadType == nil)
        #expect(result.legB.telephoneEventPayloadType == nil)
        #expect(result.answerForA.media[0].formats == ["0"])
    }

    @Test("new codecs avoid A's payload types", arguments: [
        // A's formats, requested codecs, expected B payload types
        ("0 8 96 101", [Codec.opus, .pcmu], [UInt8(97), 0]),
        ("96 97 98 8 101", [Codec.pcma, .opus, .pcmu], [8, 99, 0]),
        ("0", [Codec.pcma, .pcmu], [8, 0]),
        ("0 8", [Codec.pcmu], [96]),   // A maps 0 to G726-32: PCMU cannot take its static type
    ])
    func payloadTypeAllocation(formats: String, codecs: [Codec], expected: [UInt8]) throws {
        var text = header + "m=audio 4000 RTP/AVP \(formats)\r\n"
        let maps = [(0, "G726-32/8000"), (96, "G722/8000"), (97, "iLBC/8000"), (98, "PCMU/16000"),
                    (101, "telephone-event/8000")]
        for (pt, name) in maps where formats.split(separator: " ").contains("\(pt)") && (pt != 0 || formats == "0 8") {
            text += "a=rtpmap:\(pt) \(name)\r\n"
        }
        let offer = try BridgeOffer(offerFromA: try SessionDescription(parsing: text), localB: ourB,
                                    options: BridgeOptions(codecs: codecs)) { [] }
        #expect(offer.codecsForB.map(\.payloadType) == expected)
        #expect(Set(offer.codecsForB.map(\.payloadType) + offer.telephoneEventsForB.map(\.payloadType)).count
            == offer.codecsForB.count + offer.telephoneEventsForB.count)
    }

    /// (A's offer direction, B's answer direction, A's answer direction, our direction on leg B)
    static let directions: [(MediaDirection, MediaDirection, MediaDirection, MediaDirection)] = [
        (.sendrecv, .sendrecv, .sendrecv, .sendrecv),
        (.sendonly, .recvonly, .recvonly, .sendonly),
        (.recvonly, .sendonly, .sendonly, .recvonly),
        (.inactive, .inactive, .inactive, .inactive),
        (.sendrecv, .recvonly, .recvonly, .sendonly),
        (.sendrecv, .inactive, .inactive, .inactive),
        (.sendonly, .sendrecv, .recvonly, .sendonly),   // B answered too much: held to what A allows
        (.recvonly, .sendrecv, .sendonly, .recvonly),
    ]

    @Test("direction mirrored per RFC 3264", arguments: directions)
    func direction(offered: MediaDirection, answered: MediaDirection, toA: MediaDirection, legB: MediaDirection) throws {
        var offerA = try Corpus.parse("sipp-uac.sdp")
        offerA.media[0].attributes.append(offered.attribute)
        let offer = try BridgeOffer(offerFromA: offerA, localB: ourB) { [] }
        #expect(offer.offerForB.media[0].direction == offered)
        let result = try offer.answer(answerFromB(to: offer, formats: [0], direction: answered), localA: ourA) { [] }
        #expect(result.answerForA.media[0].direction == toA)
        #expect(result.legA.direction == toA)
        #expect(result.legB.direction == legB)
    }

    @Test("session-level direction in A's offer is carried to B at media level")
    func sessionLevelDirection() throws {
        var offerA = try Corpus.parse("sipp-uac.sdp")
        offerA.attributes.append(MediaDirection.sendonly.attribute)
        let offer = try BridgeOffer(offerFromA: offerA, localB: ourB) { [] }
        #expect(offer.offerForB.media[0].direction == .sendonly)
    }

    @Test("fresh keys: different per leg, 30 bytes, A's tag and suite; rtpengine's first usable crypto is tag 7")
    func freshKeys() throws {
        let keys = KeySource()
        let offerA = try Corpus.parse("rtpengine-savp.sdp")
        let offer = try BridgeOffer(offerFromA: offerA, localB: ourB, keyProvider: keys.next)
        #expect(offer.cryptosForB.map(\.suite) == [.aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32])
        let bCrypto = CryptoAttribute(tag: 1, suite: .aesCM128HMACSHA1_80, keySalt: Array(repeating: 0x42, count: 30))
        let result = try offer.answer(answerFromB(to: offer, formats: [96, 101], crypto: bCrypto),
                                      localA: ourA, keyProvider: keys.next)
        let a = try #require(result.legA.srtp)
        let b = try #require(result.legB.srtp)
        #expect(a.localKey.count == 30 && b.localKey.count == 30)
        #expect(a.localKey != b.localKey)
        #expect(a.localKey != a.remoteKey && b.localKey != b.remoteKey)
        #expect(a.tag == 7)
        #expect(a.suite == .aesCM128HMACSHA1_80)
        #expect(a.remoteKey == offerA.media[0].cryptos[6].keys[0].keySalt)
        #expect(b.remoteKey == bCrypto.keys[0].keySalt)
        #expect(Set(keys.issued).count == keys.issued.count)
        let answered = try reparsed(result.answerForA).media[0].cryptos
        #expect(answered == [CryptoAttribute(tag: 7, suite: .aesCM128HMACSHA1_80, keySalt: a.localKey)])
    }

    @Test("the first usable audio stream is chosen; A's other streams are rejected in the answer")
    func otherStreamsRejected() throws {
        let offerA = try Corpus.parse("rfc8866-example.sdp")
        let offer = try BridgeOffer(offerFromA: offerA, localB: ourB) { [] }
        #expect(offer.streamA.mediaIndex == 0)
        #expect(offer.offerForB.media.count == 1)
        let result = try offer.answer(answerFromB(to: offer, formats: [0]), localA: ourA) { [] }
        let answer = try reparsed(result.answerForA)
        #expect(answer.media.map(\.port) == [40000, 0, 0])
        #expect(answer.media.map(\.type) == ["audio", "audio", "video"])
        #expect(answer.media[2].formats == ["99"])
    }

    @Test("rtcp-mux is agreed only when both offer it")
    func rtcpMux() throws {
        let offerA = try Corpus.parse("aiortc-webrtc.sdp")
        var avp = offerA
        avp.media[0].proto = .rtpAVP
        let offer = try BridgeOffer(offerFromA: avp, localB: ourB) { [] }
        #expect(offer.offerForB.media[0].isRTCPMuxed)
        let muxed = try offer.answer(answerFromB(to: offer, formats: [96], extra: [Attribute("rtcp-mux")]), localA: ourA) { [] }
        #expect(muxed.legA.rtcpMux && muxed.legB.rtcpMux)
        #expect(muxed.legB.remoteRTCP == nil)
        #expect(muxed.answerForA.media[0].isRTCPMuxed)
        let notMuxed = try offer.answer(answerFromB(to: offer, formats: [96]), localA: ourA) { [] }
        #expect(!notMuxed.legB.rtcpMux)
        #expect(notMuxed.legB.remoteRTCP == MediaEndpoint(address: "192.0.2.20", port: 50001))
    }

    @Test("ptime: B's ptime when relaying, 20 ms by default")
    func ptime() throws {
        let offer = try BridgeOffer(offerFromA: try Corpus.parse("sipp-uac.sdp"), localB: ourB) { [] }
        #expect(offer.offerForB.media[0].ptime == nil)
        let result = try offer.answer(answerFromB(to: offer, formats: [0], extra: [Attribute("ptime", "30")]),
                                      localA: ourA) { [] }
        #expect(result.legB.ptime == 30)
        #expect(result.legA.ptime == 20)
        #expect(result.answerForA.media[0].ptime == 30)
    }

    @Test("the negotiated legs survive a Codable round trip (part of the media plan)")
    func codable() throws {
        let offer = try BridgeOffer(offerFromA: try Corpus.parse("baresip-savp.sdp"), localB: ourB,
                                    keyProvider: KeySource().next)
        let encoded = try JSONEncoder().encode(offer)
        #expect(try JSONDecoder().decode(BridgeOffer.self, from: encoded) == offer)
    }
}

import Testing
@testable import SDP

@Suite("Offer/answer: unsupported offers and bad answers get unsupportedMedia, never a crash")
struct UnsupportedMediaTests {
    @Test("a key provider that returns the wrong length is an invalid request")
    func wrongKeyLength() throws {
        let offerA = try Corpus.parse("baresip-savp.sdp")
        #expect(throws: SDPError.invalidRequest) {
            try BridgeOffer(offerFromA: offerA, localB: ourB) { [UInt8](repeating: 1, count: 16) }
        }
    }

    @Test("unsupported offers say why", arguments: [
        ("chrome-webrtc.sdp", "UDP/TLS/RTP/SAVPF is not supported"),
        ("aiortc-webrtc.sdp", "UDP/TLS/RTP/SAVPF is not supported"),
    ])
    func unsupportedCorpus(name: String, reason: String) throws {
        let offerA = try Corpus.parse(name)
        do {
            _ = try BridgeOffer(offerFromA: offerA, localB: ourB) { [] }
            Issue.record("negotiated an unsupported offer")
        } catch {
            #expect(error == .unsupportedMedia)
            #expect(error.message.contains(reason), "\(error)")
            #expect(error.line == nil)
        }
    }

    static let header = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"

    @Test("unsupported offers", arguments: [
        ("video only", header + "m=video 4000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n", "no audio stream"),
        ("no media", header, "no audio stream"),
        ("G.722 only", header + "m=audio 4000 RTP/AVP 9\r\n", "no supported codec (offered: G722/8000"),
        ("audio disabled", header + "m=audio 0 RTP/AVP 0\r\n", "disabled (port 0)"),
        ("SAVP without crypto", header + "m=audio 4000 RTP/SAVP 0\r\n", "RTP/SAVP without a usable a=crypto"),
        ("SAVP with only AES-256", header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:"
            + String(repeating: "QUFB", count: 15) + "QQ==\r\n", "RTP/SAVP without a usable a=crypto"),
        ("SAVP with MKI only", header + "m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
            + String(repeating: "QUFB", count: 10) + "|1:4\r\n", "RTP/SAVP without a usable a=crypto"),
        ("AVPF", header + "m=audio 4000 RTP/AVPF 0\r\n", "profile RTP/AVPF is not supported"),
    ])
    func unsupported(name: String, text: String, reason: String) throws {
        let offerA = try SessionDescription(parsing: text)
        do {
            _ = try BridgeOffer(offerFromA: offerA, localB: ourB) { [] }
            Issue.record("negotiated \(name)")
        } catch {
            #expect(error == .unsupportedMedia)
            #expect(error.message.contains(reason), "\(error)")
        }
    }

    @Test("bad answers from B", arguments: [
        ("rejected", 0 as UInt16, [UInt8(0)], "B rejected the audio stream"),
        ("codec we did not offer", 50000, [8], "has none of the codecs we offered"),
    ])
    func badAnswers(name: String, port: UInt16, formats: [UInt8], reason: String) throws {
        let offer = try BridgeOffer(offerFromA: try Corpus.parse("sipp-uac.sdp"), localB: ourB) { [] }
        var answer = answerFromB(to: offer, formats: formats, port: port)
        answer.media[0].attributes = [RTPMap(payloadType: 8, encoding: "PCMA", clockRate: 8000).attribute]
        do {
            _ = try offer.answer(answer, localA: ourA) { [] }
            Issue.record("accepted \(name)")
        } catch {
            #expect(error == .unsupportedMedia)
            #expect(error.message.contains(reason), "\(error)")
        }
    }

    @Test("B answers SAVP with a crypto tag we did not offer, or changes the profile")
    func badCryptoAnswers() throws {
        let offer = try BridgeOffer(offerFromA: try Corpus.parse("baresip-savp.sdp"), localB: ourB,
                                    keyProvider: KeySource().next)
        let wrongTag = CryptoAttribute(tag: 9, suite: .aesCM128HMACSHA1_80, keySalt: Array(repeating: 1, count: 30))
        #expect(throws: SDPError.unsupportedMedia) {
            try offer.answer(answerFromB(to: offer, formats: [111], crypto: wrongTag), localA: ourA) { [] }
        }
        let wrongSuite = CryptoAttribute(tag: 1, suite: .aesCM128HMACSHA1_32, keySalt: Array(repeating: 1, count: 30))
        #expect(throws: SDPError.unsupportedMedia) {
            try offer.answer(answerFromB(to: offer, formats: [111], crypto: wrongSuite), localA: ourA) { [] }
        }
        var plain = answerFromB(to: offer, formats: [111])
        plain.media[0].proto = .rtpAVP
        #expect(throws: SDPError.unsupportedMedia) { try offer.answer(plain, localA: ourA) { [] } }
    }
}

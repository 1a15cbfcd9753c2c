import Testing
@testable import SDP

@Suite("Typed attributes")
struct AttributeTests {
    @Test("rtpmap", arguments: [
        ("111 opus/48000/2", RTPMap(payloadType: 111, encoding: "opus", clockRate: 48000, channels: 2)),
        ("0 PCMU/8000", RTPMap(payloadType: 0, encoding: "PCMU", clockRate: 8000)),
        ("101 telephone-event/8000", RTPMap(payloadType: 101, encoding: "telephone-event", clockRate: 8000)),
        ("96 VP8/90000", RTPMap(payloadType: 96, encoding: "VP8", clockRate: 90000)),
    ])
    func rtpmap(value: String, expected: RTPMap) throws {
        let map = try #require(RTPMap(value))
        #expect(map == expected)
        #expect(map.attribute == Attribute("rtpmap", value))
    }

    @Test("malformed rtpmap", arguments: ["", "96", "96 opus", "96 opus/", "x opus/8000", "128 opus/8000",
                                          "96 opus/8000/0", "96 opus/8000/2/1", "96 /8000", "-1 PCMU/8000"])
    func badRTPMap(value: String) {
        #expect(RTPMap(value) == nil)
    }

    @Test("direction mirroring and intersection", arguments: [
        (MediaDirection.sendrecv, MediaDirection.sendrecv),
        (.sendonly, .recvonly),
        (.recvonly, .sendonly),
        (.inactive, .inactive),
    ])
    func reversed(direction: MediaDirection, mirrored: MediaDirection) {
        #expect(direction.reversed == mirrored)
        #expect(direction.reversed.reversed == direction)
        #expect(direction.intersection(.sendrecv) == direction)
        #expect(direction.intersection(.inactive) == .inactive)
    }

    @Test("direction: media level overrides session level; default sendrecv")
    func directionPrecedence() throws {
        let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\na=sendonly\r\n"
            + "m=audio 4000 RTP/AVP 0\r\nm=audio 4002 RTP/AVP 0\r\na=inactive\r\n"
        let sdp = try SessionDescription(parsing: text)
        #expect(sdp.media.map { sdp.direction(of: $0) } == [.sendonly, .inactive])
        let plain = try SessionDescription(parsing: "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")
        #expect(plain.direction(of: plain.media[0]) == .sendrecv)
    }

    @Test("rtcp attribute", arguments: [
        ("53020", RTCPAttribute(port: 53020)),
        ("53020 IN IP4 126.16.64.4", RTCPAttribute(port: 53020, connection: Connection(address: "126.16.64.4"))),
        ("9 IN IP6 ::1", RTCPAttribute(port: 9, connection: Connection(address: "::1"))),
    ])
    func rtcp(value: String, expected: RTCPAttribute) {
        #expect(RTCPAttribute(value) == expected)
        #expect(expected.attribute.value == value)
    }

    @Test("crypto: key, lifetime, MKI and session parameters round-trip")
    func crypto() throws {
        let value = "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4 KDR=1 UNENCRYPTED_SRTCP"
        let crypto = try #require(CryptoAttribute(value))
        #expect(crypto.tag == 1)
        #expect(crypto.suite == .aesCM128HMACSHA1_80)
        #expect(crypto.keys.count == 1)
        #expect(crypto.keys[0].keySalt.count == 30)
        #expect(crypto.keys[0].lifetime == "2^20")
        #expect(crypto.keys[0].mki == 1)
        #expect(crypto.keys[0].mkiLength == 4)
        #expect(crypto.sessionParameters == ["KDR=1", "UNENCRYPTED_SRTCP"])
        #expect(crypto.attribute.value == value)
        #expect(!crypto.isNegotiable)
        let plain = try #require(CryptoAttribute("2 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"))
        #expect(plain.isNegotiable)
        let lifetimeOnly = try #require(CryptoAttribute("3 AES_CM_128_HMAC_SHA1_32 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1048576"))
        #expect(lifetimeOnly.keys[0].lifetime == "1048576")
        #expect(lifetimeOnly.isNegotiable)
    }

    @Test("malformed crypto", arguments: [
        "AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
        "1 AES_CM_128_HMAC_SHA1_80",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBRAAAA",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB*",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|x",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1:4|2^20",
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|1|2|3",
        "1 AES_CM_128_HMAC_SHA1_80 inline:",
    ])
    func badCrypto(value: String) {
        #expect(CryptoAttribute(value) == nil)
    }

    @Test("base64 round-trips every length", arguments: 0..<50)
    func base64(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 89 &+ 7) }
        let text = Base64.encode(bytes)
        #expect(Base64.decode(text[...]) == bytes)
        let unpadded = text.drop { _ in false }.prefix { $0 != "=" }
        #expect(Base64.decode(unpadded) == bytes)
    }

    @Test("base64 rejects", arguments: ["A", "A===", "AB=C", "AB*D", "ABC==="])
    func base64Rejects(text: String) {
        #expect(Base64.decode(text[...]) == nil)
    }

    @Test("codec identification from rtpmap", arguments: [
        ("opus/48000/2", "opus/48000/2"),
        ("OPUS/48000/2", "OPUS/48000/2"),
        ("opus/48000", "opus/48000/2"),
        ("PCMU/8000", "PCMU/8000"),
        ("pcma/8000/1", "pcma/8000"),
        ("telephone-event/48000", "telephone-event/48000"),
        ("opus/8000/2", nil),
        ("PCMU/16000", nil),
        ("G722/8000", nil),
        ("telephone-event/16000", nil),
    ] as [(String, String?)])
    func codecs(map: String, codec: String?) throws {
        let rtpMap = try #require(RTPMap("96 " + map))
        #expect(Codec(rtpMap: rtpMap)?.description == codec)
    }

    @Test("codec names for transcode requests")
    func codecNames() throws {
        #expect(Codec(named: "pcmu") == .pcmu)
        #expect(Codec(named: "OPUS") == .opus)
        #expect(Codec(named: "G729") == nil)
        #expect(Codec.pcmu.staticPayloadType == 0)
        #expect(Codec.pcma.staticPayloadType == 8)
        #expect(Codec.opus.staticPayloadType == nil)
        #expect(throws: SDPError.invalidRequest) { try BridgeOptions.transcode(codecs: ["G729"], profile: nil) }
        #expect(throws: SDPError.invalidRequest) { try BridgeOptions.transcode(codecs: [], profile: nil) }
        #expect(throws: SDPError.invalidRequest) { try BridgeOptions.transcode(codecs: nil, profile: "UDP/TLS/RTP/SAVPF") }
        let options = try BridgeOptions.transcode(codecs: ["PCMU"], profile: "RTP/AVP")
        #expect(options.codecs == [.pcmu])
        #expect(options.profile == .rtpAVP)
    }

    @Test("a description built in code writes and parses back")
    func builtInCode() throws {
        var media = MediaDescription(port: 40000, proto: .rtpSAVP, formats: ["0", "101"])
        media.attributes = [
            RTPMap(payloadType: 0, encoding: "PCMU", clockRate: 8000).attribute,
            Codec.telephoneEvent(clockRate: 8000).rtpMap(payloadType: 101).attribute,
            FormatParameters(format: "101", parameters: "0-16").attribute,
            MediaDirection.sendonly.attribute,
            Attribute("rtcp-mux"),
            CryptoAttribute(tag: 1, suite: .aesCM128HMACSHA1_80, keySalt: Array(repeating: 7, count: 30)).attribute,
        ]
        let sdp = SessionDescription(
            origin: Origin(sessionID: "1", sessionVersion: "1", address: "2001:db8::1"),
            connection: Connection(address: "2001:db8::1"), media: [media])
        #expect(sdp.text.contains("o=- 1 1 IN IP6 2001:db8::1\r\n"))
        let parsed = try SessionDescription(parsing: sdp.text)
        #expect(parsed == sdp)
        #expect(parsed.media[0].cryptos.first?.keys.first?.keySalt == Array(repeating: 7, count: 30))
        #expect(parsed.media[0].isRTCPMuxed)
    }
}

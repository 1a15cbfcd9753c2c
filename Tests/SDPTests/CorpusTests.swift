import Testing
@testable import SDP

@Suite("Corpus: real offers round-trip")
struct CorpusTests {
    @Test("the corpus is there")
    func corpusPresent() {
        #expect(Corpus.names.count >= 10, "\(Corpus.directory.path)")
    }

    @Test("parse -> write -> parse is equal, and write equals the input (CRLF)", arguments: Corpus.names)
    func roundTrip(name: String) throws {
        let input = try Corpus.text(name)
        let parsed = try SessionDescription(parsing: input)
        let written = parsed.text
        #expect(try SessionDescription(parsing: written) == parsed)
        #expect(written == crlf(input))
        #expect(parsed.bytes == Array(crlf(input).utf8))
    }

    @Test("LF-only input parses to the same description as CRLF", arguments: Corpus.names)
    func lineEndings(name: String) throws {
        let input = try Corpus.text(name)
        let lf = input.replacingOccurrences(of: "\r\n", with: "\n")
        let noFinalNewline = String(lf.dropLast())
        #expect(try SessionDescription(parsing: lf) == SessionDescription(parsing: crlf(input)))
        #expect(try SessionDescription(parsing: noFinalNewline) == SessionDescription(parsing: lf))
    }

    /// (file, media types, audio proto, audio formats, supported codecs for negotiation or nil if unsupported)
    static let expectations: [(String, [String], String, [String], [String]?)] = [
        ("baresip-avp.sdp", ["audio"], "RTP/AVP", ["111", "0", "8", "101"], ["opus/48000/2", "PCMU/8000", "PCMA/8000"]),
        ("baresip-savp.sdp", ["audio"], "RTP/SAVP", ["111", "0", "8", "101"], ["opus/48000/2", "PCMU/8000", "PCMA/8000"]),
        ("ffmpeg-opus.sdp", ["audio"], "RTP/AVP", ["97"], ["opus/48000/2"]),
        ("ffmpeg-opus-srtp.sdp", ["audio"], "RTP/SAVP", ["97"], ["opus/48000/2"]),
        ("ffmpeg-pcmu.sdp", ["audio"], "RTP/AVP", ["0"], ["PCMU/8000"]),
        ("sipp-uac.sdp", ["audio"], "RTP/AVP", ["0"], ["PCMU/8000"]),
        ("chrome-webrtc.sdp", ["audio", "video"], "UDP/TLS/RTP/SAVPF",
         ["111", "63", "9", "0", "8", "13", "110", "126"], nil),
        ("aiortc-webrtc.sdp", ["audio"], "UDP/TLS/RTP/SAVPF", ["96", "0", "8"], nil),
        ("rtpengine-avp.sdp", ["audio"], "RTP/AVP", ["0", "8", "101"], ["PCMU/8000", "PCMA/8000"]),
        ("rtpengine-savp.sdp", ["audio"], "RTP/SAVP", ["96", "0", "8", "101"], ["opus/48000/2", "PCMU/8000", "PCMA/8000"]),
        ("rfc8866-example.sdp", ["audio", "audio", "video"], "RTP/AVP", ["0"], ["PCMU/8000"]),
        ("rfc4566-multicast.sdp", ["audio", "video"], "RTP/AVP", ["0"], ["PCMU/8000"]),
    ]

    @Test("typed model of each sample", arguments: expectations)
    func model(name: String, types: [String], proto: String, formats: [String], codecs: [String]?) throws {
        let sdp = try Corpus.parse(name)
        #expect(sdp.media.map(\.type) == types)
        let audio = try #require(sdp.media.first)
        #expect(audio.proto.rawValue == proto)
        #expect(audio.formats == formats)
        #expect(sdp.connection(of: audio) != nil)
        if let codecs {
            let stream = try AudioStream(sdp)
            #expect(stream.codecs.map(\.codec.description) == codecs)
        } else {
            #expect(throws: SDPError.unsupportedMedia) { try AudioStream(sdp) }
        }
    }

    @Test("baresip SAVP: crypto, rtpmap, fmtp, ptime, direction")
    func baresipDetails() throws {
        let sdp = try Corpus.parse("baresip-savp.sdp")
        let audio = try #require(sdp.media.first)
        #expect(audio.rtpMap(for: 111) == RTPMap(payloadType: 111, encoding: "opus", clockRate: 48000, channels: 2))
        #expect(audio.rtpMap(for: 101)?.encoding == "telephone-event")
        #expect(audio.formatParameters(for: "111") == "stereo=1;sprop-stereo=1")
        #expect(FormatParameters(format: "111", parameters: "stereo=1;sprop-stereo=1").value(for: "STEREO") == "1")
        #expect(audio.ptime == 20)
        #expect(audio.maxptime == nil)
        #expect(sdp.direction(of: audio) == .sendrecv)
        #expect(audio.bandwidths == [Bandwidth(type: "AS", value: 128)])
        let cryptos = audio.cryptos
        #expect(cryptos.map(\.tag) == [1, 2])
        #expect(cryptos.map(\.suite) == [.aesCM128HMACSHA1_80, .aesCM128HMACSHA1_32])
        #expect(cryptos.allSatisfy { $0.keys.count == 1 && $0.keys[0].keySalt.count == 30 && $0.isNegotiable })
        #expect(sdp.attributes == [Attribute("tool", "baresip 3.10.1")])
    }

    @Test("static payload types are known without rtpmap (ffmpeg PCMU)")
    func staticPayloadTypes() throws {
        let sdp = try Corpus.parse("ffmpeg-pcmu.sdp")
        let audio = try #require(sdp.media.first)
        #expect(audio.rtpMaps.isEmpty)
        #expect(audio.rtpMap(for: 0) == RTPMap(payloadType: 0, encoding: "PCMU", clockRate: 8000))
        #expect(RTPMap.staticMap(for: 8)?.encoding == "PCMA")
        #expect(RTPMap.staticMap(for: 96) == nil)
    }

    @Test("Chrome: ICE/DTLS attributes kept in order, rtcp and rtcp-mux read")
    func chromeDetails() throws {
        let sdp = try Corpus.parse("chrome-webrtc.sdp")
        #expect(sdp.connection == nil)
        #expect(sdp.attributes.first == Attribute("group", "BUNDLE 0 1"))
        #expect(sdp.attributes.last == Attribute("msid-semantic", " WMS 3f1c9a5e-7b42-4c2a-9d8e-0a6b5c4d3e2f"))
        let audio = try #require(sdp.media.first)
        #expect(audio.isRTCPMuxed)
        #expect(audio.rtcp == RTCPAttribute(port: 9, connection: Connection(address: "0.0.0.0")))
        #expect(audio.rtpMaps.filter { $0.encoding == "telephone-event" }.map(\.clockRate) == [48000, 8000])
        #expect(audio.attributes.first?.name == "rtcp")
        #expect(sdp.media[1].attributes.filter { $0.name == "rtcp-fb" }.count == 15)
    }

    @Test("RFC 4566 multicast: session-level recvonly, r= lines, TTL kept")
    func multicast() throws {
        let sdp = try Corpus.parse("rfc4566-multicast.sdp")
        #expect(sdp.connection?.address == "224.2.17.12/127")
        #expect(sdp.connection?.host == "224.2.17.12")
        #expect(sdp.timings == [Timing(start: 2_873_397_496, stop: 2_873_404_696, repeats: ["604800 3600 0 90000"])])
        #expect(sdp.media.map { sdp.direction(of: $0) } == [.recvonly, .recvonly])
        #expect(sdp.information == "A Seminar on the session description protocol")
        #expect(sdp.emails == ["j.doe@example.com (Jane Doe)"])
    }

    @Test("rtpengine SAVP: every suite's key length checked; only AES_CM_128 suites are negotiable")
    func rtpengineSuites() throws {
        let audio = try #require(try Corpus.parse("rtpengine-savp.sdp").media.first)
        let cryptos = audio.cryptos
        #expect(cryptos.count == 12)
        #expect(cryptos.filter(\.isNegotiable).map(\.tag) == [7, 8])
        #expect(audio.rtcp == RTCPAttribute(port: 30003))
    }
}

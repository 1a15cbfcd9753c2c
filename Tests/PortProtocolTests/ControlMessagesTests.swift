import struct Foundation.Data
import class Foundation.JSONSerialization
import PortProtocol
import Testing

/// JSON payloads: the key names are the protocol, so they are asserted
/// exactly, not just round-tripped.
@Suite("Control messages")
struct ControlMessagesTests {
    /// The top-level keys of a JSON object payload.
    func keys(of message: PortMessage) throws -> Set<String> {
        let object = try JSONSerialization.jsonObject(with: Data(message.payload))
        let dictionary = try #require(object as? [String: Any])
        return Set(dictionary.keys)
    }

    static let transcoderHello = Hello(
        kind: "transcoder", pid: 31337, methods: ["echo", "transcode", "srtp_test", "stats", "close_context"],
        codecs: ["PCMU", "PCMA", "opus/48000/1", "opus/48000/2", "L16/8000/1"],
        srtpSuites: ["AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"],
        libraries: ["opus": "libopus 1.3.1", "srtp": "libsrtp2 2.5.0"], maxStreams: 200)

    @Test("hello: exact JSON keys, round trip")
    func helloRoundTrip() throws {
        let message = try PortMessage.json(.hello, Self.transcoderHello)
        #expect(message.type == .hello && message.id == 0 && message.op == 0)
        #expect(try keys(of: message) == [
            "protocol", "kind", "pid", "methods", "codecs", "srtp_suites", "libraries", "max_streams",
        ])
        let decoded = try message.decodeJSON(Hello.self)
        #expect(decoded == Self.transcoderHello)
        #expect(decoded.protocolVersion == portProtocolVersion)
    }

    @Test("hello as another language writes it")
    func helloFromForeignWorker() throws {
        let json = """
            { "protocol": 1, "kind": "c-worker", "pid": 77, "methods": ["echo"],
              "codecs": ["PCMU"], "srtp_suites": [], "libraries": {"libc": "glibc 2.36"},
              "max_streams": 4, "future_key": {"ignored": true} }
            """
        let hello = try PortMessage(type: .hello, payload: Array(json.utf8)).decodeJSON(Hello.self)
        #expect(hello == Hello(protocolVersion: 1, kind: "c-worker", pid: 77, methods: ["echo"], codecs: ["PCMU"],
                               srtpSuites: [], libraries: ["libc": "glibc 2.36"], maxStreams: 4))
    }

    /// WireFormat.md says every key is required, even an empty list.
    @Test("hello without one of its keys does not decode", arguments: [
        "protocol", "kind", "pid", "methods", "codecs", "srtp_suites", "libraries", "max_streams",
    ])
    func helloMissingKey(key: String) throws {
        var object: [String: Any] = [
            "protocol": 1, "kind": "k", "pid": 1, "methods": [String](), "codecs": [String](),
            "srtp_suites": [String](), "libraries": [String: String](), "max_streams": 0,
        ]
        object[key] = nil
        let payload = try JSONSerialization.data(withJSONObject: object)
        #expect(throws: PortProtocolError.self) {
            try PortMessage(type: .hello, payload: Array(payload)).decodeJSON(Hello.self)
        }
    }

    @Test("hello from an older or newer protocol keeps its version")
    func helloOtherVersion() throws {
        let json = #"{"protocol":2,"kind":"k","pid":1,"methods":[],"codecs":[],"srtp_suites":[],"libraries":{},"max_streams":0}"#
        let hello = try PortMessage(type: .hello, payload: Array(json.utf8)).decodeJSON(Hello.self)
        #expect(hello.protocolVersion == 2)
        #expect(hello.protocolVersion != portProtocolVersion)
    }

    @Test("error reply: code and message")
    func errorReply() throws {
        let reply = ErrorReply(code: "unknown_method", message: "method 0x02 is not served")
        let message = try PortMessage.json(.error, id: 10, op: Method.transcode.rawValue, reply)
        #expect(message.id == 10 && message.op == 0x02)
        #expect(try keys(of: message) == ["code", "message"])
        #expect(try message.decodeJSON(ErrorReply.self) == reply)
    }

    @Test("srtp_test request and reply keys")
    func srtpTest() throws {
        let request = SRTPTestRequest(suite: "AES_CM_128_HMAC_SHA1_80",
                                      key: Data(repeating: 1, count: 30).base64EncodedString(),
                                      rtp: Data(repeating: 2, count: 172).base64EncodedString())
        let requestMessage = try PortMessage.json(.request, id: 3, op: Method.srtpTest.rawValue, request)
        #expect(try keys(of: requestMessage) == ["suite", "key", "rtp"])
        #expect(try requestMessage.decodeJSON(SRTPTestRequest.self) == request)

        let reply = SRTPTestReply(srtp: "AAAA", rtp: "AQID")
        let replyMessage = try PortMessage.json(.reply, id: 3, op: Method.srtpTest.rawValue, reply)
        #expect(try keys(of: replyMessage) == ["srtp", "rtp"])
        #expect(try replyMessage.decodeJSON(SRTPTestReply.self) == reply)
    }

    @Test("worker stats keys, as a reply and as an event")
    func workerStats() throws {
        let stats = WorkerStats(requests: UInt64(UInt32.max) + 5, framesTranscoded: 123_456_789, contexts: 3, streams: 2)
        for message in [
            try PortMessage.json(.reply, id: 9, op: Method.stats.rawValue, stats),
            try PortMessage.json(.event, op: EventCode.stats.rawValue, stats),
        ] {
            #expect(try keys(of: message) == ["requests", "frames_transcoded", "contexts", "streams"])
            #expect(try message.decodeJSON(WorkerStats.self) == stats)
        }
    }

    @Test("a payload that is not the expected JSON fails as a protocol error", arguments: [
        "", "not json", "[]", #"{"code": 5, "message": "x"}"#, #"{"code": "internal"}"#,
    ])
    func malformedJSON(json: String) {
        #expect(throws: PortProtocolError.self) {
            try PortMessage(type: .error, payload: Array(json.utf8)).decodeJSON(ErrorReply.self)
        }
    }
}

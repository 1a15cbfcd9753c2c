import struct Foundation.URL
import PortProtocol
import Testing

/// The worked examples of `PortProtocol.docc/WireFormat.md`, decoded and
/// re-encoded by the Swift codec, and checked against the article's text so
/// that the document and the code cannot drift apart.
@Suite("Worked examples of WireFormat.md")
struct WorkedExampleTests {
    static let helloJSON =
        #"{"codecs":[],"kind":"python-echo","libraries":{},"max_streams":0,"methods":["echo","stats"],"pid":4242,"protocol":1,"srtp_suites":[]}"#
    static let helloFrameHex = """
        00 00 00 8b 01 00 00 00 00 00 7b 22 63 6f 64 65
        63 73 22 3a 5b 5d 2c 22 6b 69 6e 64 22 3a 22 70
        79 74 68 6f 6e 2d 65 63 68 6f 22 2c 22 6c 69 62
        72 61 72 69 65 73 22 3a 7b 7d 2c 22 6d 61 78 5f
        73 74 72 65 61 6d 73 22 3a 30 2c 22 6d 65 74 68
        6f 64 73 22 3a 5b 22 65 63 68 6f 22 2c 22 73 74
        61 74 73 22 5d 2c 22 70 69 64 22 3a 34 32 34 32
        2c 22 70 72 6f 74 6f 63 6f 6c 22 3a 31 2c 22 73
        72 74 70 5f 73 75 69 74 65 73 22 3a 5b 5d 7d
        """
    static let echoRequestHex = "00 00 00 08 02 00 00 00 07 01 68 69"
    static let echoReplyHex = "00 00 00 08 03 00 00 00 07 01 68 69"
    static let pingHex = "00 00 00 06 06 00 00 00 01 00"
    static let pongHex = "00 00 00 06 07 00 00 00 01 00"
    static let statsRequestHex = "00 00 00 06 02 00 00 00 09 04"
    static let statsReplyHeaderHex = "00 00 00 43 03 00 00 00 09 04"
    static let statsJSON = #"{"contexts":0,"frames_transcoded":0,"requests":3,"streams":0}"#
    static let errorHeaderHex = "00 00 00 54 04 00 00 00 0a 02"
    static let errorJSON = #"{"code":"unknown_method","message":"method 0x02 is not served by python-echo"}"#
    static let shutdownHex = "00 00 00 06 08 00 00 00 00 00"

    static let pythonEchoHello = Hello(kind: "python-echo", pid: 4242, methods: ["echo", "stats"])

    /// Decodes exactly one frame from `wire` into a message.
    func decodeOne(_ wire: [UInt8]) throws -> PortMessage {
        var decoder = FrameDecoder()
        decoder.feed(wire)
        let body = try #require(try decoder.next())
        #expect(try decoder.next() == nil)
        try decoder.finish()
        return try PortMessage(body: body)
    }

    func encode(_ message: PortMessage) -> [UInt8] {
        var wire: [UInt8] = []
        message.appendFrame(to: &wire)
        return wire
    }

    @Test("the hello frame decodes to the python-echo hello")
    func helloDecodes() throws {
        let wire = try #require(bytes(hex: Self.helloFrameHex))
        #expect(wire.count == 143)
        let message = try decodeOne(wire)
        #expect(message.type == .hello && message.id == 0 && message.op == 0)
        #expect(message.payload == Array(Self.helloJSON.utf8))
        #expect(try message.decodeJSON(Hello.self) == Self.pythonEchoHello)
    }

    @Test("the Swift encoder writes the hello frame byte for byte")
    func helloEncodes() throws {
        let wire = try #require(bytes(hex: Self.helloFrameHex))
        #expect(encode(try PortMessage.json(.hello, Self.pythonEchoHello)) == wire)
    }

    @Test("echo, ping, stats, error and shutdown frames")
    func smallFrames() throws {
        let request = try decodeOne(try #require(bytes(hex: Self.echoRequestHex)))
        #expect(request == PortMessage(type: .request, id: 7, op: Method.echo.rawValue, payload: Array("hi".utf8)))
        let reply = PortMessage(type: .reply, id: request.id, op: request.op, payload: request.payload)
        #expect(encode(reply) == bytes(hex: Self.echoReplyHex))

        #expect(try decodeOne(try #require(bytes(hex: Self.pingHex))) == PortMessage(type: .ping, id: 1))
        #expect(encode(PortMessage(type: .pong, id: 1)) == bytes(hex: Self.pongHex))

        #expect(try decodeOne(try #require(bytes(hex: Self.statsRequestHex)))
            == PortMessage(type: .request, id: 9, op: Method.stats.rawValue))
        let stats = try PortMessage.json(.reply, id: 9, op: Method.stats.rawValue, WorkerStats(requests: 3))
        #expect(stats.payload == Array(Self.statsJSON.utf8))
        #expect(encode(stats) == (try #require(bytes(hex: Self.statsReplyHeaderHex))) + Array(Self.statsJSON.utf8))

        let error = try PortMessage.json(.error, id: 10, op: Method.transcode.rawValue,
                                         ErrorReply(code: "unknown_method", message: "method 0x02 is not served by python-echo"))
        #expect(error.payload == Array(Self.errorJSON.utf8))
        #expect(encode(error) == (try #require(bytes(hex: Self.errorHeaderHex))) + Array(Self.errorJSON.utf8))

        #expect(try decodeOne(try #require(bytes(hex: Self.shutdownHex))) == PortMessage(type: .shutdown))
    }

    // MARK: the article itself

    static let articleURL = URL(filePath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appending(path: "Sources/PortProtocol/PortProtocol.docc/WireFormat.md")

    func article() throws -> String {
        try String(contentsOf: Self.articleURL, encoding: .utf8)
    }

    /// The article with every run of spaces collapsed to one.
    func collapsedArticle() throws -> String {
        try article().split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
            .joined(separator: "\n")
    }

    @Test("the article's hello hex dump is the frame the codec writes")
    func articleHelloDump() throws {
        let text = try article()
        let start = try #require(text.range(of: "#### A hello"))
        let end = try #require(text.range(of: "#### An echo", range: start.upperBound..<text.endIndex))
        // Dump lines: "0000  00 00 00 8b ... |ascii|"
        var dumped: [UInt8] = []
        for line in text[start.upperBound..<end.lowerBound].split(separator: "\n") {
            let offset = line.prefix(4)
            guard offset.count == 4, offset.allSatisfy(\.isHexDigit), line.dropFirst(4).hasPrefix("  ") else { continue }
            let hexPart = line.dropFirst(6).prefix { $0 != "|" }
            #expect(Int(offset, radix: 16) == dumped.count, "offset column of \(line)")
            dumped += try #require(bytes(hex: String(hexPart)), "hex of \(line)")
        }
        #expect(dumped == bytes(hex: Self.helloFrameHex))
        #expect(text[start.upperBound..<end.lowerBound].contains(Self.helloJSON))
    }

    @Test("the article shows the other frames as the codec writes them", arguments: [
        echoRequestHex, echoReplyHex, pingHex, pongHex, statsRequestHex, statsReplyHeaderHex,
        statsJSON, errorHeaderHex, errorJSON, shutdownHex,
    ])
    func articleShowsFrame(text: String) throws {
        #expect(try collapsedArticle().contains(text))
    }
}

import PortProtocol
import Testing

@Suite("PortMessage")
struct PortMessageTests {
    /// The `type` table of the wire format, byte for byte.
    @Test("message type bytes", arguments: [
        (MessageType.hello, 0x01), (.request, 0x02), (.reply, 0x03), (.error, 0x04),
        (.event, 0x05), (.ping, 0x06), (.pong, 0x07), (.shutdown, 0x08),
    ] as [(MessageType, UInt8)])
    func messageTypeBytes(type: MessageType, byte: UInt8) {
        #expect(type.rawValue == byte)
    }

    @Test("every message type is in the table")
    func allMessageTypes() {
        #expect(MessageType.allCases.map(\.rawValue) == Array(1...8))
    }

    /// The method table of the wire format: `op` byte and name.
    @Test("method bytes and names", arguments: [
        (Method.echo, 0x01, "echo"), (.transcode, 0x02, "transcode"), (.srtpTest, 0x03, "srtp_test"),
        (.stats, 0x04, "stats"), (.closeContext, 0x05, "close_context"),
    ] as [(Method, UInt8, String)])
    func methodBytes(method: Method, byte: UInt8, name: String) {
        #expect(method.rawValue == byte)
        #expect(method.name == name)
    }

    @Test("event codes and the protocol version")
    func eventCodesAndVersion() {
        #expect(EventCode.stats.rawValue == 0x01)
        #expect(portProtocolVersion == 1)
        #expect(PortMessage.headerLength == 6)
    }

    @Test("a body shorter than the 6-byte header is truncated", arguments: 0...5)
    func truncated(length: Int) {
        // A valid type byte, so only the length is wrong.
        let body = Array([0x02, 0x00, 0x00, 0x00, 0x01, 0x01].prefix(length)) as [UInt8]
        #expect(throws: PortProtocolError.truncatedMessage(length: length)) { try PortMessage(body: body) }
    }

    @Test("unknown type bytes are rejected",
          arguments: [0x00] + Array(0x09...0xFF) as [UInt8])
    func unknownType(byte: UInt8) {
        #expect(MessageType(rawValue: byte) == nil)
        #expect(throws: PortProtocolError.unknownMessageType(byte)) {
            try PortMessage(body: [byte, 0, 0, 0, 1, 0, 0xAA])
        }
    }

    @Test("id is big-endian, op and payload follow")
    func headerFields() throws {
        let message = try PortMessage(body: [0x02, 0x12, 0x34, 0x56, 0x78, 0x05, 0xDE, 0xAD])
        #expect(message.type == .request)
        #expect(message.id == 0x1234_5678)
        #expect(message.op == 0x05)
        #expect(message.payload == [0xDE, 0xAD])
    }

    @Test("a header alone is a message with an empty payload")
    func headerOnly() throws {
        let message = try PortMessage(body: [0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0x00])
        #expect(message == PortMessage(type: .pong, id: 0xFFFF_FFFF))
        #expect(message.payload.isEmpty)
    }

    @Test("encode then decode every message type",
          arguments: MessageType.allCases, [0, 1, 6, 1000])
    func roundTrip(type: MessageType, payloadLength: Int) throws {
        let payload = (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let message = PortMessage(type: type, id: 0x0102_0304, op: 0xFE, payload: payload)

        var wire: [UInt8] = []
        message.appendFrame(to: &wire)
        #expect(wire.count == Frame.headerLength + PortMessage.headerLength + payloadLength)
        #expect(Array(wire.prefix(10)) == lengthPrefix(UInt32(6 + payloadLength)) + [type.rawValue, 1, 2, 3, 4, 0xFE])

        var viaStatic: [UInt8] = []
        PortMessage.appendFrame(type: type, id: message.id, op: message.op, payload: payload, to: &viaStatic)
        #expect(viaStatic == wire)

        var decoder = FrameDecoder()
        decoder.feed(wire)
        let body = try #require(try decoder.next())
        #expect(try PortMessage(body: body) == message)
        try decoder.finish()

        // The zero-copy path decodes the same message.
        decoder.feed(wire)
        var viaPointer: [PortMessage] = []
        try decoder.forEachFrame { viaPointer.append(try PortMessage(body: $0)) }
        #expect(viaPointer == [message])
    }

    @Test("many messages of one batch decode in order")
    func batch() throws {
        var wire: [UInt8] = []
        let messages = (1...300).map { i in
            PortMessage(type: i % 2 == 0 ? .reply : .pong, id: UInt32(i), op: UInt8(i % 5), payload: Array(repeating: 1, count: i % 9))
        }
        for message in messages { message.appendFrame(to: &wire) }
        var decoder = FrameDecoder()
        decoder.feed(wire)
        var got: [PortMessage] = []
        try decoder.forEachFrame { got.append(try PortMessage(body: $0)) }
        #expect(got == messages)
    }
}

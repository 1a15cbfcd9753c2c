import PortProtocol
import Testing

@Suite("Transcode")
struct TranscodeTests {
    /// The media format table of the wire format.
    @Test("media format bytes, names, rates and channels", arguments: [
        (MediaFormat.pcmu, 0x01, "PCMU", 8000, 1),
        (.pcma, 0x02, "PCMA", 8000, 1),
        (.opusMono, 0x03, "opus/48000/1", 48000, 1),
        (.opusStereo, 0x04, "opus/48000/2", 48000, 2),
        (.l16Mono8k, 0x10, "L16/8000/1", 8000, 1),
        (.l16Mono48k, 0x11, "L16/48000/1", 48000, 1),
        (.l16Stereo48k, 0x12, "L16/48000/2", 48000, 2),
    ] as [(MediaFormat, UInt8, String, Int, Int)])
    func formatTable(format: MediaFormat, byte: UInt8, name: String, rate: Int, channels: Int) {
        #expect(format.rawValue == byte)
        #expect(format.name == name)
        #expect(format.sampleRate == rate)
        #expect(format.channels == channels)
    }

    @Test("media format names round trip, case-insensitively", arguments: MediaFormat.allCases)
    func nameRoundTrip(format: MediaFormat) {
        #expect(MediaFormat(name: format.name) == format)
        #expect(MediaFormat(name: format.name.lowercased()) == format)
        #expect(MediaFormat(name: format.name.uppercased()) == format)
    }

    @Test("unknown media format names", arguments: ["", "opus", "L16", "G722", "opus/48000", "PCMU/8000", " PCMU"])
    func unknownName(name: String) {
        #expect(MediaFormat(name: name) == nil)
    }

    @Test("the header layout, byte for byte")
    func headerLayout() throws {
        var payload: [UInt8] = []
        TranscodeRequest(context: 0x0102_0304, from: .pcmu, to: .opusMono).appendHeader(to: &payload)
        #expect(payload == [0x01, 0x02, 0x03, 0x04, 0x01, 0x03, 0x00, 0x00])
        #expect(TranscodeRequest.headerLength == 8)
    }

    @Test("header round trip for every pair of formats",
          arguments: MediaFormat.allCases, MediaFormat.allCases)
    func headerRoundTrip(from: MediaFormat, to: MediaFormat) throws {
        for context: UInt32 in [0, 42, 0xDEAD_BEEF] {
            let header = TranscodeRequest(context: context, from: from, to: to)
            var payload: [UInt8] = []
            header.appendHeader(to: &payload)
            let media: [UInt8] = Array(repeating: 0x55, count: 160)
            payload += media
            #expect(try TranscodeRequest(parsing: payload) == header)
            #expect(payload.dropFirst(TranscodeRequest.headerLength).elementsEqual(media))
        }
    }

    @Test("parses from a slice that does not start at index 0")
    func parsesSlice() throws {
        let message = PortMessage(type: .request, id: 1, op: Method.transcode.rawValue,
                                  payload: [0, 0, 0, 7, 0x02, 0x11, 0, 0, 0xD5])
        var wire: [UInt8] = []
        message.appendFrame(to: &wire)
        let payload = wire[(Frame.headerLength + PortMessage.headerLength)...]
        #expect(payload.startIndex == 10)
        #expect(try TranscodeRequest(parsing: payload) == TranscodeRequest(context: 7, from: .pcma, to: .l16Mono48k))
    }

    @Test("the reserved bytes are ignored on receipt")
    func reservedIgnored() throws {
        #expect(try TranscodeRequest(parsing: [0, 0, 0, 1, 0x03, 0x01, 0xFF, 0xEE])
            == TranscodeRequest(context: 1, from: .opusMono, to: .pcmu))
    }

    @Test("a payload shorter than the header", arguments: 0...7)
    func shortPayload(length: Int) {
        let payload = Array([0, 0, 0, 1, 0x01, 0x03, 0, 0].prefix(length)) as [UInt8]
        #expect(throws: PortProtocolError.malformedPayload(
            "transcode payload of \(length) bytes is shorter than its 8-byte header")) {
            try TranscodeRequest(parsing: payload)
        }
    }

    static let unknownFormatBytes = (0...255).map(UInt8.init).filter { MediaFormat(rawValue: $0) == nil }

    @Test("an unknown source format byte", arguments: unknownFormatBytes)
    func unknownSource(byte: UInt8) {
        #expect(throws: PortProtocolError.malformedPayload("unknown source format 0x\(String(byte, radix: 16))")) {
            try TranscodeRequest(parsing: [0, 0, 0, 1, byte, 0x01, 0, 0])
        }
    }

    @Test("an unknown target format byte", arguments: unknownFormatBytes)
    func unknownTarget(byte: UInt8) {
        #expect(throws: PortProtocolError.malformedPayload("unknown target format 0x\(String(byte, radix: 16))")) {
            try TranscodeRequest(parsing: [0, 0, 0, 1, 0x01, byte, 0, 0])
        }
    }
}

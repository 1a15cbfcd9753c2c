import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
@testable import WorkerPorts

/// Real work over the port: the transcoder worker turns frames between PCM,
/// Opus and G.711, and protects/unprotects SRTP with an SDES key.
@Suite("Transcoding through the worker port", .serialized, .timeLimit(.minutes(2)))
struct TranscodeThroughPortTests {
    func transcode(_ port: WorkerPort, context: UInt32, _ from: MediaFormat, _ to: MediaFormat, _ media: [UInt8]) async throws -> [UInt8] {
        var payload: [UInt8] = []
        TranscodeRequest(context: context, from: from, to: to).appendHeader(to: &payload)
        return try await port.call(.transcode, payload + media)
    }

    @Test("PCM -> Opus -> PCM keeps a 1 kHz tone (48 kHz mono and stereo)", arguments: [MediaFormat.opusMono, .opusStereo])
    func opusRoundTrip(opus: MediaFormat) async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(), logger: testLogger())
        let pcm: MediaFormat = opus == .opusMono ? .l16Mono48k : .l16Stereo48k
        var decoded: [Int16] = []
        for frame in 0..<50 {
            let mono = Tone.pcm16(frequency: 1000, sampleRate: 48000, samples: 960, phase: frame * 960)
            let samples = opus == .opusMono ? mono : mono.flatMap { [$0, $0] }
            let packet = try await transcode(port, context: 1, pcm, opus, Tone.bytes(samples))
            #expect(packet.count > 0 && packet.count < 400)
            let back = Tone.samples(try await transcode(port, context: 2, opus, pcm, packet))
            #expect(back.count == samples.count)
            decoded += opus == .opusMono ? back : stride(from: 0, to: back.count, by: 2).map { back[$0] }
        }
        let tail = Array(decoded.suffix(48000 / 2))  // after the codec's start-up
        let f = Tone.dominant(tail, sampleRate: 48000, candidates: Array(stride(from: 200.0, through: 4000, by: 50)))
        #expect(f == 1000)
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("PCMU -> Opus -> PCMU keeps a 1 kHz tone at 8 kHz; PCMU decodes by the G.711 table")
    func g711Opus() async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(), logger: testLogger())
        var decoded: [Int16] = []
        for frame in 0..<50 {
            let pcm = Tone.pcm16(frequency: 1000, sampleRate: 8000, samples: 160, phase: frame * 160)
            let pcmu = try await transcode(port, context: 1, .l16Mono8k, .pcmu, Tone.bytes(pcm))
            #expect(pcmu.count == 160)
            let opus = try await transcode(port, context: 2, .pcmu, .opusMono, pcmu)
            let back = try await transcode(port, context: 3, .opusMono, .pcmu, opus)
            let linear = Tone.samples(try await transcode(port, context: 4, .pcmu, .l16Mono8k, back))
            decoded += linear
        }
        let f = Tone.dominant(Array(decoded.suffix(4000)), sampleRate: 8000, candidates: Array(stride(from: 200.0, through: 3800, by: 50)))
        #expect(f == 1000)
        // mu-law: 0xFF is +0 (decodes to 0), 0x80 the largest positive step (32124), per ITU-T G.711.
        let table = Tone.samples(try await transcode(port, context: 5, .pcmu, .l16Mono8k, [0xFF, 0x80, 0x00, 0x7F] + [UInt8](repeating: 0xFF, count: 156)))
        #expect(Array(table.prefix(4)) == [0, 32124, -32124, 0])
        // A-law: 0xD5 decodes to +8, 0x55 to -8.
        let alaw = Tone.samples(try await transcode(port, context: 6, .pcma, .l16Mono8k, [0xD5, 0x55] + [UInt8](repeating: 0xD5, count: 158)))
        #expect(Array(alaw.prefix(2)) == [8, -8])
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("srtp_test: protect with an SDES key and unprotect it again, both suites",
          arguments: [("AES_CM_128_HMAC_SHA1_80", 10), ("AES_CM_128_HMAC_SHA1_32", 4)])
    func srtpSelfTest(suite: String, tagLength: Int) async throws {
        let port = try await WorkerPort.start(id: "t.1", options: transcoderOptions(), logger: testLogger())
        let key = Data((0..<30).map { UInt8($0 * 3 + 1) }).base64EncodedString()
        var rtp: [UInt8] = [0x80, 0x00, 0x12, 0x34, 0, 0, 0x10, 0, 0xDE, 0xAD, 0xBE, 0xEF]
        rtp += [UInt8](repeating: 0xFF, count: 160)
        let request = try PortMessage.json(.request, SRTPTestRequest(suite: suite, key: key, rtp: Data(rtp).base64EncodedString()))
        let reply = try PortMessage(type: .reply, payload: try await port.call(.srtpTest, request.payload)).decodeJSON(SRTPTestReply.self)
        let srtp = try #require(Data(base64Encoded: reply.srtp))
        #expect(srtp.count == rtp.count + tagLength)
        #expect(Array(srtp.prefix(12)) == Array(rtp.prefix(12)), "the RTP header stays in clear")
        #expect(Array(srtp[12..<172]) != Array(rtp[12...]), "the payload is encrypted")
        #expect(Array(try #require(Data(base64Encoded: reply.rtp))) == rtp)
        // A bad key length is an error reply, not a crash.
        let bad = try PortMessage.json(.request, SRTPTestRequest(suite: suite, key: "AAAA", rtp: Data(rtp).base64EncodedString()))
        await #expect(throws: WorkerPortError.self) { try await port.call(.srtpTest, bad.payload) }
        #expect(try await port.call(.echo, [1]) == [1])
        await port.stop(.timeout(.seconds(2)))
    }
}

import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
import WorkerPorts

/// A real peer: ffmpeg sends a 1 kHz tone as Opus over SDES-SRTP into leg A;
/// the test receives PCMU/RTP from leg B and checks the tone.
@Suite("Media path: ffmpeg as the sender", .serialized, .timeLimit(.minutes(1)),
       .enabled(if: FFmpeg.path != nil || ProcessInfo.processInfo.environment["CI"] != nil, "ffmpeg is not installed (apt-get install ffmpeg)"))
struct FFmpegPeerTests {
    @Test("ffmpeg Opus/SRTP (AES_CM_128_HMAC_SHA1_80) -> worker -> PCMU/RTP: 1 kHz, no SRTP failures")
    func ffmpegOpusSRTPToPCMU() async throws {
        let ffmpeg = try #require(FFmpeg.path)
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerB = try UDPPeer()
        let key = testKey(21)
        let a = StreamLeg(localPort: base, codec: "opus/48000/2", payloadType: 111,
                          srtp: StreamSRTP(suite: "AES_CM_128_HMAC_SHA1_80", localKey: base64(testKey(22)), remoteKey: base64(key)),
                          ssrcOut: 0xA1, seqOut: 0, timestampOut: 0)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMU", payloadType: 0, ssrcOut: 0xB2, seqOut: 500,
                          timestampOut: 80_000)
        try await port.openStream(OpenStream(stream: 1, a: a, b: b))

        let process = Process()
        process.executableURL = URL(fileURLWithPath: ffmpeg)
        process.arguments = ["-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                             "-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t", "2", "-ac", "1",
                             "-c:a", "libopus", "-payload_type", "111", "-f", "rtp",
                             "-srtp_out_suite", "AES_CM_128_HMAC_SHA1_80", "-srtp_out_params", base64(key),
                             "srtp://127.0.0.1:\(base)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var packets: [RTP] = []
        while packets.count < 150, let (bytes, _) = peerB.receive(timeout: 1.5), let packet = RTP(bytes) { packets.append(packet) }
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(packets.count >= 90, "2 s of 20 ms packets")
        #expect(packets.allSatisfy { $0.ssrc == 0xB2 && $0.payloadType == 0 && $0.payload.count == 160 })
        #expect(packets.first?.sequence == 500 && packets.first?.timestamp == 80_000)
        let pcm = packets.dropFirst(10).flatMap { $0.payload.map(MuLaw.decode) }
        #expect(dominantFrequency(pcm, sampleRate: 8000) == 1000)
        let stats = try await port.streamStats(1)
        #expect(stats.a.srtpFailures == 0 && stats.a.malformed == 0 && stats.a.lost == 0)
        #expect(stats.a.packetsIn == UInt64(packets.count))
        await port.stop(.timeout(.seconds(2)))
    }
}

enum FFmpeg {
    static let path: String? = ["/usr/bin/ffmpeg", "/usr/local/bin/ffmpeg"].first { FileManager.default.isExecutableFile(atPath: $0) }
}

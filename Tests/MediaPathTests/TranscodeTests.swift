import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
import WorkerPorts

/// Opus/SRTP on leg A, PCMU/RTP on leg B: the worker transcodes both ways.
/// The test's own Opus codec is a second worker's `transcode` method; its
/// SRTP is pylibsrtp (an independent implementation).
@Suite("Media path: transcoding", .serialized, .timeLimit(.minutes(2)),
       .enabled(if: PyLibSRTP.isRequired, "python3 with pylibsrtp is not installed (pip install pylibsrtp)"))
struct TranscodeTests {
    static let suite = "AES_CM_128_HMAC_SHA1_80"
    /// A's peer protects with this; the worker unprotects with it (A's remote_key).
    static let peerKey = testKey(11)
    /// The worker protects towards A's peer with this (A's local_key).
    static let workerKey = testKey(57)

    func openOpusSRTPToPCMU(_ port: WorkerPort, base: Int, peerB: UDPPeer, srtp: Bool = true) async throws {
        let keys = srtp ? StreamSRTP(suite: Self.suite, localKey: base64(Self.workerKey), remoteKey: base64(Self.peerKey)) : nil
        let a = StreamLeg(localPort: base, codec: "opus/48000/2", payloadType: 111, telephoneEventPT: 110, srtp: keys,
                          ssrcOut: 0xAAAA_0001, seqOut: 100, timestampOut: 960_000)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMU", payloadType: 0, telephoneEventPT: 101,
                          ssrcOut: 0xBBBB_0002, seqOut: 200, timestampOut: 16_000)
        try await port.openStream(OpenStream(stream: 3, a: a, b: b))
    }

    /// `count` 20 ms Opus packets of a 1 kHz tone, made by `helper`.
    func opusTone(_ helper: WorkerPort, count: Int) async throws -> [[UInt8]] {
        var packets: [[UInt8]] = []
        for i in 0..<count {
            let pcm = Tone.pcm16(frequency: 1000, sampleRate: 48000, samples: 960, amplitude: 10_000, phase: 960 * i)
            packets.append(try await helper.transcode(context: 1, .l16Mono48k, .opusMono, Tone.bytes(pcm)))
        }
        return packets
    }

    @Test("Opus/SRTP in on A -> PCMU/RTP out of B carries the 1 kHz tone; PCMU in on B -> Opus/SRTP out of A too")
    func opusSRTPToPCMUAndBack() async throws {
        let port = try await MediaWorker.start()
        let helper = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        try await openOpusSRTPToPCMU(port, base: base, peerB: peerB)

        // A -> B
        let opus = try await opusTone(helper, count: 50)
        let rtp = opus.enumerated().map { i, p in RTP(payloadType: 111, sequence: UInt16(5000 + i), timestamp: UInt32(48_000 + 960 * i), ssrc: 0x0A, payload: p).bytes }
        let srtp = try PyLibSRTP.run(suite: Self.suite, key: Self.peerKey, mode: "protect", packets: rtp).compactMap { $0 }
        #expect(srtp.count == 50)
        var pcm: [Int16] = []
        var outs: [RTP] = []
        for packet in srtp {
            peerA.send(packet, to: base)
            let out = try peerB.receiveRTP()
            outs.append(out)
            pcm += out.payload.map(MuLaw.decode)
        }
        #expect(outs.allSatisfy { $0.payloadType == 0 && $0.ssrc == 0xBBBB_0002 && $0.payload.count == 160 })
        #expect(outs.map(\.sequence) == expectedSequence(count: 50, from: 200))
        #expect(outs.map(\.timestamp) == expectedSeries(count: 50, from: 16_000, step: 160))
        #expect(dominantFrequency(Array(pcm.suffix(4000)), sampleRate: 8000) == 1000)

        // B -> A
        var sent: [[UInt8]] = []
        for i in 0..<50 {
            let pcmu = Tone.pcm16(frequency: 1000, sampleRate: 8000, samples: 160, amplitude: 10_000, phase: 160 * i).map(MuLaw.encode)
            peerB.send(RTP(payloadType: 0, sequence: UInt16(9 + i), timestamp: UInt32(3200 * 7 + 160 * i), ssrc: 0x0B, payload: pcmu).bytes,
                       to: base + 2)
            sent.append(try peerA.receiveBytes())
        }
        let clear = try PyLibSRTP.run(suite: Self.suite, key: Self.workerKey, mode: "unprotect", packets: sent)
        #expect(clear.allSatisfy { $0 != nil }, "pylibsrtp authenticates what the worker protected")
        let packets = clear.compactMap { $0.flatMap(RTP.init) }
        #expect(packets.count == 50)
        #expect(packets.allSatisfy { $0.payloadType == 111 && $0.ssrc == 0xAAAA_0001 })
        #expect(packets.map(\.sequence) == expectedSequence(count: 50, from: 100))
        #expect(packets.map(\.timestamp) == expectedSeries(count: 50, from: 960_000, step: 960))
        var decoded: [Int16] = []
        for packet in packets {
            let stereo = Tone.samples(try await helper.transcode(context: 2, .opusStereo, .l16Stereo48k, packet.payload))
            decoded += stride(from: 0, to: stereo.count, by: 2).map { stereo[$0] }
        }
        #expect(dominantFrequency(Array(decoded.suffix(24_000)), sampleRate: 48000) == 1000)
        let stats = try await port.streamStats(3)
        #expect(stats.a.packetsIn == 50 && stats.a.srtpFailures == 0 && stats.a.packetsOut == 50 && stats.b.packetsOut == 50)
        await port.stop(.timeout(.seconds(2)))
        await helper.stop(.timeout(.seconds(2)))
    }

    @Test("loss: one Opus packet dropped -> lost == 1, the gap is filled (FEC), sequence out contiguous, tone intact")
    func oneLostPacket() async throws {
        let port = try await MediaWorker.start()
        let helper = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        try await openOpusSRTPToPCMU(port, base: base, peerB: peerB, srtp: false)
        let opus = try await opusTone(helper, count: 40)
        var outs: [RTP] = []
        for (i, payload) in opus.enumerated() where i != 20 {
            peerA.send(RTP(payloadType: 111, sequence: UInt16(truncatingIfNeeded: 65530 + i), timestamp: UInt32(960 * i), ssrc: 0x0A, payload: payload).bytes,
                       to: base)
            outs.append(try peerB.receiveRTP())
            if i == 21 { outs.append(try peerB.receiveRTP()) }
        }
        #expect(outs.count == 40)
        #expect(outs.map(\.sequence) == expectedSequence(count: 40, from: 200))
        #expect(outs.map(\.timestamp) == expectedSeries(count: 40, from: 16_000, step: 160))
        let pcm = outs.flatMap { $0.payload.map(MuLaw.decode) }
        #expect(dominantFrequency(Array(pcm[(19 * 160)..<(23 * 160)]), sampleRate: 8000) == 1000, "the concealed frame keeps the tone")
        let stats = try await port.streamStats(3)
        #expect(stats.a.lost == 1 && stats.b.concealed == 1 && stats.b.packetsOut == 40)
        await port.stop(.timeout(.seconds(2)))
        await helper.stop(.timeout(.seconds(2)))
    }

    @Test("telephone-event: relayed with the PT remapped and timestamps and durations scaled 8 kHz -> 48 kHz")
    func telephoneEvent() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        // PCMU on A (te 101), Opus on B (te 110).
        let a = StreamLeg(localPort: base, codec: "PCMU", payloadType: 0, telephoneEventPT: 101, ssrcOut: 1, seqOut: 0, timestampOut: 0)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "opus/48000/2", payloadType: 111, telephoneEventPT: 110,
                          ssrcOut: 0xE0E0, seqOut: 10, timestampOut: 48_000)
        try await port.openStream(OpenStream(stream: 4, a: a, b: b))
        let silence = [UInt8](repeating: 0xFF, count: 160)
        for i in 0..<2 {
            peerA.send(RTP(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(8000 + 160 * i), ssrc: 5, payload: silence).bytes, to: base)
        }
        // Event 5 starting at 8320, durations 160, 320, 480 (end bit on the last).
        for (k, duration) in [160, 320, 480].enumerated() {
            let flags: UInt8 = (k == 2 ? 0x80 : 0) | 10
            peerA.send(RTP(marker: k == 0, payloadType: 101, sequence: UInt16(2 + k), timestamp: 8320, ssrc: 5,
                           payload: [5, flags, UInt8(duration >> 8), UInt8(duration & 0xFF)]).bytes, to: base)
        }
        let outs = peerB.drain().compactMap(RTP.init)
        let events = outs.filter { $0.payloadType == 110 }
        #expect(outs.filter { $0.payloadType == 111 }.count == 2)
        #expect(events.count == 3)
        #expect(events.allSatisfy { $0.timestamp == 48_000 + 320 * 6 && $0.ssrc == 0xE0E0 })
        #expect(events.map { Int($0.payload[2]) << 8 | Int($0.payload[3]) } == [960, 1920, 2880])
        #expect(events.map { $0.payload[0] } == [5, 5, 5] && events.first?.marker == true && events.last?.payload[1] == 0x8A)
        #expect(outs.map(\.sequence) == [10, 11, 12, 13, 14])
        await port.stop(.timeout(.seconds(2)))
    }
}

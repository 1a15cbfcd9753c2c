import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
import WorkerPorts

/// Transcoding between legs of different ptimes: the worker sends packets of
/// the destination leg's ptime, whatever the source's, with timestamps
/// advancing by ptime x clock and sequence numbers by one. The test's Opus
/// codec is a second worker's `transcode` method.
@Suite("Media path: repacketization", .serialized, .timeLimit(.minutes(2)))
struct RepacketizationTests {
    /// `count` 20 ms Opus packets of a 1 kHz tone, made by `helper`.
    func opusTone(_ helper: WorkerPort, count: Int) async throws -> [[UInt8]] {
        var packets: [[UInt8]] = []
        for i in 0..<count {
            let pcm = Tone.pcm16(frequency: 1000, sampleRate: 48000, samples: 960, amplitude: 10_000, phase: 960 * i)
            packets.append(try await helper.transcode(context: 1, .l16Mono48k, .opusMono, Tone.bytes(pcm)))
        }
        return packets
    }

    /// 20 ms of a 1 kHz tone in mu-law, the `i`th of a continuous series.
    static func pcmuTone(_ i: Int) -> [UInt8] {
        Tone.pcm16(frequency: 1000, sampleRate: 8000, samples: 160, amplitude: 10_000, phase: 160 * i).map(MuLaw.encode)
    }

    @Test("Opus 20 ms in -> PCMU of B's ptime out: ptime x 8 bytes each, timestamps + ptime x 8, sequence + 1, the 1 kHz tone intact",
          arguments: [30, 40])
    func opusToLongerPCMU(ptime: Int) async throws {
        let port = try await MediaWorker.start()
        let helper = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let a = StreamLeg(localPort: base, codec: "opus/48000/2", payloadType: 111, ptime: 20, ssrcOut: 0xA1, seqOut: 0, timestampOut: 0)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMU", payloadType: 0, ptime: ptime,
                          ssrcOut: 0xB2, seqOut: 200, timestampOut: 16_000)
        try await port.openStream(OpenStream(stream: 21, a: a, b: b, statsIntervalMs: 0))
        let opus = try await opusTone(helper, count: 60)
        var outs: [RTP] = []
        for (i, payload) in opus.enumerated() {
            peerA.send(RTP(payloadType: 111, sequence: UInt16(7 + i), timestamp: UInt32(4800 + 960 * i), ssrc: 0x0A, payload: payload).bytes,
                       to: base)
            // 20 ms in each time: a packet of `ptime` out whenever one is complete.
            while outs.count < (i + 1) * 20 / ptime { outs.append(try peerB.receiveRTP()) }
        }
        let count = 60 * 20 / ptime
        #expect(outs.count == count)
        #expect(outs.allSatisfy { $0.payloadType == 0 && $0.ssrc == 0xB2 && $0.payload.count == ptime * 8 })
        #expect(outs.map(\.sequence) == expectedSequence(count: count, from: 200))
        #expect(outs.map(\.timestamp) == expectedSeries(count: count, from: 16_000, step: UInt32(ptime * 8)))
        let pcm = outs.flatMap { $0.payload.map(MuLaw.decode) }
        #expect(dominantFrequency(Array(pcm.suffix(4000)), sampleRate: 8000) == 1000)
        #expect(peerB.receive(timeout: 0.2) == nil, "the remainder waits for more audio")
        let stats = try await port.streamStats(21)
        #expect(stats.b.packetsOut == UInt64(count) && stats.b.nextTimestampOut == 16_000 + UInt32(count * ptime * 8))
        await port.stop(.timeout(.seconds(2)))
        await helper.stop(.timeout(.seconds(2)))
    }

    @Test("PCMU 20 ms in -> Opus 30 ms out: each packet three 10 ms frames (code 3), timestamps + 1440, the tone intact")
    func pcmuToOpus30() async throws {
        let port = try await MediaWorker.start()
        let helper = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let a = StreamLeg(localPort: base, codec: "PCMU", payloadType: 0, ssrcOut: 0xA1, seqOut: 0, timestampOut: 0)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "opus/48000/2", payloadType: 111, ptime: 30,
                          ssrcOut: 0xB2, seqOut: 65534, timestampOut: 960_000)
        try await port.openStream(OpenStream(stream: 22, a: a, b: b, statsIntervalMs: 0))
        var outs: [RTP] = []
        for i in 0..<45 {
            peerA.send(RTP(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(160 * i), ssrc: 0x0A, payload: Self.pcmuTone(i)).bytes,
                       to: base)
            while outs.count < (i + 1) * 20 / 30 { outs.append(try peerB.receiveRTP()) }
        }
        #expect(outs.count == 30)
        #expect(outs.map(\.sequence) == expectedSequence(count: 30, from: 65534))
        #expect(outs.map(\.timestamp) == expectedSeries(count: 30, from: 960_000, step: 1440))
        #expect(outs.allSatisfy { $0.payload.count > 2 && $0.payload[0] & 0x03 == 3 && $0.payload[1] & 0x3F == 3 }, "code 3, three frames")
        var decoded: [Int16] = []
        for packet in outs { decoded += Tone.samples(try await helper.transcode(context: 2, .opusStereo, .l16Mono48k, packet.payload)) }
        #expect(decoded.count == 30 * 1440)
        #expect(dominantFrequency(Array(decoded.suffix(24_000)), sampleRate: 48000) == 1000)
        await port.stop(.timeout(.seconds(2)))
        await helper.stop(.timeout(.seconds(2)))
    }

    @Test("PCMU 20 ms -> PCMA 30 ms around a loss and a telephone-event: the gap fills the pending frame with silence, the event flushes it and is relayed as is, the audio after starts on its own timestamp")
    func gapsAndEvents() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let a = StreamLeg(localPort: base, codec: "PCMU", payloadType: 0, telephoneEventPT: 101, ssrcOut: 0xA1, seqOut: 0, timestampOut: 0)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMA", payloadType: 8, telephoneEventPT: 102, ptime: 30,
                          ssrcOut: 0xB2, seqOut: 0, timestampOut: 0)
        try await port.openStream(OpenStream(stream: 23, a: a, b: b, statsIntervalMs: 0))
        func audio(_ seq: Int, _ ts: Int) {
            peerA.send(RTP(payloadType: 0, sequence: UInt16(seq), timestamp: UInt32(ts), ssrc: 0x0A, payload: Self.pcmuTone(seq)).bytes, to: base)
        }
        for seq in 0..<4 { audio(seq, 160 * seq) }          // 0...80 ms: two packets out, 20 ms pending
        for seq in 5..<9 { audio(seq, 160 * seq) }          // seq 4 lost: 10 ms of silence completes 60...90 ms
        for (k, duration) in [160, 320, 480].enumerated() { // an event at 180 ms flushes 160...180 ms (+ 10 ms silence)
            peerA.send(RTP(marker: k == 0, payloadType: 101, sequence: UInt16(9 + k), timestamp: 1440, ssrc: 0x0A,
                           payload: [5, (k == 2 ? 0x80 : 0) | 10, UInt8(duration >> 8), UInt8(duration & 0xFF)]).bytes, to: base)
        }
        audio(12, 1920)                                     // audio again at 240 ms: a new packet starts there
        audio(13, 2080)
        var outs: [RTP] = []
        for _ in 0..<10 { outs.append(try peerB.receiveRTP()) }
        #expect(peerB.receive(timeout: 0.2) == nil)
        #expect(outs.map(\.sequence) == expectedSequence(count: 10, from: 0))
        #expect(outs.map(\.payloadType) == [8, 8, 8, 8, 8, 8, 102, 102, 102, 8])
        #expect(outs.map(\.timestamp) == [0, 240, 480, 800, 1040, 1280, 1440, 1440, 1440, 1920])
        let media = outs.filter { $0.payloadType == 8 }
        #expect(media.allSatisfy { $0.payload.count == 240 })
        let silence = [UInt8](repeating: 0xD5, count: 80)   // A-law of 0
        #expect(Array(media[2].payload[160...]) == silence && media[2].payload[..<160].contains { $0 != 0xD5 },
                "20 ms of tone, then 10 ms of silence for the lost packet")
        #expect(Array(media[5].payload[160...]) == silence, "the pending audio went out before the event, padded")
        let events = outs.filter { $0.payloadType == 102 }
        #expect(events.map { Array($0.payload) } == [[5, 10, 0, 160], [5, 10, 1, 64], [5, 0x8A, 1, 224]] && events.first?.marker == true)
        await port.stop(.timeout(.seconds(2)))
    }
}

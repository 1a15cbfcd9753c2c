import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
import WorkerPorts

/// Same codec on both legs: payloads relayed untouched, headers rewritten
/// with each leg's SSRC/sequence/timestamp bases; symmetric latching; stats.
@Suite("Media path: relay", .serialized, .timeLimit(.minutes(1)))
struct RelayTests {
    @Test("PCMU <-> PCMU: payload unchanged, B's and A's bases honoured exactly, both directions, latching, stats")
    func relayBothWays() async throws {
        let events = EventLog()
        let port = try await MediaWorker.start(events: events)
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let a = StreamLeg(localPort: base, codec: "PCMU", payloadType: 0, ssrcOut: 0xA0A0_0001, seqOut: 1000, timestampOut: 5000)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMU", payloadType: 0,
                          ssrcOut: 0xB0B0_0002, seqOut: 40000, timestampOut: 123_456)
        try await port.openStream(OpenStream(stream: 7, a: a, b: b, statsIntervalMs: 100))

        // A's peer -> B's peer.
        for i in 0..<10 {
            let payload = [UInt8](repeating: UInt8(i), count: 160)
            peerA.send(RTP(marker: i == 0, payloadType: 0, sequence: UInt16(7 + i), timestamp: UInt32(999 + 160 * i),
                           ssrc: 0x1234, payload: payload).bytes, to: base)
            let (bytes, from) = try #require(peerB.receive())
            let out = try #require(RTP(bytes))
            #expect(Int(from) == base + 2, "sent from B's port")
            #expect(out.ssrc == 0xB0B0_0002)
            #expect(out.sequence == UInt16(40000 + i))
            #expect(out.timestamp == UInt32(123_456 + 160 * i))
            #expect(out.payloadType == 0 && out.marker == (i == 0))
            #expect(out.payload == payload)
        }
        // B's peer -> A's peer, latched from A's packets.
        for i in 0..<5 {
            let payload = [UInt8](repeating: UInt8(0x80 + i), count: 160)
            peerB.send(RTP(payloadType: 0, sequence: UInt16(truncatingIfNeeded: 65534 + i), timestamp: UInt32(160 * i), ssrc: 0x5678, payload: payload).bytes,
                       to: base + 2)
            let (bytes, from) = try #require(peerA.receive())
            let out = try #require(RTP(bytes))
            #expect(Int(from) == base)
            #expect(out.ssrc == 0xA0A0_0001 && out.sequence == UInt16(1000 + i) && out.timestamp == UInt32(5000 + 160 * i))
            #expect(out.payload == payload)
        }
        let stats = try await port.streamStats(7)
        #expect(stats.a.packetsIn == 10 && stats.a.packetsOut == 5 && stats.b.packetsIn == 5 && stats.b.packetsOut == 10)
        #expect(stats.a.bytesIn == 10 * 172 && stats.b.bytesOut == 10 * 172)
        #expect(stats.a.remote == peerA.address && stats.b.remote == peerB.address)
        #expect(stats.a.lost == 0 && stats.b.lost == 0)
        #expect(stats.b.nextSeqOut == 40010 && stats.b.nextTimestampOut == 123_456 + 1600)
        #expect(stats.a.nextSeqOut == 1005 && stats.a.nextTimestampOut == 5000 + 800 && stats.a.ssrcOut == 0xA0A0_0001)
        try await eventually("a stream_stats event", timeout: .seconds(3)) { !events.streamStats.isEmpty }
        #expect(events.streamStats.last?.streams.first?.stream == 7)
        let final = try await port.closeStream(7)
        #expect(final.b.packetsOut == 10)
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("continuity: the first packet out carries exactly ssrc_out/seq_out/timestamp_out, and wraps from there",
          arguments: [("PCMU", 0, 160), ("opus/48000/2", 111, 960)])
    func continuity(codecB: String, ptB: Int, frame: Int) async throws {
        let port = try await MediaWorker.start()
        let helper = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let a = StreamLeg(localPort: base, codec: "PCMU", payloadType: 0, ssrcOut: 1, seqOut: 0, timestampOut: 0)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: codecB, payloadType: ptB,
                          ssrcOut: 0xCAFE_F00D, seqOut: 65535, timestampOut: 0xFFFF_FF00)
        try await port.openStream(OpenStream(stream: 1, a: a, b: b))
        var outs: [RTP] = []
        for i in 0..<3 {
            let pcm = Tone.pcm16(frequency: 1000, sampleRate: 8000, samples: 160, phase: 160 * i)
            let pcmu = try await helper.transcode(context: 1, .l16Mono8k, .pcmu, Tone.bytes(pcm))
            peerA.send(RTP(payloadType: 0, sequence: UInt16(300 + i), timestamp: UInt32(77_000 + 160 * i), ssrc: 9, payload: pcmu).bytes,
                       to: base)
            outs.append(try peerB.receiveRTP())
        }
        #expect(outs.map(\.ssrc) == [0xCAFE_F00D, 0xCAFE_F00D, 0xCAFE_F00D])
        #expect(outs.map(\.sequence) == [65535, 0, 1])
        #expect(outs.map(\.timestamp) == [0xFFFF_FF00, 0xFFFF_FF00 &+ UInt32(frame), 0xFFFF_FF00 &+ UInt32(2 * frame)])
        let stats = try await port.streamStats(1)
        #expect(stats.b.nextSeqOut == 2 && stats.b.nextTimestampOut == 0xFFFF_FF00 &+ UInt32(3 * frame))
        await port.stop(.timeout(.seconds(2)))
        await helper.stop(.timeout(.seconds(2)))
    }
}

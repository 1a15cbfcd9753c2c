import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
import WorkerPorts

/// RTCP between real UDP peers through the worker: relayed with the SSRCs,
/// sequence numbers and timestamps the worker gives each leg (RTCP on port
/// + 1 and muxed, SRTCP checked with pylibsrtp), and terminated when the
/// stream transcodes, each peer getting the worker's own reports instead.
@Suite("Media path: RTCP", .serialized, .timeLimit(.minutes(2)))
struct RTCPTests {
    typealias Packet = TestRTCP.Packet
    static let suite = "AES_CM_128_HMAC_SHA1_80"
    /// A's peer protects with this (A's remote_key).
    static let peerKey = testKey(61)
    /// The worker protects towards A's peer with this (A's local_key).
    static let workerKey = testKey(83)
    static let ntp: UInt64 = 0xE900_1234_5678_9ABC

    static func payload(_ i: Int) -> [UInt8] { [UInt8](repeating: UInt8(truncatingIfNeeded: 0x30 + i), count: 160) }

    /// A's peer reports: an SR about its media (SSRC 0x1111, 5 packets), a block about what it
    /// received from the worker (`aSSRCOut` up to `highest`) and one about an SSRC nobody uses,
    /// its CNAME, and an APP packet.
    static func reportOfA(aSSRCOut: UInt32, highest: UInt32, rtpTimestamp: UInt32) -> [UInt8] {
        TestRTCP.senderReport(ssrc: 0x1111, .init(ntp: ntp, rtpTimestamp: rtpTimestamp, packets: 5, octets: 800),
                              blocks: [.init(ssrc: aSSRCOut, fractionLost: 3, cumulativeLost: 1, highestSequence: highest, jitter: 7),
                                       .init(ssrc: 0xDEAD_BEEF, highestSequence: 9)])
            + TestRTCP.sdes(ssrc: 0x1111, cname: "alice@a") + TestRTCP.app(ssrc: 0x1111)
    }

    @Test("relay, RTCP on port + 1: A's SR reaches B's peer's port + 1 as B's ssrc_out, its block about B's peer, sequence and RTP timestamp mapped; B's RR returns to A's latched RTCP source")
    func relayOnPortPlusOne() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), rtcpA = try UDPPeer()
        let peerB = try FixedPortPeer(port: base + 4), rtcpB = try FixedPortPeer(port: base + 5)
        let a = StreamLeg(localPort: base, codec: "PCMU", payloadType: 0, ssrcOut: 0xA0A0_0001, seqOut: 1000, timestampOut: 5000)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMU", payloadType: 0,
                          ssrcOut: 0xB0B0_0002, seqOut: 40000, timestampOut: 123_456)
        try await port.openStream(OpenStream(stream: 11, a: a, b: b, statsIntervalMs: 0))
        for i in 0..<5 {
            peerA.send(RTP(payloadType: 0, sequence: UInt16(100 + i), timestamp: UInt32(8000 + 160 * i), ssrc: 0x1111,
                           payload: Self.payload(i)).bytes, to: base)
            _ = try peerB.receiveRTP()
            peerB.send(RTP(payloadType: 0, sequence: UInt16(500 + i), timestamp: UInt32(160 * i), ssrc: 0x2222,
                           payload: Self.payload(i)).bytes, to: base + 2)
            _ = try peerA.receiveRTP()
        }

        rtcpA.send(Self.reportOfA(aSSRCOut: 0xA0A0_0001, highest: 1004, rtpTimestamp: 8800), to: base + 1)
        let (toB, fromA) = try rtcpB.receiveRTCP()
        #expect(Int(fromA) == base + 3, "sent from B's RTCP port")
        // B received A's packets 100...104 as 40000...40004, and sent 500...504 that A received as 1000...1004.
        #expect(toB == [
            Packet(type: 200, ssrc: 0xB0B0_0002, sender: .init(ntp: Self.ntp, rtpTimestamp: 123_456 + 800, packets: 5, octets: 800),
                   blocks: [.init(ssrc: 0x2222, fractionLost: 3, cumulativeLost: 1, highestSequence: 504, jitter: 7)]),
            Packet(type: 202, ssrc: 0xB0B0_0002, chunks: [(0xB0B0_0002, "alice@a")]),
        ])
        #expect(!toB.flatMap(\.ssrcs).contains { [0x1111, 0xA0A0_0001, 0xDEAD_BEEF].contains($0) }, "no SSRC B never saw")

        let lsr = TestRTCP.middle(Self.ntp)
        rtcpB.send(TestRTCP.receiverReport(ssrc: 0x2222, blocks: [.init(ssrc: 0xB0B0_0002, highestSequence: 40004, lastSR: lsr,
                                                                      delaySinceLastSR: 655)])
                   + TestRTCP.sdes(ssrc: 0x2222, cname: "bob@b") + TestRTCP.bye(ssrc: 0x2222), to: base + 3)
        let (toA, fromB) = try rtcpA.receiveRTCP()
        #expect(Int(fromB) == base + 1)
        #expect(toA == [
            Packet(type: 201, ssrc: 0xA0A0_0001, blocks: [.init(ssrc: 0x1111, highestSequence: 104, lastSR: lsr, delaySinceLastSR: 655)]),
            Packet(type: 202, ssrc: 0xA0A0_0001, chunks: [(0xA0A0_0001, "bob@b")]),
            Packet(type: 203, ssrc: 0xA0A0_0001),
        ])
        let stats = try await port.streamStats(11)
        #expect(stats.a.rtcpPackets == 1 && stats.b.rtcpPacketsOut == 1 && stats.b.rtcpPackets == 1 && stats.a.rtcpPacketsOut == 1)
        #expect(stats.a.packetsIn == 5 && stats.b.packetsIn == 5, "RTCP is not media")
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("relay, SRTP A with rtcp-mux <-> plain B: A's SRTCP is relayed in the clear to B's port + 1; B's RTCP reaches A as SRTCP that pylibsrtp authenticates; a forged SRTCP is dropped",
          .enabled(if: PyLibSRTP.isRequired, "python3 with pylibsrtp is not installed (pip install pylibsrtp)"))
    func srtcpMuxed() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer()
        let peerB = try FixedPortPeer(port: base + 4), rtcpB = try FixedPortPeer(port: base + 5)
        let keys = StreamSRTP(suite: Self.suite, localKey: base64(Self.workerKey), remoteKey: base64(Self.peerKey))
        let a = StreamLeg(localPort: base, codec: "PCMA", payloadType: 8, rtcpMux: true, srtp: keys, ssrcOut: 0xA1, seqOut: 7, timestampOut: 0)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMA", payloadType: 8, ssrcOut: 0xB2, seqOut: 70,
                          timestampOut: 320)
        try await port.openStream(OpenStream(stream: 12, a: a, b: b, statsIntervalMs: 0))
        let rtp = (0..<3).map { RTP(payloadType: 8, sequence: UInt16(100 + $0), timestamp: UInt32(8000 + 160 * $0), ssrc: 0x1111,
                                    payload: Self.payload($0)).bytes }
        for packet in try PyLibSRTP.run(suite: Self.suite, key: Self.peerKey, mode: "protect", packets: rtp).compactMap({ $0 }) {
            peerA.send(packet, to: base)
            _ = try peerB.receiveRTP()
        }
        for i in 0..<3 {
            peerB.send(RTP(payloadType: 8, sequence: UInt16(500 + i), timestamp: UInt32(160 * i), ssrc: 0x2222, payload: Self.payload(i)).bytes,
                       to: base + 2)
            _ = try peerA.receiveBytes()
        }

        let report = Self.reportOfA(aSSRCOut: 0xA1, highest: 9, rtpTimestamp: 8000 + 480)
        let srtcp = try #require(try PyLibSRTP.run(suite: Self.suite, key: Self.peerKey, mode: "protect_rtcp", packets: [report]).first ?? nil)
        peerA.send(srtcp, to: base)
        let (toB, _) = try rtcpB.receiveRTCP()
        #expect(toB == [
            Packet(type: 200, ssrc: 0xB2, sender: .init(ntp: Self.ntp, rtpTimestamp: 320 + 480, packets: 5, octets: 800),
                   blocks: [.init(ssrc: 0x2222, fractionLost: 3, cumulativeLost: 1, highestSequence: 502, jitter: 7)]),
            Packet(type: 202, ssrc: 0xB2, chunks: [(0xB2, "alice@a")]),
        ])

        rtcpB.send(TestRTCP.receiverReport(ssrc: 0x2222, blocks: [.init(ssrc: 0xB2, highestSequence: 72)])
                   + TestRTCP.sdes(ssrc: 0x2222, cname: "bob@b"), to: base + 3)
        let protected = try peerA.receiveBytes()
        let clear = try PyLibSRTP.run(suite: Self.suite, key: Self.workerKey, mode: "unprotect_rtcp", packets: [protected])
        let toA = try #require(clear.first ?? nil, "pylibsrtp authenticates the worker's SRTCP")
        #expect(TestRTCP.parse(toA) == [
            Packet(type: 201, ssrc: 0xA1, blocks: [.init(ssrc: 0x1111, highestSequence: 102)]),
            Packet(type: 202, ssrc: 0xA1, chunks: [(0xA1, "bob@b")]),
        ])

        let forged = try #require(try PyLibSRTP.run(suite: Self.suite, key: testKey(99), mode: "protect_rtcp", packets: [report]).first ?? nil)
        peerA.send(forged, to: base)
        #expect(try await port.call(.echo, [1]) == [1])
        let stats = try await port.streamStats(12)
        #expect(stats.a.srtpFailures == 1 && stats.a.rtcpPackets == 1, "the forged SRTCP fails authentication")
        #expect(stats.b.rtcpPacketsOut == 1 && stats.a.rtcpPacketsOut == 1 && stats.b.rtcpPackets == 1)
        #expect(rtcpB.receive(timeout: 0.2) == nil, "nothing else reached B")
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("transcoding (PCMA <-> PCMU): peers' RTCP is not forwarded; each peer gets the worker's own SR + CNAME naming only its own SSRC and the worker's ssrc_out for it, with LSR from its SR")
    func transcodingReports() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer()
        let peerB = try FixedPortPeer(port: base + 4), rtcpB = try FixedPortPeer(port: base + 5)
        let a = StreamLeg(localPort: base, codec: "PCMA", payloadType: 8, rtcpMux: true, ssrcOut: 0xA1A1, seqOut: 10, timestampOut: 1000)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMU", payloadType: 0, ssrcOut: 0xB2B2, seqOut: 20,
                          timestampOut: 2000)
        try await port.openStream(OpenStream(stream: 13, a: a, b: b, statsIntervalMs: 0, rtcpIntervalMs: 100))
        for i in 0..<10 {
            peerA.send(RTP(payloadType: 8, sequence: UInt16(100 + i), timestamp: UInt32(160 * i), ssrc: 0x1111,
                           payload: [UInt8](repeating: 0xD5, count: 160)).bytes, to: base)
            _ = try peerB.receiveRTP()
            peerB.send(RTP(payloadType: 0, sequence: UInt16(500 + i), timestamp: UInt32(160 * i), ssrc: 0x2222,
                           payload: [UInt8](repeating: 0xFF, count: 160)).bytes, to: base + 2)
            _ = try peerA.receiveMedia()
        }
        // The peers' own reports: A's would name 0x1111 and 0xA1A1 to B, so it must not be forwarded.
        peerA.send(Self.reportOfA(aSSRCOut: 0xA1A1, highest: 19, rtpTimestamp: 1600), to: base)
        let ntpB: UInt64 = 0xEA00_0000_8000_0000
        rtcpB.send(TestRTCP.senderReport(ssrc: 0x2222, .init(ntp: ntpB, rtpTimestamp: 1600, packets: 10, octets: 1600))
                   + TestRTCP.sdes(ssrc: 0x2222, cname: "bob@b"), to: base + 3)

        // B's reports until one echoes B's SR (each every ~100 ms).
        var echoed: [Packet]?
        for _ in 0..<50 where echoed == nil {
            let (report, from) = try rtcpB.receiveRTCP()
            #expect(Int(from) == base + 3)
            #expect(Set(report.flatMap(\.ssrcs)).isSubset(of: [0xB2B2, 0x2222]), "B only hears of its own SSRC and 0xB2B2: \(report)")
            if report.first?.blocks.first?.lastSR == TestRTCP.middle(ntpB) { echoed = report }
        }
        let toB = try #require(echoed)
        #expect(toB.count == 2 && toB[0].type == 200 && toB[0].ssrc == 0xB2B2)
        #expect(toB[0].sender?.packets == 10 && toB[0].sender?.octets == 1600)
        let block = try #require(toB[0].blocks.first)
        #expect(toB[0].blocks.count == 1 && block.ssrc == 0x2222 && block.highestSequence == 509 && block.cumulativeLost == 0)
        #expect(block.delaySinceLastSR > 0)
        #expect(toB[1] == Packet(type: 202, ssrc: 0xB2B2, chunks: [(0xB2B2, "sb-0000b2b2")]))

        // A's peer gets the worker's reports on its muxed port, about 0x1111 only.
        let (toA, _) = try peerA.receiveRTCP()
        #expect(Set(toA.flatMap(\.ssrcs)).isSubset(of: [0xA1A1, 0x1111]), "A only hears of its own SSRC and 0xA1A1: \(toA)")
        #expect(toA.first?.type == 200 && toA.first?.ssrc == 0xA1A1 && toA.first?.blocks.first?.highestSequence == 109)
        let stats = try await port.streamStats(13)
        #expect(stats.a.rtcpPackets == 1 && stats.b.rtcpPackets == 1)
        #expect(stats.a.rtcpPacketsOut >= 1 && stats.b.rtcpPacketsOut >= 1)
        await port.stop(.timeout(.seconds(2)))
    }
}

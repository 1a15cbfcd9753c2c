import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
import WorkerPorts

/// Whatever arrives on a media port is counted and dropped, never a crash,
/// and never mistaken for media: garbage, truncated RTP, bad SRTP auth,
/// unknown payload types, malformed or unauthenticated RTCP (muxed or on
/// port + 1). Valid RTCP is never media either (it is relayed as RTCP).
@Suite("Media path: hostile input", .serialized, .timeLimit(.minutes(1)))
struct HostileInputTests {
    @Test("garbage, truncated RTP, bad SRTP auth, unknown PT, malformed RTCP: counted, dropped, the worker and the stream live on")
    func hostile() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let key = testKey(3)
        // A: SRTP, RTCP muxed. B: plain, RTCP on port + 1.
        let a = StreamLeg(localPort: base, codec: "PCMA", payloadType: 8, rtcpMux: true,
                          srtp: StreamSRTP(suite: "AES_CM_128_HMAC_SHA1_32", localKey: base64(testKey(9)), remoteKey: base64(key)),
                          ssrcOut: 1, seqOut: 1, timestampOut: 1)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMA", payloadType: 8, ssrcOut: 2, seqOut: 1, timestampOut: 1)
        try await port.openStream(OpenStream(stream: 9, a: a, b: b))

        var rng = SystemRandomNumberGenerator()
        for n in [0, 1, 5, 11, 12, 40, 1500] {
            peerA.send((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) & 0x3F }, to: base)  // version 0
        }
        peerA.send([0x80, 0x08, 0x00], to: base)                                          // truncated header
        let good = { (seq: UInt16) in RTP(payloadType: 8, sequence: seq, timestamp: UInt32(seq) * 160, ssrc: 77, payload: [UInt8](repeating: 0xD5, count: 160)) }
        let wrongKey = try PyLibSRTP.runIfAvailable(key: testKey(4), packets: [good(1).bytes])
        for packet in wrongKey { peerA.send(packet, to: base) }                           // authentication fails
        var tampered = try PyLibSRTP.runIfAvailable(key: key, packets: [good(2).bytes])
        if !tampered.isEmpty { tampered[0][20] ^= 0x01; peerA.send(tampered[0], to: base) }
        // An unauthenticated RTCP receiver report on the muxed SRTP port: an SRTCP failure, never media.
        peerA.send([0x81, 201, 0x00, 0x07] + [UInt8](repeating: 0, count: 28), to: base)
        // On B (plain): CSRC count running past the end, bad padding, extension past the end, unknown PT.
        peerB.send([0x8F, 0x08, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1] + [1, 2, 3, 4], to: base + 2)
        peerB.send([0xA0, 0x08, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1] + [1, 2, 200], to: base + 2)
        peerB.send([0x90, 0x08, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1] + [0xBE, 0xDE, 0x00, 0x09], to: base + 2)
        peerB.send(RTP(payloadType: 18, sequence: 1, timestamp: 0, ssrc: 5, payload: [1, 2, 3]).bytes, to: base + 2)
        peerB.send([0x80, 200] + [UInt8](repeating: 0, count: 26), to: base + 3)          // SR whose length is not the datagram's
        peerB.send([0x81, 201, 0x00, 0x07] + [UInt8](repeating: 0, count: 28), to: base + 2)  // valid RR on the RTP port: for A, unsent
        #expect(peerB.receive(timeout: 0.3) == nil, "nothing hostile is forwarded")
        #expect(peerA.receive(timeout: 0.1) == nil)

        // The stream still works: a valid packet from A's peer reaches B's peer.
        let valid = PyLibSRTP.isAvailable ? try PyLibSRTP.runIfAvailable(key: key, packets: [good(3).bytes]) : []
        if let packet = valid.first {
            peerA.send(packet, to: base)
            let out = try peerB.receiveRTP()
            #expect(out.payload == good(3).payload && out.ssrc == 2)
        }
        #expect(try await port.call(.echo, [42]) == [42])
        let stats = try await port.streamStats(9)
        #expect(stats.a.malformed == 8)
        #expect(stats.a.rtcpPackets == 0)
        #expect(stats.b.malformed == 4 && stats.b.unknownPayloadType == 1 && stats.b.rtcpPackets == 1)
        #expect(stats.b.packetsIn == 0 && stats.a.packetsOut == 0, "RTCP is never taken for media")
        #expect(stats.a.unsent == 1 && stats.a.rtcpPacketsOut == 0, "the valid RR is relayed to A, whose peer is not known yet")
        if PyLibSRTP.isAvailable {
            #expect(stats.a.srtpFailures == 3 && stats.a.packetsIn == 1)
        }
        #expect(stats.b.remote == peerB.address, "a configured remote stays until a valid packet comes from elsewhere")
        await port.stop(.timeout(.seconds(2)))
    }
}

extension PyLibSRTP {
    /// Protects `packets` with `key` (AES_CM_128_HMAC_SHA1_32), or returns `[]` without pylibsrtp.
    static func runIfAvailable(key: [UInt8], packets: [[UInt8]]) throws -> [[UInt8]] {
        guard isAvailable else { return [] }
        return try run(suite: "AES_CM_128_HMAC_SHA1_32", key: key, mode: "protect", packets: packets).compactMap { $0 }
    }
}

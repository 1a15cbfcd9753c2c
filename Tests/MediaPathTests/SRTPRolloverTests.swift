import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
import WorkerPorts

/// pylibsrtp sessions whose rollover counter (RFC 3711 section 3.3.1) starts
/// where a test wants it, without any ROC API: before the test's packets, the
/// SSRC's index is walked up from 0 in steps of 2^14 (libsrtp follows any step
/// below 2^15, as every receiver must), through public `protect`/`unprotect`
/// only. So the worker's use of `srtp_set_stream_roc` is checked against
/// libsrtp's ordinary index estimation, not against itself.
enum RolloverPeer {
    static let program = """
        import base64, json, struct, sys
        from pylibsrtp import Policy, Session
        r = json.load(sys.stdin)
        profile = {"AES_CM_128_HMAC_SHA1_80": Policy.SRTP_PROFILE_AES128_CM_SHA1_80,
                   "AES_CM_128_HMAC_SHA1_32": Policy.SRTP_PROFILE_AES128_CM_SHA1_32}[r["suite"]]
        key = base64.b64decode(r["key"])
        def session(kind):
            return Session(policy=Policy(key=key, ssrc_type=kind, srtp_profile=profile))
        def rtp(index):
            return struct.pack("!BBHII", 0x80, 13, index & 0xFFFF, 0, r["ssrc"]) + bytes(10)
        sender = session(Policy.SSRC_ANY_OUTBOUND)
        inbound = r["mode"] == "unprotect"
        receiver = session(Policy.SSRC_ANY_INBOUND) if inbound else None
        target, index = r["roc"] << 16 | r["seq"], 0
        while index < target:
            walked = sender.protect(rtp(index))
            if inbound:
                receiver.unprotect(walked)
            index += 1 << 14
        out = []
        for p in r["packets"]:
            try:
                data = base64.b64decode(p)
                out.append(base64.b64encode(receiver.unprotect(data) if inbound else sender.protect(data)).decode())
            except Exception:
                out.append(None)
        json.dump({"packets": out}, sys.stdout)
        """

    /// Protects (`mode` "protect") or unprotects ("unprotect") `packets` of `ssrc` with one
    /// pylibsrtp session whose index for `ssrc` was first walked to just below `roc << 16 | seq`.
    static func run(_ mode: String, key: [UInt8], ssrc: UInt32, roc: UInt32, seq: UInt16,
                    packets: [[UInt8]]) throws -> [[UInt8]?] {
        let request: [String: Any] = [
            "suite": "AES_CM_128_HMAC_SHA1_80", "key": base64(key), "mode": mode, "ssrc": Int(ssrc), "roc": Int(roc),
            "seq": Int(seq), "packets": packets.map(base64),
        ]
        let (status, output) = try PyLibSRTP.launch(["-c", program], input: try JSONSerialization.data(withJSONObject: request))
        guard status == 0, let reply = try JSONSerialization.jsonObject(with: output) as? [String: Any],
              let list = reply["packets"] as? [Any] else {
            throw UDPPeer.Failure(description: "the pylibsrtp rollover peer failed (exit \(status))")
        }
        return list.map { item in (item as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } }
    }
}

/// SRTP across the 16-bit sequence wrap when a stream is re-opened on a new
/// worker: `roc_out` for what the worker sends, `remote_ssrc` + `roc_in`
/// (+ `remote_seq`) for what the peer sends, and the same values in the stats.
@Suite("Media path: SRTP rollover counter", .serialized, .timeLimit(.minutes(2)),
       .enabled(if: PyLibSRTP.isRequired, "python3 with pylibsrtp is not installed (pip install pylibsrtp)"))
struct SRTPRolloverTests {
    static let suite = "AES_CM_128_HMAC_SHA1_80"
    /// The worker protects towards the SRTP leg's peer with this.
    static let workerKey = testKey(91)
    /// The SRTP leg's peer protects with this.
    static let peerKey = testKey(23)
    static let keys = StreamSRTP(suite: suite, localKey: base64(workerKey), remoteKey: base64(peerKey))

    static func payload(_ i: Int) -> [UInt8] { [UInt8](repeating: UInt8(truncatingIfNeeded: 0x40 + i), count: 160) }

    @Test("outbound: seq_out 65534 + roc_out 7 -> all packets authenticate at a ROC-7 receiver across the wrap; roc_out 8; re-open from the stats continues")
    func outboundRollover() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let ssrc: UInt32 = 0xB0B0_7007
        func open(seq: UInt16, roc: UInt32, timestamp: UInt32) async throws {
            let a = StreamLeg(localPort: base, codec: "PCMU", payloadType: 0, ssrcOut: 0xA0A0, seqOut: 1, timestampOut: 0)
            let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMU", payloadType: 0, srtp: Self.keys,
                              ssrcOut: ssrc, seqOut: seq, timestampOut: timestamp, rocOut: roc)
            try await port.openStream(OpenStream(stream: 21, a: a, b: b))
        }
        var sent: [[UInt8]] = []
        func relay(_ range: Range<Int>) throws {
            for i in range {
                peerA.send(RTP(payloadType: 0, sequence: UInt16(300 + i), timestamp: UInt32(160 * i), ssrc: 0x1111,
                               payload: Self.payload(i)).bytes, to: base)
                sent.append(try peerB.receiveBytes())
            }
        }
        try await open(seq: 65534, roc: 7, timestamp: 8000)
        try relay(0..<5)
        let stats = try await port.streamStats(21)
        #expect(stats.b.rocOut == 8 && stats.b.nextSeqOut == 3, "the next packet is index 8 << 16 | 3")
        #expect(stats.b.packetsOut == 5 && stats.b.srtpFailures == 0)
        #expect(stats.a.rocOut == 0 && stats.a.remoteSSRC == 0x1111 && stats.a.remoteSeq == 304 && stats.a.rocIn == nil)

        // A replacement worker: same ports and keys, index advanced by 100 packets (no wrap here).
        _ = try await port.closeStream(21)
        let next = (UInt64(stats.b.rocOut) << 16 | UInt64(stats.b.nextSeqOut)) + 100
        try await open(seq: UInt16(truncatingIfNeeded: next), roc: UInt32(next >> 16), timestamp: stats.b.nextTimestampOut &+ 16_000)
        try relay(5..<8)
        let after = try await port.streamStats(21)
        #expect(after.b.rocOut == 8 && after.b.nextSeqOut == 106)

        let clear = try RolloverPeer.run("unprotect", key: Self.workerKey, ssrc: ssrc, roc: 7, seq: 65534, packets: sent)
        #expect(clear.allSatisfy { $0 != nil }, "a receiver at ROC 7 authenticates every packet, before and after the wrap")
        let packets = clear.compactMap { $0.flatMap(RTP.init) }
        #expect(packets.map(\.sequence) == [65534, 65535, 0, 1, 2, 103, 104, 105])
        #expect(packets.map(\.payload) == (0..<8).map(Self.payload) && packets.allSatisfy { $0.ssrc == ssrc })
        // The test has teeth: at ROC 0 the same packets do not authenticate.
        let wrong = try RolloverPeer.run("unprotect", key: Self.workerKey, ssrc: ssrc, roc: 0, seq: 65534, packets: sent)
        #expect(wrong.allSatisfy { $0 == nil })
        await port.stop(.timeout(.seconds(2)))
    }

    /// Opens stream `id` with an SRTP leg A (the peer's SSRC and ROC as given) and plain leg B towards `peerB`.
    func openInbound(_ port: WorkerPort, id: UInt32, base: Int, peerB: UDPPeer, remoteSSRC: UInt32?, rocIn: UInt32?,
                     remoteSeq: UInt16? = nil) async throws {
        let a = StreamLeg(localPort: base, codec: "PCMU", payloadType: 0, srtp: Self.keys, ssrcOut: 0xA1, seqOut: 0, timestampOut: 0,
                          remoteSSRC: remoteSSRC, rocIn: rocIn, remoteSeq: remoteSeq)
        let b = StreamLeg(localPort: base + 2, remote: peerB.address, codec: "PCMU", payloadType: 0, ssrcOut: 0xB2, seqOut: 10, timestampOut: 0)
        try await port.openStream(OpenStream(stream: id, a: a, b: b))
    }

    /// `sequences` of SSRC `ssrc`, protected by the peer with index `roc << 16 | sequences[0]` first.
    func peerPackets(ssrc: UInt32, roc: UInt32, _ sequences: [UInt16]) throws -> [[UInt8]] {
        let rtp = sequences.enumerated().map { i, s in
            RTP(payloadType: 0, sequence: s, timestamp: UInt32(160 * i), ssrc: ssrc, payload: Self.payload(i)).bytes
        }
        let srtp = try RolloverPeer.run("protect", key: Self.peerKey, ssrc: ssrc, roc: roc, seq: sequences[0], packets: rtp)
        let protected = srtp.compactMap { $0 }
        guard protected.count == rtp.count else { throw UDPPeer.Failure(description: "pylibsrtp did not protect every packet") }
        return protected
    }

    @Test("inbound: the peer at ROC 3 is accepted with remote_ssrc + roc_in 3, across its wrap; without roc_in every packet fails")
    func inboundRollover() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let ssrc: UInt32 = 0x5EED_0003
        let packets = try peerPackets(ssrc: ssrc, roc: 3, [65533, 65534, 65535, 0, 1])

        try await openInbound(port, id: 31, base: base, peerB: peerB, remoteSSRC: ssrc, rocIn: 3)
        let before = try await port.streamStats(31)
        #expect(before.a.remoteSSRC == ssrc && before.a.rocIn == 3 && before.a.remoteSeq == nil, "the carried-over state until a packet arrives")
        var outs: [RTP] = []
        for packet in packets {
            peerA.send(packet, to: base)
            outs.append(try peerB.receiveRTP())
        }
        #expect(outs.map(\.payload) == (0..<5).map(Self.payload))
        #expect(outs.map(\.sequence) == [10, 11, 12, 13, 14])
        let stats = try await port.closeStream(31)
        #expect(stats.a.srtpFailures == 0 && stats.a.packetsIn == 5 && stats.b.packetsOut == 5)
        #expect(stats.a.remoteSSRC == ssrc && stats.a.rocIn == 4 && stats.a.remoteSeq == 1, "libsrtp's ROC after the peer's wrap")

        // Without the ROC, the worker takes the peer's packets for ROC 0: all fail.
        try await openInbound(port, id: 32, base: base, peerB: peerB, remoteSSRC: nil, rocIn: nil)
        for packet in packets { peerA.send(packet, to: base) }
        #expect(peerB.drain().isEmpty)
        let without = try await port.closeStream(32)
        #expect(without.a.srtpFailures == 5 && without.a.packetsIn == 0)
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("inbound with remote_seq: re-opened from the stats after the peer wrapped while no worker listened")
    func inboundResumeAcrossWrap() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerA = try UDPPeer(), peerB = try UDPPeer()
        let ssrc: UInt32 = 0x5EED_0004
        // 3:65500...3:65509 to the first worker; 4:20...4:24 after the "crash" (47 packets later).
        let packets = try peerPackets(ssrc: ssrc, roc: 3, (65500...65509).map { UInt16($0) } + (20...24).map { UInt16($0) })

        try await openInbound(port, id: 41, base: base, peerB: peerB, remoteSSRC: ssrc, rocIn: 3)
        for packet in packets[0..<10] {
            peerA.send(packet, to: base)
            _ = try peerB.receiveRTP()
        }
        let first = try await port.closeStream(41)
        #expect(first.a.srtpFailures == 0 && first.a.packetsIn == 10)
        #expect(first.a.remoteSSRC == ssrc && first.a.rocIn == 3 && first.a.remoteSeq == 65509)

        // roc_in alone means "the ROC of the next packet": 3 is stale now, so these fail.
        try await openInbound(port, id: 42, base: base, peerB: peerB, remoteSSRC: first.a.remoteSSRC, rocIn: first.a.rocIn)
        peerA.send(packets[10], to: base)
        #expect(peerB.drain().isEmpty)
        let stale = try await port.closeStream(42)
        #expect(stale.a.srtpFailures == 1 && stale.a.rocIn == 3, "the carried-over ROC stays until a packet authenticates")

        // With remote_seq the worker estimates the ROC of the next packet (RFC 3711 3.3.1): 4.
        try await openInbound(port, id: 43, base: base, peerB: peerB, remoteSSRC: first.a.remoteSSRC, rocIn: first.a.rocIn,
                              remoteSeq: first.a.remoteSeq)
        var outs: [RTP] = []
        for packet in packets[10...] {
            peerA.send(packet, to: base)
            outs.append(try peerB.receiveRTP())
        }
        #expect(outs.map(\.payload) == (10..<15).map(Self.payload))
        let resumed = try await port.closeStream(43)
        #expect(resumed.a.srtpFailures == 0 && resumed.a.packetsIn == 5)
        #expect(resumed.a.rocIn == 4 && resumed.a.remoteSeq == 24)
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("roc_in without remote_ssrc is a bad_request")
    func rocInNeedsSSRC() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let peerB = try UDPPeer()
        await #expect(throws: (any Error).self) {
            try await openInbound(port, id: 51, base: base, peerB: peerB, remoteSSRC: nil, rocIn: 2)
        }
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("JSON: old legs and stats decode (roc_out 0, the rest null); stats always carry the new keys")
    func json() throws {
        let leg = try JSONDecoder().decode(StreamLeg.self, from: Data("""
            {"local_port": 30000, "codec": "PCMU", "payload_type": 0, "ssrc_out": 1, "seq_out": 2, "timestamp_out": 3}
            """.utf8))
        #expect(leg.rocOut == 0 && leg.remoteSSRC == nil && leg.rocIn == nil && leg.remoteSeq == nil)
        var resumed = leg
        resumed.rocOut = 8
        resumed.remoteSSRC = 0x5EED
        resumed.rocIn = 3
        resumed.remoteSeq = 65509
        let text = String(decoding: try JSONEncoder().encode(resumed), as: UTF8.self)
        #expect(text.contains("\"roc_out\":8") && text.contains("\"remote_ssrc\":24301") && text.contains("\"roc_in\":3")
                && text.contains("\"remote_seq\":65509"))
        #expect(try JSONDecoder().decode(StreamLeg.self, from: Data(text.utf8)) == resumed)

        let old = try JSONDecoder().decode(LegStats.self, from: Data("""
            {"packets_in": 1, "packets_out": 2, "bytes_in": 3, "bytes_out": 4, "lost": 0, "jitter_ms": 0, "remote": null,
             "ssrc_out": 5, "next_seq_out": 6, "next_timestamp_out": 7, "srtp_failures": 0, "rtcp_packets": 0}
            """.utf8))
        #expect(old.rocOut == 0 && old.remoteSSRC == nil && old.rocIn == nil && old.remoteSeq == nil)
        let encoded = try JSONSerialization.jsonObject(with: try JSONEncoder().encode(old)) as? [String: Any]
        #expect(encoded?["roc_out"] as? Int == 0)
        #expect(encoded?["remote_ssrc"] is NSNull && encoded?["roc_in"] is NSNull && encoded?["remote_seq"] is NSNull)
    }
}

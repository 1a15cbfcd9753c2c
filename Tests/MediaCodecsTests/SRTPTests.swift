import Foundation
import Testing
@testable import MediaCodecs

@Suite struct SRTPTests {
    static let key: [UInt8] = (0..<30).map { UInt8($0 &* 7 &+ 3) }

    /// An RTP packet: version 2, payload type 0, the given sequence number, SSRC 0x11223344, 160 bytes of payload.
    static func rtp(sequence: UInt16, payloadByte: UInt8 = 0xD5) -> [UInt8] {
        let ts = UInt32(sequence) * 160
        return [0x80, 0x00, UInt8(sequence >> 8), UInt8(sequence & 0xFF),
                UInt8(ts >> 24), UInt8((ts >> 16) & 0xFF), UInt8((ts >> 8) & 0xFF), UInt8(ts & 0xFF),
                0x11, 0x22, 0x33, 0x44] + [UInt8](repeating: payloadByte, count: 160)
    }

    @Test(arguments: SRTPSuite.allCases)
    func roundTrip(suite: SRTPSuite) throws {
        let sender = try SRTPSession(suite: suite, key: Self.key, direction: .outbound)
        let receiver = try SRTPSession(suite: suite, key: Self.key, direction: .inbound)
        for seq in UInt16(1)...20 {
            let plain = Self.rtp(sequence: seq)
            var packet = plain
            try sender.protect(&packet)
            #expect(packet.count == plain.count + suite.authTagLength)
            #expect(packet[0..<12] == plain[0..<12], "the header stays in the clear")
            #expect(packet[12..<172] != plain[12...], "the payload is encrypted")
            try receiver.unprotect(&packet)
            #expect(packet == plain)
        }
    }

    /// A sender made for its own SSRC only (no any-SSRC template): protects RTP and
    /// RTCP of that SSRC, refuses others; a session for no SSRC at all is refused.
    @Test func sessionForListedSSRCsOnly() throws {
        let sender = try SRTPSession(suite: .aesCM128HMACSHA1_80, key: Self.key, direction: .outbound, ssrcs: [0x1122_3344: 0],
                                     anySSRC: false)
        let receiver = try SRTPSession(suite: .aesCM128HMACSHA1_80, key: Self.key, direction: .inbound)
        var packet = Self.rtp(sequence: 9)
        try sender.protect(&packet)
        try receiver.unprotect(&packet)
        #expect(packet == Self.rtp(sequence: 9))
        var rtcp: [UInt8] = [0x80, 201, 0, 1, 0x11, 0x22, 0x33, 0x44]
        try sender.protectRTCP(&rtcp)
        try receiver.unprotectRTCP(&rtcp)
        #expect(rtcp == [0x80, 201, 0, 1, 0x11, 0x22, 0x33, 0x44])
        var other = Self.rtp(sequence: 9)
        other[11] = 0x45
        #expect(throws: SRTPError.self) { try sender.protect(&other) }
        #expect(throws: SRTPError.self) {
            try SRTPSession(suite: .aesCM128HMACSHA1_80, key: Self.key, direction: .outbound, anySSRC: false)
        }
    }

    @Test func tagLengthsAreTenAndFourBytes() {
        #expect(SRTPSuite.aesCM128HMACSHA1_80.authTagLength == 10)
        #expect(SRTPSuite.aesCM128HMACSHA1_32.authTagLength == 4)
        #expect(SRTPSuite(name: "aes_cm_128_hmac_sha1_32") == .aesCM128HMACSHA1_32)
    }

    @Test(arguments: SRTPSuite.allCases)
    func tamperedPacketFailsAuthentication(suite: SRTPSuite) throws {
        let sender = try SRTPSession(suite: suite, key: Self.key, direction: .outbound)
        let receiver = try SRTPSession(suite: suite, key: Self.key, direction: .inbound)
        var packet = Self.rtp(sequence: 7)
        try sender.protect(&packet)
        packet[40] ^= 0x01
        let original = packet
        let error = #expect(throws: SRTPError.self) { try receiver.unprotect(&packet) }
        #expect(error?.isAuthenticationFailure == true)
        #expect(error?.statusName == "srtp_err_status_auth_fail")
        #expect(packet == original, "a failed unprotect leaves the packet as it was")
    }

    @Test func replayedPacketIsRefused() throws {
        let sender = try SRTPSession(suite: .aesCM128HMACSHA1_80, key: Self.key, direction: .outbound)
        let receiver = try SRTPSession(suite: .aesCM128HMACSHA1_80, key: Self.key, direction: .inbound)
        var packet = Self.rtp(sequence: 100)
        try sender.protect(&packet)
        var first = packet
        try receiver.unprotect(&first)
        let error = #expect(throws: SRTPError.self) { try receiver.unprotect(&packet) }
        #expect(error?.isReplay == true)
    }

    @Test func wrongKeyFailsAndBadInputIsAnError() throws {
        let sender = try SRTPSession(suite: .aesCM128HMACSHA1_80, key: Self.key, direction: .outbound)
        var otherKey = Self.key
        otherKey[0] ^= 0xFF
        let receiver = try SRTPSession(suite: .aesCM128HMACSHA1_80, key: otherKey, direction: .inbound)
        var packet = Self.rtp(sequence: 1)
        try sender.protect(&packet)
        #expect(throws: SRTPError.self) { try receiver.unprotect(&packet) }
        #expect(throws: SRTPError.self) { try SRTPSession(suite: .aesCM128HMACSHA1_80, key: [1, 2, 3], direction: .inbound) }
        var short: [UInt8] = [0x80, 0, 0]
        #expect(throws: SRTPError.self) { try sender.protect(&short) }
        #expect(throws: SRTPError.self) { try receiver.unprotect(&short) }
        var huge = [UInt8](repeating: 0x80, count: 1 << 20)
        #expect(throws: SRTPError.self) { try sender.protect(&huge) }
        var wrongWay = Self.rtp(sequence: 2)
        #expect(throws: SRTPError.self) { try receiver.protect(&wrongWay) }
    }

    @Test(arguments: SRTPSuite.allCases)
    func rtcpRoundTrip(suite: SRTPSuite) throws {
        let sender = try SRTPSession(suite: suite, key: Self.key, direction: .outbound)
        let receiver = try SRTPSession(suite: suite, key: Self.key, direction: .inbound)
        // A receiver report with no report blocks: V=2, PT=201, length 1, SSRC.
        let plain: [UInt8] = [0x80, 201, 0x00, 0x01, 0x11, 0x22, 0x33, 0x44]
        var packet = plain
        try sender.protectRTCP(&packet)
        #expect(packet.count == plain.count + 4 + 10, "SRTCP index + 80-bit tag for both suites")
        try receiver.unprotectRTCP(&packet)
        #expect(packet == plain)
    }

    @Test func versionIsReported() {
        #expect(CodecLibraries.srtpVersion.contains("srtp"))
    }
}

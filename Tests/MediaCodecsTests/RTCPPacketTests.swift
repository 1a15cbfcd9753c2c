import Testing
@testable import MediaCodecs

/// RTCP validation, translation and the reports the worker writes, on
/// packets built here byte by byte.
@Suite struct RTCPPacketTests {
    static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func header(_ count: Int, _ type: UInt8, words: Int) -> [UInt8] { [0x80 | UInt8(count), type, 0, UInt8(words)] }
    static func block(_ ssrc: UInt32, highest: UInt32) -> [UInt8] { u32(ssrc) + u32(0x0200_0001) + u32(highest) + u32(9) + u32(0xAB) + u32(0xCD) }
    static func sr(_ ssrc: UInt32, rtp: UInt32, blocks: [[UInt8]]) -> [UInt8] {
        header(blocks.count, 200, words: 6 + 6 * blocks.count) + u32(ssrc) + u32(0xE000_0001) + u32(0x8000_0000) + u32(rtp) + u32(5)
            + u32(800) + blocks.flatMap { $0 }
    }
    static func sdes(_ ssrc: UInt32) -> [UInt8] { header(1, 202, words: 3) + u32(ssrc) + [1, 3, 0x61, 0x62, 0x63, 0, 0, 0] }

    static func check(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { RTCP.isValidCompound($0) } }

    static func translate(_ bytes: [UInt8], _ t: RTCPTranslation) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: bytes.count)
        let n = bytes.withUnsafeBytes { input in out.withUnsafeMutableBytes { RTCPTranslator.translate(input, into: $0, t) } }
        return Array(out[0..<n])
    }

    static let translation = RTCPTranslation(senderIn: 0x1111, senderOut: 0xB0B0, reportedIn: 0xA0A0, reportedOut: 0x2222,
                                             sequenceOffset: 1000, sequenceReference: 0x0001_0010, timestampDelta: 100)

    @Test func validCompoundsPassAndBrokenOnesDoNot() {
        let compound = Self.sr(0x1111, rtp: 1, blocks: [Self.block(0xA0A0, highest: 7)]) + Self.sdes(0x1111)
        #expect(Self.check(compound))
        #expect(Self.check(Self.sdes(0x1111)), "reduced-size RTCP (RFC 5506)")
        #expect(!Self.check([]) && !Self.check([0x80, 201, 0]))
        #expect(!Self.check(compound + [0]), "lengths must add up to the datagram")
        #expect(!Self.check(Array(compound.dropLast(4))))
        var version1 = compound
        version1[0] = 0x41
        #expect(!Self.check(version1))
        var padded = compound
        padded[0] |= 0x20
        #expect(!Self.check(padded), "padding only on the last packet")
        #expect(!Self.check(Self.header(2, 201, words: 7) + Self.u32(1) + Self.block(2, highest: 3)), "RR count beyond its length")
    }

    @Test func translationMapsSSRCsSequenceAndTimestamp() {
        let input = Self.sr(0x1111, rtp: 5000, blocks: [Self.block(0xA0A0, highest: 0x0000_03ED), Self.block(0xDEAD, highest: 1)])
            + Self.sdes(0x1111) + Self.sdes(0x7777) + Self.header(0, 204, words: 2) + Self.u32(0x1111) + Array("ABCD".utf8)
        let out = Self.translate(input, Self.translation)
        let expected = Self.sr(0xB0B0, rtp: 5100, blocks: [Self.u32(0x2222) + Self.u32(0x0200_0001) + Self.u32(0x0001_0005) + Self.u32(9)
                                                            + Self.u32(0xAB) + Self.u32(0xCD)]) + Self.sdes(0xB0B0)
        #expect(out == expected, "blocks about unknown SSRCs, other chunks and APP dropped; 1005 - 1000 = 5, wrap count from the reference")
        #expect(out.withUnsafeBytes { RTCP.isValidCompound($0) })
    }

    @Test func senderReportWithoutTimestampMapBecomesReceiverReport() {
        var t = Self.translation
        t.timestampDelta = nil
        t.reportedOut = nil
        let out = Self.translate(Self.sr(0x1111, rtp: 5000, blocks: [Self.block(0xA0A0, highest: 7)]) + Self.sdes(0x1111), t)
        #expect(out == Self.header(0, 201, words: 1) + Self.u32(0xB0B0) + Self.sdes(0xB0B0))
    }

    @Test func goodbyeKeepsItsReasonAndUnknownSendersAreDropped() {
        let bye = Self.header(2, 203, words: 3) + Self.u32(0x1111) + Self.u32(0x9999) + [3, 0x62, 0x79, 0x65]
        #expect(Self.translate(Self.sdes(0x1111) + bye, Self.translation)
                == Self.sdes(0xB0B0) + Self.header(1, 203, words: 2) + Self.u32(0xB0B0) + [3, 0x62, 0x79, 0x65])
        // A compound whose first SSRC is the reporter's is always kept; another sender's RR is not.
        #expect(Self.translate(Self.sdes(0x5555) + Self.header(0, 201, words: 1) + Self.u32(0x6666), Self.translation)
                == Self.sdes(0xB0B0))
    }

    @Test func sequenceMapPicksTheNearestWrap() {
        var t = Self.translation
        t.sequenceOffset = 39900
        t.sequenceReference = 104
        #expect(t.mapSequence(40004) == 104)
        t.sequenceReference = 0x0002_FFF0
        t.sequenceOffset = 20
        #expect(t.mapSequence(0x0003_0005) == 0x0002_FFF1, "the output wrapped, the input not yet")
        t.sequenceReference = nil
        #expect(t.mapSequence(0x0003_0005) == 0x0003_FFF1, "without a reference the reporter's wrap count stays")
    }

    @Test func reportIsAValidCompoundWithCNAME() {
        var out = [UInt8](repeating: 0xEE, count: RTCPReport.maximumLength)
        let block = RTCPReportBlock(ssrc: 0x2222, fractionLost: 64, cumulativeLost: -3, extendedHighestSequence: 0x1_0002, jitter: 12,
                                    lastSR: 0x1234_5678, delaySinceLastSR: 65536)
        let sender = RTCPSenderInfo(ntp: 0xE000_0000_8000_0000, rtpTimestamp: 960, packetCount: 10, octetCount: 1600)
        let n = out.withUnsafeMutableBytes { RTCPReport.write(into: $0, ssrc: 0xB0B0_0002, sender: sender, block: block) }
        #expect(n == 76)
        let report = Array(out[0..<n])
        #expect(report.withUnsafeBytes { RTCP.isValidCompound($0) })
        #expect(Array(report[0..<8]) == [0x81, 200, 0, 12] + Self.u32(0xB0B0_0002))
        #expect(Array(report[28..<36]) == Self.u32(0x2222) + [64, 0xFF, 0xFF, 0xFD], "fraction 64/256, cumulative -3 in 24 bits")
        #expect(Array(report[52..<76]) == [0x81, 202, 0, 5] + Self.u32(0xB0B0_0002) + [1, 11] + Array("sb-b0b00002".utf8) + [0, 0, 0])
        let rr = out.withUnsafeMutableBytes { RTCPReport.write(into: $0, ssrc: 7, sender: nil, block: nil) }
        #expect(rr == 32 && Array(out[0..<4]) == [0x80, 201, 0, 1])
        #expect(RTCPReport.ntp(unixNanoseconds: 1_500_000_000) == (RTCPReport.ntpUnixOffset + 1) << 32 | 0x8000_0000)
        #expect(RTCPReport.fractionLost(expected: 4, received: 3) == 64 && RTCPReport.fractionLost(expected: 4, received: 5) == 0)
    }

    @Test func randomBytesNeverTrap() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            var bytes = (0..<Int.random(in: 0...96, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if bytes.count >= 2 {
                bytes[0] = 0x80 | bytes[0] & 0x3F
                bytes[1] = UInt8.random(in: 200...207, using: &rng)
            }
            let out = Self.translate(bytes, Self.translation)
            #expect(Self.check(bytes) || out.isEmpty, "an invalid compound is never translated")
            _ = bytes.withUnsafeBytes { RTCP.senderReportTime($0) }
        }
    }
}

@Suite struct PCMQueueTests {
    @Test func framesInAndOutOfOtherSizes() {
        var queue = PCMQueue(channels: 2)
        #expect(queue.isEmpty && queue.frames == 0)
        let a: [Int16] = [1, -1, 2, -2, 3, -3]
        a.withUnsafeBufferPointer { queue.append($0) }
        queue.appendSilence(frames: 2)
        #expect(queue.frames == 5)
        var popped: [Int16] = []
        queue.popFront(4) { popped = Array($0) }
        #expect(popped == [1, -1, 2, -2, 3, -3, 0, 0])
        queue.popFront(4) { _ in Issue.record("only 1 frame is waiting") }
        #expect(queue.frames == 1)
        queue.removeAll()
        #expect(queue.isEmpty)
    }
}

import Foundation
import SwitchboardTestKit
import Testing
@testable import MediaCodecs

/// Cross-checks SRTP against pylibsrtp, an independent libsrtp build
/// (`pip install pylibsrtp`). Skipped, with the reason recorded, when
/// python3 or pylibsrtp is missing.
// Skipped only outside CI when pylibsrtp is missing; under CI (CI=true, where `make test` installs it) it always runs.
@Suite(.enabled(if: PyLibSRTP.isRequired,
                "python3 with pylibsrtp is not installed (pip install pylibsrtp)"))
struct SRTPCrossCheckTests {
    @Test(arguments: SRTPSuite.allCases)
    func pylibsrtpUnprotectsWhatWeProtect(suite: SRTPSuite) throws {
        let sender = try SRTPSession(suite: suite, key: SRTPTests.key, direction: .outbound)
        var plain: [[UInt8]] = [], protected: [[UInt8]] = []
        for seq in UInt16(1)...10 {
            var packet = SRTPTests.rtp(sequence: seq, payloadByte: UInt8(seq))
            plain.append(packet)
            try sender.protect(&packet)
            protected.append(packet)
        }
        let result = try PyLibSRTP.run(suite: suite, key: SRTPTests.key, mode: "unprotect", packets: protected)
        #expect(result == plain.map { Optional($0) })
    }

    @Test(arguments: SRTPSuite.allCases)
    func weUnprotectWhatPylibsrtpProtects(suite: SRTPSuite) throws {
        let plain = (UInt16(1)...10).map { SRTPTests.rtp(sequence: $0, payloadByte: UInt8($0)) }
        let protected = try PyLibSRTP.run(suite: suite, key: SRTPTests.key, mode: "protect", packets: plain)
        let receiver = try SRTPSession(suite: suite, key: SRTPTests.key, direction: .inbound)
        for (original, packet) in zip(plain, protected) {
            var p = try #require(packet)
            #expect(p.count == original.count + suite.authTagLength)
            try receiver.unprotect(&p)
            #expect(p == original)
        }
    }
}

extension PyLibSRTP {
    static func run(suite: SRTPSuite, key: [UInt8], mode: String, packets: [[UInt8]]) throws -> [[UInt8]?] {
        try run(suite: suite.name, key: key, mode: mode, packets: packets)
    }
}

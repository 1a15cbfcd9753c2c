import Foundation
import Testing
@testable import MediaCodecs

/// Cross-checks SRTP against pylibsrtp, an independent libsrtp build
/// (`pip install pylibsrtp`). Skipped, with the reason recorded, when
/// python3 or pylibsrtp is missing.
// Skipped only outside CI when pylibsrtp is missing; under CI (CI=true, where `make test` installs it) it always runs.
@Suite(.enabled(if: PyLibSRTP.isAvailable || ProcessInfo.processInfo.environment["CI"] != nil,
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

/// Runs Tests/MediaCodecsTests/srtp_crosscheck.py.
enum PyLibSRTP {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("srtp_crosscheck.py")

    static let isAvailable: Bool = {
        guard let (status, _) = try? launch(["-c", "import pylibsrtp"], input: Data()) else { return false }
        return status == 0
    }()

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(suite: SRTPSuite, key: [UInt8], mode: String, packets: [[UInt8]]) throws -> [[UInt8]?] {
        let request: [String: Any] = [
            "suite": suite.name, "key": Data(key).base64EncodedString(), "mode": mode,
            "packets": packets.map { Data($0).base64EncodedString() },
        ]
        let (status, output) = try launch([script.path], input: try JSONSerialization.data(withJSONObject: request))
        guard status == 0 else { throw Failure(description: "srtp_crosscheck.py exited with \(status)") }
        guard let reply = try JSONSerialization.jsonObject(with: output) as? [String: Any],
              let list = reply["packets"] as? [Any] else {
            throw Failure(description: "srtp_crosscheck.py printed no packet list")
        }
        return list.map { item in (item as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } }
    }

    static func launch(_ arguments: [String], input: Data) throws -> (Int32, Data) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        stdin.fileHandleForWriting.write(input)
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }
}

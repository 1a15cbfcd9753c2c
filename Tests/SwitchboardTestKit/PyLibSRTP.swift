import Foundation

/// An independent SRTP implementation for the tests: pylibsrtp, through
/// Tests/MediaCodecsTests/srtp_crosscheck.py (one session per call, packets in order).
public enum PyLibSRTP {
    public static let script = Products.repositoryRoot.appendingPathComponent("Tests/MediaCodecsTests/srtp_crosscheck.py")

    /// True when the tests that need pylibsrtp should run: it is installed, or
    /// this is CI (`make test` installs it there), where a missing one must fail.
    public static let isRequired: Bool = isAvailable || ProcessInfo.processInfo.environment["CI"] != nil

    public static let isAvailable: Bool = {
        guard let (status, _) = try? launch(["-c", "import pylibsrtp"], input: Data()) else { return false }
        return status == 0
    }()

    /// Protects (`mode` "protect") or unprotects ("unprotect") `packets` with one session; `nil` for a failed packet.
    public static func run(suite: String, key: [UInt8], mode: String, packets: [[UInt8]]) throws -> [[UInt8]?] {
        let request: [String: Any] = [
            "suite": suite, "key": Data(key).base64EncodedString(), "mode": mode,
            "packets": packets.map { Data($0).base64EncodedString() },
        ]
        let (status, output) = try launch([script.path], input: try JSONSerialization.data(withJSONObject: request))
        guard status == 0 else { throw UDPPeer.Failure(description: "srtp_crosscheck.py exited with \(status)") }
        guard let reply = try JSONSerialization.jsonObject(with: output) as? [String: Any],
              let list = reply["packets"] as? [Any] else {
            throw UDPPeer.Failure(description: "srtp_crosscheck.py printed no packet list")
        }
        return list.map { item in (item as? String).flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) } }
    }

    public static func launch(_ arguments: [String], input: Data) throws -> (Int32, Data) {
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

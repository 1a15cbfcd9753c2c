import Foundation
import PortProtocol
import SwitchboardTestKit
import Testing
import WorkerPorts

/// `open_stream` errors and `close_stream` releasing ports.
@Suite("Media path: stream lifecycle", .serialized, .timeLimit(.minutes(1)))
struct StreamLifecycleTests {
    func legs(_ base: Int, codec: String = "PCMU", key: String? = nil) -> (StreamLeg, StreamLeg) {
        let srtp = key.map { StreamSRTP(suite: "AES_CM_128_HMAC_SHA1_80", localKey: $0, remoteKey: $0) }
        return (StreamLeg(localPort: base, codec: codec, payloadType: 0, srtp: srtp, ssrcOut: 1, seqOut: 0, timestampOut: 0),
                StreamLeg(localPort: base + 2, codec: "PCMU", payloadType: 0, ssrcOut: 2, seqOut: 0, timestampOut: 0))
    }

    func errorCode(_ body: () async throws -> Void) async -> (code: String, message: String)? {
        do {
            try await body()
        } catch let WorkerPortError.remote(code, message) {
            return (code, message)
        } catch {
            return ("unexpected: \(error)", "")
        }
        return nil
    }

    @Test("port in use -> unavailable naming the port; close_stream releases it; re-open on the same ports works")
    func portsReleased() async throws {
        let port = try await MediaWorker.start()
        let base = MediaWorker.portBase()
        let (a, b) = legs(base)
        try await port.openStream(OpenStream(stream: 1, a: a, b: b))
        let clash = await errorCode { try await port.openStream(OpenStream(stream: 2, a: a, b: b)) }
        #expect(clash?.code == "unavailable" && clash?.message.contains("\(base)") == true)
        _ = try await port.closeStream(1)
        try await port.openStream(OpenStream(stream: 2, a: a, b: b))
        let missing = await errorCode { _ = try await port.closeStream(1) }
        #expect(missing?.code == "not_found")
        #expect(try await port.closeStream(2).stream == 2)
        await port.stop(.timeout(.seconds(2)))
    }

    @Test("bad codec, bad key, bad JSON -> bad_request; more than --max-streams -> overloaded")
    func refusals() async throws {
        let port = try await MediaWorker.start(["--max-streams", "1"])
        let base = MediaWorker.portBase()
        let (a1, b1) = legs(base, codec: "G729")
        #expect(await errorCode { try await port.openStream(OpenStream(stream: 1, a: a1, b: b1)) }?.code == "bad_request")
        let (a2, b2) = legs(base, key: "c2hvcnQ=")
        #expect(await errorCode { try await port.openStream(OpenStream(stream: 1, a: a2, b: b2)) }?.code == "bad_request")
        #expect(await errorCode { _ = try await port.call(.openStream, Array("{\"stream\":1}".utf8)) }?.code == "bad_request")
        let (a, b) = legs(base)
        try await port.openStream(OpenStream(stream: 1, a: a, b: b))
        let (a3, b3) = legs(base + 4)
        #expect(await errorCode { try await port.openStream(OpenStream(stream: 2, a: a3, b: b3)) }?.code == "overloaded")
        let hello = try #require(port.hello)
        #expect(hello.methods.contains("open_stream") && hello.methods.contains("close_stream") && hello.methods.contains("stream_stats"))
        await port.stop(.timeout(.seconds(2)))
    }
}

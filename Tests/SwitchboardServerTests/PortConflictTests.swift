import Foundation
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// Media ports another process holds: B's is skipped at the offer (probed),
/// A's — not probed at the offer, not yet told to A — is replaced at the answer.
@Suite("Media ports held by other processes", .serialized, .timeLimit(.minutes(2)))
struct PortConflictTests {
    /// Binds 127.0.0.1:`port` (UDP) for the length of the test.
    final class HeldPort: Sendable {
        let fd: Int32
        init(_ port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            sin.sin_addr.s_addr = inet_addr("127.0.0.1")
            let status = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard status == 0 else { throw TimedOut(what: "binding \(port)") }
        }
        deinit { close(fd) }
    }

    @Test("A's port taken when the worker binds it: the answer comes with another port, the session works")
    func aPortTaken() async throws {
        let range = nextMediaPortRange()
        let low = try #require(Int(range.split(separator: "-")[0]))
        let first = low % 2 == 0 ? low : low + 1
        // The allocator hands out pairs in order: A gets `first` (not probed), B `first + 2` (probed).
        let held = try HeldPort(first)
        try await withLiveServer(["media.port_range": range]) { server in
            let created = try await server.request("POST", "/v1/sessions", token: LiveServer.clientToken,
                                                   body: SessionTests.json(["offer": SessionTests.offer(port: 5000)]))
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["id"] as? String)
            let offerForB = try #require(created.json["sdp"] as? String)
            #expect(SessionTests.mediaPort(offerForB) == first + 2)
            let answered = try await server.request("POST", "/v1/sessions/\(id)/answer", token: LiveServer.clientToken,
                                                    body: SessionTests.json(["answer": SessionTests.offer(port: 5002)]))
            #expect(answered.status == 200, "\(answered.text)")
            let answerForA = try #require(answered.json["sdp"] as? String)
            let portA = try #require(SessionTests.mediaPort(answerForA))
            #expect(portA != first && portA != first + 2, "A's port moved off the taken pair")
            let legs = try #require(answered.json["legs"] as? [[String: Any]])
            #expect(legs.first?["local_port"] as? Int == portA)
            #expect(try await server.request("DELETE", "/v1/sessions/\(id)", token: LiveServer.clientToken).status == 204)
        }
        _ = held
    }

    @Test("B's port taken at the offer: skipped")
    func bPortTaken() async throws {
        let range = nextMediaPortRange()
        let low = try #require(Int(range.split(separator: "-")[0]))
        let first = low % 2 == 0 ? low : low + 1
        let held = try HeldPort(first + 3)  // the RTCP port of the pair B would get
        try await withLiveServer(["media.port_range": range]) { server in
            let created = try await server.request("POST", "/v1/sessions", token: LiveServer.clientToken,
                                                   body: SessionTests.json(["offer": SessionTests.offer(port: 5000)]))
            #expect(created.status == 201, "\(created.text)")
            let offerForB = try #require(created.json["sdp"] as? String)
            let portB = try #require(SessionTests.mediaPort(offerForB))
            #expect(portB == first + 4)
        }
        _ = held
    }
}

import Foundation
import Synchronization
import SwitchboardTestKit

/// Reads a Server-Sent Events stream over a plain TCP socket on its own
/// thread, so a test can wait for an event without blocking a task thread.
final class SSEReader: Sendable {
    private let fd: Int32
    private let received = Mutex("")

    init(port: Int, path: String, token: String) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { Foundation.close(fd); throw TimedOut(what: "connect to 127.0.0.1:\(port)") }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n"
        _ = request.withCString { write(fd, $0, strlen($0)) }
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                let text = String(decoding: buffer[0..<n], as: UTF8.self)
                received.withLock { $0 += text }
            }
        }
        thread.start()
    }

    var text: String { received.withLock { $0 } }

    /// Waits until an event of `type` arrived; returns its data line.
    func waitFor(_ type: String, timeout: Double) async throws -> String {
        var found = ""
        try await eventually("SSE event \(type)", timeout: .milliseconds(Int64(timeout * 1000))) {
            let blocks = text.components(separatedBy: "\n\n")
            guard let block = blocks.first(where: { $0.contains("event: \(type)\n") }) else { return false }
            found = block.split(separator: "\n").first { $0.hasPrefix("data: ") }.map(String.init) ?? ""
            return true
        }
        return found
    }

    func close() { shutdown(fd, Int32(SHUT_RDWR)); Foundation.close(fd) }
}

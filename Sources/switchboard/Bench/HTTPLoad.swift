import Foundation
import Synchronization

/// A minimal HTTP/1.1 keep-alive load generator for offer+answer+delete
/// cycles: `connections` TCP connections to 127.0.0.1:`port`, one cycle in
/// flight on each, all driven by one thread with `poll` (blocking sockets:
/// requests are small and written whole; reads only after POLLIN). Its own
/// CPU is measured (thread CPU time) so the server's can be told apart.
final class HTTPLoad: @unchecked Sendable {
    struct Result: Sendable {
        var startedAt: UInt64 = 0      // monotonic ns, after connecting
        var latencies: [Double] = []   // ns per cycle
        var completions: [UInt64] = [] // monotonic ns when each cycle ended
        var errors = 0
        var firstError: String?
        var clientCPU = 0.0
    }

    let port: UInt16
    let token: String
    let offerBody: [UInt8]
    let answerBody: [UInt8]
    /// Cycles finished so far (read by the progress bar).
    let done = Atomic<Int>(0)

    /// `transcodeTo`: the codecs of a transcode request in the offer body, if any.
    init(port: Int, token: String, offer: String, answer: String, transcodeTo codecs: [String]? = nil) {
        self.port = UInt16(port)
        self.token = token
        let transcode = codecs.map { ",\"transcode\":{\"codecs\":[" + $0.map { "\"\($0)\"" }.joined(separator: ",") + "]}" } ?? ""
        offerBody = Array("{\"offer\":\(BenchSupport.jsonString(offer))\(transcode)}".utf8)
        answerBody = Array("{\"answer\":\(BenchSupport.jsonString(answer))}".utf8)
    }

    private struct Connection {
        var fd: Int32
        var step = 0          // 0 create, 1 answer, 2 delete
        var id = ""
        var started: UInt64 = 0
        var input: [UInt8] = []
    }

    /// Runs `cycles` cycles over `connections` connections on the calling thread.
    func run(connections: Int, cycles: Int) throws -> Result {
        let cpu0 = BenchSupport.threadCPUSeconds()
        var result = Result()
        result.latencies.reserveCapacity(cycles)
        var conns: [Connection] = []
        defer { for c in conns { close(c.fd) } }
        for _ in 0..<connections { conns.append(Connection(fd: try connect())) }
        result.startedAt = BenchSupport.nowNS()
        var issued = 0, finished = 0
        var fds = conns.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        for i in conns.indices where issued < cycles {
            issued += 1
            begin(&conns[i])
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while finished < cycles {
            let ready = poll(&fds, nfds_t(fds.count), 10_000)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { throw CLIError("no HTTP response within 10 s (\(finished) of \(cycles) cycles done)") }
            for i in fds.indices where fds[i].revents != 0 {
                fds[i].revents = 0
                let n = buffer.withUnsafeMutableBytes { read(conns[i].fd, $0.baseAddress, $0.count) }
                guard n > 0 else { throw CLIError("the server closed connection \(i) (\(n), errno \(errno))") }
                conns[i].input += buffer[0..<n]
                while let (status, body) = Self.takeResponse(&conns[i].input) {
                    if advance(&conns[i], status: status, body: body, result: &result) {
                        finished += 1
                        done.store(finished, ordering: .relaxed)
                        if issued < cycles {
                            issued += 1
                            begin(&conns[i])
                        }
                    }
                }
            }
        }
        result.clientCPU = BenchSupport.threadCPUSeconds() - cpu0
        return result
    }

    private func begin(_ c: inout Connection) {
        c.step = 0
        c.started = BenchSupport.nowNS()
        send(c.fd, "POST", "/v1/sessions", offerBody)
    }

    /// Handles one response; true when the cycle ended (done or failed).
    private func advance(_ c: inout Connection, status: Int, body: ArraySlice<UInt8>, result: inout Result) -> Bool {
        let expected = [201, 200, 204][c.step]
        guard status == expected else {
            result.errors += 1
            if result.firstError == nil {
                result.firstError = "step \(c.step): HTTP \(status): \(String(decoding: body.prefix(300), as: UTF8.self))"
            }
            return true
        }
        switch c.step {
        case 0:
            guard let id = Self.sessionID(body) else {
                result.errors += 1
                return true
            }
            c.id = id
            c.step = 1
            send(c.fd, "POST", "/v1/sessions/\(id)/answer", answerBody)
            return false
        case 1:
            c.step = 2
            send(c.fd, "DELETE", "/v1/sessions/\(c.id)", nil)
            return false
        default:
            let now = BenchSupport.nowNS()
            result.latencies.append(Double(now - c.started))
            result.completions.append(now)
            return true
        }
    }

    private func send(_ fd: Int32, _ method: String, _ path: String, _ body: [UInt8]?) {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        var bytes = Array((head + "\r\n").utf8)
        if let body { bytes += body }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }  // the read side reports the closed connection
            offset += n
        }
    }

    private func connect() throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket: errno \(errno)") }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            close(fd)
            throw CLIError("connect 127.0.0.1:\(port): errno \(errno)")
        }
        return fd
    }

    /// Removes one complete response (Content-Length or chunked body) from `input`.
    static func takeResponse(_ input: inout [UInt8]) -> (Int, ArraySlice<UInt8>)? {
        guard let end = headerEnd(input) else { return nil }
        let head = String(decoding: input[0..<end], as: UTF8.self).lowercased()
        let lines = head.split(separator: "\r\n")
        guard let first = lines.first, first.count >= 12, let status = Int(first.dropFirst(9).prefix(3)) else {
            input.removeAll()
            return (0, [])
        }
        let bodyStart = end + 4
        var length = 0
        for line in lines where line.hasPrefix("content-length:") {
            length = Int(line.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        if lines.contains(where: { $0.hasPrefix("transfer-encoding:") && $0.contains("chunked") }) {
            guard let (body, consumed) = dechunk(input[bodyStart...]) else { return nil }
            input.removeFirst(bodyStart + consumed)
            return (status, body)
        }
        guard input.count >= bodyStart + length else { return nil }
        let body = input[bodyStart..<(bodyStart + length)]
        input.removeFirst(bodyStart + length)
        return (status, ArraySlice(Array(body)))
    }

    static func headerEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }

    /// A chunked body and the bytes it used, or nil if incomplete.
    static func dechunk(_ s: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, Int)? {
        var body: [UInt8] = []
        var i = s.startIndex
        while true {
            guard let lineEnd = s[i...].firstIndex(of: 13), lineEnd + 1 < s.endIndex else { return nil }
            let sizeText = String(decoding: s[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            let dataStart = lineEnd + 2
            guard s.endIndex >= dataStart + size + 2 else { return nil }
            if size == 0 { return (ArraySlice(body), dataStart + 2 - s.startIndex) }
            body += s[dataStart..<(dataStart + size)]
            i = dataStart + size + 2
        }
    }

    /// The value of `"id":"..."` in a session's JSON.
    static func sessionID(_ body: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let key = text.range(of: "\"id\"") else { return nil }
        let rest = text[key.upperBound...].drop { $0 == ":" || $0 == " " }
        guard rest.first == "\"" else { return nil }
        return String(rest.dropFirst().prefix { $0 != "\"" })
    }
}

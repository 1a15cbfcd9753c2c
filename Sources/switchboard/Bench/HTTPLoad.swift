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
        offerRequest = Self.request("POST", "/v1/sessions", token: token, body: offerBody)
    }

    /// The create request never changes: built once.
    private let offerRequest: [UInt8]

    static func request(_ method: String, _ path: String, token: String, body: [UInt8]?) -> [UInt8] {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\n"
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        var bytes = Array((head + "\r\n").utf8)
        if let body { bytes += body }
        return bytes
    }

    private struct Connection {
        var fd: Int32
        var step = 0          // 0 create, 1 answer, 2 delete
        var id = ""
        var started: UInt64 = 0
        var input: [UInt8] = []
    }

    /// Runs `cycles` cycles over `connections` connections on the calling thread.
    /// `delete: false` ends each cycle at the answer: the sessions stay up.
    func run(connections: Int, cycles: Int, delete: Bool = true) throws -> Result {
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
                    if advance(&conns[i], status: status, body: body, delete: delete, result: &result) {
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
        write(c.fd, offerRequest)
    }

    /// Handles one response; true when the cycle ended (done or failed).
    private func advance(_ c: inout Connection, status: Int, body: ArraySlice<UInt8>, delete: Bool, result: inout Result) -> Bool {
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
        case 1 where delete:
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
        write(fd, Self.request(method, path, token: token, body: body))
    }

    private func write(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return Glibc.write(fd, base + offset, bytes.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }  // the read side reports the closed connection
            offset += n
        }
    }

    private func connect() throws -> Int32 { try Self.connect(port: Int(port)) }

    /// A TCP connection to 127.0.0.1:`port`, Nagle off.
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket: errno \(errno)") }
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(port).bigEndian
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
    /// Bytes, not Strings: the client's CPU is counted apart, but it shares the machine's cores with the server.
    static func takeResponse(_ input: inout [UInt8]) -> (Int, ArraySlice<UInt8>)? {
        guard let end = headerEnd(input) else { return nil }
        guard end >= 12, input[8] == UInt8(ascii: " "), let status = decimal(input[9..<12]) else {
            input.removeAll()
            return (0, [])
        }
        let bodyStart = end + 4
        var length = 0
        var chunked = false
        var line = (input[0..<end].firstIndex(of: 13) ?? end) + 2
        while line < end {
            let lineEnd = input[line..<end].firstIndex(of: 13) ?? end
            let field = input[line..<lineEnd]
            if hasPrefix(field, "content-length:") {
                length = decimal(field.dropFirst(15).drop { $0 == 32 || $0 == 9 }.prefix { $0 != 32 && $0 != 9 }) ?? 0
            } else if hasPrefix(field, "transfer-encoding:") {
                chunked = field.dropFirst(18).lowercasedContains("chunked")
            }
            line = lineEnd + 2
        }
        if chunked {
            guard let (body, consumed) = dechunk(input[bodyStart...]) else { return nil }
            input.removeFirst(bodyStart + consumed)
            return (status, body)
        }
        guard input.count >= bodyStart + length else { return nil }
        let body = input[bodyStart..<(bodyStart + length)]
        input.removeFirst(bodyStart + length)
        return (status, ArraySlice(Array(body)))
    }

    /// Whether `field` starts with `lowercasePrefix`, ASCII case-insensitively.
    static func hasPrefix(_ field: ArraySlice<UInt8>, _ lowercasePrefix: StaticString) -> Bool {
        lowercasePrefix.withUTF8Buffer { prefix in
            guard field.count >= prefix.count else { return false }
            return zip(field, prefix).allSatisfy { a, b in a | 0x20 == b || a == b }
        }
    }

    static func decimal(_ digits: some Collection<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
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
        let key = Array("\"id\"".utf8)
        guard body.count > key.count else { return nil }
        var i = body.startIndex
        while i + key.count <= body.endIndex {
            if body[i..<(i + key.count)].elementsEqual(key) {
                let rest = body[(i + key.count)...].drop { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: " ") }
                guard rest.first == UInt8(ascii: "\"") else { return nil }
                return String(decoding: rest.dropFirst().prefix { $0 != UInt8(ascii: "\"") }, as: UTF8.self)
            }
            i += 1
        }
        return nil
    }
}

extension ArraySlice<UInt8> {
    /// Whether the ASCII text contains `word` (lowercase), case-insensitively.
    func lowercasedContains(_ word: String) -> Bool {
        String(decoding: self, as: UTF8.self).lowercased().contains(word)
    }
}

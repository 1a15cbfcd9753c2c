#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 UDP address in network form, cheap to compare and copy.
struct UDPAddress: Hashable {
    /// Address in network byte order, as in `sin_addr.s_addr`.
    var address: UInt32
    /// Port in host byte order.
    var port: UInt16

    /// Parses `a.b.c.d:port`; `nil` otherwise.
    init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port != 0,
              let address = Self.parseIPv4(String(text[..<colon])) else { return nil }
        self.address = address
        self.port = port
    }

    init(address: UInt32, port: UInt16) {
        self.address = address
        self.port = port
    }

    init(_ sin: sockaddr_in) {
        address = sin.sin_addr.s_addr
        port = UInt16(bigEndian: sin.sin_port)
    }

    /// Parses a dotted IPv4 address into network byte order.
    static func parseIPv4(_ text: String) -> UInt32? {
        var addr = in_addr()
        guard inet_pton(AF_INET, text, &addr) == 1 else { return nil }
        return addr.s_addr
    }

    var sockaddr: sockaddr_in {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = address
        return sin
    }

    /// `a.b.c.d:port`.
    var description: String {
        let host = UInt32(bigEndian: address)
        return "\(host >> 24).\(host >> 16 & 0xFF).\(host >> 8 & 0xFF).\(host & 0xFF):\(port)"
    }
}

/// A non-blocking IPv4 UDP socket bound to one local port: a value (8
/// bytes, no allocation) whose owner closes it with ``close()`` exactly once
/// (the ``MediaLeg`` that bound it, in its `deinit`).
struct UDPSocket {
    let fd: Int32
    private let localPort: UInt16

    /// The local port.
    var port: Int { Int(localPort) }

    /// Binds `bind:port` (non-blocking, close-on-exec).
    init(bind: String, port: Int) throws(StreamOpenError) {
        guard (1...65535).contains(port) else { throw .badRequest("port \(port)") }
        guard let address = UDPAddress.parseIPv4(bind) else { throw .badRequest("bind address '\(bind)'") }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .failed("socket: \(String(cString: strerror(errno)))") }
        var buffer: Int32 = 512 * 1024
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, socklen_t(MemoryLayout<Int32>.size))
        var sin = UDPAddress(address: address, port: UInt16(port)).sockaddr
        let status = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if status != 0 {
            let code = errno
            _ = Glibc.close(fd)
            if code == EADDRINUSE { throw .portInUse(port) }
            throw .failed("bind \(bind):\(port): \(String(cString: strerror(code)))")
        }
        self.fd = fd
        localPort = UInt16(port)
    }

    /// Closes the socket; the value must not be used afterwards.
    func close() { _ = Glibc.close(fd) }

    /// Receives one datagram into `buffer`; `nil` when none is waiting (or on an error).
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> (length: Int, from: UDPAddress)? {
        var sin = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        while true {
            let n = withUnsafeMutablePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, buffer.baseAddress, buffer.count, 0, $0, &length) }
            }
            if n >= 0 { return (n, UDPAddress(sin)) }
            // ECONNREFUSED: an ICMP error for an earlier send, reported once; datagrams may still wait.
            if errno == EINTR || errno == ECONNREFUSED { continue }
            return nil  // EAGAIN: drained

        }
    }

    /// Sends one datagram; returns whether the kernel took it.
    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer, to address: UDPAddress) -> Bool {
        var sin = address.sockaddr
        let n = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return n == bytes.count
    }
}

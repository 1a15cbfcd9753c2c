#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A test's RTP peer: a UDP socket on 127.0.0.1 with an ephemeral port,
/// sending to and receiving from the worker's legs. Blocking receives are
/// bounded by a timeout (poll), so a missing packet fails a test, never hangs it.
public final class UDPPeer: @unchecked Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    public let fd: Int32
    public let port: UInt16

    public init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        var sin = Self.address(port: 0)
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw Failure(description: "bind: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        port = UInt16(bigEndian: sin.sin_port)
    }

    deinit { close(fd) }

    /// `127.0.0.1:port` of this peer.
    public var address: String { "127.0.0.1:\(port)" }

    public static func address(port: UInt16) -> sockaddr_in {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        return sin
    }

    /// Sends one datagram to 127.0.0.1:`port`.
    public func send(_ bytes: [UInt8], to port: Int) {
        var sin = Self.address(port: UInt16(port))
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// The next datagram and its source port, or `nil` after `timeout` seconds.
    public func receive(timeout: Double = 2) -> (bytes: [UInt8], fromPort: UInt16)? {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 9000)
        var sin = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let n = buffer.withUnsafeMutableBytes { raw in
            withUnsafeMutablePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &length) }
            }
        }
        guard n >= 0 else { return nil }
        return (Array(buffer[0..<n]), UInt16(bigEndian: sin.sin_port))
    }

    /// The next datagram; throws after `timeout` seconds.
    public func receiveBytes(timeout: Double = 2) throws -> [UInt8] {
        guard let (bytes, _) = receive(timeout: timeout) else { throw Failure(description: "no datagram on port \(port) within \(timeout) s") }
        return bytes
    }

    /// The next datagram parsed as RTP; throws after `timeout` seconds or if it is not RTP.
    public func receiveRTP(timeout: Double = 2) throws -> RTP {
        let bytes = try receiveBytes(timeout: timeout)
        guard let packet = RTP(bytes) else { throw Failure(description: "not an RTP packet: \(bytes.prefix(16))") }
        return packet
    }

    /// Every datagram that arrives until `quiet` seconds pass without one (at most `limit`).
    public func drain(quiet: Double = 0.3, limit: Int = 10_000) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        while packets.count < limit, let (bytes, _) = receive(timeout: quiet) { packets.append(bytes) }
        return packets
    }
}

import Foundation
import SwitchboardTestKit

/// RTCP as the tests build and read it (RFC 3550 section 6), written here
/// independently of the worker's code.
enum TestRTCP {
    struct Block: Equatable {
        var ssrc: UInt32
        var fractionLost: UInt8 = 0
        var cumulativeLost: UInt32 = 0
        var highestSequence: UInt32
        var jitter: UInt32 = 0
        var lastSR: UInt32 = 0
        var delaySinceLastSR: UInt32 = 0
    }

    struct SenderInfo: Equatable {
        var ntp: UInt64
        var rtpTimestamp: UInt32
        var packets: UInt32
        var octets: UInt32
    }

    /// One packet of a compound, as read.
    struct Packet: Equatable {
        var type: UInt8
        /// The sender SSRC (SR, RR, BYE's first), or the first chunk's (SDES).
        var ssrc: UInt32
        var sender: SenderInfo?
        var blocks: [Block] = []
        /// SDES: (SSRC, CNAME) of each chunk.
        var chunks: [(UInt32, String)] = []

        static func == (l: Packet, r: Packet) -> Bool {
            l.type == r.type && l.ssrc == r.ssrc && l.sender == r.sender && l.blocks == r.blocks
                && l.chunks.map(\.0) == r.chunks.map(\.0) && l.chunks.map(\.1) == r.chunks.map(\.1)
        }

        /// Every SSRC the packet names.
        var ssrcs: [UInt32] { [ssrc] + blocks.map(\.ssrc) + chunks.map(\.0) }
    }

    static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func header(_ count: Int, _ type: UInt8, bodyLength: Int) -> [UInt8] {
        let words = (4 + bodyLength) / 4 - 1
        return [0x80 | UInt8(count), type, UInt8(words >> 8), UInt8(words & 0xFF)]
    }

    static func blockBytes(_ b: Block) -> [UInt8] {
        u32(b.ssrc) + u32(UInt32(b.fractionLost) << 24 | b.cumulativeLost & 0xFF_FFFF) + u32(b.highestSequence) + u32(b.jitter)
            + u32(b.lastSR) + u32(b.delaySinceLastSR)
    }

    static func senderReport(ssrc: UInt32, _ info: SenderInfo, blocks: [Block] = []) -> [UInt8] {
        let body = u32(ssrc) + u32(UInt32(info.ntp >> 32)) + u32(UInt32(info.ntp & 0xFFFF_FFFF)) + u32(info.rtpTimestamp)
            + u32(info.packets) + u32(info.octets) + blocks.flatMap(blockBytes)
        return header(blocks.count, 200, bodyLength: body.count) + body
    }

    static func receiverReport(ssrc: UInt32, blocks: [Block] = []) -> [UInt8] {
        let body = u32(ssrc) + blocks.flatMap(blockBytes)
        return header(blocks.count, 201, bodyLength: body.count) + body
    }

    static func sdes(ssrc: UInt32, cname: String) -> [UInt8] {
        var body = u32(ssrc) + [1, UInt8(cname.utf8.count)] + Array(cname.utf8) + [0]
        while body.count % 4 != 0 { body.append(0) }
        return header(1, 202, bodyLength: body.count) + body
    }

    static func bye(ssrc: UInt32) -> [UInt8] { header(1, 203, bodyLength: 4) + u32(ssrc) }

    static func app(ssrc: UInt32) -> [UInt8] { header(0, 204, bodyLength: 8) + u32(ssrc) + Array("TEST".utf8) }

    /// Parses a compound packet; `nil` if it is not well formed.
    static func parse(_ bytes: [UInt8]) -> [Packet]? {
        func r32(_ i: Int) -> UInt32 { UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3]) }
        var packets: [Packet] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 8 <= bytes.count, bytes[offset] >> 6 == 2 else { return nil }
            let length = ((Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) + 1) * 4
            guard offset + length <= bytes.count else { return nil }
            let count = Int(bytes[offset] & 0x1F), type = bytes[offset + 1]
            var packet = Packet(type: type, ssrc: r32(offset + 4))
            var i = offset + 8
            if type == 200 {
                packet.sender = SenderInfo(ntp: UInt64(r32(i)) << 32 | UInt64(r32(i + 4)), rtpTimestamp: r32(i + 8),
                                           packets: r32(i + 12), octets: r32(i + 16))
                i += 20
            }
            if type == 200 || type == 201 {
                for _ in 0..<count {
                    guard i + 24 <= offset + length else { return nil }
                    packet.blocks.append(Block(ssrc: r32(i), fractionLost: bytes[i + 4], cumulativeLost: r32(i + 4) & 0xFF_FFFF,
                                               highestSequence: r32(i + 8), jitter: r32(i + 12), lastSR: r32(i + 16),
                                               delaySinceLastSR: r32(i + 20)))
                    i += 24
                }
            }
            if type == 202 {
                i = offset + 4
                for _ in 0..<count {
                    guard i + 4 <= offset + length else { return nil }
                    let ssrc = r32(i)
                    i += 4
                    var cname = ""
                    while i < offset + length && bytes[i] != 0 {
                        guard i + 2 <= offset + length else { return nil }
                        let n = Int(bytes[i + 1])
                        guard i + 2 + n <= offset + length else { return nil }
                        if bytes[i] == 1 { cname = String(decoding: bytes[(i + 2)..<(i + 2 + n)], as: UTF8.self) }
                        i += 2 + n
                    }
                    i = (i + 4) & ~3
                    packet.chunks.append((ssrc, cname))
                }
                packet.ssrc = packet.chunks.first?.0 ?? 0
            }
            packets.append(packet)
            offset += length
        }
        return packets
    }

    /// The middle 32 bits of an NTP timestamp (what a receiver echoes as LSR).
    static func middle(_ ntp: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: ntp >> 16) }
}

extension UDPPeer {
    /// The next RTP packet, skipping RTCP (a muxed port gets both).
    func receiveMedia(timeout: Double = 2) throws -> RTP {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let (bytes, _) = receive(timeout: left) else {
                throw UDPPeer.Failure(description: "no RTP on port \(port) within \(timeout) s")
            }
            if bytes.count >= 2, (200...206).contains(bytes[1]) { continue }
            guard let packet = RTP(bytes) else { throw UDPPeer.Failure(description: "not an RTP packet: \(bytes.prefix(16))") }
            return packet
        }
    }

    /// The next datagram that parses as compound RTCP, skipping RTP (a muxed
    /// port gets both); throws after `timeout` seconds without one.
    func receiveRTCP(timeout: Double = 2) throws -> (packets: [TestRTCP.Packet], fromPort: UInt16) {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0, let (bytes, from) = receive(timeout: left) else {
                throw UDPPeer.Failure(description: "no RTCP on port \(port) within \(timeout) s")
            }
            if bytes.count >= 2, (200...206).contains(bytes[1]), let packets = TestRTCP.parse(bytes) { return (packets, from) }
        }
    }
}

/// A UDP socket of the test on a port it chooses (a peer whose RTCP port
/// must be its RTP port + 1), with the receive calls of ``UDPPeer``.
final class FixedPortPeer: @unchecked Sendable {
    let fd: Int32
    let port: Int

    init(port: Int) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw UDPPeer.Failure(description: "socket: \(errno)") }
        var sin = UDPPeer.address(port: UInt16(port))
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw UDPPeer.Failure(description: "bind 127.0.0.1:\(port): \(errno)")
        }
        self.fd = fd
        self.port = port
    }

    deinit { close(fd) }

    var address: String { "127.0.0.1:\(port)" }

    func send(_ bytes: [UInt8], to port: Int) {
        var sin = UDPPeer.address(port: UInt16(port))
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// The next datagram and its source port, or `nil` after `timeout` seconds.
    func receive(timeout: Double = 2) -> (bytes: [UInt8], fromPort: UInt16)? {
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

    func receiveRTP(timeout: Double = 2) throws -> RTP {
        guard let (bytes, _) = receive(timeout: timeout), let packet = RTP(bytes) else {
            throw UDPPeer.Failure(description: "no RTP on port \(port) within \(timeout) s")
        }
        return packet
    }

    /// The next datagram parsed as compound RTCP; throws after `timeout` seconds or if it is not RTCP.
    func receiveRTCP(timeout: Double = 2) throws -> (packets: [TestRTCP.Packet], fromPort: UInt16) {
        guard let (bytes, from) = receive(timeout: timeout) else {
            throw UDPPeer.Failure(description: "no RTCP on port \(port) within \(timeout) s")
        }
        guard let packets = TestRTCP.parse(bytes) else { throw UDPPeer.Failure(description: "not RTCP: \(bytes.prefix(16))") }
        return (packets, from)
    }
}

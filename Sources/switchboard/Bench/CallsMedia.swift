import Foundation
import MediaCodecs
import Synchronization

/// The peers of `bench calls`: one UDP socket for every A (Opus over SRTP)
/// and one for every B (PCMU over RTP) — the worker's leg port a packet comes
/// from tells the call — a paced sender thread (a 1 ms timing wheel,
/// non-blocking sendto) and a receiver thread (poll over the two sockets).
///
/// Correlation without marking packets: the worker rewrites SSRC, sequence
/// and timestamp, but keeps the timestamp's relation to the input (scaled to
/// the output clock), so output packet k carries first_ts + k x frame; its
/// arrival minus the send time of input packet k is the added latency. The
/// sender writes only `sent`, the receiver only `received`: no shared state
/// until both threads are joined. Hence @unchecked Sendable.
final class CallsMedia: @unchecked Sendable {
    struct Call {
        var toA = 0, toB = 0              // the worker's leg ports
        var keyA: [UInt8] = []            // what A offered: protects A's packets
        var keyFromWorker: [UInt8] = []   // the worker's key for A: unprotects what A receives
    }

    /// Per direction (0: A->B, Opus in / PCMU out; 1: B->A, PCMU in / Opus out).
    struct Direction {
        var sent: UnsafeMutableBufferPointer<UInt64>
        var received: UnsafeMutableBufferPointer<UInt64>
        var firstTimestamp: UInt32? = nil
        var extra = 0                     // out-of-range or duplicate arrivals
    }

    var calls: [Call]
    let a: Int32, b: Int32                // peer sockets
    let aPort: UInt16, bPort: UInt16
    var directions: [[Direction]] = []   // [call][dir]
    let packets: Int
    let opusFrames: [[UInt8]]
    let pcmuFrames: [[UInt8]]
    let stop = Atomic<Bool>(false)
    /// Transcode mode (A: Opus over SRTP); otherwise relay mode (A: PCMU over plain RTP, like B).
    let transcode: Bool

    struct SenderStats: Sendable { var cpu = 0.0; var wall = 0.0; var sendFailures = 0; var maxLateMS = 0.0 }
    struct ReceiverStats: Sendable { var cpu = 0.0; var srtpFailures = 0; var datagrams = 0 }

    init(calls count: Int, packets: Int, opusFrames: [[UInt8]], pcmuFrames: [[UInt8]], transcode: Bool = true) throws {
        self.packets = packets
        self.transcode = transcode
        self.opusFrames = opusFrames
        self.pcmuFrames = pcmuFrames
        calls = [Call](repeating: Call(), count: count)
        (a, aPort) = try Self.udpSocket()
        do { (b, bPort) = try Self.udpSocket() } catch {
            close(a)
            throw error
        }
    }

    deinit {
        close(a)
        close(b)
        for d in directions.joined() { d.sent.deallocate(); d.received.deallocate() }
    }

    /// Allocates the timing tables (after the memory of the sessions was measured).
    func prepareTables() {
        directions = calls.map { _ in
            (0..<2).map { _ in
                let sent = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: packets)
                let received = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: packets)
                sent.initialize(repeating: 0)
                received.initialize(repeating: 0)
                return Direction(sent: sent, received: received)
            }
        }
    }

    static func udpSocket() throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw CLIError("socket: errno \(errno)") }
        var size: Int32 = 8 << 20
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var sin = Self.address(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else {
            close(fd)
            throw CLIError("bind: errno \(errno)")
        }
        return (fd, UInt16(bigEndian: sin.sin_port))
    }

    static func address(_ port: UInt16) -> sockaddr_in {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = inet_addr("127.0.0.1")
        return sin
    }

    // MARK: sender

    /// Sends `packets` packets each way per call at 50/s, A's and B's phases
    /// spread over the 20 ms period by a 1 ms timing wheel.
    func send() -> SenderStats {
        var stats = SenderStats()
        let cpu0 = BenchSupport.threadCPUSeconds()
        var srtp: [SRTPSession] = []
        for c in calls where transcode {
            guard let session = try? SRTPSession(suite: .aesCM128HMACSHA1_80, key: c.keyA, direction: .outbound) else {
                stats.sendFailures = -1
                return stats
            }
            srtp.append(session)
        }
        var wheel = [[(call: Int, dir: Int)]](repeating: [], count: 20)
        for i in calls.indices {
            wheel[(i * 20 / max(calls.count, 1)) % 20].append((i, 0))
            wheel[(i * 20 / max(calls.count, 1) + 10) % 20].append((i, 1))
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        let start = BenchSupport.nowNS() + 5_000_000
        var tick = 0
        while tick / 20 < packets {
            let due = start + UInt64(tick) * 1_000_000
            var ts = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
            while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil) == EINTR {}
            let late = Double(BenchSupport.nowNS() &- due) / 1e6
            if late > stats.maxLateMS && late < 1e6 { stats.maxLateMS = late }
            let k = tick / 20
            for (i, dir) in wheel[tick % 20] {
                let opus = dir == 0 && transcode
                let frame = opus ? opusFrames[k % opusFrames.count] : pcmuFrames[k % pcmuFrames.count]
                let ssrc = UInt32(0x1000_0000 + i * 2 + dir)
                let timestamp = UInt32(truncatingIfNeeded: k * (opus ? 960 : 160))
                let header: [UInt8] = [0x80, opus ? 111 : 0, UInt8(k >> 8 & 0xFF), UInt8(k & 0xFF),
                                       UInt8(timestamp >> 24), UInt8(timestamp >> 16 & 0xFF), UInt8(timestamp >> 8 & 0xFF), UInt8(timestamp & 0xFF),
                                       UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xFF), UInt8(ssrc >> 8 & 0xFF), UInt8(ssrc & 0xFF)]
                buffer.copyBytes(from: header)
                UnsafeMutableRawBufferPointer(rebasing: buffer[12...]).copyBytes(from: frame)
                var length = 12 + frame.count
                if opus {
                    do { length = try srtp[i].protect(buffer, length: length) } catch {
                        stats.sendFailures += 1
                        continue
                    }
                }
                let c = calls[i]
                var sin = Self.address(UInt16(dir == 0 ? c.toA : c.toB))
                let fd = dir == 0 ? a : b
                directions[i][dir].sent[k] = BenchSupport.nowNS()
                let n = withUnsafePointer(to: &sin) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, buffer.baseAddress, length, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
                if n != length { stats.sendFailures += 1 }
            }
            tick += 1
        }
        stats.wall = Double(BenchSupport.nowNS() - start) / 1e9
        stats.cpu = BenchSupport.threadCPUSeconds() - cpu0
        return stats
    }

    // MARK: receiver

    /// Receives until `stop`: B gets PCMU (from A's Opus), A gets Opus over SRTP (from B's PCMU).
    func receive() -> ReceiverStats {
        var stats = ReceiverStats()
        let cpu0 = BenchSupport.threadCPUSeconds()
        var srtp: [SRTPSession] = []
        for c in calls where transcode {
            guard let session = try? SRTPSession(suite: .aesCM128HMACSHA1_80, key: c.keyFromWorker, direction: .inbound) else {
                stats.srtpFailures = -1
                return stats
            }
            srtp.append(session)
        }
        // The worker's leg port -> call << 1 | direction of what arrives there (B gets A->B, dir 0).
        var route = [Int32](repeating: -1, count: 65536)
        for (i, c) in calls.enumerated() {
            route[c.toB] = Int32(i << 1)
            route[c.toA] = Int32(i << 1 | 1)
        }
        var fds = [pollfd(fd: b, events: Int16(POLLIN), revents: 0), pollfd(fd: a, events: Int16(POLLIN), revents: 0)]
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 16)
        defer { buffer.deallocate() }
        while !stop.load(ordering: .relaxed) {
            guard poll(&fds, 2, 20) > 0 else { continue }
            for f in fds.indices where fds[f].revents != 0 {
                while true {
                    var sin = sockaddr_in()
                    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                    let got = withUnsafeMutablePointer(to: &sin) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fds[f].fd, buffer.baseAddress, buffer.count, 0, $0, &length) }
                    }
                    if got < 0 && errno == EINTR { continue }
                    guard got >= 12 else { break }
                    let now = BenchSupport.nowNS()
                    stats.datagrams += 1
                    let key = Int(route[Int(UInt16(bigEndian: sin.sin_port))])
                    guard key >= 0 else { continue }
                    let i = key >> 1, dir = key & 1
                    if dir == 1 && transcode {
                        do { _ = try srtp[i].unprotect(buffer, length: got) } catch {
                            stats.srtpFailures += 1
                            continue
                        }
                    }
                    if buffer[1] & 0x7F >= 72 && buffer[1] & 0x7F <= 76 { continue }  // RTCP
                    let ts = UInt32(buffer[4]) << 24 | UInt32(buffer[5]) << 16 | UInt32(buffer[6]) << 8 | UInt32(buffer[7])
                    record(call: i, dir: dir, timestamp: ts, at: now)
                }
            }
        }
        stats.cpu = BenchSupport.threadCPUSeconds() - cpu0
        return stats
    }

    private func record(call i: Int, dir: Int, timestamp: UInt32, at now: UInt64) {
        let first = directions[i][dir].firstTimestamp ?? timestamp
        directions[i][dir].firstTimestamp = first
        let frame = dir == 0 || !transcode ? 160 : 960   // output clock: PCMU 8 kHz, Opus 48 kHz
        let k = Int(Int32(bitPattern: timestamp &- first)) / frame
        guard k >= 0, k < packets, directions[i][dir].received[k] == 0 else {
            directions[i][dir].extra += 1
            return
        }
        directions[i][dir].received[k] = now
    }

    /// Per direction: packets sent, delivered (distinct), extra, latencies in ns.
    func results(dir: Int) -> (sent: Int, delivered: Int, extra: Int, latencies: [Double]) {
        var sent = 0, delivered = 0, extra = 0
        var latencies: [Double] = []
        for d in directions {
            extra += d[dir].extra
            for k in 0..<packets where d[dir].sent[k] != 0 {
                sent += 1
                let r = d[dir].received[k]
                if r != 0 {
                    delivered += 1
                    latencies.append(Double(Int64(bitPattern: r &- d[dir].sent[k])))
                }
            }
        }
        return (sent, delivered, extra, latencies)
    }
}

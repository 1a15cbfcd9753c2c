import Foundation
import Synchronization

/// Records every RTP packet a peer receives, with its arrival time, on a
/// thread of its own, until stopped: for tests that measure a media gap.
public final class RTPRecorder: Sendable {
    public struct Arrival: Sendable {
        /// Monotonic nanoseconds (`DispatchTime.now().uptimeNanoseconds`).
        public var at: UInt64
        public var rtp: RTP
    }

    private let arrivals = Mutex<[Arrival]>([])
    private let stopped = Atomic<Bool>(false)

    public init(_ peer: UDPPeer) {
        Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                guard let (bytes, _) = peer.receive(timeout: 0.1), let rtp = RTP(bytes) else { continue }
                arrivals.withLock { $0.append(Arrival(at: DispatchTime.now().uptimeNanoseconds, rtp: rtp)) }
            }
        }.start()
    }

    public var packets: [Arrival] { arrivals.withLock { $0 } }
    public var count: Int { arrivals.withLock { $0.count } }
    public func count(after instant: UInt64) -> Int { arrivals.withLock { $0.filter { $0.at > instant }.count } }

    public func stop() { stopped.store(true, ordering: .relaxed) }

    /// The longest time between two consecutive arrivals, in milliseconds.
    public var largestGapMilliseconds: Double {
        let list = packets
        return zip(list, list.dropFirst()).map { Double($1.at - $0.at) / 1e6 }.max() ?? 0
    }

    deinit { stop() }
}

/// Reads `fd` to end of file.
public func readToEOF(_ fd: Int32) -> [UInt8] {
    var out: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out += buffer[0..<n]
    }
    return out
}

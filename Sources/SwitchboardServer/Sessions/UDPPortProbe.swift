import Foundation

/// Whether a UDP port can be bound on an IPv4 address right now (bind, then
/// close). An address that is not IPv4 is not probed (reported free).
enum UDPPortProbe {
    static func isFree(address: String, port: Int) -> Bool {
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = UInt16(truncatingIfNeeded: port).bigEndian
        guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else { return true }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        return withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }
}

/// Port pairs of the media range known to be free without probing: those
/// our own worker has just closed (nothing else could hold them while it
/// did). A pair handed out again within ``validity`` of its release is not
/// probed; one idle for longer, or never used, is. Under load the range
/// turns over within seconds, so probes (socket + bind + close, twice per
/// pair) become rare; a probe can only ever say "free right now" anyway, so
/// a short validity adds little to the window a foreign process already has
/// between offer and answer.
struct RecentlyFreedPorts {
    let firstPort: Int
    let validity: Duration
    private let epoch = ContinuousClock.now
    /// Per pair, when it was freed: nanoseconds since `epoch`, or -1.
    private var freedAt: [Int64]

    init(range: ClosedRange<Int>, validity: Duration = .seconds(2)) {
        firstPort = range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1
        self.validity = validity
        freedAt = Array(repeating: -1, count: max(0, (range.upperBound - firstPort + 1) / 2))
    }

    private func index(_ port: Int) -> Int? {
        let i = (port - firstPort) / 2
        return port >= firstPort && (port - firstPort) % 2 == 0 && i < freedAt.count ? i : nil
    }

    private func offset(_ instant: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = (instant - epoch).components
        return seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }

    /// The pair `port`, `port + 1` was closed by our worker at `instant`.
    mutating func freed(_ port: Int, at instant: ContinuousClock.Instant) {
        if let i = index(port) { freedAt[i] = offset(instant) }
    }

    /// Whether the pair was freed by us within ``validity`` of `now`.
    func isFresh(_ port: Int, now: ContinuousClock.Instant) -> Bool {
        guard let i = index(port), freedAt[i] >= 0 else { return false }
        let (seconds, attoseconds) = validity.components
        return offset(now) - freedAt[i] <= seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000
    }
}

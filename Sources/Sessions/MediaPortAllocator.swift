/// Hands out RTP ports from `media.port_range`: even ports (RTP), each with
/// the odd port above it kept free for RTCP, two per leg. Pure: the owner
/// serializes calls. Released ports go to the back of the queue, so a port
/// is not reused at once (late packets of an old call do not reach a new
/// one).
public struct MediaPortAllocator: Sendable, Hashable {
    public let range: ClosedRange<Int>
    private var free: [Int]
    private var head = 0
    private var inUse: Set<Int> = []

    public init(range: ClosedRange<Int>) {
        self.range = range
        let firstEven = range.lowerBound % 2 == 0 ? range.lowerBound : range.lowerBound + 1
        free = Array(stride(from: firstEven, through: range.upperBound - 1, by: 2))
    }

    /// RTP ports still available.
    public var available: Int { free.count - head }
    public var used: Int { inUse.count }

    /// An even RTP port (its RTCP port is `port + 1`), or nil when exhausted.
    public mutating func allocate() -> Int? {
        guard head < free.count else { return nil }
        let port = free[head]
        head += 1
        if head > 1024 && head * 2 > free.count {
            free.removeFirst(head)
            head = 0
        }
        inUse.insert(port)
        return port
    }

    /// Marks a specific port used (restoring sessions); false if taken or outside the range.
    public mutating func claim(_ port: Int) -> Bool {
        guard !inUse.contains(port), let index = free[head...].firstIndex(of: port) else { return false }
        free.remove(at: index)
        inUse.insert(port)
        return true
    }

    public mutating func release(_ port: Int) {
        guard inUse.remove(port) != nil else { return }
        free.append(port)
    }
}

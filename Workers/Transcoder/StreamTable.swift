#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MediaCodecs
import PortProtocol

/// The streams this worker carries, their sockets as a `pollfd` list for
/// the port server's loop, and their timers (stats events, RTCP reports).
final class StreamTable {
    /// What a polled socket belongs to.
    struct SocketRef {
        var stream: UInt32
        var side: MediaStream.Side
        var rtcp: Bool
    }

    let maxStreams: Int
    /// Packet buffers, codec settings and PCM scratch shared by every stream (one thread).
    let buffers: PacketBuffers
    private var streams: [UInt32: MediaStream] = [:]
    /// Bumped whenever a stream opens or closes: the `pollfd` list must be rebuilt.
    private(set) var generation: UInt64 = 0
    /// No stream timer is due before this (monotonic nanoseconds; a closed
    /// stream may leave it early, which costs one idle pass).
    private var nextDeadline: UInt64 = .max

    init(maxStreams: Int, settings: TranscodingEngine.Settings, scratch: TranscodingScratch = TranscodingScratch()) {
        self.maxStreams = maxStreams
        buffers = PacketBuffers(settings: settings, scratch: scratch)
    }

    var count: Int { streams.count }

    /// Opens a stream, binding its ports.
    func open(_ request: OpenStream) throws(StreamOpenError) -> MediaStream {
        guard streams[request.stream] == nil else { throw .duplicate(request.stream) }
        guard streams.count < maxStreams else { throw .full(maxStreams) }
        let stream = try MediaStream(request, now: StandardStreams.monotonicNanoseconds())
        streams[request.stream] = stream
        generation &+= 1
        nextDeadline = min(nextDeadline, stream.nextStatsAt, stream.nextReportAt)
        return stream
    }

    /// Closes a stream, freeing its sockets and codec state; returns its final stats.
    func close(_ id: UInt32) -> StreamStats? {
        guard let stream = streams.removeValue(forKey: id) else { return nil }
        generation &+= 1
        return stream.stats
    }

    /// Stats of one stream, or of all (sorted by id) for `nil`.
    func stats(_ id: UInt32?) -> [StreamStats]? {
        if let id {
            return streams[id].map { [$0.stats] }
        }
        return streams.keys.sorted().compactMap { streams[$0]?.stats }
    }

    /// Appends a `pollfd` (POLLIN) and a ``SocketRef`` for every socket.
    func appendPollDescriptors(to fds: inout [pollfd], refs: inout [SocketRef]) {
        for (id, stream) in streams {
            for side in [MediaStream.Side.a, .b] {
                let leg = stream.leg(side)
                fds.append(pollfd(fd: leg.rtp.fd, events: Int16(POLLIN), revents: 0))
                refs.append(SocketRef(stream: id, side: side, rtcp: false))
                if let rtcp = leg.rtcp {
                    fds.append(pollfd(fd: rtcp.fd, events: Int16(POLLIN), revents: 0))
                    refs.append(SocketRef(stream: id, side: side, rtcp: true))
                }
            }
        }
    }

    /// Handles what is waiting on one socket.
    func receive(_ ref: SocketRef) {
        streams[ref.stream]?.receive(ref.side, rtcp: ref.rtcp, buffers: buffers)
    }

    /// Milliseconds until the next timer is due (-1: none), for `poll`.
    func pollTimeout(now: UInt64) -> Int32 {
        let next = nextDeadline
        if next == .max { return -1 }
        if next <= now { return 0 }
        return Int32(clamping: (next - now + 999_999) / 1_000_000)
    }

    /// Runs the timers that are due: sends the RTCP reports due, and returns the
    /// stats of every stream whose event is due (sorted by id), rescheduling
    /// them; `nil` if none is. Costs nothing until the earliest timer is due.
    func serviceTimers(now: UInt64) -> StreamStatsReport? {
        guard now >= nextDeadline else { return nil }
        var due: [StreamStats] = []
        var next = UInt64.max
        for stream in streams.values {
            if stream.nextStatsAt <= now {
                due.append(stream.stats)
                stream.nextStatsAt &+= stream.statsInterval
                if stream.nextStatsAt <= now { stream.nextStatsAt = now &+ stream.statsInterval }
            }
            if stream.nextReportAt <= now { stream.sendReports(now: now, buffers: buffers) }
            next = min(next, stream.nextStatsAt, stream.nextReportAt)
        }
        nextDeadline = next
        guard !due.isEmpty else { return nil }
        due.sort { $0.stream < $1.stream }
        return StreamStatsReport(streams: due)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MediaCodecs
import PortProtocol

/// A stream: two legs and the two directions between them.
///
/// Each datagram from a leg's peer goes: RTCP demux (port + 1, or RFC 5761
/// on a muxed port: see `MediaStream+RTCP.swift`, never taken for media) ->
/// SRTP unprotect -> RTP parse -> payload type check -> symmetric latching
/// -> loss and jitter -> the direction towards the other leg (relay or
/// transcode, telephone-event remap) -> SRTP protect -> `sendto`. Every bad
/// datagram is counted on the leg it came from and dropped; nothing traps.
final class MediaStream {
    /// Which leg.
    enum Side: UInt8 {
        case a, b
    }

    /// Datagrams read from one socket per readiness, so one busy socket cannot starve the others.
    static let receiveBatch = 64

    let id: UInt32
    let a: MediaLeg
    let b: MediaLeg
    let aToB: MediaDirection
    let bToA: MediaDirection
    /// Period of the stats event in nanoseconds (0: none).
    let statsInterval: UInt64
    /// When the next stats event is due (monotonic nanoseconds).
    var nextStatsAt: UInt64
    /// Mean period of the worker's own RTCP reports in nanoseconds (0: none; always 0 for a relay).
    let reportInterval: UInt64
    /// When the next RTCP reports are due (monotonic nanoseconds; `.max`: never).
    var nextReportAt: UInt64

    /// Opens both legs (binding their sockets); throws if either cannot be opened.
    init(_ request: OpenStream, now: UInt64) throws(StreamOpenError) {
        guard request.statsIntervalMs >= 0 else { throw .badRequest("stats_interval_ms \(request.statsIntervalMs) < 0") }
        guard request.rtcpIntervalMs >= 0 else { throw .badRequest("rtcp_interval_ms \(request.rtcpIntervalMs) < 0") }
        id = request.stream
        a = try MediaLeg(request.a)
        b = try MediaLeg(request.b)
        aToB = MediaDirection(from: a, to: b)
        bToA = MediaDirection(from: b, to: a)
        statsInterval = UInt64(request.statsIntervalMs) * 1_000_000
        nextStatsAt = statsInterval == 0 ? .max : now &+ statsInterval
        // Transcoding terminates RTCP: the worker reports to each peer itself.
        reportInterval = aToB.transcodes ? UInt64(request.rtcpIntervalMs) * 1_000_000 : 0
        nextReportAt = .max
        if reportInterval > 0 {
            a.reporter = RTCPReporter()
            b.reporter = RTCPReporter()
            nextReportAt = now &+ Self.randomized(reportInterval / 2)
        }
    }

    func leg(_ side: Side) -> MediaLeg { side == .a ? a : b }

    /// The stream's counters now.
    var stats: StreamStats { StreamStats(stream: id, a: a.snapshot, b: b.snapshot) }

    /// Reads and handles up to ``receiveBatch`` datagrams waiting on one of `side`'s sockets.
    func receive(_ side: Side, rtcp: Bool, buffers: PacketBuffers) {
        let leg = leg(side)
        guard let socket = rtcp ? leg.rtcp : leg.rtp else { return }
        let direction = side == .a ? aToB : bToA
        let window = UnsafeMutableRawBufferPointer(rebasing: buffers.input[0..<PacketBuffers.datagramLimit])
        for _ in 0..<Self.receiveBatch {
            guard let (n, source) = socket.receive(into: window) else { return }
            if rtcp {
                handleRTCP(leg, length: n, source: source, latch: true, buffers: buffers)
            } else {
                handleDatagram(leg, direction, length: n, source: source, buffers: buffers)
            }
        }
    }

    private func handleDatagram(_ leg: MediaLeg, _ direction: MediaDirection, length n: Int, source: UDPAddress,
                                buffers: PacketBuffers) {
        guard n >= RTPHeader.fixedLength, buffers.input[0] >> 6 == 2 else {
            leg.stats.malformed &+= 1
            return
        }
        if RTPHeader.isRTCP(first: buffers.input[0], second: buffers.input[1]) {
            // RTCP on the RTP port: muxed (RFC 5761), or a peer muxing unasked (not latched then). Never media.
            handleRTCP(leg, length: n, source: source, latch: leg.rtcpMux, buffers: buffers)
            return
        }
        var length = n
        // SSRC and sequence number are in the clear header (SRTP encrypts the payload only).
        let ssrc = UInt32(buffers.input[8]) << 24 | UInt32(buffers.input[9]) << 16 | UInt32(buffers.input[10]) << 8
            | UInt32(buffers.input[11])
        let sequence = UInt16(buffers.input[2]) << 8 | UInt16(buffers.input[3])
        if let srtp = leg.srtpIn {
            leg.prepareUnprotect(ssrc: ssrc, sequence: sequence)
            do {
                length = try srtp.unprotect(buffers.input, length: n)
            } catch {
                leg.stats.srtpFailures &+= 1
                return
            }
        }
        leg.received(ssrc: ssrc, sequence: sequence)
        guard let header = RTPHeader(parsing: UnsafeRawBufferPointer(rebasing: buffers.input[0..<length])) else {
            leg.stats.malformed &+= 1
            return
        }
        let isEvent = header.payloadType == leg.telephoneEventPT
        guard isEvent || header.payloadType == leg.payloadType else {
            leg.stats.unknownPayloadType &+= 1
            return
        }
        // Symmetric RTP: the peer is wherever valid packets come from (strict source off).
        if leg.remote != source { leg.remote = source }
        leg.stats.packetsIn &+= 1
        leg.stats.bytesIn &+= UInt64(n)
        if leg.sourceSSRC != header.ssrc {
            if leg.sourceSSRC != nil { leg.reception.sourceChanged() }
            leg.sourceSSRC = header.ssrc
        }
        let arrival = leg.reception.record(sequence: header.sequenceNumber, timestamp: header.timestamp,
                                          arrivalNanoseconds: StandardStreams.monotonicNanoseconds())
        if isEvent {
            direction.forwardEvent(header, arrival: arrival, buffers: buffers)
        } else {
            direction.forwardMedia(header, arrival: arrival, buffers: buffers)
        }
    }
}

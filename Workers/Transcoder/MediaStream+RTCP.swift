import MediaCodecs

/// RTCP (RFC 3550; SRTCP, RFC 3711) on a stream, the way a media relay
/// handles it (rtpengine's default).
///
/// Every datagram on a leg's RTCP port, and every RTCP datagram on its RTP
/// port (RFC 5761 demultiplexing), is SRTCP-unprotected on an SRTP leg
/// (failures: `srtp_failures`), checked as a compound packet (else
/// `malformed`) and counted in `rtcp_packets`. Its source becomes the peer's
/// RTCP address (symmetric RTCP, latched like RTP) when it arrived where the
/// leg expects RTCP: the RTCP port, or the RTP port with rtcp-mux. Then:
///
/// - **Relayed stream** (same codec): forwarded to the other leg's peer,
///   rewritten by ``RTCPTranslator`` with the worker's SSRC, sequence and
///   timestamp maps (the worker sends each peer media under that leg's
///   `ssrc_out`, so RTCP must say the same), SRTCP-protected with the other
///   leg's `local_key`, and sent from its RTCP socket (its RTP socket with
///   rtcp-mux) to its RTCP address: the latched one, else `remote_rtcp`,
///   else its remote's port + 1 (its remote itself with rtcp-mux).
/// - **Transcoding stream**: not forwarded. The peers' reports describe
///   packets, sequence numbers and clocks that do not exist on the other
///   leg, and translating the SSRCs alone would leave their counts wrong; so
///   the worker terminates RTCP as an endpoint would, and every
///   `rtcp_interval_ms` (randomised, RFC 3550 section 6.2) sends each peer a
///   report of its own: an SR about the media it sends that peer (as
///   `ssrc_out`) or an RR before it sent any, a report block about the
///   peer's own source (loss, jitter, and LSR/DLSR from the peer's last SR),
///   and an SDES CNAME. Each peer only ever sees its own SSRC and the
///   worker's `ssrc_out` for it.
extension MediaStream {
    func handleRTCP(_ leg: MediaLeg, length n: Int, source: UDPAddress, latch: Bool, buffers: PacketBuffers) {
        guard n >= 8, buffers.input[0] >> 6 == 2 else {
            leg.stats.malformed &+= 1
            return
        }
        var length = n
        if let srtp = leg.srtpIn {
            do {
                length = try srtp.unprotectRTCP(buffers.input, length: n)
            } catch {
                leg.stats.srtpFailures &+= 1
                return
            }
        }
        let compound = UnsafeRawBufferPointer(rebasing: buffers.input[0..<length])
        guard RTCP.isValidCompound(compound) else {
            leg.stats.malformed &+= 1
            return
        }
        leg.stats.rtcpPackets &+= 1
        if latch && leg.rtcpRemote != source { leg.rtcpRemote = source }
        guard !aToB.transcodes else {
            leg.reporter?.received(compound, at: StandardStreams.monotonicNanoseconds())
            return
        }
        let isA = leg === a
        let other = isA ? b : a
        guard let destination = other.rtcpDestination else {
            other.stats.unsent &+= 1
            return
        }
        // Forward: media from this leg's peer to the other's; backward: what this peer receives.
        let forward = (isA ? aToB : bToA).relayMap
        let backward = (isA ? bToA : aToB).relayMap
        let translation = RTCPTranslation(senderIn: forward?.ssrc ?? leg.sourceSSRC, senderOut: other.ssrcOut,
                                          reportedIn: leg.ssrcOut, reportedOut: backward?.ssrc,
                                          sequenceOffset: backward?.sequenceOffset ?? 0,
                                          sequenceReference: backward == nil ? nil : other.reception.extendedHighestSequence,
                                          timestampDelta: forward?.timestampOffset)
        let out = RTCPTranslator.translate(compound, into: buffers.output, translation)
        sendRTCP(length: out, to: other, destination, buffers: buffers)
    }

    /// Sends each leg of a transcoding stream its report (a leg that has
    /// neither sent nor received media, or has no RTCP address, gets none),
    /// and schedules the next ones.
    func sendReports(now: UInt64, buffers: PacketBuffers) {
        let wallclock = StandardStreams.wallclockNanoseconds()
        report(a, now: now, wallclock: wallclock, buffers: buffers)
        report(b, now: now, wallclock: wallclock, buffers: buffers)
        nextReportAt = now &+ Self.randomized(reportInterval)
    }

    private func report(_ leg: MediaLeg, now: UInt64, wallclock: UInt64, buffers: PacketBuffers) {
        guard let reporter = leg.reporter, let destination = leg.rtcpDestination,
              leg.stats.packetsOut > 0 || leg.sourceSSRC != nil else { return }
        let n = reporter.report(leg, now: now, wallclock: wallclock, into: buffers.output)
        sendRTCP(length: n, to: leg, destination, buffers: buffers)
    }

    /// SRTCP-protects (on an SRTP leg) the compound in `buffers.output[0..<length]` and sends it to `leg`'s peer.
    private func sendRTCP(length: Int, to leg: MediaLeg, _ destination: UDPAddress, buffers: PacketBuffers) {
        guard length > 0 else { return }
        var n = length
        if let srtp = leg.srtpOut {
            do {
                n = try srtp.protectRTCP(buffers.output, length: length)
            } catch {
                leg.stats.srtpFailures &+= 1
                return
            }
        }
        if leg.rtcpSocket.send(UnsafeRawBufferPointer(rebasing: buffers.output[0..<n]), to: destination) {
            leg.stats.rtcpPacketsOut &+= 1
        }
    }

    /// `interval` x a random factor in 0.5...1.5 (RFC 3550 section 6.3.1), in nanoseconds.
    static func randomized(_ interval: UInt64) -> UInt64 {
        interval / 2 &+ UInt64.random(in: 0...interval)
    }
}

import MediaCodecs

/// The buffers every packet goes through, allocated once per worker and
/// reused for every packet of every stream (the worker is single-threaded),
/// so the media path does not allocate; and the codec settings and PCM
/// scratch of every transcoding direction (kept here once, not per stream).
final class PacketBuffers {
    /// Largest datagram received (larger ones are truncated, then fail to parse or authenticate).
    static let datagramLimit = SRTPSession.maximumPacketLength
    /// Bytes of each buffer: a datagram plus room for an SRTP(C) trailer.
    static let capacity = datagramLimit + 512

    /// Where a datagram is received and unprotected in place.
    let input: UnsafeMutableRawBufferPointer
    /// Where a packet is built and protected in place before `sendto`.
    let output: UnsafeMutableRawBufferPointer
    /// Transcoded media (appended to by the codec engine, then copied after the header).
    var media: [UInt8] = []
    /// Opus encoder settings of the codec state a transcoding direction makes.
    let settings: TranscodingEngine.Settings
    /// PCM and packet scratch shared by every transcoding direction.
    let scratch: TranscodingScratch

    init(settings: TranscodingEngine.Settings, scratch: TranscodingScratch) {
        self.settings = settings
        self.scratch = scratch
        input = .allocate(byteCount: Self.capacity, alignment: 16)
        output = .allocate(byteCount: Self.capacity, alignment: 16)
        media.reserveCapacity(Self.capacity)
    }

    /// Copies `payload` into ``output`` after the fixed RTP header.
    func placePayload(_ payload: UnsafeRawBufferPointer) {
        let n = min(payload.count, output.count - RTPHeader.fixedLength)
        guard n > 0 else { return }
        UnsafeMutableRawBufferPointer(rebasing: output[RTPHeader.fixedLength..<(RTPHeader.fixedLength + n)])
            .copyMemory(from: UnsafeRawBufferPointer(rebasing: payload[0..<n]))
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }
}

import COpus

/// Facts read from an Opus packet's TOC without decoding it.
public enum OpusPacket {
    /// Samples per channel at `sampleRate` that `packet` decodes to; throws for a malformed packet.
    public static func samplesPerChannel(in packet: UnsafeRawBufferPointer, sampleRate: Int) throws(MediaCodecError) -> Int {
        guard let base = packet.baseAddress, packet.count > 0 else { throw .undecodableOpus(status: OPUS_INVALID_PACKET, bytes: 0) }
        let n = opus_packet_get_nb_samples(base.assumingMemoryBound(to: UInt8.self),
                                           opus_int32(min(packet.count, Int(Int32.max))), opus_int32(sampleRate))
        if n <= 0 { throw .undecodableOpus(status: n < 0 ? n : OPUS_INVALID_PACKET, bytes: packet.count) }
        if n > sampleRate * 120 / 1000 { throw .undecodableOpus(status: OPUS_INVALID_PACKET, bytes: packet.count) }
        return Int(n)
    }
}

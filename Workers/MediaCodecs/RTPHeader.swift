/// The fixed RTP header (RFC 3550 section 5.1) of a received packet, with
/// where its payload lies, or the header of a packet to send.
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                           timestamp                           |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |                             SSRC                              |
/// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
/// |            CSRC list: CC x 32 bits (skipped)                  |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  if X: profile (16) | length in words (16) | extension ...    |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |  payload ...                   | if P: padding, last byte = n |
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// ```
///
/// Parsing never traps: anything malformed (version not 2, CSRCs, extension
/// or padding running past the end) is `nil`.
public struct RTPHeader: Sendable, Hashable {
    /// Bytes of the fixed header.
    public static let fixedLength = 12

    /// The marker bit.
    public var marker: Bool
    /// The payload type (7 bits).
    public var payloadType: UInt8
    /// The sequence number.
    public var sequenceNumber: UInt16
    /// The RTP timestamp.
    public var timestamp: UInt32
    /// The synchronisation source.
    public var ssrc: UInt32
    /// Offset of the payload in the packet (after CSRCs and extension).
    public var payloadOffset: Int
    /// Length of the payload (without padding).
    public var payloadLength: Int

    /// A header to send: no CSRCs, no extension, no padding.
    public init(marker: Bool, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32, ssrc: UInt32,
                payloadLength: Int = 0) {
        self.marker = marker
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.payloadOffset = Self.fixedLength
        self.payloadLength = payloadLength
    }

    /// Parses the RTP packet `packet`; `nil` if it is not a well-formed RTP packet.
    public init?(parsing packet: UnsafeRawBufferPointer) {
        let n = packet.count
        guard n >= Self.fixedLength else { return nil }
        let b0 = packet[0]
        guard b0 >> 6 == 2 else { return nil }
        var offset = Self.fixedLength + Int(b0 & 0x0F) * 4
        guard offset <= n else { return nil }
        if b0 & 0x10 != 0 {
            guard offset + 4 <= n else { return nil }
            let words = Int(packet[offset + 2]) << 8 | Int(packet[offset + 3])
            offset += 4 + words * 4
            guard offset <= n else { return nil }
        }
        var end = n
        if b0 & 0x20 != 0 {
            let padding = Int(packet[n - 1])
            guard padding > 0, offset + padding <= n else { return nil }
            end -= padding
        }
        marker = packet[1] & 0x80 != 0
        payloadType = packet[1] & 0x7F
        sequenceNumber = UInt16(packet[2]) << 8 | UInt16(packet[3])
        timestamp = UInt32(packet[4]) << 24 | UInt32(packet[5]) << 16 | UInt32(packet[6]) << 8 | UInt32(packet[7])
        ssrc = UInt32(packet[8]) << 24 | UInt32(packet[9]) << 16 | UInt32(packet[10]) << 8 | UInt32(packet[11])
        payloadOffset = offset
        payloadLength = end - offset
    }

    /// Parses an RTP packet held in an array (for tests and tools).
    public init?(parsing packet: [UInt8]) {
        guard let header = packet.withUnsafeBytes({ RTPHeader(parsing: $0) }) else { return nil }
        self = header
    }

    /// Writes the 12-byte fixed header (V=2, no P, X or CSRCs) at the start of `buffer`.
    /// - Returns: 12, or 0 if `buffer` is shorter than that.
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard buffer.count >= Self.fixedLength else { return 0 }
        buffer[0] = 0x80
        buffer[1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        buffer[2] = UInt8(truncatingIfNeeded: sequenceNumber >> 8)
        buffer[3] = UInt8(truncatingIfNeeded: sequenceNumber)
        buffer[4] = UInt8(truncatingIfNeeded: timestamp >> 24)
        buffer[5] = UInt8(truncatingIfNeeded: timestamp >> 16)
        buffer[6] = UInt8(truncatingIfNeeded: timestamp >> 8)
        buffer[7] = UInt8(truncatingIfNeeded: timestamp)
        buffer[8] = UInt8(truncatingIfNeeded: ssrc >> 24)
        buffer[9] = UInt8(truncatingIfNeeded: ssrc >> 16)
        buffer[10] = UInt8(truncatingIfNeeded: ssrc >> 8)
        buffer[11] = UInt8(truncatingIfNeeded: ssrc)
        return Self.fixedLength
    }

    /// The packet as bytes: this header followed by `payload` (for tests and tools).
    public func packet(payload: [UInt8]) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.fixedLength)
        bytes.withUnsafeMutableBytes { _ = write(into: $0) }
        return bytes + payload
    }

    /// Whether a datagram starting with `first` and `second` is RTCP rather
    /// than RTP on a muxed port (RFC 5761 section 4): version 2 and a second
    /// byte whose low 7 bits are 64...95. That covers RTCP packet types
    /// 192-223 (SR 200, RR 201, SDES 202, BYE 203, APP 204, RTPFB 205,
    /// PSFB 206, XR 207) and RTP payload types 64-95, which RFC 5761 forbids
    /// on a muxed port exactly because they would collide.
    @inlinable
    public static func isRTCP(first: UInt8, second: UInt8) -> Bool {
        first >> 6 == 2 && (64...95).contains(second & 0x7F)
    }
}

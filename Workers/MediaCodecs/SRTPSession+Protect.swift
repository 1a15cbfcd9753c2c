import CSRTP

extension SRTPSession {
    private typealias Transform = (srtp_t?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t

    private func run(_ name: String, _ expected: Direction, minimum: Int, trailer: Int,
                     _ buffer: UnsafeMutableRawBufferPointer, length: Int, _ transform: Transform) throws(SRTPError) -> Int {
        guard direction == expected else {
            throw SRTPError(status: Int32(srtp_err_status_no_such_op.rawValue), operation: "\(name) on an \(direction) session")
        }
        guard length >= minimum, length <= Self.maximumPacketLength, let base = buffer.baseAddress else {
            throw .badPacketLength(length, operation: name)
        }
        guard buffer.count >= length + trailer else {
            throw SRTPError(status: Int32(srtp_err_status_bad_param.rawValue),
                            operation: "\(name): buffer of \(buffer.count) bytes has no room for the \(trailer)-byte trailer")
        }
        var n = Int32(length)
        let status = transform(session, base, &n)
        guard status == srtp_err_status_ok else { throw SRTPError(status: Int32(status.rawValue), operation: name) }
        return Int(n)
    }

    /// Protects the RTP packet in `buffer[0..<length]` in place.
    /// - Parameter buffer: must have ``maximumTrailerLength`` spare bytes after `length`.
    /// - Returns: the SRTP packet's length (`length` + the auth tag).
    public func protect(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try run("srtp_protect", .outbound, minimum: 12, trailer: Self.maximumTrailerLength, buffer, length: length) {
            srtp_protect($0, $1, $2)
        }
    }

    /// Verifies and decrypts the SRTP packet in `buffer[0..<length]` in place.
    /// - Returns: the RTP packet's length.
    public func unprotect(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try run("srtp_unprotect", .inbound, minimum: 12 + suite.authTagLength, trailer: 0, buffer, length: length) {
            srtp_unprotect($0, $1, $2)
        }
    }

    /// Protects the RTCP packet in `buffer[0..<length]` in place.
    /// - Parameter buffer: must have ``maximumRTCPTrailerLength`` spare bytes after `length`.
    /// - Returns: the SRTCP packet's length.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try run("srtp_protect_rtcp", .outbound, minimum: 8, trailer: Self.maximumRTCPTrailerLength, buffer, length: length) {
            srtp_protect_rtcp($0, $1, $2)
        }
    }

    /// Verifies and decrypts the SRTCP packet in `buffer[0..<length]` in place.
    /// - Returns: the RTCP packet's length.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try run("srtp_unprotect_rtcp", .inbound, minimum: 8 + 4 + 10, trailer: 0, buffer, length: length) {
            srtp_unprotect_rtcp($0, $1, $2)
        }
    }

    // MARK: array conveniences

    /// Protects an RTP packet held in an array, growing it by the tag.
    public func protect(_ packet: inout [UInt8]) throws(SRTPError) {
        try inPlace(&packet, extra: Self.maximumTrailerLength) { (b, n) throws(SRTPError) in try protect(b, length: n) }
    }

    /// Unprotects an SRTP packet held in an array, shrinking it to the RTP packet.
    public func unprotect(_ packet: inout [UInt8]) throws(SRTPError) {
        try inPlace(&packet, extra: 0) { (b, n) throws(SRTPError) in try unprotect(b, length: n) }
    }

    /// Protects an RTCP packet held in an array.
    public func protectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        try inPlace(&packet, extra: Self.maximumRTCPTrailerLength) { (b, n) throws(SRTPError) in try protectRTCP(b, length: n) }
    }

    /// Unprotects an SRTCP packet held in an array.
    public func unprotectRTCP(_ packet: inout [UInt8]) throws(SRTPError) {
        try inPlace(&packet, extra: 0) { (b, n) throws(SRTPError) in try unprotectRTCP(b, length: n) }
    }

    private func inPlace(_ packet: inout [UInt8], extra: Int,
                         _ body: (UnsafeMutableRawBufferPointer, Int) throws(SRTPError) -> Int) throws(SRTPError) {
        let length = packet.count
        packet.append(contentsOf: repeatElement(0, count: extra))
        let result = packet.withUnsafeMutableBytes { buffer -> Result<Int, SRTPError> in
            do throws(SRTPError) { return .success(try body(buffer, length)) } catch { return .failure(error) }
        }
        switch result {
        case let .success(n): packet.removeSubrange(n...)
        case let .failure(error):
            packet.removeSubrange(length...)
            throw error
        }
    }
}

/// A codec under the payload type number one side uses for it.
public struct PayloadFormat: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The RTP payload type, 0...127.
    public var payloadType: UInt8
    /// The codec, with the format parameters written for it.
    public var codec: Codec

    /// A payload format.
    public init(payloadType: UInt8, codec: Codec) {
        self.payloadType = payloadType
        self.codec = codec
    }

    /// The `a=rtpmap` and, if any, `a=fmtp` attributes of this format.
    var attributes: [Attribute] {
        var result = [codec.rtpMap(payloadType: payloadType).attribute]
        if let parameters = codec.formatParameters {
            result.append(FormatParameters(format: "\(payloadType)", parameters: parameters).attribute)
        }
        return result
    }

    /// `111 opus/48000/2`.
    public var description: String { "\(payloadType) \(codec)" }
}

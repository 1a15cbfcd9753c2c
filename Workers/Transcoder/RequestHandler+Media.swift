#if canImport(FoundationEssentials)
import FoundationEssentials  // JSON and Data without ICU: the worker starts faster
#else
import Foundation
#endif
import MediaCodecs
import PortProtocol

extension RequestHandler {
    /// `transcode`: converts the media after the header and writes the reply
    /// frame straight into `output` (no intermediate buffer). On error the
    /// output is rolled back and the error thrown.
    func transcode(id: UInt32, op: UInt8, payload: UnsafeRawBufferPointer, into output: inout [UInt8]) throws {
        let request = try TranscodeRequest(parsing: payload)
        let media = UnsafeRawBufferPointer(rebasing: payload[TranscodeRequest.headerLength...])
        let mark = output.count
        PortMessage.appendFrame(type: .reply, id: id, op: op, payload: EmptyCollection<UInt8>(), to: &output)
        do {
            try engine.transcode(context: request.context, from: request.from, to: request.to,
                                 media: media, appendingTo: &output)
        } catch {
            output.removeSubrange(mark...)
            throw error
        }
        // Patch the frame length now that the media length is known.
        let length = UInt32(output.count - mark - Frame.headerLength)
        output[mark] = UInt8(truncatingIfNeeded: length >> 24)
        output[mark + 1] = UInt8(truncatingIfNeeded: length >> 16)
        output[mark + 2] = UInt8(truncatingIfNeeded: length >> 8)
        output[mark + 3] = UInt8(truncatingIfNeeded: length)
    }

    /// `srtp_test`: protects the packet with an outbound context and unprotects
    /// the result with an independent inbound one, both keyed from the request.
    func srtpTest(_ payload: UnsafeRawBufferPointer) throws -> SRTPTestReply {
        let message = PortMessage(type: .request, payload: Array(payload))
        let request = try message.decodeJSON(SRTPTestRequest.self)
        guard let suite = SRTPSuite(name: request.suite) else {
            throw ErrorReply(code: "unsupported", message: "unknown SRTP suite '\(request.suite)'")
        }
        guard let key = Data(base64Encoded: request.key) else { throw ErrorReply(code: "bad_request", message: "key is not base64") }
        guard let rtp = Data(base64Encoded: request.rtp) else { throw ErrorReply(code: "bad_request", message: "rtp is not base64") }
        do {
            let sender = try SRTPSession(suite: suite, key: [UInt8](key), direction: .outbound)
            let receiver = try SRTPSession(suite: suite, key: [UInt8](key), direction: .inbound)
            var packet = [UInt8](rtp)
            try sender.protect(&packet)
            let srtp = packet
            try receiver.unprotect(&packet)
            return SRTPTestReply(srtp: Data(srtp).base64EncodedString(), rtp: Data(packet).base64EncodedString())
        } catch {
            throw ErrorReply(code: "bad_request", message: "\(error)")
        }
    }
}

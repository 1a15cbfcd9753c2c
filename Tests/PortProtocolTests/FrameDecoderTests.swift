import PortProtocol
import Testing

/// `{packet,4}` framing, in the manner of swift-nio-extras'
/// LengthFieldBasedFrameDecoder tests: fragmented input, many frames at
/// once, and hostile lengths.
@Suite("FrameDecoder")
struct FrameDecoderTests {
    /// Bodies of assorted sizes, including empty ones back to back.
    static let bodies: [[UInt8]] = [
        [], [0x01], [], [], Array(0..<255), [0xFF, 0x00, 0xFF], Array(repeating: 0xAB, count: 300), [],
    ]
    static var stream: [UInt8] { bodies.flatMap(frame) }

    @Test("a stream split at every byte boundary", arguments: DrainAPI.allCases)
    func splitAtEveryBoundary(api: DrainAPI) throws {
        let stream = Self.stream
        for split in 0...stream.count {
            var decoder = FrameDecoder()
            decoder.feed(stream[..<split])
            var got = try api.drain(&decoder)
            decoder.feed(stream[split...])
            got += try api.drain(&decoder)
            #expect(got == Self.bodies, "split at \(split)")
            #expect(decoder.bufferedCount == 0)
            try decoder.finish()
        }
    }

    @Test("a stream fed one byte at a time", arguments: DrainAPI.allCases)
    func oneByteAtATime(api: DrainAPI) throws {
        var decoder = FrameDecoder()
        var got: [[UInt8]] = []
        for byte in Self.stream {
            decoder.feed(CollectionOfOne(byte))
            got += try api.drain(&decoder)
        }
        #expect(got == Self.bodies)
        try decoder.finish()
    }

    @Test("a stream fed through raw buffer pointers in odd-sized chunks", arguments: [1, 3, 7, 64, 4093])
    func rawBufferChunks(chunk: Int) throws {
        let stream = Self.stream
        var decoder = FrameDecoder()
        var got: [[UInt8]] = []
        var start = 0
        while start < stream.count {
            let end = min(start + chunk, stream.count)
            stream[start..<end].withUnsafeBytes { decoder.feed($0) }
            got += try DrainAPI.next.drain(&decoder)
            start = end
        }
        #expect(got == Self.bodies)
    }

    @Test("many frames in one feed", arguments: DrainAPI.allCases)
    func manyFramesInOneFeed(api: DrainAPI) throws {
        let bodies = (0..<1000).map { i in Array(repeating: UInt8(truncatingIfNeeded: i), count: i % 17) }
        var decoder = FrameDecoder()
        decoder.feed(bodies.flatMap(frame))
        #expect(try api.drain(&decoder) == bodies)
        #expect(decoder.bufferedCount == 0)
        try decoder.finish()
    }

    @Test("a long stream through the buffer, compacting as it goes")
    func longStreamCompacts() throws {
        // 100 000 frames of 100 bytes (~10 MB) in 4093-byte reads.
        let one = frame(Array(0..<100))
        var decoder = FrameDecoder()
        var count = 0
        var pending: [UInt8] = []
        for _ in 0..<100_000 {
            pending += one
            if pending.count >= 4093 {
                decoder.feed(pending[..<4093])
                pending.removeSubrange(..<4093)
                try decoder.forEachFrame { body in
                    #expect(body.count == 100)
                    count += 1
                }
            }
        }
        decoder.feed(pending)
        try decoder.forEachFrame { _ in count += 1 }
        #expect(count == 100_000)
        #expect(decoder.bufferedCount == 0)
        try decoder.finish()
    }

    @Test("zero-length frames are frames", arguments: DrainAPI.allCases)
    func zeroLengthFrames(api: DrainAPI) throws {
        var decoder = FrameDecoder()
        decoder.feed([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(try api.drain(&decoder) == [[], [], []])
        try decoder.finish()
    }

    @Test("the default maximum is 1 MiB")
    func defaultMaximum() {
        #expect(Frame.defaultMaximumLength == 1_048_576)
        #expect(FrameDecoder().maximumLength == 1_048_576)
        #expect(Frame.headerLength == 4)
    }

    @Test("a length of exactly the maximum is accepted",
          arguments: [0, 1, 6, 4096, Frame.defaultMaximumLength])
    func lengthAtMaximum(maximum: Int) throws {
        var decoder = FrameDecoder(maximumLength: maximum)
        let body = (0..<maximum).map { UInt8(truncatingIfNeeded: $0) }
        decoder.feed(frame(body))
        #expect(try decoder.next() == body)
        try decoder.finish()
    }

    @Test("a length one over the maximum fails before the body arrives",
          arguments: DrainAPI.allCases, [0, 1, 6, 4096, Frame.defaultMaximumLength])
    func lengthOverMaximum(api: DrainAPI, maximum: Int) {
        var decoder = FrameDecoder(maximumLength: maximum)
        decoder.feed(lengthPrefix(UInt32(maximum + 1)))  // no body at all
        #expect(throws: PortProtocolError.frameTooLarge(length: maximum + 1, maximum: maximum)) {
            _ = try api.drain(&decoder)
        }
    }

    @Test("a hostile length of 0xFFFFFFFF fails at once", arguments: DrainAPI.allCases)
    func maximalLength(api: DrainAPI) {
        var decoder = FrameDecoder()
        decoder.feed([0xFF, 0xFF, 0xFF, 0xFF, 0x01])
        #expect(throws: PortProtocolError.frameTooLarge(length: 0xFFFF_FFFF, maximum: Frame.defaultMaximumLength)) {
            _ = try api.drain(&decoder)
        }
    }

    @Test("frames before an oversized one are delivered; the decoder stays failed")
    func framesBeforeOversized() {
        var decoder = FrameDecoder(maximumLength: 8)
        decoder.feed(frame([1]) + frame([2, 2]) + lengthPrefix(9))
        var got: [[UInt8]] = []
        let tooLarge = PortProtocolError.frameTooLarge(length: 9, maximum: 8)
        #expect(throws: tooLarge) { try decoder.forEachFrame { got.append(Array($0)) } }
        #expect(got == [[1], [2, 2]])
        #expect(throws: tooLarge) { _ = try decoder.next() }
    }

    @Test("finish() on a clean stream succeeds")
    func finishClean() throws {
        try FrameDecoder().finish()
        var decoder = FrameDecoder()
        decoder.feed(frame([1, 2, 3]))
        _ = try decoder.next()
        try decoder.finish()
    }

    @Test("leftover bytes at finish() are an error",
          arguments: [
              [0x00],
              [0x00, 0x00, 0x00],
              [0x00, 0x00, 0x00, 0x05],
              [0x00, 0x00, 0x00, 0x05, 0x01, 0x02, 0x03, 0x04],
          ] as [[UInt8]])
    func leftoverAtFinish(partial: [UInt8]) throws {
        var decoder = FrameDecoder()
        decoder.feed(frame([9, 9]) + partial)
        #expect(try decoder.next() == [9, 9])
        #expect(try decoder.next() == nil)
        #expect(decoder.bufferedCount == partial.count)
        #expect(throws: PortProtocolError.leftoverBytesAtEOF(partial.count)) { try decoder.finish() }
    }

    @Test("Frame.append writes a big-endian length")
    func appendIsBigEndian() {
        #expect(frame([]) == [0, 0, 0, 0])
        #expect(frame(Array(repeating: 7, count: 0x0102)).prefix(4) == [0x00, 0x00, 0x01, 0x02])
    }
}

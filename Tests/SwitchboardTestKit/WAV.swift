import Foundation

/// A 16-bit PCM WAV file: read (mono or interleaved channels, the first channel kept, as ffmpeg and
/// baresip's sndfile write them) or written (a tone for baresip's aufile source).
public struct WAV: Sendable {
    public var sampleRate = 0, channels = 0
    /// The first channel's samples.
    public var samples: [Int16] = []

    public init(sampleRate: Int, samples: [Int16]) {
        self.sampleRate = sampleRate
        self.channels = 1
        self.samples = samples
    }

    /// A pure tone (`Tone.pcm16`), mono.
    public static func tone(frequency: Double, sampleRate: Int, seconds: Double, amplitude: Double = 8000) -> WAV {
        WAV(sampleRate: sampleRate, samples: Tone.pcm16(frequency: frequency, sampleRate: Double(sampleRate),
                                                         samples: Int(seconds * Double(sampleRate)), amplitude: amplitude))
    }

    /// Reads a 16-bit PCM WAV file.
    public init(_ url: URL) throws {
        let bytes = [UInt8](try Data(contentsOf: url))
        func u32(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24 }
        func u16(_ i: Int) -> Int { Int(bytes[i]) | Int(bytes[i + 1]) << 8 }
        guard bytes.count >= 12, bytes[0..<4] == [0x52, 0x49, 0x46, 0x46], bytes[8..<12] == [0x57, 0x41, 0x56, 0x45] else {
            throw UDPPeer.Failure(description: "\(url.lastPathComponent) is not a WAV file (\(bytes.count) bytes)")
        }
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self), size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                channels = u16(body + 2)
                sampleRate = u32(body + 4)
                guard u16(body) == 1, u16(body + 14) == 16 else { throw UDPPeer.Failure(description: "not 16-bit PCM") }
            } else if id == "data" {
                let end = min(bytes.count, body + size)
                let all = Tone.samples(Array(bytes[body..<end]))
                samples = stride(from: 0, to: all.count, by: max(channels, 1)).map { all[$0] }
                return
            }
            offset = body + size + (size & 1)
        }
        throw UDPPeer.Failure(description: "\(url.lastPathComponent) has no data chunk")
    }

    /// Writes the samples as a 16-bit PCM WAV file, the same samples in each of `channels` channels.
    public func write(to url: URL, channels: Int = 1) throws {
        let channels = max(channels, 1)
        // Little-endian samples, channels interleaved (built in one buffer: seconds of 48 kHz audio in a debug build).
        var data = [UInt8](repeating: 0, count: samples.count * channels * 2)
        data.withUnsafeMutableBufferPointer { raw in
            var i = 0
            for sample in samples {
                let u = UInt16(bitPattern: sample)
                for _ in 0..<channels {
                    raw[i] = UInt8(u & 0xFF)
                    raw[i + 1] = UInt8(u >> 8)
                    i += 2
                }
            }
        }
        func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        var header: [UInt8] = Array("RIFF".utf8) + le32(36 + data.count) + Array("WAVE".utf8)
        header += Array("fmt ".utf8) + le32(16) + le16(1) + le16(channels) + le32(sampleRate)
            + le32(sampleRate * channels * 2) + le16(channels * 2) + le16(16)
        header += Array("data".utf8) + le32(data.count)
        try Data(header + data).write(to: url)
    }

    public var duration: Double { sampleRate > 0 ? Double(samples.count) / Double(sampleRate) : 0 }

    /// The frequency (of `candidates`) with the most energy (`Tone.dominant`), after skipping the first
    /// `skipping` seconds (codecs and jitter buffers settling).
    public func dominant(candidates: [Double], skipping seconds: Double = 0) -> Double {
        Tone.dominant(Array(samples.dropFirst(Int(seconds * Double(sampleRate)))), sampleRate: Double(sampleRate),
                      candidates: candidates)
    }

    /// Root mean square of the samples after skipping the first `skipping` seconds.
    public func rms(skipping seconds: Double = 0) -> Double {
        let steady = samples.dropFirst(Int(seconds * Double(sampleRate)))
        guard !steady.isEmpty else { return 0 }
        return (steady.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(steady.count)).squareRoot()
    }
}

/// A first-in first-out queue of interleaved 16-bit PCM, for repacketizing:
/// frames of one duration go in, frames of another come out.
///
/// Its storage is allocated on the first append and sized by use (the
/// largest backlog seen), so a queue that is never used costs 8 bytes.
public struct PCMQueue: Sendable {
    /// Interleaved channels.
    public let channels: Int
    private var samples: [Int16] = []

    /// An empty queue of `channels`-channel PCM.
    public init(channels: Int) { self.channels = max(channels, 1) }

    /// Samples per channel waiting.
    public var frames: Int { samples.count / channels }

    /// Whether nothing is waiting.
    public var isEmpty: Bool { samples.isEmpty }

    /// Appends interleaved PCM (a whole number of frames: a trailing partial frame is dropped).
    public mutating func append(_ pcm: UnsafeBufferPointer<Int16>) {
        let n = pcm.count - pcm.count % channels
        samples.append(contentsOf: UnsafeBufferPointer(rebasing: pcm[0..<n]))
    }

    /// Appends `frames` frames of silence.
    public mutating func appendSilence(frames: Int) {
        guard frames > 0 else { return }
        samples.append(contentsOf: repeatElement(0, count: frames * channels))
    }

    /// Calls `body` with the oldest `frames` frames (interleaved), then removes
    /// them; does nothing if fewer are waiting.
    public mutating func popFront(_ frames: Int, _ body: (UnsafeBufferPointer<Int16>) -> Void) {
        let n = frames * channels
        guard n > 0, n <= samples.count else { return }
        samples.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[0..<n])) }
        samples.removeFirst(n)
    }

    /// Empties the queue, keeping its storage.
    public mutating func removeAll() { samples.removeAll(keepingCapacity: true) }
}

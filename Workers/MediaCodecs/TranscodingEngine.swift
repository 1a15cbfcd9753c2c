/// Converts frames between ``AudioFormat``s, keeping per-stream codec state
/// in contexts keyed by a `UInt32` the caller chooses.
///
/// A context is created on first use and holds the Opus decoder/encoder and
/// resampler history of one stream direction (scratch buffers are shared); using it
/// with another format pair starts it afresh. ``closeContext(_:)`` frees it.
///
/// Frames: PCM sources (G.711, L16) must last 10, 20, 30, 40 or 60 ms (30 ms
/// into Opus is one packet of three 10 ms frames); an Opus source may hold any legal
/// packet. Empty media from an Opus source means the packet was lost: the
/// decoder conceals it (PLC) for the duration of the last packet. Identical
/// formats pass through after a length check (an empty Opus packet stays
/// empty: the receiver conceals it).
///
/// Every bad input is a thrown ``MediaCodecError``; nothing traps. Not
/// thread-safe: a worker drives one engine from one thread.
public final class TranscodingEngine {
    /// Encoder settings and limits.
    public struct Settings: Sendable, Hashable {
        /// Opus bitrate in bits per second; `nil` lets libopus choose.
        public var opusBitrate: Int?
        /// Opus encoder complexity, 0...10.
        public var opusComplexity: Int
        /// Loss percentage the Opus in-band FEC is tuned for.
        public var opusExpectedPacketLoss: Int
        /// Contexts open at most; a new one beyond it is refused.
        public var maximumContexts: Int

        /// Creates settings; the defaults suit telephony legs.
        public init(opusBitrate: Int? = nil, opusComplexity: Int = 5, opusExpectedPacketLoss: Int = 10,
                    maximumContexts: Int = 1024) {
            self.opusBitrate = opusBitrate
            self.opusComplexity = opusComplexity
            self.opusExpectedPacketLoss = opusExpectedPacketLoss
            self.maximumContexts = maximumContexts
        }
    }

    /// The largest media accepted in one call: 64 KiB.
    public static let maximumMediaLength = 65_536

    /// The settings new contexts are made with.
    public let settings: Settings
    /// Frames converted successfully since start.
    public private(set) var framesTranscoded: UInt64 = 0
    private var contexts: [UInt32: TranscodingContext] = [:]
    /// Scratch buffers for every context of this engine, allocated on first use unless given.
    private var sharedScratch: TranscodingScratch?

    /// Creates an engine with no contexts (and no codec state: a context is
    /// made on first use). `scratch` is the PCM/packet scratch to share with
    /// other engines driven from the same thread; `nil` allocates one for
    /// this engine when its first context is made.
    public init(settings: Settings = Settings(), scratch: TranscodingScratch? = nil) {
        self.settings = settings
        self.sharedScratch = scratch
    }

    /// Contexts open now.
    public var contextCount: Int { contexts.count }

    /// Converts one frame of `media` from `from` to `to` using context `context`,
    /// appending the result to `output` (left unchanged on error).
    public func transcode(context: UInt32, from: AudioFormat, to: AudioFormat, media: UnsafeRawBufferPointer,
                          appendingTo output: inout [UInt8]) throws(MediaCodecError) {
        guard media.count <= Self.maximumMediaLength else {
            throw .badFrameLength(format: from.name, bytes: media.count, expected: "at most \(Self.maximumMediaLength)")
        }
        if from == to {
            try passThrough(from, media, appendingTo: &output)
            framesTranscoded &+= 1
            return
        }
        let state = try self.context(context, from: from, to: to)
        try state.run(media, appendingTo: &output)
        framesTranscoded &+= 1
    }

    /// Rebuilds the frame of a lost Opus packet from the in-band FEC data of
    /// `next`, the packet that arrived after it, and converts it to `to`
    /// (appending to `output`). Without FEC data in `next`, libopus conceals
    /// the loss instead. Call ``transcode(context:from:to:media:appendingTo:)``
    /// with `next` afterwards for `next`'s own frame.
    public func recoverLost(context: UInt32, from: AudioFormat, to: AudioFormat, next: UnsafeRawBufferPointer,
                            appendingTo output: inout [UInt8]) throws(MediaCodecError) {
        guard from.isOpus, from != to, !next.isEmpty else {
            throw .unsupportedConversion(from: from.name, to: to.name, why: "FEC recovery needs an Opus packet to decode")
        }
        guard next.count <= Self.maximumMediaLength else {
            throw .badFrameLength(format: from.name, bytes: next.count, expected: "at most \(Self.maximumMediaLength)")
        }
        let state = try self.context(context, from: from, to: to)
        try state.run(next, fec: true, appendingTo: &output)
        framesTranscoded &+= 1
    }

    /// The context `id` for the format pair, created (or started afresh) as needed.
    private func context(_ id: UInt32, from: AudioFormat, to: AudioFormat) throws(MediaCodecError) -> TranscodingContext {
        if let existing = contexts[id], existing.from == from, existing.to == to { return existing }
        if contexts[id] == nil && contexts.count >= settings.maximumContexts {
            throw .tooManyContexts(limit: settings.maximumContexts)
        }
        contexts[id] = nil
        let scratch: TranscodingScratch
        if let sharedScratch {
            scratch = sharedScratch
        } else {
            scratch = TranscodingScratch()
            sharedScratch = scratch
        }
        let state = try TranscodingContext(from: from, to: to, settings: settings, scratch: scratch)
        contexts[id] = state
        return state
    }

    /// Converts one frame (allocating the result). See ``transcode(context:from:to:media:appendingTo:)``.
    public func transcode(context: UInt32, from: AudioFormat, to: AudioFormat, media: [UInt8]) throws(MediaCodecError) -> [UInt8] {
        var output: [UInt8] = []
        try media.withUnsafeBytes { raw in
            Result { () throws(MediaCodecError) in
                try transcode(context: context, from: from, to: to, media: raw, appendingTo: &output)
            }
        }.get()
        return output
    }

    /// Frees a context. Returns whether it existed.
    @discardableResult
    public func closeContext(_ context: UInt32) -> Bool {
        contexts.removeValue(forKey: context) != nil
    }

    /// Frees every context.
    public func closeAllContexts() { contexts.removeAll() }

    private func passThrough(_ format: AudioFormat, _ media: UnsafeRawBufferPointer,
                             appendingTo output: inout [UInt8]) throws(MediaCodecError) {
        if format.isOpus {
            if !media.isEmpty { _ = try OpusPacket.samplesPerChannel(in: media, sampleRate: 48000) }
        } else {
            _ = try TranscodingContext.checkPCMLength(media.count, format: format)
        }
        output.append(contentsOf: media.bindMemory(to: UInt8.self))
    }
}

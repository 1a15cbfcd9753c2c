/// The end of a bridge's offer/answer: the answer for A and what each leg agreed.
public struct BridgeAnswer: Sendable, Hashable, Codable {
    /// The answer to send to A.
    public let answerForA: SessionDescription
    /// Leg A (Switchboard <-> A).
    public let legA: NegotiatedLeg
    /// Leg B (Switchboard <-> B).
    public let legB: NegotiatedLeg

    /// Whether the legs use different codecs (the worker transcodes) rather than relaying packets untouched.
    public var isTranscoding: Bool { !legA.codec.isSameCodec(as: legB.codec) }

    /// An answer.
    public init(answerForA: SessionDescription, legA: NegotiatedLeg, legB: NegotiatedLeg) {
        self.answerForA = answerForA
        self.legA = legA
        self.legB = legB
    }
}

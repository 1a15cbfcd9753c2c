/// The states of a session: `offered -> answered -> active -> ended`, or
/// `failed` from any state before `ended`.
public enum SessionState: String, Sendable, Hashable, Codable, CaseIterable {
    /// A's offer was accepted; media ports are open; B's answer is awaited.
    case offered
    /// B's answer came; media may flow, none seen yet.
    case answered
    /// Media was seen on at least one leg.
    case active
    /// Ended normally (by a client, a timer, or shutdown).
    case ended
    /// Ended by an error (placement lost, worker unavailable).
    case failed

    public var isTerminal: Bool { self == .ended || self == .failed }
}

/// Why a session ended.
public enum EndReason: String, Sendable, Hashable, Codable {
    case deleted            // DELETE /v1/sessions/{id} or `switchboard sessions end`
    case answerTimeout = "answer_timeout"
    case noMedia = "no_media"
    case maxDuration = "max_duration"
    case byeFromA = "bye_a", byeFromB = "bye_b"
    case cancelled                  // SIP: A sent CANCEL before the answer
    case rejected                   // SIP: B answered with a failure (4xx-6xx)
    case noAnswer = "no_answer"     // SIP: no final answer from B within sip.invite_timeout
    case shutdown
    case placementFailed = "placement_failed"
    case moved                      // closed on an edge after the session moved to another one
    case edgeFailed = "edge_failed" // its edge died and no alive edge could take it
}

/// The timers a session runs.
public enum SessionTimer: String, Sendable, Hashable, Codable, CaseIterable {
    case answer, noMedia = "no_media", maxDuration = "max_duration"
}

/// Durations of the session timers.
public struct SessionTimeouts: Sendable, Hashable {
    /// From offer to answer.
    public var answer: Duration
    /// Without any media packet, once answered (and again after media stops).
    public var noMedia: Duration
    /// From offer to forced end.
    public var maxDuration: Duration

    public init(answer: Duration = .seconds(60), noMedia: Duration = .seconds(60), maxDuration: Duration = .seconds(4 * 3600)) {
        self.answer = answer
        self.noMedia = noMedia
        self.maxDuration = maxDuration
    }
}

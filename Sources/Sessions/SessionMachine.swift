/// The life of one session as a pure state machine (gen_statem's idea):
/// each event goes in, the new state is kept, and a list of actions comes
/// out for the owner to perform (timers, events, media). No I/O, no clock:
/// tests drive it directly.
///
/// ```
///   offer ──> offered ──answer──> answered ──media──> active
///                │                   │                  │
///                └──── timers, delete, failure ─────────┴──> ended / failed
/// ```
public struct SessionMachine: Sendable, Hashable {
    public enum Event: Sendable, Hashable {
        /// B's answer was accepted.
        case answerReceived
        /// The worker reported packets on a leg (counters grew).
        case mediaSeen
        /// A timer the machine asked for fired.
        case timerFired(SessionTimer)
        /// A client or operator asked to end it.
        case endRequested(EndReason)
        /// The media could not be placed or re-placed anywhere.
        case placementFailed(String)
        /// The call was put on hold with no media either way (`inactive`), or
        /// taken off it: no-media does not apply while held.
        case held(Bool)
    }

    public enum Action: Sendable, Hashable {
        /// (Re)arm a timer; an armed timer of the same kind is replaced.
        case startTimer(SessionTimer, Duration)
        case cancelTimer(SessionTimer)
        /// Announce a state change (an event on `/v1/events`, a log line, a metric).
        case transitioned(from: SessionState, to: SessionState)
        /// Close the media stream on its worker and free its ports.
        case releaseMedia
    }

    public private(set) var state: SessionState
    public private(set) var endReason: EndReason?
    public private(set) var failure: String?
    /// On hold (`inactive`): the no-media timer is off.
    public private(set) var isHeld = false
    public let timeouts: SessionTimeouts

    /// A new session in `offered`, and the actions that start its timers.
    public static func offered(timeouts: SessionTimeouts) -> (SessionMachine, [Action]) {
        let machine = SessionMachine(state: .offered, timeouts: timeouts)
        return (machine, [.startTimer(.answer, timeouts.answer), .startTimer(.maxDuration, timeouts.maxDuration)])
    }

    init(state: SessionState, timeouts: SessionTimeouts) {
        self.state = state
        self.timeouts = timeouts
    }

    /// Feeds one event; returns what to do. Events that do not apply in the
    /// current state (a late timer, a second answer) change nothing.
    public mutating func handle(_ event: Event) -> [Action] {
        switch (state, event) {
        case (_, _) where state.isTerminal:
            return []

        case (.offered, .answerReceived):
            return move(to: .answered) + [.cancelTimer(.answer), .startTimer(.noMedia, timeouts.noMedia)]

        case (.answered, .mediaSeen):
            return move(to: .active) + (isHeld ? [] : [.startTimer(.noMedia, timeouts.noMedia)])
        case (.active, .mediaSeen):
            return isHeld ? [] : [.startTimer(.noMedia, timeouts.noMedia)]
        case let (.answered, .held(held)), let (.active, .held(held)):
            guard held != isHeld else { return [] }
            isHeld = held
            return held ? [.cancelTimer(.noMedia)] : [.startTimer(.noMedia, timeouts.noMedia)]

        case (.offered, .timerFired(.answer)):
            return end(.answerTimeout)
        case (.answered, .timerFired(.noMedia)), (.active, .timerFired(.noMedia)):
            return end(.noMedia)
        case (_, .timerFired(.maxDuration)):
            return end(.maxDuration)

        case let (_, .endRequested(reason)):
            return end(reason)
        case let (_, .placementFailed(why)):
            failure = why
            endReason = .placementFailed
            return move(to: .failed) + cancelAll() + [.releaseMedia]

        default:
            return []
        }
    }

    private mutating func end(_ reason: EndReason) -> [Action] {
        endReason = reason
        return move(to: .ended) + cancelAll() + [.releaseMedia]
    }

    private mutating func move(to next: SessionState) -> [Action] {
        let from = state
        state = next
        return [.transitioned(from: from, to: next)]
    }

    private func cancelAll() -> [Action] { SessionTimer.allCases.map { .cancelTimer($0) } }
}

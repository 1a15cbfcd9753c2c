/// Which children a supervisor restarts when one of them must be restarted.
///
/// | strategy | restarted when child C must be restarted |
/// | --- | --- |
/// | `one_for_one` | C only |
/// | `one_for_all` | all children: the others are terminated (reverse start order), then all are started (start order) |
/// | `rest_for_one` | C and the children started after it: those are terminated (reverse order), then C and they are started (start order) |
/// | `simple_one_for_one` | C only; all children are dynamic instances of one template |
public enum Strategy: String, Sendable, Codable, CaseIterable {
    case oneForOne = "one_for_one"
    case oneForAll = "one_for_all"
    case restForOne = "rest_for_one"
    case simpleOneForOne = "simple_one_for_one"
}

/// A supervisor's flags: strategy, maximum restart frequency, optional backoff.
public struct SupervisorFlags: Sendable, Hashable {
    public var strategy: Strategy
    public var intensity: RestartIntensity
    /// `nil` (the default) restarts at once, as OTP does.
    public var backoff: Backoff?

    public init(strategy: Strategy = .oneForOne, intensity: RestartIntensity = RestartIntensity(), backoff: Backoff? = nil) {
        self.strategy = strategy
        self.intensity = intensity
        self.backoff = backoff
    }
}

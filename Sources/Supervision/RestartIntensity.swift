/// The maximum restart frequency of a supervisor: at most ``intensity`` restarts within any
/// ``period`` (OTP's `intensity` and `period` supervisor flags; defaults 1 and 5 s).
///
/// It also carries the history of recent restarts, so that ``record(restartAt:)`` is a pure
/// function of that history and the time given (supervisor.erl's `add_restart/3`).
public struct RestartIntensity: Sendable, Hashable {
    /// Restarts allowed within ``period``; `0` means the first restart gives up.
    public var intensity: Int
    /// The sliding window.
    public var period: Duration
    /// Times of the restarts still inside the window, newest first.
    public private(set) var restarts: [ContinuousClock.Instant] = []

    public init(intensity: Int = 1, period: Duration = .seconds(5)) {
        self.intensity = intensity
        self.period = period
    }

    /// Records a restart at `now`, forgetting those older than `now - period`.
    ///
    /// - Returns: `false` when this restart makes more than ``intensity`` restarts within
    ///   ``period``: the supervisor must give up.
    public mutating func record(restartAt now: ContinuousClock.Instant) -> Bool {
        let threshold = now - period
        restarts = [now] + restarts.prefix { $0 >= threshold }
        return restarts.count <= intensity
    }

    /// Restarts recorded within the period that ends at `now`.
    public func restartsInPeriod(endingAt now: ContinuousClock.Instant) -> Int {
        let threshold = now - period
        return restarts.prefix { $0 >= threshold }.count
    }
}

/// Ended sessions in the order they ended: shown for a while, then
/// forgotten, oldest first, once older than ``retention`` or beyond the
/// newest ``kept``.
struct EndedLog {
    static let retention: Duration = .seconds(300)
    static let kept = 10_000

    private(set) var entries: [(id: String, at: ContinuousClock.Instant)] = []

    mutating func append(_ id: String, at instant: ContinuousClock.Instant) {
        entries.append((id, instant))
    }

    /// Removes and returns the ids due to be forgotten at `now`.
    mutating func purge(now: ContinuousClock.Instant) -> ArraySlice<(id: String, at: ContinuousClock.Instant)> {
        var due = 0
        while due < entries.count, entries.count - due > Self.kept || now - entries[due].at > Self.retention { due += 1 }
        guard due > 0 else { return [] }
        let purged = entries[..<due]
        entries.removeFirst(due)
        return purged
    }
}

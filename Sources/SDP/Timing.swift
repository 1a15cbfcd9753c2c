/// A `t=` line and the `r=` lines that follow it.
///
/// ```
/// t=<start-time> <stop-time>      (NTP seconds; 0 0 = unbounded, the usual case)
/// r=<repeat-interval> <active-duration> <offsets>...
/// ```
public struct Timing: Sendable, Hashable, Codable {
    /// Start time in NTP seconds, 0 for unbounded.
    public var start: UInt64
    /// Stop time in NTP seconds, 0 for unbounded.
    public var stop: UInt64
    /// The `r=` lines after this `t=` line, as written.
    public var repeats: [String]

    /// A timing; `Timing()` is `t=0 0`.
    public init(start: UInt64 = 0, stop: UInt64 = 0, repeats: [String] = []) {
        self.start = start
        self.stop = stop
        self.repeats = repeats
    }

    init?(parsing value: Substring) {
        let fields = value.fields(UInt8(ascii: " "))
        guard fields.count == 2, let start = Digits.uint64(fields[0]), let stop = Digits.uint64(fields[1]) else {
            return nil
        }
        self.init(start: start, stop: stop)
    }
}

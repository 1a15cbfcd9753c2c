/// Edges, the pure half: failure detection over heartbeats (phi accrual),
/// edge states and placement across edges. No sockets or clocks here: times
/// come in as arguments (`ContinuousClock.Instant`, `Duration`), decisions
/// go out as values.
///
/// - `PhiAccrualDetector`: φ over heartbeat inter-arrival times.
/// - `EdgeHealth`: alive -> suspect -> dead and back, actions out
///   (`EdgeAction`), settings from `edges.*` (`EdgeHealth.Configuration`).
/// - `Placement` over `EdgeLoad`s: where a new session goes, and where the
///   sessions of a dead edge go.
/// - `HeartbeatReport`, `EdgeRegistration`: the bodies of
///   `POST /v1/edges/{id}/heartbeat` and `PUT /v1/edges/{id}`.
public enum Edges {}

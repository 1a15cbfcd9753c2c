/// Edges, the pure half: failure detection over heartbeats (phi accrual),
/// edge states and placement across edges. No sockets or clocks here: times
/// come in as arguments, decisions go out as values.
public enum Edges {}

/// What the owner of an `EdgeHealth` does after feeding it an event. The
/// actions of one event come in the order listed by `EdgeHealth`, and the
/// owner performs them in that order.
public enum EdgeAction: Sendable, Hashable {
    /// The edge changed state. The owner logs it, emits an `edge.state`
    /// event (SSE) and updates the edge-state metric. `phi` is φ at the
    /// instant of the event, after the event: the value that decided the new
    /// state (close to 0 after a heartbeat).
    case stateChanged(from: EdgeState, to: EdgeState, phi: Double)
    /// The edge just became dead: re-place every session it carries on alive
    /// edges (`Placement.spread`) and tell their clients (`session.moved`,
    /// SIP re-INVITE). Sent once per death, after `.stateChanged(_, .dead, _)`.
    case moveSessions
    /// A dead edge is alive again. Its sessions were moved away when it died,
    /// but it may still be running media for them (an edge keeps its media
    /// going while the control plane is unreachable): the owner reconciles,
    /// closing on the edge every stream that is no longer placed there
    /// (compare `HeartbeatReport.streamIDs`). Its load counts from the next
    /// report. Sent after `.stateChanged(from: .dead, to: .alive, _)`.
    case reconcileSessions
}

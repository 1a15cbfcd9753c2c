/// The body of `POST /v1/edges/{id}/heartbeat`: an edge's health report,
/// sent every `edges.heartbeat_interval`. Its arrival is the heartbeat the
/// failure detector counts; its content is the edge's load.
///
/// ```json
/// {"sequence": 42, "streams": 17, "workers_ready": 2, "cpu": 0.85,
///  "packet_loss": 0.002, "mailbox_depths": {"transcoder-1": 0, "transcoder-2": 3},
///  "stream_ids": ["s-1", "s-2"], "ended": {"s-0": "no_media"}}
/// ```
///
/// Decoding: `sequence`, `streams` and `workers_ready` are required; `cpu`
/// and `packet_loss` default to 0, `mailbox_depths` to `{}`, `stream_ids` and
/// `ended` to absent. Unknown keys are ignored (fields may be added). Encoding writes
/// every field, `stream_ids` and `ended` only when present. Decoding checks types only;
/// `problems` lists values out of range (the server answers 422 with them).
public struct HeartbeatReport: Sendable, Hashable, Codable {
    /// Counts up by one per report from 0 at the edge's start. A report whose
    /// sequence is not above the last one seen since the edge (re)registered
    /// is older than what the control plane has (reordered): still a sign
    /// of life, but its figures must not replace newer ones. An edge that
    /// restarts registers again and starts over at 0.
    public var sequence: UInt64
    /// Streams (one per session) running on the edge now.
    public var streams: Int
    /// Workers in state `ready` on the edge.
    public var workersReady: Int
    /// CPU in use by the edge and its workers, in cores: the sum over cores
    /// of each core's busy fraction (0...number of cores; 1.5 = one and a
    /// half cores busy, what `top` shows as 150%). The rate of
    /// `process_cpu_seconds_total`, summed over the edge's processes.
    public var cpu: Double
    /// Fraction of media packets lost over the last interval, 0...1 (not a
    /// percentage), over all the edge's streams.
    public var packetLoss: Double
    /// Each worker's mailbox depth, by worker id.
    public var mailboxDepths: [String: Int]
    /// The ids of the streams the edge runs, when it sends them (for
    /// reconciliation after a control-plane outage or a death); nil when not
    /// sent, which is different from an empty list.
    public var streamIDs: [String]?
    /// Sessions that ended on the edge lately (the last 30 s), with the
    /// reason: the control plane ends them too (the SIP front-end hangs up).
    public var ended: [String: String]?

    public init(
        sequence: UInt64,
        streams: Int,
        workersReady: Int,
        cpu: Double = 0,
        packetLoss: Double = 0,
        mailboxDepths: [String: Int] = [:],
        streamIDs: [String]? = nil,
        ended: [String: String]? = nil
    ) {
        self.sequence = sequence
        self.streams = streams
        self.workersReady = workersReady
        self.cpu = cpu
        self.packetLoss = packetLoss
        self.mailboxDepths = mailboxDepths
        self.streamIDs = streamIDs
        self.ended = ended
    }

    public enum CodingKeys: String, CodingKey, CaseIterable {
        case sequence
        case streams
        case workersReady = "workers_ready"
        case cpu
        case packetLoss = "packet_loss"
        case mailboxDepths = "mailbox_depths"
        case streamIDs = "stream_ids"
        case ended
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        sequence = try c.decode(UInt64.self, forKey: .sequence)
        streams = try c.decode(Int.self, forKey: .streams)
        workersReady = try c.decode(Int.self, forKey: .workersReady)
        cpu = try c.decodeIfPresent(Double.self, forKey: .cpu) ?? 0
        packetLoss = try c.decodeIfPresent(Double.self, forKey: .packetLoss) ?? 0
        mailboxDepths = try c.decodeIfPresent([String: Int].self, forKey: .mailboxDepths) ?? [:]
        streamIDs = try c.decodeIfPresent([String].self, forKey: .streamIDs)
        ended = try c.decodeIfPresent([String: String].self, forKey: .ended)
    }

    /// Values out of range, one line each naming the JSON key; empty when
    /// the report is usable: counts ≥ 0, `cpu` finite and ≥ 0,
    /// `packet_loss` in 0...1, mailbox depths ≥ 0.
    public var problems: [String] {
        var found: [String] = []
        if streams < 0 { found.append("streams (\(streams)) must not be negative") }
        if workersReady < 0 { found.append("workers_ready (\(workersReady)) must not be negative") }
        if !(cpu.isFinite && cpu >= 0) { found.append("cpu (\(cpu)) must be a number of cores, 0 or more") }
        if !(packetLoss >= 0 && packetLoss <= 1) { found.append("packet_loss (\(packetLoss)) must be a fraction in 0...1") }
        for (worker, depth) in mailboxDepths.sorted(by: { $0.key < $1.key }) where depth < 0 {
            found.append("mailbox_depths[\(worker)] (\(depth)) must not be negative")
        }
        return found
    }
}

import Foundation
import PortProtocol
import SDP
import Sessions

/// Everything the orchestrator keeps about one session. The media plan
/// (`plan`: ports, keys, codecs, remotes, outgoing SSRC and sequence and
/// timestamp bases) lives here, not in the worker, so a replacement worker
/// can carry the stream on.
struct SessionRecord: Sendable {
    let id: String
    var machine: SessionMachine
    let createdAt: Date
    let labels: [String: String]
    var bridge: BridgeOffer
    var answer: BridgeAnswer?
    /// A re-offer (SIP re-INVITE) waiting for its answer: the bridge built
    /// from it, and whether A made it (else B did, and the bridge runs B -> A).
    var reoffer: (bridge: BridgeOffer, fromA: Bool)?
    let portA: Int
    let portB: Int
    /// The worker the stream is placed on (kept across that worker's restarts).
    var worker: String
    let streamID: UInt32
    /// What was last sent in `open_stream`, and when.
    var plan: OpenStream?
    var openedAt: ContinuousClock.Instant?
    /// The last stats the worker reported for the stream, and when.
    var stats: StreamStats?
    var statsAt: ContinuousClock.Instant?
    var endedAt: ContinuousClock.Instant?
    /// Outgoing RTP state chosen at creation (random SSRC, sequence, timestamp).
    let initialOut: (a: (ssrc: UInt32, seq: UInt16, ts: UInt32), b: (ssrc: UInt32, seq: UInt16, ts: UInt32))

    var state: SessionState { machine.state }
}

/// The failures of session requests, rendered once as problems by the HTTP layer.
public enum SessionFailure: Error, Sendable, CustomStringConvertible {
    case notFound(String)
    case badRequest(String)
    case unsupportedMedia(String)
    case noCapacity(String)
    case conflict(String)
    case workerFailed(String)

    public var description: String {
        switch self {
        case let .notFound(s), let .badRequest(s), let .unsupportedMedia(s), let .noCapacity(s), let .conflict(s), let .workerFailed(s): s
        }
    }

    static func from(_ error: SDPError) -> SessionFailure {
        error == .unsupportedMedia ? .unsupportedMedia(error.description) : .badRequest(error.description)
    }
}

/// A session as the API shows it (`GET /v1/sessions/{id}`).
public struct SessionView: Codable, Sendable {
    public struct Leg: Codable, Sendable {
        public var name: String
        public var codec: String?
        public var profile: String
        public var localPort: Int
        public var remote: String?
        public var packetsIn: UInt64
        public var packetsOut: UInt64
        public var bytesIn: UInt64
        public var bytesOut: UInt64
        public var lost: Int64
        public var jitterMs: Double
        public var ssrcOut: UInt32?
        enum CodingKeys: String, CodingKey {
            case name, codec, profile, localPort = "local_port", remote, packetsIn = "packets_in", packetsOut = "packets_out"
            case bytesIn = "bytes_in", bytesOut = "bytes_out", lost, jitterMs = "jitter_ms", ssrcOut = "ssrc_out"
        }
    }

    public var id: String
    public var state: String
    public var worker: String
    public var edge: String
    public var createdAt: String
    public var endReason: String?
    public var transcoding: Bool
    public var labels: [String: String]
    public var legs: [Leg]
    /// The SDP to hand on: the offer for B (create) or the answer for A (answer).
    public var sdp: String?

    enum CodingKeys: String, CodingKey {
        case id, state, worker, edge, createdAt = "created_at", endReason = "end_reason", transcoding, labels, legs, sdp
    }
}

extension SessionRecord {
    func view(sdp: String? = nil) -> SessionView {
        func leg(_ name: String, _ port: Int, _ negotiated: NegotiatedLeg?, _ offeredProfile: TransportProfile,
                 _ stats: LegStats?, _ plan: StreamLeg?) -> SessionView.Leg {
            SessionView.Leg(
                name: name, codec: negotiated.map { workerCodecName($0.codec) }, profile: (negotiated?.profile ?? offeredProfile).rawValue,
                localPort: port, remote: stats?.remote ?? plan?.remote,
                packetsIn: stats?.packetsIn ?? 0, packetsOut: stats?.packetsOut ?? 0, bytesIn: stats?.bytesIn ?? 0,
                bytesOut: stats?.bytesOut ?? 0, lost: stats?.lost ?? 0, jitterMs: stats?.jitterMs ?? 0, ssrcOut: plan?.ssrcOut)
        }
        return SessionView(
            id: id, state: state.rawValue, worker: worker, edge: "local",
            createdAt: iso8601(createdAt),
            endReason: machine.endReason?.rawValue ?? machine.failure, transcoding: answer?.isTranscoding ?? bridge.mayTranscode, labels: labels,
            legs: [leg("a", portA, answer?.legA, bridge.streamA.profile, stats?.a, plan?.a),
                   leg("b", portB, answer?.legB, bridge.offerForB.media.first?.proto ?? bridge.streamA.profile, stats?.b, plan?.b)],
            sdp: sdp)
    }
}

/// The worker's name for a negotiated codec.
func workerCodecName(_ codec: Codec) -> String {
    codec.name.lowercased() == "opus" ? "opus/48000/\(codec.channels)" : codec.name.uppercased()
}

import Foundation
import PortProtocol
import SDP
import Sessions

/// Everything the orchestrator keeps about one session. The media plan
/// (`plan`: ports, keys, codecs, remotes, outgoing SSRC and sequence and
/// timestamp bases) lives here, not in the worker, so a replacement worker
/// can carry the stream on.
///
/// A class owned by the ``SessionManager`` actor (never shared outside it):
/// updates happen in place, and the sessions table holds a reference, not a
/// copy of every field. Kept small, because thousands are alive at once: the
/// parsed SDP (A's offer, the offer for B) is needed only until B answers and
/// is dropped then (``offer``); of the answer, only what each leg agreed is
/// kept (``answer``), not the SDP text sent to A. An ended session keeps what
/// its view shows until it is purged.
final class SessionRecord {
    let id: String
    var machine: SessionMachine
    let createdAt: Date
    let labels: [String: String]
    /// A's offer bridged to B, until B answers.
    var offer: BridgeOffer? {
        get { offerBox?.value }
        set { offerBox = newValue.map(Boxed.init) }
    }
    /// The bridge's options (B's codecs and profile), kept for re-offers.
    var options: BridgeOptions
    /// What the legs agreed in the last answer.
    var answer: AgreedLegs?
    /// A re-offer (SIP re-INVITE) waiting for its answer: the bridge built
    /// from it, and whether A made it (else B did, and the bridge runs B -> A).
    var reoffer: (bridge: BridgeOffer, fromA: Bool)? {
        get { reofferBox?.value }
        set { reofferBox = newValue.map(Boxed.init) }
    }
    // The large values a session holds only for a while live behind a
    // reference, so that a record without them does not carry their room.
    private var offerBox: Boxed<BridgeOffer>?
    private var reofferBox: Boxed<(bridge: BridgeOffer, fromA: Bool)>?
    private var statsBox: Boxed<StreamStats>?
    /// Our port facing A: may change until the answer (see ``SessionManager/answer(_:sdp:)``).
    var portA: Int
    let portB: Int
    /// The worker the stream is placed on (kept across that worker's restarts).
    var worker: String
    let streamID: UInt32
    /// What was last sent in `open_stream`, and when.
    var plan: OpenStream?
    var openedAt: ContinuousClock.Instant?
    /// The last stats the worker reported for the stream, and when.
    var stats: StreamStats? {
        get { statsBox?.value }
        set {
            if let newValue, let box = statsBox {
                box.value = newValue  // reports come every 500 ms: no new allocation each time
            } else {
                statsBox = newValue.map(Boxed.init)
            }
        }
    }
    var statsAt: ContinuousClock.Instant?
    var endedAt: ContinuousClock.Instant?
    /// Outgoing RTP state chosen at creation (random SSRC, sequence, timestamp).
    let initialOut: (a: (ssrc: UInt32, seq: UInt16, ts: UInt32), b: (ssrc: UInt32, seq: UInt16, ts: UInt32))
    /// The armed timers.
    var deadlines = SessionDeadlines()
    /// What the view shows before the answer: A's profile, the profile offered
    /// to B, and whether B was offered codecs A did not offer.
    let offeredProfileA: TransportProfile
    let offeredProfileB: TransportProfile
    let offeredTranscoding: Bool

    init(id: String, machine: SessionMachine, createdAt: Date, labels: [String: String], offer: BridgeOffer, portA: Int,
         portB: Int, worker: String, streamID: UInt32,
         initialOut: (a: (ssrc: UInt32, seq: UInt16, ts: UInt32), b: (ssrc: UInt32, seq: UInt16, ts: UInt32))) {
        self.id = id
        self.machine = machine
        self.createdAt = createdAt
        self.labels = labels
        self.offerBox = Boxed(offer)
        self.options = offer.options
        self.portA = portA
        self.portB = portB
        self.worker = worker
        self.streamID = streamID
        self.initialOut = initialOut
        offeredProfileA = offer.streamA.profile
        offeredProfileB = offer.offerForB.media.first?.proto ?? offer.streamA.profile
        offeredTranscoding = offer.mayTranscode
    }

    var state: SessionState { machine.state }

    /// Drops what an ended session no longer needs (its view stays the same).
    func compact() {
        offer = nil
        reoffer = nil
    }
}

/// A value behind a reference (see ``SessionRecord``).
final class Boxed<Value> {
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// What the two legs of a session agreed (from a ``BridgeAnswer``, without
/// the answer's SDP).
struct AgreedLegs {
    var legA: NegotiatedLeg
    var legB: NegotiatedLeg

    init(_ answer: BridgeAnswer) {
        legA = answer.legA
        legB = answer.legB
    }

    /// Whether the legs use different codecs (the worker transcodes).
    var isTranscoding: Bool { !legA.codec.isSameCodec(as: legB.codec) }
}

/// When each of a session's timers fires, if armed.
struct SessionDeadlines {
    private var answer: ContinuousClock.Instant?
    private var noMedia: ContinuousClock.Instant?
    private var maxDuration: ContinuousClock.Instant?

    subscript(timer: SessionTimer) -> ContinuousClock.Instant? {
        get {
            switch timer {
            case .answer: answer
            case .noMedia: noMedia
            case .maxDuration: maxDuration
            }
        }
        set {
            switch timer {
            case .answer: answer = newValue
            case .noMedia: noMedia = newValue
            case .maxDuration: maxDuration = newValue
            }
        }
    }

    mutating func cancelAll() { (answer, noMedia, maxDuration) = (nil, nil, nil) }
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
            endReason: machine.endReason?.rawValue ?? machine.failure, transcoding: answer?.isTranscoding ?? offeredTranscoding,
            labels: labels,
            legs: [leg("a", portA, answer?.legA, offeredProfileA, stats?.a, plan?.a),
                   leg("b", portB, answer?.legB, offeredProfileB, stats?.b, plan?.b)],
            sdp: sdp)
    }
}

/// The worker's name for a negotiated codec.
func workerCodecName(_ codec: Codec) -> String {
    codec.name.lowercased() == "opus" ? "opus/48000/\(codec.channels)" : codec.name.uppercased()
}

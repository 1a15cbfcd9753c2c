import Foundation
import Logging
import PortProtocol
import SDP
import Sessions
import WorkerPorts

/// The sessions: offer/answer, placement on the least-loaded ready worker,
/// media ports, timers, and crash survival. One actor: requests and worker
/// notices are handled one at a time. Its `run()` consumes the media
/// mailbox and fires timers; it ends when cancelled.
public actor SessionManager {
    let config: SwitchboardConfig
    let pool: WorkerPool
    let events: EventBus
    let logger: Logger
    let mailbox: MediaMailbox
    let timeouts: SessionTimeouts
    let maxSessions: Int
    var allocator: MediaPortAllocator
    var sessions: [String: SessionRecord] = [:]
    /// Session ids by the worker their stream is placed on.
    var placed: [String: Set<String>] = [:]
    var streamIDs: [UInt32: String] = [:]
    var nextStream: UInt32 = 0
    var deadlines: [String: [SessionTimer: ContinuousClock.Instant]] = [:]
    /// Workers being drained: no new sessions go there.
    var draining: Set<String> = []
    /// Sessions not ended or failed (kept as a count: never recomputed by walking the records).
    var liveCount = 0
    /// Told of every session that ends or fails (the SIP front-end hangs up its calls).
    var endObserver: (@Sendable (_ session: String, _ reason: String) -> Void)?
    /// Ended sessions in the order they ended, purged after a while.
    var endedOrder: [(id: String, at: ContinuousClock.Instant)] = []

    init(config: SwitchboardConfig, pool: WorkerPool, events: EventBus, mailbox: MediaMailbox, logger: Logger) {
        self.config = config
        self.pool = pool
        self.events = events
        self.mailbox = mailbox
        self.logger = logger
        self.timeouts = config.sessionTimeouts
        self.maxSessions = config.maxSessions
        self.allocator = MediaPortAllocator(range: config.mediaPortRange)
    }

    // MARK: requests

    /// A's offer: place the session, allocate its ports, and return the offer for B.
    public func create(offer: String, codecs: [String]?, profile: String?, labels: [String: String]) async throws(SessionFailure) -> SessionView {
        guard liveCount < maxSessions else { throw .noCapacity("\(liveCount) sessions: at limits.max_sessions") }
        let description: SessionDescription
        do { description = try SessionDescription(parsing: offer) } catch { throw .from(error) }
        let options: BridgeOptions
        do { options = try BridgeOptions.transcode(codecs: codecs, profile: profile) } catch { throw .from(error) }
        guard let worker = await placement() else { throw .noCapacity("no ready worker with capacity") }
        guard let portA = allocateFreePort() else { throw .noCapacity("media.port_range exhausted") }
        guard let portB = allocateFreePort() else {
            allocator.release(portA)
            throw .noCapacity("media.port_range exhausted")
        }
        let bridge: BridgeOffer
        do {
            bridge = try BridgeOffer(offerFromA: description, localB: MediaEndpoint(address: config.mediaAddress, port: UInt16(portB)),
                                     options: options, keyProvider: Self.freshKey)
        } catch {
            allocator.release(portA)
            allocator.release(portB)
            throw .from(error)
        }
        nextStream &+= 1
        let id = Self.newID()
        var rng = SystemRandomNumberGenerator()
        func out() -> (ssrc: UInt32, seq: UInt16, ts: UInt32) { (rng.next(), UInt16.random(in: 0...0x7fff, using: &rng), rng.next()) }
        let (machine, actions) = SessionMachine.offered(timeouts: timeouts)
        let record = SessionRecord(
            id: id, machine: machine, createdAt: Date(), labels: labels, bridge: bridge, answer: nil, portA: portA, portB: portB,
            worker: worker, streamID: nextStream, plan: nil, openedAt: nil, stats: nil, statsAt: nil, endedAt: nil,
            initialOut: (out(), out()))
        sessions[id] = record
        liveCount += 1
        placed[worker, default: []].insert(id)
        streamIDs[record.streamID] = id
        events.publish("session.offered", ["session": id, "worker": worker])
        logger.info("session offered", metadata: ["session": "\(id)", "worker": "\(worker)", "ports": "\(portA),\(portB)"])
        await perform(actions, for: id)
        return record.view(sdp: bridge.offerForB.text)
    }

    /// B's answer: open the stream on the worker and return the answer for A.
    public func answer(_ id: String, sdp: String) async throws(SessionFailure) -> SessionView {
        guard var record = sessions[id] else { throw .notFound("no session \(id)") }
        guard record.state == .offered else { throw .conflict("session \(id) is \(record.state.rawValue), not offered") }
        let bridged: BridgeAnswer
        do {
            let description = try SessionDescription(parsing: sdp)
            bridged = try record.bridge.answer(description, localA: MediaEndpoint(address: config.mediaAddress, port: UInt16(record.portA)),
                                               keyProvider: Self.freshKey)
        } catch {
            throw .from(error)
        }
        record.answer = bridged
        let plan = OpenStream(
            stream: record.streamID,
            a: streamLeg(bridged.legA, port: record.portA, out: record.initialOut.a),
            b: streamLeg(bridged.legB, port: record.portB, out: record.initialOut.b),
            statsIntervalMs: 500)
        sessions[id] = record
        do {
            try await open(plan, session: id)
        } catch {
            await perform(sessions[id]?.machine.handle(.placementFailed("\(error)")) ?? [], for: id)
            throw error
        }
        guard var updated = sessions[id] else { throw .notFound("session \(id) ended") }
        let actions = updated.machine.handle(.answerReceived)
        sessions[id] = updated
        await perform(actions, for: id)
        return updated.view(sdp: bridged.answerForA.text)
    }

    public func end(_ id: String, reason: EndReason = .deleted) async throws(SessionFailure) {
        guard var record = sessions[id] else { throw .notFound("no session \(id)") }
        let actions = record.machine.handle(.endRequested(reason))
        sessions[id] = record
        await perform(actions, for: id)
    }

    public func view(_ id: String) throws(SessionFailure) -> SessionView {
        guard let record = sessions[id] else { throw .notFound("no session \(id)") }
        return record.view()
    }

    public func list() -> [SessionView] {
        sessions.values.sorted { $0.createdAt < $1.createdAt }.map { $0.view() }
    }

    /// Streams placed on each worker (for `GET /v1/workers`). `placed` holds
    /// live sessions only: a session leaves it when its media is released.
    public func streamCounts() -> [String: Int] {
        placed.mapValues(\.count)
    }

    /// Registers the one observer told of every session end (with the reason).
    public func observeEnds(_ observer: @escaping @Sendable (_ session: String, _ reason: String) -> Void) {
        endObserver = observer
    }

    // MARK: helpers

    /// The least-loaded ready worker with capacity (not being drained).
    func placement(excluding excluded: String? = nil) async -> String? {
        guard let supervisor = pool.supervisor else { return nil }
        let counts = streamCounts()
        let ready = await supervisor.children().filter { $0.state == .running }.map(\.id)
        return ready.filter { $0 != excluded && !draining.contains($0) }
            .filter { (counts[$0] ?? 0) < pool.config.maxStreams && pool.port($0)?.isUsable == true }
            .min { (counts[$0] ?? 0, $0) < (counts[$1] ?? 0, $1) }
    }

    func streamLeg(_ leg: NegotiatedLeg, port: Int, out: (ssrc: UInt32, seq: UInt16, ts: UInt32)) -> StreamLeg {
        StreamLeg(
            localPort: port, bind: config.mediaAddress, remote: "\(leg.remote.address):\(leg.remote.port)",
            codec: workerCodecName(leg.codec), payloadType: Int(leg.payloadType),
            telephoneEventPT: leg.telephoneEventPayloadType.map(Int.init), ptime: leg.ptime, rtcpMux: leg.rtcpMux,
            srtp: leg.srtp.map { StreamSRTP(suite: $0.suite.rawValue, localKey: Data($0.localKey).base64EncodedString(),
                                             remoteKey: Data($0.remoteKey).base64EncodedString()) },
            ssrcOut: out.ssrc, seqOut: out.seq, timestampOut: out.ts)
    }

    /// The next port pair (RTP, RTCP) of the range that no other process
    /// holds right now: ports taken by a foreign process are skipped (and
    /// go back to the end of the queue) instead of failing the answer later.
    func allocateFreePort() -> Int? {
        var skipped: [Int] = []
        defer { for port in skipped { allocator.release(port) } }
        for _ in 0..<64 {
            guard let port = allocator.allocate() else { return nil }
            if UDPPortProbe.isFree(address: config.mediaAddress, port: port)
                && UDPPortProbe.isFree(address: config.mediaAddress, port: port + 1) {
                return port
            }
            skipped.append(port)
        }
        return nil
    }

    static func freshKey() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<30).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        return "s-" + String((0..<12).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement(using: &rng) ?? "x" })
    }
}

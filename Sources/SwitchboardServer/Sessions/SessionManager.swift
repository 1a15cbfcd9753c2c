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
    var maxSessions: Int
    var allocator: MediaPortAllocator
    /// Pairs our workers just closed: handed out again without a probe.
    var recentlyFreed: RecentlyFreedPorts
    /// Every session, live or ended (ended ones until ``fireDueTimers(now:)`` purges them).
    var sessions: [String: SessionRecord] = [:]
    /// Session ids by the worker their stream is placed on.
    var placed: [String: Set<String>] = [:]
    var streamIDs: [UInt32: String] = [:]
    var nextStream: UInt32 = 0
    /// No timer of any session fires before this (nil: none armed). The timer
    /// tick walks the sessions only once it has passed.
    var nextDue: ContinuousClock.Instant?
    /// Workers being drained: no new sessions go there.
    var draining: Set<String> = []
    /// Ids of the pool's workers seen so far (started, or listed by the
    /// supervisor): placement looks at their ports without asking the supervisor.
    var knownWorkers: Set<String> = []
    /// Sessions not ended or failed (kept as a count: never recomputed by walking the records).
    var liveCount = 0
    /// Told of every session that ends or fails, with the reason (the
    /// ``SessionDirectory``, set as it is made: no end can come before it).
    nonisolated let ends = CallbackSlot<(session: String, reason: String)>()
    /// Ended sessions in the order they ended, until purged.
    var ended = EndedLog()

    init(config: SwitchboardConfig, pool: WorkerPool, events: EventBus, mailbox: MediaMailbox, logger: Logger) {
        self.config = config
        self.pool = pool
        self.events = events
        self.mailbox = mailbox
        self.logger = logger
        self.timeouts = config.sessionTimeouts
        self.maxSessions = config.maxSessions
        self.allocator = MediaPortAllocator(range: config.mediaPortRange)
        self.recentlyFreed = RecentlyFreedPorts(range: config.mediaPortRange)
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
        // A's port is not probed now: A learns it only from our answer, so if
        // another process holds it when the worker binds it, the answer takes
        // another one (see answer(_:sdp:)). B's goes into the offer for B: probed.
        guard let portA = allocator.allocate() else { throw .noCapacity("media.port_range exhausted") }
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
        let seqs: UInt64 = rng.next()  // one draw for both legs' sequence numbers (15 bits each)
        func out(_ shift: UInt64) -> (ssrc: UInt32, seq: UInt16, ts: UInt32) {
            let draw: UInt64 = rng.next()
            return (UInt32(truncatingIfNeeded: draw), UInt16(truncatingIfNeeded: seqs >> shift) & 0x7fff, UInt32(truncatingIfNeeded: draw >> 32))
        }
        let (machine, actions) = SessionMachine.offered(timeouts: timeouts)
        let record = SessionRecord(
            id: id, machine: machine, createdAt: Date(), labels: labels, offer: bridge, portA: portA, portB: portB,
            worker: worker, streamID: nextStream, initialOut: (out(0), out(16)))
        sessions[id] = record
        liveCount += 1
        placed[worker, default: []].insert(id)
        streamIDs[record.streamID] = id
        events.publish("session.offered", ["session": id, "worker": worker])
        logger.debug("session offered", metadata: ["session": "\(id)", "worker": "\(worker)", "ports": "\(portA),\(portB)"])
        await perform(actions, for: record)
        return record.view(sdp: bridge.offerForB.text)
    }

    /// B's answer: open the stream on the worker and return the answer for A.
    public func answer(_ id: String, sdp: String) async throws(SessionFailure) -> SessionView {
        guard let record = sessions[id] else { throw .notFound("no session \(id)") }
        guard record.state == .offered, let offer = record.offer else {
            throw .conflict("session \(id) is \(record.state.rawValue), not offered")
        }
        let description: SessionDescription
        do { description = try SessionDescription(parsing: sdp) } catch { throw .from(error) }
        var bridged: BridgeAnswer
        var retries = 0
        while true {
            do {
                bridged = try offer.answer(description, localA: MediaEndpoint(address: config.mediaAddress, port: UInt16(record.portA)),
                                           keyProvider: Self.freshKey)
            } catch {
                throw .from(error)
            }
            record.answer = AgreedLegs(bridged)
            let plan = OpenStream(
                stream: record.streamID,
                a: streamLeg(bridged.legA, port: record.portA, out: record.initialOut.a),
                b: streamLeg(bridged.legB, port: record.portB, out: record.initialOut.b),
                statsIntervalMs: 500)
            let outcome = await tryOpen(plan, session: id)
            guard let failure = outcome.failure else { break }
            // A's pair (not probed at the offer, not yet told to A) may be the one taken:
            // answer with another, probed one. B's pair is in B's hands already.
            if case .portTaken = outcome, retries < 2, record.endedAt == nil, !isFreePair(record.portA),
               let fresh = allocateFreePort() {
                allocator.release(record.portA)  // to the back of the queue, probed again when its turn comes
                record.portA = fresh
                retries += 1
                continue
            }
            await perform(record.machine.handle(.placementFailed("\(failure)")), for: record)
            throw failure
        }
        let actions = record.machine.handle(.answerReceived)
        if record.state != .offered { record.offer = nil }  // answered (or ended meanwhile): A's offer is done with
        await perform(actions, for: record)
        return record.view(sdp: bridged.answerForA.text)
    }

    public func end(_ id: String, reason: EndReason = .deleted) async throws(SessionFailure) {
        guard let record = sessions[id] else { throw .notFound("no session \(id)") }
        await perform(record.machine.handle(.endRequested(reason)), for: record)
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

    /// Media packets received and lost over every stream since the start
    /// (from the workers' stream stats): running totals that only grow.
    var mediaTotals: (received: UInt64, lost: UInt64) = (0, 0)

    /// Sessions not ended or failed.
    func liveSessions() -> Int { liveCount }

    /// ``mediaTotals``, for the packet loss an edge reports.
    func packetTotals() -> (received: UInt64, lost: UInt64) { mediaTotals }

    /// What an edge's heartbeat lists: the ids of its live sessions, and
    /// the sessions that ended in the last `window` with their reasons
    /// (newest first, at most `limit`).
    func streamList(endedWithin window: Duration = .seconds(30), limit: Int = 5_000) -> (live: [String], ended: [String: String]) {
        var live: [String] = []
        live.reserveCapacity(liveCount)
        for (id, record) in sessions where record.endedAt == nil { live.append(id) }
        var ended: [String: String] = [:]
        let now = ContinuousClock.now
        for entry in self.ended.entries.reversed() {
            guard now - entry.at <= window, ended.count < limit else { break }
            guard let record = sessions[entry.id] else { continue }
            ended[entry.id] = record.machine.endReason?.rawValue ?? record.machine.failure ?? record.state.rawValue
        }
        return (live, ended)
    }

    // MARK: helpers

    /// The least-loaded ready worker with capacity (not being drained):
    /// among the workers known, whose ports say whether they run and are not
    /// stopping; if none fits, among those the supervisor lists as running
    /// (a worker started moments ago whose notice is still in the mailbox).
    func placement(excluding excluded: String? = nil) async -> String? {
        if let chosen = leastLoaded(knownWorkers, excluding: excluded) { return chosen }
        guard let supervisor = pool.supervisor else { return nil }
        let ready = await supervisor.children().filter { $0.state == .running }.map(\.id)
        knownWorkers.formUnion(ready)
        return leastLoaded(ready, excluding: excluded)
    }

    private func leastLoaded(_ ids: some Sequence<String>, excluding excluded: String?) -> String? {
        var best: (id: String, count: Int)?
        for id in ids where id != excluded && !draining.contains(id) {
            let count = placed[id]?.count ?? 0
            guard count < pool.config.maxStreams, let port = pool.port(id), port.isUsable, !port.isStopping else { continue }
            if best.map({ (count, id) < ($0.count, $0.id) }) ?? true { best = (id, count) }
        }
        return best?.id
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
    /// A pair one of our workers closed moments ago is not probed again
    /// (``RecentlyFreedPorts``).
    func allocateFreePort() -> Int? {
        var skipped: [Int] = []
        defer { for port in skipped { allocator.release(port) } }
        let now = ContinuousClock.now
        for _ in 0..<64 {
            guard let port = allocator.allocate() else { return nil }
            if recentlyFreed.isFresh(port, now: now) || isFreePair(port) {
                return port
            }
            skipped.append(port)
        }
        return nil
    }

    /// Whether no other process holds `port` or `port + 1` right now.
    func isFreePair(_ port: Int) -> Bool {
        UDPPortProbe.isFree(address: config.mediaAddress, port: port) && UDPPortProbe.isFree(address: config.mediaAddress, port: port + 1)
    }

    /// 30 bytes (SRTP master key || salt) from the system CSPRNG, 8 at a time.
    static func freshKey() -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        var key: [UInt8] = []
        key.reserveCapacity(32)
        for _ in 0..<4 { withUnsafeBytes(of: rng.next() as UInt64) { key.append(contentsOf: $0) } }
        key.removeLast(2)
        return key
    }

    /// `s-` and 12 characters of [a-z0-9] (62 bits), from two draws of the system CSPRNG.
    static func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var id: [UInt8] = [UInt8(ascii: "s"), UInt8(ascii: "-")]
        id.reserveCapacity(14)
        for _ in 0..<2 {
            var draw: UInt64 = rng.next()  // 6 characters from 64 bits: the modulo bias is below 2^-30
            for _ in 0..<6 {
                id.append(alphabet[Int(draw % 36)])
                draw /= 36
            }
        }
        return String(decoding: id, as: UTF8.self)
    }

    /// `limits.max_sessions` from a reload: applies to new sessions; live ones are never ended for it.
    public func setMaxSessions(_ limit: Int) {
        maxSessions = limit
    }
}

import Edges
import Foundation
import Logging
import Sessions
import Synchronization
import WorkerPorts

/// What the session core tells the SIP front-end.
enum SessionNotice: Sendable {
    /// The session ended or failed (with the reason).
    case ended(session: String, reason: String)
    /// The session's media moved to another edge: the new answer for A (nil
    /// while B has not answered) and the new offer for B.
    case moved(session: String, sdpForA: String?, sdpForB: String)
}

/// The session core as clients see it (HTTP and SIP): it places each new
/// session on an edge — the embedded local edge (``SessionManager``) or a
/// remote one (``RemoteEdge``), both a ``MediaEdge`` — and keeps, for the
/// sessions it placed remotely, what it takes to place them again: A's offer,
/// B's answer, the options. When an edge is declared dead its sessions are
/// re-created on alive edges and their clients told (SSE `session.moved`,
/// SIP re-INVITE); the edges' heartbeats reconcile both sides' lists after
/// an outage.
///
/// With no remote edge registered, every request goes straight to the
/// local edge under the local edge's session id: one actor hop, no record.
public actor SessionDirectory {
    /// A session placed on a remote edge (or moved off one).
    final class Placed {
        let id: String
        var edgeID: String
        /// The id the edge gave the session.
        var edgeSession: String
        /// A's offer and B's answer as received, to place the session again
        /// (the latest pair: a re-INVITE from A answered by B replaces them).
        var offer: String
        var answer: String?
        /// A re-offer from A waiting for B's answer.
        var pendingOfferFromA: String?
        /// The answer for A from the last move (an answer that raced the move returns it).
        var answerForA: String?
        let codecs: [String]?
        let profile: String?
        let labels: [String: String]
        let region: String?
        /// The edge's last view of it, with our id and the edge's id.
        var view: SessionView
        /// Listed in a heartbeat of its edge since it was placed there.
        var seen = false
        var endReason: String?
        var moving = false

        init(id: String, edgeID: String, edgeSession: String, offer: String, codecs: [String]?, profile: String?,
             labels: [String: String], region: String?, view: SessionView) {
            self.id = id
            self.edgeID = edgeID
            self.edgeSession = edgeSession
            self.offer = offer
            self.codecs = codecs
            self.profile = profile
            self.labels = labels
            self.region = region
            self.view = view
        }

        var isEnded: Bool { endReason != nil }
    }

    enum Work: Sendable {
        case report(edge: String, HeartbeatReport)
        case dead(edge: String)
        case localEnded(session: String, reason: String)
        case restarted(edge: String)
    }

    let local: SessionManager
    let pool: WorkerPool
    let registry: EdgeRegistry
    let events: EventBus
    let metrics: SwitchboardMetrics
    let logger: Logger
    let localRegion: String?
    var placed: [String: Placed] = [:]
    /// Our ids by edge and the edge's session id (live sessions only).
    var byEdge: [String: [String: String]] = [:]
    /// Sessions we ended or moved away from an edge that did not confirm
    /// (by edge, then the edge's session id, with the reason): closed on
    /// that edge when a heartbeat lists them again.
    var tombstones: [String: [String: EndReason]] = [:]
    /// Streams an edge runs that we never placed (a restart of this process): logged once each.
    var unknownLogged: Set<String> = []
    /// Sessions placed on each edge since its last report (load between reports).
    var sinceReport: [String: Int] = [:]
    /// Creates in flight per edge: while one is, an unknown stream on that edge may be it.
    var creating: [String: Int] = [:]
    var ended = EndedLog()
    /// Requests waiting for a session's move to finish.
    var moveWaiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    /// What the local edge's end observer reads without a hop to this actor.
    final class Shared: Sendable {
        /// Local session ids of sessions moved onto the local edge -> our ids.
        let aliases = Mutex<[String: String]>([:])
        let notify = CallbackSlot<SessionNotice>()
    }
    let shared = Shared()
    let work: AsyncStream<Work>
    let workSink: AsyncStream<Work>.Continuation

    init(local: SessionManager, pool: WorkerPool, registry: EdgeRegistry, events: EventBus, metrics: SwitchboardMetrics,
         region: String?, logger: Logger) {
        self.metrics = metrics
        self.local = local
        self.pool = pool
        self.registry = registry
        self.events = events
        self.localRegion = region
        self.logger = logger
        // Unbounded on purpose: an edge's death or a moved session's end must never be dropped.
        // What queues is bounded by the edges: a report per edge per heartbeat (an edge sends
        // its next one only after this one was answered) while a move is in progress.
        (work, workSink) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        // The local edge's session ends, from the start (a moved-in session's end is ours to handle).
        let (sink, shared) = (workSink, shared)
        local.ends.set { session, reason in
            if shared.aliases.withLock({ $0[session] }) != nil {
                sink.yield(.localEnded(session: session, reason: reason))
            } else {
                shared.notify(.ended(session: session, reason: reason))
            }
        }
    }

    /// Registers the one observer of session ends and moves (the SIP front-end).
    func observe(_ observer: (@Sendable (SessionNotice) -> Void)?) {
        shared.notify.set(observer)
    }

    /// Runs until cancelled: hooks the registry's reports, deaths and
    /// restarts, and handles them and moved-in sessions' ends in order.
    public func run() async {
        let sink = workSink
        let shared = shared
        await registry.observe { edge, action in
            if case .moveSessions = action { sink.yield(.dead(edge: edge)) }
        }
        await registry.observeReports { edge, report in sink.yield(.report(edge: edge, report)) }
        await registry.observeRestarts { edge in sink.yield(.restarted(edge: edge)) }
        await withTaskCancellationHandler {
            for await item in work {
                switch item {
                case let .report(edge, report): await reconcile(edge, report)
                case let .dead(edge): await moveAll(off: edge)
                case let .restarted(edge): await edgeRestarted(edge)
                case let .localEnded(session, reason):
                    guard let ours = shared.aliases.withLock({ $0.removeValue(forKey: session) }), let record = placed[ours] else { continue }
                    markEnded(record, reason: reason)
                }
            }
        } onCancel: {
            sink.finish()
        }
    }

    // MARK: requests

    /// A's offer: placed on `edge` if named, else on the alive edge least
    /// loaded for its capacity, preferring `region`.
    ///
    /// With no remote edge registered, this and the other requests below go
    /// to the local edge without a hop through this actor (no session can
    /// have been placed elsewhere).
    public nonisolated func create(offer: String, codecs: [String]?, profile: String?, labels: [String: String],
                                   edge: String? = nil, region: String? = nil) async throws(SessionFailure) -> SessionView {
        if edge == "local" || (edge == nil && !registry.hasEdges) {
            return try await local.create(offer: offer, codecs: codecs, profile: profile, labels: labels)
        }
        return try await place(offer: offer, codecs: codecs, profile: profile, labels: labels, edge: edge, region: region)
    }

    func place(offer: String, codecs: [String]?, profile: String?, labels: [String: String],
               edge: String?, region: String?) async throws(SessionFailure) -> SessionView {
        let target = try await choose(edge: edge, region: region, excluding: nil)
        guard let remote = target as? RemoteEdge else {
            return try await local.create(offer: offer, codecs: codecs, profile: profile, labels: labels)
        }
        creating[remote.edgeID, default: 0] += 1
        defer { creating[remote.edgeID, default: 1] -= 1 }
        let created: SessionView
        do { created = try await remote.create(offer: offer, codecs: codecs, profile: profile, labels: labels) } catch {
            sinceReport[remote.edgeID]? -= 1
            throw error
        }
        let id = SessionManager.newID()
        let record = Placed(id: id, edgeID: remote.edgeID, edgeSession: created.id, offer: offer, codecs: codecs, profile: profile,
                            labels: labels, region: region, view: created)
        record.view = rewritten(created, record)
        placed[id] = record
        byEdge[remote.edgeID, default: [:]][created.id] = id
        events.publish("session.offered", ["session": id, "edge": remote.edgeID, "edge_session": created.id])
        logger.debug("session offered on a remote edge", metadata: ["session": "\(id)", "edge": "\(remote.edgeID)"])
        if await registry.state(of: remote.edgeID) == .dead {
            workSink.yield(.dead(edge: remote.edgeID))  // it died while the session was being created: move it too
        }
        return record.view
    }

    /// B's answer: to the session's edge; returns the answer for A.
    public nonisolated func answer(_ id: String, sdp: String) async throws(SessionFailure) -> SessionView {
        guard registry.hasEdges else { return try await local.answer(id, sdp: sdp) }
        return try await answerPlaced(id, sdp: sdp)
    }

    func answerPlaced(_ id: String, sdp: String) async throws(SessionFailure) -> SessionView {
        guard let record = placed[id] else { return try await local.answer(id, sdp: sdp) }
        await waitWhileMoving(record)
        guard !record.isEnded, record.answer == nil else { throw .conflict("session \(id) is \(record.view.state), not offered") }
        // Kept before the edge has it: a move that starts meanwhile re-creates the session answered.
        record.answer = sdp
        let edgeSession = record.edgeSession
        let outcome: Result<SessionView, SessionFailure>
        do { outcome = .success(try await edge(record.edgeID).answer(edgeSession, sdp: sdp)) } catch { outcome = .failure(error) }
        await waitWhileMoving(record)
        if record.edgeSession != edgeSession, !record.isEnded, let answerForA = record.answerForA {
            // Moved meanwhile: the move answered it on the new edge; that answer is the one for A.
            var view = record.view
            view.sdp = answerForA
            return view
        }
        switch outcome {
        case let .failure(failure):
            if record.edgeSession == edgeSession { record.answer = nil }
            throw failure
        case let .success(view):
            guard !record.isEnded else { return record.view }
            record.view = rewritten(view, record)
            events.publish("session.answered", ["session": id, "edge": record.edgeID])
            return record.view
        }
    }

    public nonisolated func end(_ id: String, reason: EndReason = .deleted) async throws(SessionFailure) {
        guard registry.hasEdges else { return try await local.end(id, reason: reason) }
        try await endPlaced(id, reason: reason)
    }

    func endPlaced(_ id: String, reason: EndReason) async throws(SessionFailure) {
        guard let record = placed[id] else { return try await local.end(id, reason: reason) }
        guard !record.isEnded else { return }
        let (edgeID, edgeSession) = (record.edgeID, record.edgeSession)
        markEnded(record, reason: reason.rawValue)
        if edgeID == "local" { shared.aliases.withLock { _ = $0.removeValue(forKey: edgeSession) } }
        guard await isReachable(edgeID) else {
            tombstones[edgeID, default: [:]][edgeSession] = reason  // closed when the edge reports again
            return
        }
        do {
            try await edge(edgeID).end(edgeSession, reason: reason)
        } catch {
            if case .notFound = error { return }
            // The edge did not confirm (unreachable): its next heartbeat that lists the stream closes it.
            tombstones[edgeID, default: [:]][edgeSession] = reason
            logger.warning("session ended; its edge did not confirm: closed when the edge reports it",
                           metadata: ["session": "\(id)", "edge": "\(edgeID)", "error": "\(error)"])
        }
    }

    /// Whether requests to the edge can be answered now: the local edge,
    /// or a remote one not declared dead (a dead edge may be frozen: a request
    /// to it would wait out its timeout).
    func isReachable(_ edgeID: String) async -> Bool {
        if edgeID == "local" { return true }
        guard let state = await registry.state(of: edgeID) else { return false }
        return state != .dead
    }

    public nonisolated func view(_ id: String) async throws(SessionFailure) -> SessionView {
        guard registry.hasEdges else { return try await local.view(id) }
        return try await viewPlaced(id)
    }

    func viewPlaced(_ id: String) async throws(SessionFailure) -> SessionView {
        guard let record = placed[id] else { return try await local.view(id) }
        let edgeSession = record.edgeSession
        if !record.isEnded, !record.moving, await registry.state(of: record.edgeID) != .suspect, await isReachable(record.edgeID),
           let fresh = try? await edge(record.edgeID).view(edgeSession), !record.isEnded, record.edgeSession == edgeSession {
            record.view = rewritten(fresh, record)
        }
        return record.view
    }

    /// Every session: the local edge's, and those on remote edges as each
    /// edge lists them now (the last known view of an edge that does not answer).
    public func list() async -> [SessionView] {
        let aliased = shared.aliases.withLock { $0 }
        let locals = await local.list()
        var views = aliased.isEmpty ? locals : locals.filter { aliased[$0.id] == nil }
        guard !placed.isEmpty else { return views }
        var fresh: [String: [String: SessionView]] = [:]
        let edges = Set(placed.values.filter { !$0.isEnded && $0.edgeID != "local" }.map(\.edgeID))
        var remotes: [RemoteEdge] = []
        for id in edges where await registry.state(of: id) == .alive {
            if let remote = await registry.remoteEdge(id) { remotes.append(remote) }
        }
        await withTaskGroup(of: (String, [SessionView]?).self) { group in
            for remote in remotes {
                var quick = remote
                quick.timeout = 1
                group.addTask { (quick.edgeID, try? await quick.list()) }
            }
            for await (edge, listing) in group {
                if let listing { fresh[edge] = Dictionary(listing.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }) }
            }
        }
        let localViews = aliased.isEmpty ? [:] : Dictionary(locals.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for record in placed.values {
            if !record.isEnded, !record.moving {
                let latest = record.edgeID == "local" ? localViews[record.edgeSession] : fresh[record.edgeID]?[record.edgeSession]
                if let latest { record.view = rewritten(latest, record) }
            }
            views.append(record.view)
        }
        return views.sorted { $0.createdAt < $1.createdAt }
    }

    public nonisolated func reoffer(_ id: String, sdp: String, fromA: Bool) async throws(SessionFailure) -> String {
        guard registry.hasEdges else { return try await local.reoffer(id, sdp: sdp, fromA: fromA) }
        return try await reofferPlaced(id, sdp: sdp, fromA: fromA)
    }

    func reofferPlaced(_ id: String, sdp: String, fromA: Bool) async throws(SessionFailure) -> String {
        guard let record = placed[id] else { return try await local.reoffer(id, sdp: sdp, fromA: fromA) }
        guard !record.moving else { throw .conflict("session \(id) is moving to another edge: try again") }
        let edgeSession = record.edgeSession
        let offer = try await edge(record.edgeID).reoffer(edgeSession, sdp: sdp, fromA: fromA)
        guard record.edgeSession == edgeSession else { throw .conflict("session \(id) moved to another edge: offer again") }
        record.pendingOfferFromA = fromA ? sdp : nil
        return offer
    }

    public nonisolated func reanswer(_ id: String, sdp: String) async throws(SessionFailure) -> String {
        guard registry.hasEdges else { return try await local.reanswer(id, sdp: sdp) }
        return try await reanswerPlaced(id, sdp: sdp)
    }

    func reanswerPlaced(_ id: String, sdp: String) async throws(SessionFailure) -> String {
        guard let record = placed[id] else { return try await local.reanswer(id, sdp: sdp) }
        let edgeSession = record.edgeSession
        guard !record.moving else {
            record.pendingOfferFromA = nil
            throw .conflict("session \(id) is moving to another edge: offer again")
        }
        let answer = try await edge(record.edgeID).reanswer(edgeSession, sdp: sdp)
        guard record.edgeSession == edgeSession else {
            record.pendingOfferFromA = nil
            throw .conflict("session \(id) moved to another edge: offer again")
        }
        if let offer = record.pendingOfferFromA {
            (record.offer, record.answer) = (offer, sdp)  // a move re-creates the session as it is now (on hold, say)
        }
        record.pendingOfferFromA = nil
        return answer
    }

    public nonisolated func dropReoffer(_ id: String) async {
        guard registry.hasEdges else { return await local.dropReoffer(id) }
        await dropReofferPlaced(id)
    }

    func dropReofferPlaced(_ id: String) async {
        guard let record = placed[id] else { return await local.dropReoffer(id) }
        record.pendingOfferFromA = nil
        await edge(record.edgeID).dropReoffer(record.edgeSession)
    }

    // MARK: helpers

    /// The edge a request for a session placed there goes to (a remote edge
    /// the registry no longer knows answers every request with a failure).
    func edge(_ id: String) async -> any MediaEdge {
        if id == "local" { return local }
        return await registry.remoteEdge(id) ?? RemoteEdge(edgeID: id, url: "http://unregistered.invalid", token: "")
    }

    /// Where a new (or moving) session goes: the named edge if it is alive
    /// with room, else the alive edge least loaded for its capacity, in
    /// `region` if one there has room.
    func choose(edge named: String?, region: String?, excluding excluded: String?) async throws(SessionFailure) -> any MediaEdge {
        var candidates = await registry.loads().filter { $0.id != excluded }.map { load in
            load.adding(streams: sinceReport[load.id] ?? 0)
        }
        if excluded != "local" {
            let capacity = pool.desiredSize * pool.config.maxStreams
            candidates.append(EdgeLoad(id: "local", region: localRegion, state: .alive, capacity: capacity,
                                       streams: await local.liveSessions(), ready: capacity > 0 ? await pool.readyCount() : 0))
        }
        if let named {
            guard let load = candidates.first(where: { $0.id == named }) else { throw .notFound("no edge '\(named)'") }
            guard load.hasRoom else { throw .noCapacity("edge '\(named)' is \(load.state.rawValue) with \(load.streams) of \(load.capacity) streams") }
            reserve(named)
            return await edge(named)
        }
        guard let chosen = Placement.choose(among: candidates, preferring: region) else {
            throw .noCapacity("no alive edge with capacity")
        }
        reserve(chosen.id)
        return await edge(chosen.id)
    }

    /// Counts a session placed on a remote edge until its next report (so
    /// that sessions placed at once, or moved at once, spread). Done as the
    /// choice is made, with no suspension in between.
    func reserve(_ edgeID: String) {
        if edgeID != "local" { sinceReport[edgeID, default: 0] += 1 }
    }

    func rewritten(_ view: SessionView, _ record: Placed) -> SessionView {
        var view = view
        view.id = record.id
        view.edge = record.edgeID
        view.endReason = view.endReason ?? record.endReason
        return view
    }

    /// Marks a placed session ended (ended on its edge, or by us), tells the observer, and purges old records.
    func markEnded(_ record: Placed, reason: String) {
        guard !record.isEnded else { return }
        record.endReason = reason
        byEdge[record.edgeID]?[record.edgeSession] = nil
        record.view.state = SessionState.ended.rawValue
        record.view.endReason = reason
        events.publish("session.ended", ["session": record.id, "edge": record.edgeID, "reason": reason])
        shared.notify(.ended(session: record.id, reason: reason))
        let now = ContinuousClock.now
        ended.append(record.id, at: now)
        for entry in ended.purge(now: now) { placed[entry.id] = nil }
    }
}

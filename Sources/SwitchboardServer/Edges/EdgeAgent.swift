import Edges
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import ServiceLifecycle

/// The edge side of `switchboard edge`: registers this node with the
/// control plane (`PUT /v1/edges/{id}`) and reports its health every
/// `edges.heartbeat_interval` (`POST /v1/edges/{id}/heartbeat`). While the
/// control plane is unreachable it keeps its workers and streams and keeps
/// trying; a 404 (the control plane forgot it: restarted) registers again.
public struct EdgeAgent: Service {
    let orchestrator: Orchestrator
    let settings: EdgeAgentSettings
    let interval: Duration
    let logger: Logger
    /// Drawn at this process's start: the control plane tells a restart (sessions lost) from a re-registration.
    let boot = String(UInt64.random(in: .min ... .max), radix: 16)

    public init(orchestrator: Orchestrator, logger: Logger) {
        self.orchestrator = orchestrator
        self.settings = orchestrator.config.edge
        self.interval = orchestrator.config.edges.heartbeatInterval
        self.logger = logger
    }

    enum Outcome { case ok, notRegistered, failed(String) }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await loop() }
    }

    func loop() async {
        var registered = false
        var sequence: UInt64 = 0
        var unreachableSince: ContinuousClock.Instant?
        var cpu = CPUMeter()
        var loss = LossMeter()
        do {
            while !Task.isCancelled {
                if !registered {
                    guard let registration = registration() else {
                        // `http.listen` port 0: the URL is known once the server has bound its port.
                        try await Task.sleep(for: .milliseconds(20))
                        continue
                    }
                    switch await send("PUT", "/v1/edges/\(settings.id)", body: registration) {
                    case .ok:
                        registered = true
                        logger.notice("edge registered with the control plane", metadata: ["edge": "\(settings.id)", "control_plane": "\(settings.controlPlane)"])
                    case .notRegistered, .failed:
                        break
                    }
                }
                if registered {
                    sequence += 1
                    let report = await heartbeat(sequence: sequence, cpu: cpu.sample(),
                                                 packetLoss: loss.sample(await orchestrator.sessions.packetTotals()))
                    switch await send("POST", "/v1/edges/\(settings.id)/heartbeat", body: report) {
                    case .ok:
                        if let since = unreachableSince {
                            logger.notice("control plane reachable again", metadata: ["after": "\(ContinuousClock.now - since)"])
                            unreachableSince = nil
                        }
                    case .notRegistered:
                        registered = false  // the control plane restarted: register again at once
                        continue
                    case let .failed(why):
                        if unreachableSince == nil {
                            unreachableSince = .now
                            logger.warning("control plane unreachable: streams go on, reports resume when it is back",
                                           metadata: ["error": "\(why)"])
                        }
                    }
                }
                try await Task.sleep(for: interval)
            }
        } catch {
            return  // cancelled: shutting down
        }
    }

    /// What the edge registers with; nil while its URL is not known yet
    /// (no `edge.url`, and the HTTP server has not bound its port).
    func registration() -> EdgeRegistration? {
        let pool = orchestrator.pools.first
        let capacity = settings.capacity ?? pool.map { $0.desiredSize * $0.config.maxStreams } ?? 0
        let url: String
        if let configured = settings.url {
            url = configured
        } else if let port = orchestrator.boundHTTPPort.withLock({ $0 }) {
            url = "http://\(orchestrator.config.httpListen.host):\(port)"
        } else {
            return nil
        }
        return EdgeRegistration(url: url, region: settings.region, capacity: max(1, capacity), mediaAddress: orchestrator.config.mediaAddress,
                                boot: boot)
    }

    func heartbeat(sequence: UInt64, cpu: Double, packetLoss: Double) async -> HeartbeatReport {
        let streams = await orchestrator.sessions.streamCounts()
        let ready = await orchestrator.pools.first?.readyCount() ?? 0
        let workers = await orchestrator.workers()
        let (live, ended) = await orchestrator.sessions.streamList()
        return HeartbeatReport(sequence: sequence, streams: streams.values.reduce(0, +), workersReady: ready, cpu: cpu,
                               packetLoss: packetLoss, mailboxDepths: Dictionary(workers.map { ($0.id, $0.mailboxDepth) }, uniquingKeysWith: max),
                               streamIDs: live, ended: ended)
    }

    func send(_ method: String, _ path: String, body: some Encodable) async -> Outcome {
        guard let url = URL(string: settings.controlPlane.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path) else {
            return .failed("edge.control_plane '\(settings.controlPlane)' is not a URL")
        }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = max(0.5, Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18)
        request.setValue("Bearer \(settings.token)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        do {
            request.httpBody = try JSONEncoder().encode(body)
            let (data, response) = try await HTTPExchange.send(request)
            let status = response?.statusCode ?? 0
            if (200..<300).contains(status) { return .ok }
            if status == 404 { return .notRegistered }
            return .failed("HTTP \(status): \(String(decoding: data.prefix(300), as: UTF8.self))")
        } catch {
            return .failed("\(error.localizedDescription)")
        }
    }
}

/// This process's CPU use between samples, in cores busy (1.5 = 150% in `top`).
struct CPUMeter {
    var last: (cpu: Double, at: ContinuousClock.Instant)?

    mutating func sample() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        let now = ContinuousClock.now
        defer { last = (cpu, now) }
        guard let last else { return 0 }
        let wall = now - last.at
        let seconds = Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18
        return seconds > 0 ? max(0, (cpu - last.cpu) / seconds) : 0
    }
}

/// The fraction of media packets lost between samples, over every stream:
/// lost / (received + lost) of the packets counted since the last sample (0 with none).
struct LossMeter {
    var last: (received: UInt64, lost: UInt64)?

    mutating func sample(_ totals: (received: UInt64, lost: UInt64)) -> Double {
        defer { last = totals }
        guard let last else { return 0 }
        let received = totals.received &- last.received, lost = totals.lost &- last.lost
        let expected = received &+ lost
        return expected == 0 ? 0 : min(1, Double(lost) / Double(expected))
    }
}

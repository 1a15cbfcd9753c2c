import Foundation
import Hummingbird
import ServiceLifecycle
import Supervision

/// The admin and health routes of issue 1's scope: health, metrics,
/// workers, pools, tree and events.
struct APIRoutes: Sendable {
    let orchestrator: Orchestrator
    let auth: BearerAuth

    func register(on router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in Status(status: "ok") }
        router.get("/readyz") { _, _ -> Response in
            let (ready, counts) = await orchestrator.readiness()
            let body = Readiness(status: ready ? "ready" : "not_ready", workersReady: counts)
            return try jsonResponse(body, status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { request, _ -> Response in
            if orchestrator.config.metricsAuth == "operator" { try auth.require(request, [.operator]) }
            _ = await orchestrator.readiness()  // refresh pool gauges
            await orchestrator.refreshMailboxGauges()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: orchestrator.metrics.render())))
        }

        let v1 = router.group("v1")
        SessionRoutes(orchestrator: orchestrator, auth: auth).register(on: v1)
        v1.get("workers") { request, _ -> WorkerList in
            try auth.require(request, [.operator])
            return WorkerList(workers: await orchestrator.workers())
        }
        v1.post("workers/:id/restart") { request, context -> Response in
            try auth.require(request, [.operator])
            let id = try context.parameters.require("id")
            guard let pool = await orchestrator.findWorker(id), let supervisor = pool.supervisor else {
                throw Problem.notFound("no worker with id '\(id)'")
            }
            do {
                try await supervisor.restartChild(id)
            } catch {
                throw Problem(.conflict, "restart_failed", "Restart failed", detail: "\(error)")
            }
            orchestrator.events.publish("worker.restart_requested", ["child": id])
            return try jsonResponse(Accepted(id: id, action: "restart"), status: .accepted)
        }
        v1.post("workers/:id/drain") { request, context -> Response in
            try auth.require(request, [.operator])
            let id = try context.parameters.require("id")
            guard let pool = await orchestrator.findWorker(id), let supervisor = pool.supervisor else {
                throw Problem.notFound("no worker with id '\(id)'")
            }
            let moved: [String]
            do { moved = try await orchestrator.sessions.drain(worker: id) } catch { throw SessionRoutes.problem(error) }
            // Its streams are elsewhere: replace it with a fresh worker (the pool keeps its size).
            do { try await supervisor.restartChild(id) } catch {
                throw Problem(.conflict, "restart_failed", "Restart after drain failed", detail: "\(error)")
            }
            orchestrator.events.publish("worker.drained", ["child": id, "sessions_moved": "\(moved.count)"])
            return try jsonResponse(Drained(id: id, sessionsMoved: moved), status: .ok)
        }
        v1.get("pools") { request, _ -> PoolList in
            try auth.require(request, [.operator])
            var list: [PoolView] = []
            for pool in orchestrator.pools { list.append(await PoolView(pool)) }
            return PoolList(pools: list)
        }
        v1.get("pools/:name") { request, context -> PoolView in
            try auth.require(request, [.operator])
            let name = try context.parameters.require("name")
            guard let pool = orchestrator.pool(named: name) else { throw Problem.notFound("no pool named '\(name)'") }
            return await PoolView(pool)
        }
        v1.put("pools/:name") { request, context -> PoolView in
            try auth.require(request, [.operator])
            let name = try context.parameters.require("name")
            guard let pool = orchestrator.pool(named: name) else { throw Problem.notFound("no pool named '\(name)'") }
            let body: ScaleRequest
            do {
                body = try await request.decode(as: ScaleRequest.self, context: context)
            } catch {
                throw Problem.badRequest("expected {\"size\": N}: \(error)")
            }
            guard (0...1024).contains(body.size) else { throw Problem.badRequest("size must be within 0...1024, got \(body.size)") }
            do {
                _ = try await pool.scale(to: body.size)
            } catch {
                throw Problem(.serviceUnavailable, "scale_failed", "Scaling failed", detail: "\(error)")
            }
            return await PoolView(pool)
        }
        v1.get("tree") { request, _ -> TreeResponse in
            try auth.require(request, [.operator])
            return TreeResponse(root: TreeNode(await orchestrator.root.snapshot()))
        }
        v1.get("events") { request, _ -> Response in
            try auth.require(request, [.operator, .client])
            let stream = orchestrator.events.subscribe()
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    try await writer.write(ByteBuffer(string: ": switchboard events\n\n"))
                    // Ends on graceful shutdown, so an open stream never holds up SIGTERM.
                    for await event in stream.cancelOnGracefulShutdown() {
                        try await writer.write(ByteBuffer(string: event.serverSentEvent))
                    }
                    try await writer.finish(nil)
                })
        }
    }
}

extension SwitchboardEvent {
    /// `id:`, `event:` and one `data:` line of JSON, then a blank line.
    var serverSentEvent: String {
        var object = fields
        object["type"] = type
        object["time"] = iso8601(time)
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return "id: \(sequence)\nevent: \(type)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
    }
}

func jsonResponse(_ value: some Encodable, status: HTTPResponse.Status) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let data = try encoder.encode(value)
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

struct Status: ResponseCodable { var status: String }
struct Readiness: ResponseCodable {
    var status: String
    var workersReady: [String: Int]
    enum CodingKeys: String, CodingKey { case status, workersReady = "workers_ready" }
}
struct WorkerList: ResponseCodable { var workers: [WorkerRow] }
struct Accepted: ResponseCodable { var id: String; var action: String }
struct Drained: ResponseCodable {
    var id: String
    var sessionsMoved: [String]
    enum CodingKeys: String, CodingKey { case id, sessionsMoved = "sessions_moved" }
}
struct ScaleRequest: Codable { var size: Int }
struct PoolList: ResponseCodable { var pools: [PoolView] }
struct PoolView: ResponseCodable {
    var name: String
    var size: Int
    var ready: Int
    var maxStreams: Int
    var executable: String
    var warmSpares: Int
    var sparePIDs: [Int32]
    enum CodingKeys: String, CodingKey {
        case name, size, ready, maxStreams = "max_streams", executable, warmSpares = "warm_spares", sparePIDs = "spare_pids"
    }

    init(_ pool: WorkerPool) async {
        name = pool.name
        size = pool.desiredSize
        ready = await pool.readyCount()
        maxStreams = pool.config.maxStreams
        executable = pool.workerOptions.executable
        warmSpares = pool.readySpares
        sparePIDs = pool.spares.pids
    }
}
extension WorkerRow: ResponseEncodable {}

import ArgumentParser
import Foundation

struct Workers: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, restart and drain workers.",
        subcommands: [List.self, Restart.self, Drain.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List workers: pool, pid, state, streams, restarts, uptime, mailbox depth.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let data = try await client.request("GET", "/v1/workers")
            if client.json { return client.printJSON(data) }
            let object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            let workers = object["workers"] as? [[String: Any]] ?? []
            let now = Date()
            let iso = ISO8601DateFormatter()
            let rows = workers.map { w -> [String] in
                let uptime = (w["started_at"] as? String).flatMap(iso.date(from:)).map { formatUptime(now.timeIntervalSince($0)) } ?? "-"
                return [string(w["id"]), string(w["pool"]), string(w["pid"]), string(w["state"]), string(w["streams"]),
                        string(w["restarts"]), uptime, string(w["mailbox_depth"])]
            }
            print(renderTable(["ID", "POOL", "PID", "STATE", "STREAMS", "RESTARTS", "UPTIME", "MAILBOX"], rows))
        }
    }

    struct Restart: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Kill a worker and let its supervisor start a fresh one (does not count toward restart intensity).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Worker id, as `switchboard workers list` shows it (e.g. transcoder.1).") var id: String

        func run() async throws {
            let data = try await client.request("POST", "/v1/workers/\(id)/restart")
            if client.json { return client.printJSON(data) }
            print("restarting \(id)")
        }
    }
}

extension Workers {
    struct Drain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a worker's streams to other workers without dropping a call, then replace it with a fresh one.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Worker id, as `switchboard workers list` shows it.") var id: String

        func run() async throws {
            var bar = ProgressBar("draining \(id)", total: 2)
            bar.update(1)
            let data = try await client.request("POST", "/v1/workers/\(id)/drain")
            bar.update(2)
            if client.json { return client.printJSON(data) }
            let object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            let moved = object["sessions_moved"] as? [String] ?? []
            print("drained \(id): \(moved.count) session(s) moved\(moved.isEmpty ? "" : ": " + moved.joined(separator: ", "))")
        }
    }
}

func formatUptime(_ seconds: TimeInterval) -> String {
    let s = Int(seconds)
    if s < 60 { return "\(s)s" }
    if s < 3600 { return "\(s / 60)m\(s % 60)s" }
    return "\(s / 3600)h\((s % 3600) / 60)m"
}

import ArgumentParser
import Foundation

struct Sessions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, show and end media sessions.",
        subcommands: [List.self, Show.self, End.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions (HTTP and SIP calls): state, origin, edge and worker, codecs and packets per leg.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let data = try await client.request("GET", "/v1/sessions")
            if client.json { return client.printJSON(data) }
            let object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            let rows = (object["sessions"] as? [[String: Any]] ?? []).map { s -> [String] in
                let legs = s["legs"] as? [[String: Any]] ?? []
                func leg(_ name: String) -> [String: Any] { legs.first { $0["name"] as? String == name } ?? [:] }
                let labels = s["labels"] as? [String: Any] ?? [:]
                return [string(s["id"]), string(s["state"]), labels["origin"] as? String ?? "http", string(s["edge"]), string(s["worker"]),
                        "\(string(leg("a")["codec"]))/\(string(leg("a")["profile"]))",
                        "\(string(leg("b")["codec"]))/\(string(leg("b")["profile"]))",
                        "\(string(leg("a")["packets_in"]))/\(string(leg("b")["packets_in"]))"]
            }
            print(renderTable(["ID", "STATE", "ORIGIN", "EDGE", "WORKER", "LEG A", "LEG B", "PKTS IN A/B"], rows))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one session with per-leg counters (packets, bytes, lost, jitter).")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Session id.") var id: String

        func run() async throws {
            let data = try await client.request("GET", "/v1/sessions/\(id)")
            if client.json { return client.printJSON(data) }
            let s = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            print("session \(string(s["id"]))  state \(string(s["state"]))  worker \(string(s["worker"]))  edge \(string(s["edge"]))")
            let legs = s["legs"] as? [[String: Any]] ?? []
            print(renderTable(["LEG", "CODEC", "PROFILE", "LOCAL", "REMOTE", "PKTS IN", "PKTS OUT", "BYTES IN", "BYTES OUT", "LOST", "JITTER ms"],
                              legs.map { l in
                                  [string(l["name"]), string(l["codec"]), string(l["profile"]), string(l["local_port"]), string(l["remote"]),
                                   string(l["packets_in"]), string(l["packets_out"]), string(l["bytes_in"]), string(l["bytes_out"]),
                                   string(l["lost"]), string(l["jitter_ms"])]
                              }))
        }
    }

    struct End: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a session: its media stops and its ports are freed.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Session id.") var id: String

        func run() async throws {
            _ = try await client.request("DELETE", "/v1/sessions/\(id)")
            if !client.json { print("ended \(id)") }
        }
    }
}

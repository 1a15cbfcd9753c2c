import ArgumentParser
import Foundation

struct Edges: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the edges the control plane knows: state, phi, last report, load.",
        subcommands: [List.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List edges: state (alive/suspect/dead), phi, region, last report, load.",
            discussion: """
                phi is the phi-accrual suspicion level over the edge's heartbeat intervals: about 0 \
                while heartbeats arrive on time, suspect from edges.phi_suspect (5), dead from \
                edges.phi_dead (8). The embedded local edge is listed first.
                """)
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let data = try await client.request("GET", "/v1/edges")
            if client.json { return client.printJSON(data) }
            let object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            let rows = (object["edges"] as? [[String: Any]] ?? []).map { e -> [String] in
                let load = (e["load"] as? Double).map { String(format: "%.0f%%", $0 * 100) } ?? "-"
                let phi = (e["phi"] as? Double).map { String(format: "%.2f", $0) } ?? "-"
                return [string(e["id"]), string(e["state"]), phi, string(e["region"]), string(e["url"]), string(e["last_report"]),
                        "\(string(e["streams"]))/\(string(e["capacity"])) (\(load))", string(e["workers_ready"])]
            }
            print(renderTable(["ID", "STATE", "PHI", "REGION", "URL", "LAST REPORT", "STREAMS/CAPACITY", "WORKERS"], rows))
        }
    }
}

import ArgumentParser
import Foundation

struct Pools: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List and scale worker pools.",
        subcommands: [List.self, Scale.self], defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pools: desired size, ready workers, streams per worker.")
        @OptionGroup var client: ClientOptions

        func run() async throws {
            let data = try await client.request("GET", "/v1/pools")
            if client.json { return client.printJSON(data) }
            let object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            let rows = (object["pools"] as? [[String: Any]] ?? []).map {
                [string($0["name"]), string($0["size"]), string($0["ready"]), string($0["max_streams"]), string($0["executable"])]
            }
            print(renderTable(["NAME", "SIZE", "READY", "MAX_STREAMS", "EXECUTABLE"], rows))
        }
    }

    struct Scale: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a pool's size at run time.",
            discussion: "Scaling up starts workers and returns once they said hello; scaling down stops the newest workers first.")
        @OptionGroup var client: ClientOptions
        @Argument(help: "Pool name, e.g. transcoder.") var name: String
        @Argument(help: "New size (0...1024).") var size: Int

        func validate() throws {
            guard (0...1024).contains(size) else { throw ValidationError("size must be within 0...1024") }
        }

        func run() async throws {
            let data = try await client.request("PUT", "/v1/pools/\(name)", body: ["size": size])
            if client.json { return client.printJSON(data) }
            let object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
            print("pool \(name): size \(string(object["size"])), ready \(string(object["ready"]))")
        }
    }
}

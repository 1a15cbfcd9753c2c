import ArgumentParser
import Foundation

struct Pools: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List and scale worker pools.",
        subcommands: [List.self, Scale.self, Rollout.self], defaultSubcommand: List.self)

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

    struct Rollout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a pool's workers one at a time, moving their streams first: no call is dropped.",
            discussion: """
                Each worker's streams move to workers already replaced (or any other with room), on the \
                same ports and keys with the same SSRC, then the worker restarts — from --executable if \
                given (the new binary applies to every worker started from then on). A pool of one \
                worker gets a surge worker for the duration. Shows a progress bar; exits 1 if the \
                rollout fails (the workers not yet replaced keep running).
                """)
        @OptionGroup var client: ClientOptions
        @Argument(help: "Pool name, e.g. transcoder.") var name: String
        @Option(help: "New worker executable (path on the server).") var executable: String?

        func run() async throws {
            var body: [String: Any] = [:]
            if let executable { body["executable"] = executable }
            let started = try await client.request("POST", "/v1/pools/\(name)/rollout", body: body)
            var status = (try JSONSerialization.jsonObject(with: started) as? [String: Any]) ?? [:]
            var bar = ProgressBar("rollout \(name)", total: max(1, status["total"] as? Int ?? 1))
            while status["state"] as? String == "running" {
                try await Task.sleep(for: .milliseconds(100))
                let data = try await client.request("GET", "/v1/pools/\(name)/rollout")
                status = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
                bar = bar.total == (status["total"] as? Int ?? bar.total) ? bar : ProgressBar("rollout \(name)", total: max(1, status["total"] as? Int ?? 1))
                bar.update(status["done"] as? Int ?? 0)
            }
            if client.json {
                let data = try JSONSerialization.data(withJSONObject: status, options: [.sortedKeys])
                return client.printJSON(data)
            }
            guard status["state"] as? String == "done" else {
                throw CLIError("rollout of \(name) failed: \(string(status["error"]))")
            }
            print("pool \(name) rolled out: \(string(status["done"])) workers replaced, \(string(status["sessions_moved"])) streams moved, executable \(string(status["executable"]))")
        }
    }
}

import ArgumentParser

@main
struct Switchboard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchboard",
        abstract: "A media session control plane that supervises transcoding workers, Erlang/OTP style.",
        discussion: """
            `switchboard serve` runs the orchestrator; the other commands talk to a running \
            one over its HTTP API (--server, token from SWITCHBOARD_TOKEN). `switchboard bench` \
            runs standalone and spawns its own workers.

            Examples:
              switchboard serve --config Config/switchboard.yaml
              SWITCHBOARD_TOKEN=dev-operator-token switchboard workers list
              switchboard pools scale transcoder 4
              switchboard tree
              switchboard bench port
            """,
        subcommands: [Serve.self, Edge.self, Sessions.self, Workers.self, Pools.self, Edges.self, Tree.self, Bench.self])
}

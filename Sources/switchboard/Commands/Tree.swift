import ArgumentParser
import Foundation

struct Tree: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Draw the supervision tree: supervisors, strategies, children, restart counts.")
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let data = try await client.request("GET", "/v1/tree")
        if client.json { return client.printJSON(data) }
        let object = (try JSONSerialization.jsonObject(with: data) as? [String: Any]) ?? [:]
        guard let root = object["root"] as? [String: Any] else { throw CLIError("no tree in the answer") }
        print(drawTree(root), terminator: "")
    }
}

/// Draws a tree node and its children with box-drawing characters.
func drawTree(_ node: [String: Any], prefix: String = "", isLast: Bool = true, isRoot: Bool = true) -> String {
    var label = string(node["id"])
    if let strategy = node["strategy"] as? String {
        label += "  [\(strategy), intensity \(string(node["intensity"]))/\(string(node["period"]))s]"
    } else {
        label += "  \(string(node["state"]))"
        if let pid = node["pid"] { label += " pid \(string(pid))" }
    }
    if let restarts = node["restarts"] as? Int, restarts > 0 { label += "  restarts \(restarts)" }
    var out = isRoot ? label + "\n" : prefix + (isLast ? "└── " : "├── ") + label + "\n"
    let children = node["children"] as? [[String: Any]] ?? []
    let childPrefix = isRoot ? "" : prefix + (isLast ? "    " : "│   ")
    for (i, child) in children.enumerated() {
        out += drawTree(child, prefix: childPrefix, isLast: i == children.count - 1, isRoot: false)
    }
    return out
}

import Foundation
import Hummingbird
import Supervision

/// `GET /v1/tree`: `{"root": {"id", "strategy", "intensity", "period", "children": [...]}}`;
/// a child is a supervisor (with `strategy` and `children`) or a worker.
struct TreeResponse: ResponseCodable {
    var root: TreeNode
}

final class TreeNode: Codable, Sendable {
    let id: String
    let type: String
    let state: String
    let restarts: Int
    let strategy: String?
    let intensity: Int?
    let period: Double?
    let pid: Int32?
    let children: [TreeNode]?

    init(_ snapshot: SupervisorSnapshot, restarts: Int = 0) {
        id = snapshot.id
        type = "supervisor"
        state = snapshot.state.rawValue
        self.restarts = restarts
        strategy = snapshot.strategy.rawValue
        intensity = snapshot.intensity
        period = snapshot.period
        pid = nil
        children = snapshot.children.map(TreeNode.init(child:))
    }

    init(child: ChildInfo) {
        if let nested = child.supervisor {
            id = nested.id
            type = "supervisor"
            state = nested.state.rawValue
            strategy = nested.strategy.rawValue
            intensity = nested.intensity
            period = nested.period
            pid = nil
            children = nested.children.map(TreeNode.init(child:))
        } else {
            id = child.id
            type = child.kind.rawValue
            state = child.state.rawValue
            strategy = nil
            intensity = nil
            period = nil
            pid = child.details["pid"].flatMap { Int32($0) }
            children = nil
        }
        restarts = child.restarts
    }
}

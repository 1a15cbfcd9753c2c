import Logging
import Supervision
import Synchronization

/// What happened to fake children, in order.
enum Op: Sendable, Hashable, CustomStringConvertible {
    case started(String, Int)
    case stopped(String, Int, Shutdown)

    var description: String {
        switch self {
        case .started(let name, let number): "start \(name)#\(number)"
        case .stopped(let name, let number, let shutdown): "stop \(name)#\(number) \(shutdown)"
        }
    }
}

struct FakeStartError: Error, CustomStringConvertible {
    let name: String
    var description: String { "\(name) refused to start" }
}

/// An in-process child whose exit the test triggers with any reason.
actor FakeChild: SupervisedChild {
    nonisolated let name: String
    nonisolated let number: Int
    private let world: World
    /// Ignores polite stops: only `.brutalKill` ends it.
    private let stubborn: Bool
    private var reason: ExitReason?
    private var exitWaiters: [CheckedContinuation<ExitReason, Never>] = []
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    init(name: String, number: Int, world: World, stubborn: Bool) {
        self.name = name
        self.number = number
        self.world = world
        self.stubborn = stubborn
    }

    /// Makes the child end with `reason` (as if the process exited).
    func exit(_ reason: ExitReason) {
        guard self.reason == nil else { return }
        self.reason = reason
        for waiter in exitWaiters { waiter.resume(returning: reason) }
        for waiter in stopWaiters { waiter.resume() }
        exitWaiters.removeAll()
        stopWaiters.removeAll()
    }

    var hasExited: Bool { reason != nil }

    func exitReason() async -> ExitReason {
        if let reason { return reason }
        return await withCheckedContinuation { exitWaiters.append($0) }
    }

    func stop(_ shutdown: Shutdown) async {
        world.ops.update { $0.append(.stopped(name, number, shutdown)) }
        guard reason == nil else { return }
        if shutdown == .brutalKill {
            exit(.signal(9))
        } else if stubborn {
            await withCheckedContinuation { stopWaiters.append($0) }
        } else {
            exit(.shutdown)
        }
    }

    func details() async -> [String: String] { ["name": name, "instance": "\(number)"] }
}

/// The fixture: fake children by name, everything they did, every supervisor event.
final class World: Sendable {
    let ops = Watched<[Op]>([])
    let events = Watched<[SupervisorEvent]>([])
    let instances = Watched<[String: [FakeChild]]>([:])
    private let failures = Mutex<[String: Int]>([:])
    private let stubborn = Mutex<Set<String>>([])

    let logger = Logger(label: "supervision-tests") { _ in SwiftLogNoOpLogHandler() }

    var record: @Sendable (SupervisorEvent) -> Void {
        { [events] event in events.update { $0.append(event) } }
    }

    /// The next `count` starts of `name` throw.
    func failStarts(of name: String, count: Int = .max) {
        failures.withLock { $0[name] = count }
    }

    /// Children named `name` ignore polite stops.
    func makeStubborn(_ name: String) {
        _ = stubborn.withLock { $0.insert(name) }
    }

    func start(_ name: String) -> @Sendable () async throws -> any SupervisedChild {
        { [self] in
            let fails = failures.withLock { failures -> Bool in
                guard let left = failures[name], left > 0 else { return false }
                failures[name] = left == .max ? left : left - 1
                return true
            }
            if fails { throw FakeStartError(name: name) }
            let isStubborn = stubborn.withLock { $0.contains(name) }
            var child: FakeChild?
            instances.update { instances in
                let made = FakeChild(name: name, number: (instances[name]?.count ?? 0) + 1, world: self, stubborn: isStubborn)
                instances[name, default: []].append(made)
                child = made
            }
            guard let child else { throw FakeStartError(name: name) }
            ops.update { $0.append(.started(name, child.number)) }
            return child
        }
    }

    func spec(_ name: String, _ restart: RestartType = .permanent, shutdown: Shutdown? = nil) -> ChildSpec {
        ChildSpec(id: name, restart: restart, shutdown: shutdown, start: start(name))
    }

    /// Waits for the `number`-th instance of `name` (1-based) to have been started.
    func instance(_ name: String, _ number: Int) async throws -> FakeChild {
        try await instances.wait(for: "\(name)#\(number)") { instances in
            instances[name].flatMap { $0.count >= number ? $0[number - 1] : nil }
        }
    }

    /// Waits until at least `count` events match.
    @discardableResult
    func event(
        _ what: String, count: Int = 1, _ matches: @escaping @Sendable (SupervisorEvent) -> Bool
    ) async throws -> [SupervisorEvent] {
        try await events.wait(for: what) { events in
            let found = events.filter(matches)
            return found.count >= count ? found : nil
        }
    }

    func supervisor(_ id: String, _ strategy: Strategy, intensity: Int = 10, period: Duration = .seconds(60),
                    backoff: Backoff? = nil, children: [ChildSpec]) -> Supervisor {
        Supervisor(id: id, flags: flags(strategy, intensity: intensity, period: period, backoff: backoff),
                   children: children, logger: logger, events: record)
    }

    func flags(_ strategy: Strategy, intensity: Int = 10, period: Duration = .seconds(60), backoff: Backoff? = nil) -> SupervisorFlags {
        SupervisorFlags(strategy: strategy, intensity: RestartIntensity(intensity: intensity, period: period), backoff: backoff)
    }

    /// Names of the children stopped / started since op number `offset`.
    func stops(since offset: Int) -> [String] {
        ops.value.dropFirst(offset).compactMap { if case .stopped(let name, _, _) = $0 { name } else { nil } }
    }

    func starts(since offset: Int) -> [String] {
        ops.value.dropFirst(offset).compactMap { if case .started(let name, _) = $0 { name } else { nil } }
    }
}

extension SupervisorEvent {
    func isExit(of child: String, _ reason: ExitReason? = nil) -> Bool {
        if case .childExited(_, child, let actual) = self { return reason == nil || reason == actual }
        return false
    }

    func isRestart(of child: String) -> Bool {
        if case .childRestarted(_, child, _, _) = self { return true }
        return false
    }

    var isGaveUp: Bool {
        if case .gaveUp = self { return true }
        return false
    }
}

extension Supervisor {
    /// "id:state" for each child, in start order.
    func states() async -> [String] {
        await children().map { "\($0.id):\($0.state.rawValue)" }
    }
}

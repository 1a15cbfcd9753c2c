import PortProtocol

/// How to start and watch one worker.
public struct WorkerPortOptions: Sendable, Hashable {
    /// Path of the worker executable.
    public var executable: String
    public var arguments: [String]
    /// nil: inherit the orchestrator's environment.
    public var environment: [String: String]?
    /// Largest frame accepted from the worker; a larger one fails the port.
    public var maxFrameLength: Int
    /// Time allowed for the `hello`; past it the start failed.
    public var startTimeout: Duration
    /// Default timeout of every request.
    public var requestTimeout: Duration
    /// Time between pings.
    public var heartbeatInterval: Duration
    /// Pongs missed in a row before the worker counts as hung and is killed.
    public var heartbeatMisses: Int
    /// Requests in flight at most (the mailbox bound).
    public var mailboxLimit: Int

    public init(
        executable: String, arguments: [String] = [], environment: [String: String]? = nil,
        maxFrameLength: Int = Frame.defaultMaximumLength, startTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(5), heartbeatInterval: Duration = .seconds(1),
        heartbeatMisses: Int = 3, mailboxLimit: Int = 4096
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.maxFrameLength = maxFrameLength
        self.startTimeout = startTimeout
        self.requestTimeout = requestTimeout
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatMisses = heartbeatMisses
        self.mailboxLimit = mailboxLimit
    }
}

/// The errors of the Supervision module.
///
/// Two errors are equal when they are of the same kind; ``child`` and ``reason`` are context.
public struct SupervisionError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case invalidConfiguration = "invalid configuration"
        case alreadyStarted = "supervisor already started"
        case notRunning = "supervisor not running"
        case childNotFound = "no such child"
        case duplicateChild = "duplicate child id"
        case childRunning = "child is running"
        case startFailed = "child failed to start"
        case notSupported = "not supported by this strategy"
    }

    private let code: Code
    /// The child concerned, if any.
    public let child: String?
    /// Details (for ``startFailed``, the start error).
    public let reason: String?

    private init(_ code: Code, child: String? = nil, reason: String? = nil) {
        self.code = code
        self.child = child
        self.reason = reason
    }

    /// Bad flags or child specs (duplicate ids, negative intensity, ...), found by ``Supervisor/start()``.
    public static let invalidConfiguration = Self(.invalidConfiguration)
    /// ``Supervisor/start()`` was called twice.
    public static let alreadyStarted = Self(.alreadyStarted)
    /// The supervisor has not started or has already ended.
    public static let notRunning = Self(.notRunning)
    /// No child has this id.
    public static let childNotFound = Self(.childNotFound)
    /// A child with this id already exists.
    public static let duplicateChild = Self(.duplicateChild)
    /// The child must be stopped first (``Supervisor/deleteChild(_:)``).
    public static let childRunning = Self(.childRunning)
    /// A child's start function threw.
    public static let startFailed = Self(.startFailed)
    /// The operation does not apply to this supervisor's strategy.
    public static let notSupported = Self(.notSupported)

    static func invalidConfiguration(_ reason: String) -> Self { Self(.invalidConfiguration, reason: reason) }
    static func childNotFound(_ child: String) -> Self { Self(.childNotFound, child: child) }
    static func duplicateChild(_ child: String) -> Self { Self(.duplicateChild, child: child) }
    static func childRunning(_ child: String) -> Self { Self(.childRunning, child: child) }
    static func startFailed(_ child: String, _ error: any Error) -> Self {
        Self(.startFailed, child: child, reason: String(describing: error))
    }
    static func notSupported(_ reason: String) -> Self { Self(.notSupported, reason: reason) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    public var description: String {
        var text = code.rawValue
        if let child { text += " '\(child)'" }
        if let reason { text += ": \(reason)" }
        return text
    }
}

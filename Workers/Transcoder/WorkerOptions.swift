#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import PortProtocol

/// Command-line options of `switchboard-transcoder`, parsed by hand (no
/// dependency): the orchestrator passes few, and the test-only
/// `--misbehave` modes must be available from the same binary.
struct WorkerOptions: Sendable, Equatable {
    /// Streams this worker carries at most (`max_streams` in hello; `open_stream` beyond it: `overloaded`).
    var maxStreams = 64
    /// Largest frame accepted from the orchestrator.
    var maxFrameLength = Frame.defaultMaximumLength
    /// A deliberate fault, for the orchestrator's supervision tests.
    var misbehaviour: Misbehaviour?

    static let usage = """
        usage: switchboard-transcoder [--max-streams N] [--max-frame BYTES] [--misbehave MODE]

        A Switchboard media worker. It speaks the port protocol on stdin/stdout
        ({packet, 4} frames) and logs to stderr. It is started by the
        orchestrator, not by hand; it exits at once when stdin reaches EOF.

        options:
          --max-streams N     streams carried at most, announced in hello (default 64);
                              open_stream beyond it is refused (overloaded)
          --max-frame BYTES   largest frame accepted (default 1048576); a larger
                              one is a protocol violation: exit status 2
          --misbehave MODE    fail on purpose, for supervision tests only:
              no-hello            never send hello; wait for stdin EOF
              ignore-sigterm      ignore SIGTERM and shutdown messages; exit on stdin EOF
              hang-after-hello    send hello, then answer nothing; exit on stdin EOF
              oversized-frame     after hello, send a frame header claiming 0x7FFFFFFF bytes
              garbage             after hello, send 64 bytes: a 60-byte frame whose message
                                  type byte is invalid (0xEE) followed by random bytes
              exit-after=N        exit with status 3 after answering N requests
              crash-after-hello   exit with status 1 right after hello
          -h, --help          show this text

        exit status: 0 stdin EOF or shutdown, 1 I/O error, 2 protocol violation
        by the orchestrator, 3 exit-after, 64 bad usage.
        """

    /// What parsing decided.
    enum Parsed: Equatable {
        case run(WorkerOptions)
        case help
        case invalid(String)
    }

    /// Parses `arguments` (without the program name).
    static func parse(_ arguments: [String]) -> Parsed {
        var options = WorkerOptions()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            var name = argument, inlineValue: String?
            if argument.hasPrefix("--"), let eq = argument.firstIndex(of: "=") {
                name = String(argument[..<eq])
                inlineValue = String(argument[argument.index(after: eq)...])
            }
            func value() -> String? { inlineValue ?? rest.popFirst() }
            switch name {
            case "-h", "--help":
                return .help
            case "--max-streams":
                guard let v = value(), let n = Int(v), n >= 0 else { return .invalid("--max-streams needs a count") }
                options.maxStreams = n
            case "--max-frame":
                guard let v = value(), let n = Int(v), n >= 64 else { return .invalid("--max-frame needs a byte count >= 64") }
                options.maxFrameLength = n
            case "--misbehave":
                guard let v = value() else { return .invalid("--misbehave needs a mode") }
                guard let mode = Misbehaviour(argument: v) else { return .invalid("unknown --misbehave mode '\(v)'") }
                options.misbehaviour = mode
            default:
                return .invalid("unknown argument '\(argument)'")
            }
        }
        return .run(options)
    }
}

/// Faults the worker commits on purpose when asked with `--misbehave`.
enum Misbehaviour: Sendable, Equatable {
    case noHello
    case ignoreSIGTERM
    case hangAfterHello
    case oversizedFrame
    case garbage
    case exitAfter(requests: Int)
    case crashAfterHello

    init?(argument: String) {
        switch argument {
        case "no-hello": self = .noHello
        case "ignore-sigterm": self = .ignoreSIGTERM
        case "hang-after-hello": self = .hangAfterHello
        case "oversized-frame": self = .oversizedFrame
        case "garbage": self = .garbage
        case "crash-after-hello": self = .crashAfterHello
        default:
            guard argument.hasPrefix("exit-after="), let n = Int(argument.dropFirst("exit-after=".count)), n >= 0 else {
                return nil
            }
            self = .exitAfter(requests: n)
        }
    }
}

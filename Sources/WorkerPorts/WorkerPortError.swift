import PortProtocol

/// Errors of worker ports. One type for the module, values named by what
/// went wrong.
public enum WorkerPortError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `posix_spawn` or `pipe2` failed.
    case spawnFailed(String, errno: Int32)
    /// No `hello` within the start timeout.
    case helloTimeout(Duration)
    /// The process ended (or closed its stdout) before saying hello.
    case exitedBeforeHello(String)
    /// The hello was undecodable or of another protocol version.
    case badHello(String)
    /// The worker broke the protocol; the port was failed and the worker killed.
    case protocolViolation(String)
    /// No reply within the request timeout. The worker is not killed for it.
    case requestTimeout(method: String, timeout: Duration)
    /// The port is closed: the worker exited or was killed.
    case portClosed(String)
    /// The worker answered with an `error` message.
    case remote(code: String, message: String)
    /// The request would make a frame over the maximum frame length, which
    /// the worker would treat as a protocol violation. Nothing was sent.
    case requestTooLarge(bytes: Int, maximum: Int)
    /// More requests in flight than the mailbox bound allows: back off.
    case mailboxFull(limit: Int)

    public var description: String {
        switch self {
        case let .spawnFailed(path, errno): "cannot spawn \(path): \(String(cString: strerror(errno)))"
        case let .helloTimeout(d): "no hello within \(d)"
        case let .exitedBeforeHello(why): "exited before hello: \(why)"
        case let .badHello(why): "bad hello: \(why)"
        case let .protocolViolation(why): "protocol violation: \(why)"
        case let .requestTimeout(method, timeout): "\(method) request timed out after \(timeout)"
        case let .portClosed(why): "port closed: \(why)"
        case let .remote(code, message): "worker error \(code): \(message)"
        case let .requestTooLarge(bytes, maximum): "request of \(bytes) bytes exceeds the maximum frame of \(maximum)"
        case let .mailboxFull(limit): "mailbox full (\(limit) requests in flight)"
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

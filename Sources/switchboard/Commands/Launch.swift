import ArgumentParser
import Hummingbird
import Logging
import SwitchboardServer

/// What `serve` and `edge` share: `--set` parsing, logging to stderr, the
/// configuration (exit 78 naming the key), and running the application
/// (exit 1 when the root supervisor gives up or the run fails).
enum Launch {
    /// `KEY=VALUE` items as a dictionary.
    static func overrides(_ items: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        for item in items {
            guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
                throw ValidationError("--set expects KEY=VALUE, got '\(item)'")
            }
            values[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        return values
    }

    static func logger(_ label: String, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: label)
    }

    static func configuration(path: String, overrides: [String: String], logger: Logger) async throws -> SwitchboardConfig {
        do {
            return try await SwitchboardConfig.load(path: path, overrides: overrides)
        } catch let error as ConfigError {
            logger.critical("invalid configuration: \(error)")
            throw ExitCode(78)  // EX_CONFIG
        }
    }

    static func run(_ app: some ApplicationProtocol, logger: Logger, what: String) async throws {
        do {
            try await app.runService()
        } catch is Orchestrator.GaveUp {
            throw ExitCode(1)
        } catch {
            logger.critical("\(what) failed: \(error)")
            throw ExitCode(1)
        }
    }
}

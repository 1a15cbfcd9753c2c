#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Real peers for the SIP tests: sipp scenarios (Tests/Peers/sipp) and baresip instances
/// (Tests/Peers/baresip), run as bounded child processes on 127.0.0.1. See Tests/Peers/baresip/README.md.

/// External tools the tests drive, and whether a test that needs one should run.
public enum Tool {
    public static let ffmpeg: String? = find("ffmpeg")
    public static let sipp: String? = find("sipp")
    public static let baresip: String? = find("baresip")

    /// Under CI the tools are installed by `make test`: a missing one must fail the test, not skip it.
    public static let isCI: Bool = ProcessInfo.processInfo.environment["CI"] != nil

    /// For `.enabled(if:)`: the tool is installed, or this is CI (where the test then fails on `#require`).
    public static func required(_ tool: String?) -> Bool { tool != nil || isCI }

    /// The PCMA sample that uac_pcap.xml plays (Debian package sip-tester).
    public static let sippPCAP = "/usr/share/sip-tester/g711a.pcap"

    /// sipp's play_pcap_audio sends through a raw socket: root (or CAP_NET_RAW) only.
    public static var canSendRawPackets: Bool { geteuid() == 0 }

    private static func find(_ name: String) -> String? {
        ["/usr/bin/\(name)", "/usr/local/bin/\(name)"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

// MARK: - sipp

/// sipp 3.6.1 runs: command lines with everything on 127.0.0.1 (SIP `-i`, media `-mi`, control socket
/// `-ci`/`-cp`), message and error traces in a temporary directory, a bounded run time.
public enum Sipp {
    /// Where the scenario files are.
    public static let scenarios = Products.repositoryRoot.appendingPathComponent("Tests/Peers/sipp")

    public enum Scenario: Sendable, CustomStringConvertible {
        /// One of sipp's embedded scenarios (`-sn uac`, `-sn uas`).
        case builtin(String)
        /// A file under Tests/Peers/sipp (`-sf`), e.g. "uac_cancel.xml".
        case file(String)
        /// A scenario file anywhere (e.g. a modified copy in a TempDir).
        case path(URL)

        public var arguments: [String] {
            switch self {
            case .builtin(let name): ["-sn", name]
            case .file(let name): ["-sf", Sipp.scenarios.appendingPathComponent(name).path]
            case .path(let url): ["-sf", url.path]
            }
        }

        public var description: String {
            switch self {
            case .builtin(let name): "-sn \(name)"
            case .file(let name): name
            case .path(let url): url.path
            }
        }
    }

    /// The ports of one sipp instance: SIP `port`, control `controlPort`, media `mediaPort` (sipp binds it and
    /// `mediaPort + 2` on -mi, even without -rtp_echo).
    public struct Ports: Sendable {
        public var port: UInt16, controlPort: UInt16, mediaPort: UInt16
        public init(port: UInt16, controlPort: UInt16, mediaPort: UInt16) {
            self.port = port
            self.controlPort = controlPort
            self.mediaPort = mediaPort
        }

        /// Five free consecutive ports: SIP, control, media, (media + 1), media + 2.
        public static func free() throws -> Ports {
            let base = try PeerPorts.block(5)
            return Ports(port: base, controlPort: base + 1, mediaPort: base + 2)
        }
    }

    /// The outcome of a finished sipp run.
    public struct Result: Sendable, CustomStringConvertible {
        /// sipp's exit status (0: every call succeeded; 1: some failed; 97, 99, 255: see `sipp -h`),
        /// nil if it did not exit in time (it was killed).
        public var status: Int32?
        public var command: String
        /// stdout/stderr (the final statistics screen), the unexpected-message/error log (-trace_err),
        /// the message trace (-trace_msg) and the scenario's <log> lines (-trace_logs).
        public var output: String, errors: String, messages: String, logs: String

        public var succeeded: Bool { status == 0 }

        public var description: String {
            "sipp exited \(status.map(String.init) ?? "(killed: no exit in time)"): \(command)\n"
                + "-- errors:\n\(errors.suffix(3000))\n-- logs:\n\(logs.suffix(1000))\n"
                + "-- messages (last 4000 characters):\n\(messages.suffix(4000))\n-- output:\n\(output.suffix(1500))"
        }
    }

    /// A running sipp.
    public final class Run: Sendable {
        public let arguments: [String]
        public let ports: Ports
        public let directory: TempDir
        public let child: ChildProcess

        init(_ arguments: [String], ports: Ports) throws {
            guard let sipp = Tool.sipp else { throw UDPPeer.Failure(description: "sipp is not installed") }
            let directory = try TempDir(prefix: "switchboard-sipp")
            let traces = ["-trace_msg", "-message_file", directory.file("messages.log").path,
                          "-trace_err", "-error_file", directory.file("errors.log").path,
                          "-trace_logs", "-log_file", directory.file("logs.log").path]
            self.arguments = arguments + traces
            self.ports = ports
            self.directory = directory
            child = try ChildProcess(sipp, self.arguments, log: directory.file("output.log"))
        }

        public var command: String { (["sipp"] + arguments).joined(separator: " ") }

        /// Waits until sipp has bound its SIP port (a uas is ready for calls); throws if it exited instead.
        public func listening(timeout: Duration = .seconds(5)) async throws {
            try await child.listening(on: ports.port, timeout: timeout)
            guard child.isRunning else {
                let result = await finish(within: .seconds(1))
                throw UDPPeer.Failure(description: "sipp exited before listening: \(result)")
            }
        }

        /// Waits for sipp to exit (killing it after `timeout`) and collects its logs.
        public func finish(within timeout: Duration) async -> Result {
            let status = await child.exit(within: timeout)
            func read(_ name: String) -> String { (try? String(contentsOf: directory.file(name), encoding: .utf8)) ?? "" }
            return Result(status: status, command: command, output: child.fullOutput, errors: read("errors.log"),
                          messages: read("messages.log"), logs: read("logs.log"))
        }

        public func stop() { child.kill() }
    }

    /// Arguments every run gets: loopback everywhere, no keyboard, `calls` calls then exit.
    static func common(_ ports: Ports, calls: Int) -> [String] {
        ["-i", "127.0.0.1", "-p", "\(ports.port)", "-cp", "\(ports.controlPort)", "-ci", "127.0.0.1",
         "-mi", "127.0.0.1", "-mp", "\(ports.mediaPort)", "-m", "\(calls)", "-nostdin"]
    }

    /// Starts a server-side sipp (B): waits for calls on 127.0.0.1:`ports.port`, exits after `calls` calls.
    /// Await `listening()` before placing calls, then `finish(within:)`.
    public static func uas(scenario: Scenario, ports: Ports, calls: Int = 1, extraArgs: [String] = []) throws -> Run {
        try Run(scenario.arguments + common(ports, calls: calls) + extraArgs, ports: ports)
    }

    /// Starts a client-side sipp (A) placing `calls` calls at `rate` per second to `target` ("127.0.0.1:5060");
    /// sipp gives up after `timeout` (-timeout, with -timeout_error: exit status non-zero). Await `finish(within:)`.
    public static func uac(scenario: Scenario, target: String, ports: Ports, calls: Int = 1, rate: Double = 10,
                           timeout: Duration = .seconds(20), extraArgs: [String] = []) throws -> Run {
        let seconds = max(1, Int(timeout.components.seconds))
        return try Run(scenario.arguments + [target] + common(ports, calls: calls)
                           + ["-r", rateArgument(rate), "-timeout", "\(seconds)s", "-timeout_error"] + extraArgs,
                       ports: ports)
    }

    /// `uas(scenario:ports:...)` with the ports spelled out; the media port defaults to `port + 2`.
    public static func uas(scenario: Scenario, port: UInt16, controlPort: UInt16, mediaPort: UInt16? = nil, calls: Int = 1,
                           extraArgs: [String] = []) throws -> Run {
        try uas(scenario: scenario, ports: Ports(port: port, controlPort: controlPort, mediaPort: mediaPort ?? port + 2),
                calls: calls, extraArgs: extraArgs)
    }

    /// `uac(scenario:target:ports:...)` with the ports spelled out; the media port defaults to `port + 2`.
    public static func uac(scenario: Scenario, target: String, port: UInt16, controlPort: UInt16, mediaPort: UInt16? = nil,
                           calls: Int = 1, rate: Double = 10, timeout: Duration = .seconds(20),
                           extraArgs: [String] = []) throws -> Run {
        try uac(scenario: scenario, target: target, ports: Ports(port: port, controlPort: controlPort, mediaPort: mediaPort ?? port + 2),
                calls: calls, rate: rate, timeout: timeout, extraArgs: extraArgs)
    }

    private static func rateArgument(_ rate: Double) -> String {
        rate == rate.rounded() ? String(Int(rate)) : String(rate)
    }
}

// MARK: - baresip

/// A headless baresip 1.0.0 on 127.0.0.1: plays a WAV through the aufile source, records what it receives
/// with sndfile (`dump-*-dec.wav`), takes commands (/dial, /hangup, /quit) over the cons module's UDP port.
/// Always exits 0: judge a call from `log` (`waitForLog`) and the recordings.
public final class Baresip: Sendable {
    public enum Codec: String, Sendable {
        case pcmu, pcma
        case opus = "opus/48000/2"
    }

    public enum MediaEncryption: String, Sendable {
        /// RTP/AVP, no a=crypto.
        case none = ""
        /// SDES-SRTP offered (RTP/AVP + a=crypto), plain RTP accepted.
        case srtp
        /// RTP/SAVP + a=crypto: SRTP or no call.
        case srtpMandatory = "srtp-mand"
    }

    public struct Configuration: Sendable {
        public var user: String
        public var codec: Codec
        public var mediaEncryption: MediaEncryption
        /// The tone this peer sends.
        public var toneFrequency: Double
        /// Longer than the call: when the file ends, baresip hangs up.
        public var toneSeconds: Double
        /// Answer incoming calls at once (`;answermode=auto`).
        public var autoAnswer: Bool
        /// SIP `sipPort` (UDP+TCP, and TCP `sipPort + 1`), cons `sipPort + 2`, RTP `sipPort + 4 ... sipPort + 9`.
        public var sipPort: UInt16

        public init(user: String, codec: Codec, mediaEncryption: MediaEncryption = .none, toneFrequency: Double,
                    toneSeconds: Double = 30, autoAnswer: Bool, sipPort: UInt16? = nil) throws {
            self.user = user
            self.codec = codec
            self.mediaEncryption = mediaEncryption
            self.toneFrequency = toneFrequency
            self.toneSeconds = toneSeconds
            self.autoAnswer = autoAnswer
            self.sipPort = try sipPort ?? PeerPorts.block(10)
        }

        public var consolePort: UInt16 { sipPort + 2 }
        public var rtpPorts: ClosedRange<UInt16> { (sipPort + 4)...(sipPort + 9) }
        /// The tone's sample rate: the codec's (baresip would resample another).
        public var toneSampleRate: Int { codec == .opus ? 48000 : 8000 }
    }

    public static let templates = Products.repositoryRoot.appendingPathComponent("Tests/Peers/baresip")

    public let configuration: Configuration
    /// Holds the config directory (`config`, `accounts`), the tone, the recordings and the log.
    public let directory: TempDir
    private let child: ChildProcess

    /// Writes a config directory from the templates and starts baresip; `dial` places a call at once
    /// (`-e "/dial URI"`). Await `ready()` before calling this peer.
    public init(_ configuration: Configuration, dial: String? = nil) throws {
        guard let baresip = Tool.baresip else { throw UDPPeer.Failure(description: "baresip is not installed") }
        self.configuration = configuration
        let directory = try TempDir(prefix: "switchboard-baresip-\(configuration.user)")
        self.directory = directory
        let config = directory.file("config-dir"), recordings = directory.file("recordings"), tone = directory.file("tone.wav")
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: recordings, withIntermediateDirectories: true)
        try WAV.tone(frequency: configuration.toneFrequency, sampleRate: configuration.toneSampleRate,
                     seconds: configuration.toneSeconds).write(to: tone)
        let values: [String: String] = [
            "SIP_PORT": "\(configuration.sipPort)", "CONS_PORT": "\(configuration.consolePort)",
            "RTP_PORTS": "\(configuration.rtpPorts.lowerBound)-\(configuration.rtpPorts.upperBound)",
            "TONE": tone.path, "TONE_RATE": "\(configuration.toneSampleRate)", "RECORDINGS": recordings.path,
            "USER": configuration.user, "ANSWERMODE": configuration.autoAnswer ? "auto" : "manual",
            "CODECS": configuration.codec.rawValue,
            "MEDIAENC": configuration.mediaEncryption == .none ? "" : ";mediaenc=\(configuration.mediaEncryption.rawValue)",
        ]
        for name in ["config", "accounts"] {
            var text = try String(contentsOf: Self.templates.appendingPathComponent("\(name).template"), encoding: .utf8)
            for (key, value) in values { text = text.replacingOccurrences(of: "@\(key)@", with: value) }
            try text.write(to: config.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        // -s: SIP trace in the log (what was offered and answered); -4: IPv4 only.
        var arguments = ["-f", config.path, "-4", "-s"]
        if let dial { arguments += ["-e", "/dial \(dial)"] }
        child = try ChildProcess(baresip, arguments, log: directory.file("baresip.log"))
    }

    deinit { child.kill() }

    /// `sip:user@127.0.0.1:port`: dial this to call the peer directly.
    public var uri: String { "sip:\(configuration.user)@127.0.0.1:\(configuration.sipPort)" }

    public var log: String { child.fullOutput }
    public var isRunning: Bool { child.isRunning }

    /// Waits until baresip says it is ready and has bound its SIP and console ports.
    public func ready(timeout: Duration = .seconds(5)) async throws {
        try await child.waitForOutput("baresip is ready.", timeout: timeout)
        try await child.listening(on: configuration.sipPort, timeout: timeout)
        try await child.listening(on: configuration.consolePort, timeout: timeout)
        guard child.isRunning else { throw UDPPeer.Failure(description: "baresip exited: \(child.output)") }
    }

    /// Waits until the log contains `text` (e.g. "Call established", "SRTP is Enabled", "terminated") `count`
    /// times: the log is the whole run's, so a second call on the same instance waits for `count: 2`.
    public func waitForLog(_ text: String, count: Int = 1, timeout: Duration = .seconds(5)) async throws {
        if count <= 1 { return try await child.waitForOutput(text, timeout: timeout) }
        do {
            try await eventually("\(count) times \"\(text)\" in the log of baresip \(configuration.user)", timeout: timeout) {
                log.components(separatedBy: text).count - 1 >= count || !child.isRunning
            }
        } catch {
            throw UDPPeer.Failure(description: "\(error); log: \(child.output)")
        }
        guard log.components(separatedBy: text).count - 1 >= count else {
            throw UDPPeer.Failure(description: "baresip \(configuration.user) exited; log: \(child.output)")
        }
    }

    /// Sends a menu command ("/dial sip:...", "/hangup", "/quit") to the cons module's UDP port.
    public func command(_ line: String) throws {
        let peer = try UDPPeer()
        peer.send(Array((line + "\n").utf8), to: Int(configuration.consolePort))
    }

    public func dial(_ uri: String) throws { try command("/dial \(uri)") }
    public func hangup() throws { try command("/hangup") }

    /// Quits (hanging up any call, closing the recordings): "/quit", then SIGTERM, then SIGKILL.
    /// Returns baresip's exit status (always 0 when it quit by itself), nil if it had to be killed.
    @discardableResult
    public func stop(within timeout: Duration = .seconds(3)) async -> Int32? {
        if child.isRunning { try? command("/quit") }
        if let status = await exitStatus(within: timeout / 2) { return status }
        child.terminate()
        return await child.exit(within: timeout / 2)
    }

    private func exitStatus(within timeout: Duration) async -> Int32? {
        do {
            try await eventually("baresip to exit", timeout: timeout) { !child.isRunning }
        } catch {
            return nil
        }
        return await child.exit(within: .seconds(1))
    }

    /// The WAV files sndfile wrote: `dump-<time>-dec.wav` (received, decoded) or `-enc.wav` (sent), oldest first.
    public func recordings(_ kind: String = "dec") -> [URL] {
        let dir = directory.file("recordings")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix("-\(kind).wav") }.sorted().map { dir.appendingPathComponent($0) }
    }

    /// The last call's recording of what this peer received.
    public func received() throws -> URL {
        guard let last = recordings("dec").last else {
            throw UDPPeer.Failure(description: "\(configuration.user): no *-dec.wav recorded; log: \(child.output)")
        }
        return last
    }
}

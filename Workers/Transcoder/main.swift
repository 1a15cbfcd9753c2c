#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import MediaCodecs
import PortProtocol

// switchboard-transcoder: a media worker supervised by the Switchboard
// orchestrator over a pipe port (stdin/stdout, {packet, 4}); logs on stderr.

let options: WorkerOptions
switch WorkerOptions.parse(Array(CommandLine.arguments.dropFirst())) {
case let .run(parsed):
    options = parsed
case .help:
    print(WorkerOptions.usage)
    exit(0)
case let .invalid(why):
    StandardStreams.log("switchboard-transcoder: \(why)\n\n\(WorkerOptions.usage)")
    exit(64)
}

// A closed stdout is an error to handle (exit), not a signal to die of.
signal(SIGPIPE, SIG_IGN)

let misbehaviour = options.misbehaviour
if misbehaviour == .ignoreSIGTERM { signal(SIGTERM, SIG_IGN) }
if misbehaviour == .noHello {
    StandardStreams.log("misbehaving on purpose (no-hello): never saying hello")
    StandardStreams.drainStdinThenExit()
}

var exitAfter: Int?
if case let .exitAfter(n) = misbehaviour { exitAfter = n }
let handler = RequestHandler(maxStreams: options.maxStreams, ignoresShutdown: misbehaviour == .ignoreSIGTERM,
                             exitAfterRequests: exitAfter)
let server = PortServer(handler: handler, maximumFrameLength: options.maxFrameLength)

do {
    server.send(try handler.hello())
} catch {
    StandardStreams.log("cannot encode hello: \(error)")
    exit(1)
}
StandardStreams.log("started: protocol \(portProtocolVersion), \(CodecLibraries.opusVersion), \(CodecLibraries.srtpVersion), "
                    + "max streams \(options.maxStreams)" + (misbehaviour.map { ", misbehaving on purpose: \($0)" } ?? ""))

switch misbehaviour {
case .crashAfterHello:
    StandardStreams.log("exiting with status 1 right after hello (--misbehave crash-after-hello)")
    exit(1)
case .hangAfterHello:
    StandardStreams.drainStdinThenExit()
case .oversizedFrame:
    server.sendRaw([0x7F, 0xFF, 0xFF, 0xFF])
    StandardStreams.drainStdinThenExit()
case .garbage:
    // A frame of 60 bytes whose type byte 0xEE is no message type: undecodable for sure.
    server.sendRaw([0x00, 0x00, 0x00, 0x3C, 0xEE] + (0..<59).map { _ in UInt8.random(in: 0...255) })
    StandardStreams.drainStdinThenExit()
case .noHello, .ignoreSIGTERM, .exitAfter, nil:
    server.run()
}

import ArgumentParser
import Foundation
import MediaCodecs
import PortProtocol
import Synchronization
import WorkerPorts

struct TranscodeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transcode",
        abstract: "Opus<->PCMU frames/s through a worker port, next to the same codec loop in-process.",
        discussion: """
            20 ms frames of a 1 kHz tone: Opus (48 kHz mono, encoder complexity 5, signal forced \
            to voice) -> PCMU and PCMU -> Opus, alternating, as one bidirectional call does. \
            In-process: the TranscodingEngine on this thread. Through the port: the same engine \
            in switchboard-transcoder, requests pipelined with a window. A bidirectional \
            real-time call is 50 frames/s each way; streams per core = frames/s on one core / 100. \
            Then the real-time path (`bench calls`): --calls concurrent calls through workers on \
            loopback, A Opus/SRTP <-> B PCMU/RTP, 50 packets/s each way for --seconds: CPU per call, \
            calls per core, packets delivered, p99 added latency, memory per session.
            """)

    @OptionGroup var options: BenchOptions
    @Option(help: "Frames per run (half each direction).") var frames = 20_000
    @Option(help: "Requests in flight through the port.") var window = 16
    @Option(name: .customLong("calls"), help: "Then the real-time path: this many concurrent bidirectional calls (0: skip; see `bench calls`).")
    var realtimeCalls = 100
    @Option(help: "Seconds of media of the real-time path.") var seconds = 10

    func run() async throws {
        let (opusFrames, pcmuFrames) = try Self.inputs()
        var progress = ProgressBar("bench transcode", total: 2)

        // In-process reference.
        let engine = TranscodingEngine()
        let cpu0 = processCPUTime()
        let t0 = DispatchTime.now().uptimeNanoseconds
        for i in 0..<frames {
            if i % 2 == 0 {
                _ = try engine.transcode(context: 1, from: .opusMono, to: .pcmu, media: opusFrames[(i / 2) % opusFrames.count])
            } else {
                _ = try engine.transcode(context: 2, from: .pcmu, to: .opusMono, media: pcmuFrames[(i / 2) % pcmuFrames.count])
            }
        }
        let inProcessSeconds = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        let inProcessCPU = processCPUTime() - cpu0
        let inProcessRate = Double(frames) / inProcessSeconds
        progress.update(1)

        // Through the worker.
        let port = try await WorkerPort.start(id: "bench.1", options: WorkerPortOptions(executable: options.workerPath),
                                              logger: benchLogger())
        let requests: [[UInt8]] = (0..<(opusFrames.count + pcmuFrames.count)).map { i in
            var payload: [UInt8] = []
            if i % 2 == 0 {
                TranscodeRequest(context: 1, from: .opusMono, to: .pcmu).appendHeader(to: &payload)
                payload += opusFrames[(i / 2) % opusFrames.count]
            } else {
                TranscodeRequest(context: 2, from: .pcmu, to: .opusMono).appendHeader(to: &payload)
                payload += pcmuFrames[(i / 2) % pcmuFrames.count]
            }
            return payload
        }
        let counters = Mutex((sent: 0, received: 0, failed: 0))
        let total = frames
        let p0 = DispatchTime.now().uptimeNanoseconds
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            @Sendable func issue(_ n: Int) {
                port.send(.transcode, requests[n % requests.count]) { result in
                    let (next, finished) = counters.withLock { c -> (Int?, Bool) in
                        c.received += 1
                        if case .failure = result { c.failed += 1 }
                        if c.sent < total { c.sent += 1; return (c.sent - 1, false) }
                        return (nil, c.received == total)
                    }
                    if let next { issue(next) }
                    if finished { done.resume() }
                }
            }
            let first = min(window, total)
            counters.withLock { $0.sent = first }
            for n in 0..<first { issue(n) }
        }
        let portSeconds = Double(DispatchTime.now().uptimeNanoseconds - p0) / 1e9
        let failed = counters.withLock { $0.failed }
        await port.stop(.timeout(.seconds(2)))
        progress.update(2)
        if failed > 0 { throw CLIError("\(failed) transcode requests failed") }
        let portRate = Double(frames) / portSeconds

        let perFrameUS = inProcessCPU / Double(frames) * 1e6
        let figures: [String: Any] = [
            "frames": frames, "window": window,
            "in_process_frames_per_s": inProcessRate.rounded(),
            "in_process_cpu_us_per_frame": (perFrameUS * 10).rounded() / 10,
            "port_frames_per_s": portRate.rounded(),
            "port_vs_in_process": (portRate / inProcessRate * 1000).rounded() / 1000,
            "realtime_calls_per_core_in_process": (inProcessRate / 100).rounded(),
            "realtime_calls_per_worker_through_port": (portRate / 100).rounded(),
            "command": commandLine(), "machine": machineLine(),
        ]
        if options.json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
        } else {
            print("switchboard bench transcode — \(machineLine()); \(frames) frames, Opus->PCMU and PCMU->Opus alternating, window \(window)")
            print(String(format: "in-process codec loop : %8.0f frames/s  (%.1f us CPU per frame)", inProcessRate, perFrameUS))
            print(String(format: "through the port      : %8.0f frames/s  (%.1f%% of in-process)", portRate, portRate / inProcessRate * 100))
            print(String(format: "real-time bidirectional Opus<->PCMU calls per core: %.0f in-process, %.0f per worker through the port",
                         inProcessRate / 100, portRate / 100))
            print("command: \(commandLine())")
        }
        guard realtimeCalls > 0 else { return }
        // The real-time path: N calls through workers on loopback, both directions, 50 packets/s each way.
        if !options.json { print("") }
        let realtime = try CallsBench.parse(["--calls", "\(realtimeCalls)", "--seconds", "\(seconds)", "--worker", options.worker]
                                            + (options.json ? ["--json"] : []))
        try await realtime.run()
    }

    /// One second of a 1 kHz tone as 50 Opus frames and 50 PCMU frames.
    static func inputs() throws -> (opus: [[UInt8]], pcmu: [[UInt8]]) {
        let engine = TranscodingEngine()
        var opus: [[UInt8]] = [], pcmu: [[UInt8]] = []
        for f in 0..<50 {
            let pcm48 = (0..<960).map { i in Int16(8000 * sin(2 * Double.pi * 1000 * Double(f * 960 + i) / 48000)) }
            let pcm8 = (0..<160).map { i in Int16(8000 * sin(2 * Double.pi * 1000 * Double(f * 160 + i) / 8000)) }
            opus.append(try engine.transcode(context: 1, from: .l16Mono48k, to: .opusMono, media: bytes(pcm48)))
            pcmu.append(try engine.transcode(context: 2, from: .l16Mono8k, to: .pcmu, media: bytes(pcm8)))
        }
        return (opus, pcmu)
    }

    static func bytes(_ samples: [Int16]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(samples.count * 2)
        for s in samples { let u = UInt16(bitPattern: s); out.append(UInt8(u & 0xff)); out.append(UInt8(u >> 8)) }
        return out
    }
}

/// CPU seconds (user + system) this process used so far.
func processCPUTime() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

import ArgumentParser
import Foundation
import MediaCodecs
import SwitchboardServer

struct CallsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calls",
        abstract: "The real-time path: N bidirectional Opus/SRTP <-> PCMU/RTP calls through the workers on loopback.",
        discussion: """
            The real-time part of the issue's `bench transcode`, as its own subcommand. An \
            orchestrator in-process (no HTTP: sessions.create/answer directly) with a pool of \
            --workers; per call, peer A offers Opus (opus/48000/2, RTP/SAVP, a=crypto \
            AES_CM_128_HMAC_SHA1_80) with transcode {codecs: [PCMU], profile: RTP/AVP}, peer B \
            answers PCMU over RTP. Both peers send 20 ms frames of a 1 kHz tone (Opus encoded \
            once at 48 kHz mono, complexity 5, signal forced to voice; PCMU by G.711) at 50 \
            packets/s each way for --seconds, from one sender thread (1 ms timing wheel, \
            non-blocking sendto, SRTP protect per packet); one receiver thread (poll) unprotects \
            A's SRTP and counts. All A peers share one UDP socket and all B peers another: the \
            worker's leg port a packet comes from tells the call. Latency: output packet k (from its RTP timestamp: the worker \
            keeps the input's timing) minus the send time of input packet k, per call and \
            direction. Worker CPU: utime+stime of the pool's workers (/proc/PID/stat) over the \
            run; calls per core = calls / (worker CPU seconds per wall second). Memory per \
            session: VmRSS deltas from a baseline taken after one warm-up session per worker \
            (orchestrator: after the sessions are answered, before any \
            bench tables; workers: at the end of the run, codec state allocated) divided by N. \
            --mode relay: both peers PCMU over plain RTP, no transcode asked (the worker relays \
            payloads untouched, no codec state): the plain-call figures.
            """)

    enum Mode: String, ExpressibleByArgument, CaseIterable, Sendable { case relay, transcode }

    @OptionGroup var options: BenchOptions
    @Option(help: "Workers in the pool.") var workers = 2
    @Option(help: "Concurrent bidirectional calls.") var calls = 50
    @Option(help: "Seconds of media.") var seconds = 10
    @Option(help: "Channels in A's Opus rtpmap (2 as RFC 7587 requires; 1 to compare).") var opusChannels = 2
    @Option(help: "transcode: A Opus/SRTP <-> B PCMU/RTP; relay: PCMU/RTP on both legs, no codec work.") var mode: Mode = .transcode

    func run() async throws {
        let (opusFrames, pcmuFrames) = try Self.tone()
        let packets = seconds * 50
        var progress = ProgressBar("bench calls", total: seconds * 10 + 2)
        let orchestrator = try await BenchSupport.orchestrator(workers: workers, workerPath: options.workerPath)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await orchestrator.run() }
            defer { group.cancelAll() }
            let pids = try await BenchSupport.waitForWorkers(orchestrator, count: workers)
            let transcode = mode == .transcode
            let media = try CallsMedia(calls: calls, packets: packets, opusFrames: opusFrames, pcmuFrames: pcmuFrames, transcode: transcode)
            let me = getpid()
            // One session through create/answer/end first, so one-off costs (the first stream's tables on
            // each side, allocator arenas) are not charged to the measured sessions.
            for _ in 0..<workers {
                let warm = try await orchestrator.sessions.create(offer: BenchSupport.sdp(port: 9, opus: false, srtp: false),
                                                                  codecs: nil, profile: nil, labels: [:])
                _ = try await orchestrator.sessions.answer(warm.id, sdp: BenchSupport.sdp(port: 11, opus: false, srtp: false))
                try await orchestrator.sessions.end(warm.id)
            }
            SessionsBench.trimMalloc()
            let orchestratorRSS0 = BenchSupport.rssKB(pid: me), workersRSS0 = BenchSupport.rssKB(pids: pids)
            var ids: [String] = []
            for i in media.calls.indices {
                var rng = SystemRandomNumberGenerator()
                let key = (0..<30).map { _ in UInt8.random(in: 0...255, using: &rng) }
                let offer = transcode ? BenchSupport.sdp(port: Int(media.aPort), opus: true, srtp: true, key: key, opusChannels: opusChannels)
                                      : BenchSupport.sdp(port: Int(media.aPort), opus: false, srtp: false)
                let created = transcode
                    ? try await orchestrator.sessions.create(offer: offer, codecs: ["PCMU"], profile: "RTP/AVP", labels: [:])
                    : try await orchestrator.sessions.create(offer: offer, codecs: nil, profile: nil, labels: [:])
                guard let toB = created.sdp.flatMap(BenchSupport.mediaPort) else { throw CLIError("no port in the offer for B") }
                let answer = BenchSupport.sdp(port: Int(media.bPort), opus: false, srtp: false)
                let answered = try await orchestrator.sessions.answer(created.id, sdp: answer)
                guard let sdpA = answered.sdp, let toA = BenchSupport.mediaPort(sdpA),
                      let workerKey = transcode ? BenchSupport.cryptoKey(sdpA) : [] else {
                    throw CLIError("no port or key in the answer for A: \(answered.sdp ?? "")")
                }
                media.calls[i].toA = toA
                media.calls[i].toB = toB
                media.calls[i].keyA = key
                media.calls[i].keyFromWorker = workerKey
                ids.append(created.id)
            }
            SessionsBench.trimMalloc()
            let orchestratorRSS1 = BenchSupport.rssKB(pid: me)
            progress.update(1)
            media.prepareTables()

            let cpu0 = processCPUTime(), workersCPU0 = BenchSupport.cpuSeconds(pids: pids)
            let t0 = BenchSupport.nowNS()
            async let receiverStats = runThread { media.receive() }
            async let senderStats = runThread { media.send() }
            for step in 0..<(seconds * 10) {
                try await Task.sleep(for: .milliseconds(100))
                progress.update(1 + min(step, seconds * 10 - 1))
            }
            let sender = await senderStats
            try await Task.sleep(for: .milliseconds(300))  // the last packets in flight
            let workersCPU = BenchSupport.cpuSeconds(pids: BenchSupport.workerPIDs(orchestrator, count: workers)) - workersCPU0
            let wall = Double(BenchSupport.nowNS() - t0) / 1e9
            media.stop.store(true, ordering: .relaxed)
            let receiver = await receiverStats
            let processCPU = processCPUTime() - cpu0
            let workersRSS1 = BenchSupport.rssKB(pids: BenchSupport.workerPIDs(orchestrator, count: workers))
            for id in ids { try? await orchestrator.sessions.end(id) }
            progress.update(seconds * 10 + 2)

            let orchestratorCPU = processCPU - sender.cpu - receiver.cpu
            try report(media: media, wall: wall, workersCPU: workersCPU, orchestratorCPU: orchestratorCPU, sender: sender, receiver: receiver,
                       orchestratorKB: Double(orchestratorRSS1 - orchestratorRSS0), workersKB: Double(workersRSS1 - workersRSS0))
        }
    }

    func report(media: CallsMedia, wall: Double, workersCPU: Double, orchestratorCPU: Double, sender: CallsMedia.SenderStats,
                receiver: CallsMedia.ReceiverStats, orchestratorKB: Double, workersKB: Double) throws {
        let ab = media.results(dir: 0), ba = media.results(dir: 1)
        let pAB = Percentiles(ab.latencies), pBA = Percentiles(ba.latencies)
        let n = Double(calls)
        let workerCores = workersCPU / wall
        let callsPerCore = n / workerCores
        let callsPerCoreAll = n / ((workersCPU + orchestratorCPU) / wall)
        let packetsIn = Double(ab.sent + ba.sent)
        let usPerPacket = workersCPU / max(packetsIn, 1) * 1e6
        let perCallUS = workersCPU / wall / n * 1e6   // us of worker CPU per second of call
        func pct(_ r: (sent: Int, delivered: Int, extra: Int, latencies: [Double])) -> Double {
            r.sent == 0 ? 0 : Double(r.delivered) / Double(r.sent) * 100
        }
        let figures: [String: Any] = [
            "calls": calls, "seconds": seconds, "workers": workers, "opus_rtpmap_channels": opusChannels, "mode": mode.rawValue,
            "a_to_b": ["sent": ab.sent, "delivered": ab.delivered, "extra": ab.extra, "delivered_pct": pct(ab),
                       "p50_ms": pAB.median / 1e6, "p99_ms": pAB.p(0.99) / 1e6],
            "b_to_a": ["sent": ba.sent, "delivered": ba.delivered, "extra": ba.extra, "delivered_pct": pct(ba),
                       "p50_ms": pBA.median / 1e6, "p99_ms": pBA.p(0.99) / 1e6],
            "worker_cpu_s": workersCPU, "wall_s": wall, "worker_cores": workerCores,
            "worker_cpu_us_per_call_second": perCallUS.rounded(), "worker_cpu_us_per_packet": (usPerPacket * 10).rounded() / 10,
            "calls_per_core": callsPerCore.rounded(), "calls_per_core_with_orchestrator": callsPerCoreAll.rounded(),
            "orchestrator_cpu_s": orchestratorCPU,
            "orchestrator_kb_per_session": orchestratorKB / n, "workers_kb_per_session": workersKB / n,
            "sender_cpu_s": sender.cpu, "sender_send_failures": sender.sendFailures, "sender_max_late_ms": sender.maxLateMS,
            "receiver_cpu_s": receiver.cpu, "receiver_srtp_failures": receiver.srtpFailures,
            "command": commandLine(), "machine": machineLine(),
        ]
        if options.json {
            print(String(decoding: try JSONSerialization.data(withJSONObject: figures, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
            return
        }
        let transcode = mode == .transcode
        print("switchboard bench calls — \(machineLine()); \(calls) calls x \(seconds) s, \(workers) workers; mode \(mode.rawValue); "
              + (transcode ? "A: Opus (rtpmap opus/48000/\(opusChannels)) over SRTP <-> B: PCMU over RTP"
                           : "A: PCMU over RTP <-> B: PCMU over RTP (relayed)") + ", 50 packets/s each way")
        print(renderTable(["DIRECTION", "SENT", "DELIVERED", "EXTRA", "LATENCY p50 / p99"], [
            [transcode ? "A->B Opus/SRTP -> PCMU" : "A->B PCMU -> PCMU", "\(ab.sent)", String(format: "%d (%.2f%%)", ab.delivered, pct(ab)), "\(ab.extra)",
             String(format: "%.2f / %.2f ms", pAB.median / 1e6, pAB.p(0.99) / 1e6)],
            [transcode ? "B->A PCMU -> Opus/SRTP" : "B->A PCMU -> PCMU", "\(ba.sent)", String(format: "%d (%.2f%%)", ba.delivered, pct(ba)), "\(ba.extra)",
             String(format: "%.2f / %.2f ms", pBA.median / 1e6, pBA.p(0.99) / 1e6)],
        ]))
        print(String(format: "worker CPU      : %.2f s over %.2f s wall = %.3f cores; %.0f us per call-second (%.1f%% of a core per call); %.1f us per packet",
                     workersCPU, wall, workerCores, perCallUS, perCallUS / 1e4, usPerPacket))
        print(String(format: "calls per core  : %.0f on the workers' CPU (target >= 150 with 100%% delivery; rtpengine ~75); %.0f counting the orchestrator's CPU too",
                     callsPerCore, callsPerCoreAll))
        print(String(format: "orchestrator CPU: %.3f s (%.1f us per call-second: stats events, timers)", orchestratorCPU, orchestratorCPU / wall / n * 1e6))
        print(String(format: "memory/session  : orchestrator %.1f KB + workers %.1f KB = %.1f KB (target <= 16 KB; rtpengine 58 KB plain, 212 KB transcoded)",
                     orchestratorKB / n, workersKB / n, (orchestratorKB + workersKB) / n))
        print(String(format: "bench peers     : sender %.3f s CPU (%.1f%% of a core, %d send failures, wheel late by up to %.2f ms); receiver %.3f s CPU (%d SRTP failures)",
                     sender.cpu, sender.cpu / wall * 100, sender.sendFailures, sender.maxLateMS, receiver.cpu, receiver.srtpFailures))
        print("command: \(commandLine())")
    }

    /// One second of a 1 kHz tone: 50 Opus frames (48 kHz mono, complexity 5, voice) and 50 PCMU frames.
    static func tone() throws -> (opus: [[UInt8]], pcmu: [[UInt8]]) {
        let encoder = try OpusEncoder(sampleRate: 48000, channels: 1, complexity: 5)
        var opus: [[UInt8]] = [], pcmu: [[UInt8]] = []
        for f in 0..<50 {
            let pcm48 = (0..<960).map { i in Int16(8000 * sin(2 * Double.pi * 1000 * Double(f * 960 + i) / 48000)) }
            let pcm8 = (0..<160).map { i in Int16(8000 * sin(2 * Double.pi * 1000 * Double(f * 160 + i) / 8000)) }
            opus.append(try encoder.encode(pcm48))
            pcmu.append(G711.ulawEncode(pcm8))
        }
        return (opus, pcmu)
    }
}

/// Runs `body` on a new thread and returns its result.
func runThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

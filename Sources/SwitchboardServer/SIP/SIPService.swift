import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// One datagram as the SIP mailbox holds it.
struct SIPDatagram: Sendable {
    var bytes: [UInt8]
    var from: SocketAddress
}

/// The SIP front-end as a Service: binds `sip.listen` (UDP), feeds every
/// datagram through a bounded mailbox to the ``B2BUA`` actor, runs its
/// timers, and hangs up calls whose sessions end elsewhere (no media, max
/// duration, `DELETE`). Stops on graceful shutdown, before the orchestrator.
public final class SIPService: Service, Sendable {
    let settings: SIPSettings
    let sessions: SessionDirectory
    let metrics: SwitchboardMetrics
    let logger: Logger
    /// Datagrams waiting for the B2BUA; when full, new ones are dropped (UDP
    /// semantics: the peer retransmits) and counted.
    let mailboxLimit: Int
    private let bound = Mutex<(port: Int?, waiters: [CheckedContinuation<Int?, Never>])>((nil, []))
    private let running = Mutex<B2BUA?>(nil)
    private let current: Mutex<SIPSettings>

    /// A reload (SIGHUP): new routes and timers for calls from now on (the listen address needs a restart).
    public func update(_ settings: SIPSettings) async {
        current.withLock { $0 = settings }
        if let b2bua = running.withLock({ $0 }) { await b2bua.update(settings) }
    }

    init(settings: SIPSettings, sessions: SessionDirectory, metrics: SwitchboardMetrics, logger: Logger, mailboxLimit: Int = 8192) {
        self.settings = settings
        self.sessions = sessions
        self.metrics = metrics
        self.logger = logger
        self.mailboxLimit = mailboxLimit
        self.current = Mutex(settings)
    }

    /// The UDP port bound (useful with `sip.listen` port 0); waits until bound, nil if binding failed.
    public func boundPort() async -> Int? {
        await withCheckedContinuation { continuation in
            let ready = bound.withLock { state -> Int?? in
                if let port = state.port { return .some(port) }
                state.waiters.append(continuation)
                return .none
            }
            if case let .some(port) = ready { continuation.resume(returning: port) }
        }
    }

    private func publishBound(_ port: Int?) {
        let waiters = bound.withLock { state in
            state.port = port ?? -1
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    public func run() async throws {
        let (inbound, sink) = AsyncStream<SIPDatagram>.makeStream(bufferingPolicy: .bufferingOldest(mailboxLimit))
        let handler = SIPDatagramHandler(sink: sink, metrics: metrics)
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
                }
                .bind(host: settings.listen.host, port: settings.listen.port).get()
        } catch {
            publishBound(nil)
            logger.error("cannot bind sip.listen", metadata: ["address": "\(settings.listen)", "error": "\(error)"])
            throw error
        }
        let port = channel.localAddress?.port ?? settings.listen.port
        publishBound(port)
        logger.notice("SIP listening", metadata: ["address": "\(settings.listen.host):\(port)", "routes": "\(settings.routes.count)"])
        let b2bua = B2BUA(settings: current.withLock { $0 }, localPort: port, sessions: sessions, metrics: metrics, logger: logger) { bytes, to in
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: to, data: buffer), promise: nil)
        }
        running.withLock { $0 = b2bua }
        defer { running.withLock { $0 = nil } }
        let (notices, endSink) = AsyncStream<SessionNotice>.makeStream()
        await sessions.observe { notice in endSink.yield(notice) }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await datagram in inbound { await b2bua.receive(datagram.bytes, from: datagram.from) }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown {
                    for await notice in notices {
                        switch notice {
                        case let .ended(session, reason): await b2bua.sessionEnded(session, reason: reason)
                        case let .moved(session, sdpForA, sdpForB): await b2bua.sessionMoved(session, sdpForA: sdpForA, sdpForB: sdpForB)
                        }
                    }
                }
            }
            group.addTask {
                await cancelWhenGracefulShutdown { await b2bua.runTimers() }
            }
            await group.next()
            group.cancelAll()
        }
        await sessions.observe(nil)
        sink.finish()
        endSink.finish()
        await b2bua.shutdown()
        try? await channel.close()
        logger.notice("SIP stopped")
    }
}

/// Reads datagrams off the socket into the mailbox (on the event loop).
final class SIPDatagramHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let sink: AsyncStream<SIPDatagram>.Continuation
    let metrics: SwitchboardMetrics

    init(sink: AsyncStream<SIPDatagram>.Continuation, metrics: SwitchboardMetrics) {
        self.sink = sink
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        if case .dropped = sink.yield(SIPDatagram(bytes: bytes, from: envelope.remoteAddress)) {
            metrics.sipDropped()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP port unreachable and the like: UDP carries on.
    }
}

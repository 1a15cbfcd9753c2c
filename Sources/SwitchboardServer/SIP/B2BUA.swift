import HeapModule
import Logging
import NIOCore
import SIP

/// The SIP back-to-back user agent over the session core (SPEC §7).
///
/// A's INVITE (with an SDP offer) becomes a session; B is called at the
/// route config gives for the request-URI, with the session's offer for B;
/// B's answer goes through the session and the answer for A comes back.
/// Every transaction is one of the pure machines of the `SIP` module; this
/// actor owns the messages, the sockets' send function and the timers, and
/// performs the machines' actions. Datagrams are handled one at a time, in
/// arrival order (the mailbox in ``SIPService`` is bounded).
actor B2BUA {
    var settings: SIPSettings
    let sessions: SessionDirectory
    let metrics: SwitchboardMetrics
    let logger: Logger
    let send: @Sendable ([UInt8], SocketAddress) -> Void
    /// Our address in Via and Contact.
    let host: String
    let port: Int
    let contact: NameAddress
    var routes: [(regex: Regex<AnyRegexOutput>, route: SIPSettings.Route)]

    var servers: [ServerKey: ServerTransaction] = [:]
    var clients: [ClientKey: ClientTransaction] = [:]
    /// Calls by A's Call-ID; B's Call-ID and session ids lead to them.
    var calls: [String: SIPCall] = [:]
    var callByB: [String: String] = [:]
    var callBySession: [String: String] = [:]

    // Timers: a heap of deadlines; a cancelled timer is dropped when it comes up.
    var timers = Heap<TimerEntry>()
    var armed: [TimerRef: UInt64] = [:]
    var timerSerial: UInt64 = 0
    let wakeup = Wakeup()
    var plannedWake: ContinuousClock.Instant = .now

    init(settings: SIPSettings, localPort: Int, sessions: SessionDirectory, metrics: SwitchboardMetrics, logger: Logger,
         send: @escaping @Sendable ([UInt8], SocketAddress) -> Void) {
        self.settings = settings
        self.sessions = sessions
        self.metrics = metrics
        self.logger = logger
        self.send = send
        host = settings.listen.host == "0.0.0.0" ? "127.0.0.1" : settings.listen.host
        port = localPort
        let uriHost = host.contains(":") ? "[\(host)]" : host
        contact = (try? NameAddress(parsing: "<sip:switchboard@\(uriHost):\(localPort)>"))
            ?? NameAddress(displayName: nil, uri: SIPURI(scheme: "sip", user: "switchboard", host: uriHost, port: localPort), parameters: [])
        routes = settings.compiledRoutes()
    }

    // MARK: datagrams in

    func receive(_ bytes: [UInt8], from source: SocketAddress) async {
        // Keep-alives (RFC 5626 CRLF pings) and stray bytes of whitespace.
        if bytes.allSatisfy({ $0 == 0x0D || $0 == 0x0A || $0 == 0x20 }) { return }
        let message: SIPMessage
        do {
            message = try SIPMessage(parsing: bytes)
        } catch {
            if let response = SIPMessage.badRequestResponse(for: bytes, error: error) {
                transmit(response.serialized(), to: source, kind: "400")
                metrics.sipMalformed(answered: true)
            } else {
                metrics.sipMalformed(answered: false)
            }
            logger.debug("malformed SIP dropped or refused", metadata: ["from": "\(source)", "error": "\(error)"])
            return
        }
        switch message {
        case let .request(request):
            metrics.sipMessage(direction: "in", kind: request.method.description)
            await received(request, from: source)
        case let .response(response):
            metrics.sipMessage(direction: "in", kind: "\(response.status / 100)xx")
            await received(response, from: source)
        }
    }

    func received(_ request: SIPRequest, from source: SocketAddress) async {
        if request.method == .ack {
            await receivedACK(request, from: source)
            return
        }
        guard let key = ServerKey(request) else { return }
        if servers[key] != nil {
            // A retransmission: the transaction answers it (or absorbs it).
            perform(server: key) { $0.receiveRetransmission() }
            return
        }
        if request.method == .cancel {
            await receivedCANCEL(request, key: key, from: source)
            return
        }
        startServer(key, request: request, from: source)
        switch request.method {
        case .invite where request.to?.tag == nil:
            await receivedInvite(request, key: key, from: source)
        case .invite:
            await receivedReInvite(request, key: key)
        case .bye:
            await receivedBYE(request, key: key)
        case .options:
            var response = request.makeResponse(status: 200)
            response.headers.add("Allow", Self.allow)
            response.headers.add("Accept", "application/sdp")
            respond(key, response)
        case .register, .subscribe, .message, .refer, .notify, .other("PUBLISH"):
            var response = request.makeResponse(status: 405)
            response.headers.add("Allow", Self.allow)
            respond(key, response)
        default:
            var response = request.makeResponse(status: 501)
            response.headers.add("Allow", Self.allow)
            respond(key, response)
        }
    }

    static let allow = "INVITE, ACK, CANCEL, BYE, OPTIONS"

    func received(_ response: SIPResponse, from source: SocketAddress) async {
        guard let branch = response.topVia?.branch, let method = response.cseq?.method else { return }
        let key = ClientKey(branch: branch, method: method.description)
        if clients[key] != nil {
            await perform(client: key, response: response) { $0.receive(response: response.status) }
            return
        }
        // A 2xx to our INVITE after its transaction ended: ACK it again (RFC 3261 13.2.2.4).
        if method == .invite, (200..<300).contains(response.status), let callID = response.callID,
           let id = callByB[callID], let call = calls[id], let ack = call.ackToB {
            transmit(ack, to: call.b.destination, kind: "ACK")
        }
    }

    // MARK: sending

    func transmit(_ bytes: [UInt8], to address: SocketAddress, kind: String) {
        metrics.sipMessage(direction: "out", kind: kind)
        send(bytes, address)
    }

    /// A new Via of ours with a fresh branch, on top of `request`.
    func stamp(_ request: inout SIPRequest, branch: String = SIP.newBranch()) {
        let uriHost = host.contains(":") ? "[\(host)]" : host
        request.headers.insert("Via", "SIP/2.0/UDP \(uriHost):\(port);branch=\(branch);rport", at: 0)
    }

    func shutdown() {
        for (id, call) in calls where call.phase == .confirmed {
            sendBYE(id, toA: true)
            sendBYE(id, toA: false)
            calls[id]?.phase = .ending
        }
        timers = Heap()
        armed = [:]
    }

    // MARK: routing

    /// A reload (SIGHUP): routes, the default route, media and timers apply to calls placed from now on.
    func update(_ new: SIPSettings) {
        settings = new
        routes = new.compiledRoutes()
    }

    /// The route for A's request-URI (``SIPSettings/route(user:host:)``, over the compiled routes).
    func route(for uri: SIPURI) -> SIPSettings.Route? {
        settings.route(user: uri.user, host: uri.host, in: routes)
    }
}

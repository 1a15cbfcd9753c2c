import NIOCore
import SIP

/// A server transaction: the machine, the request, and the last response.
struct ServerTransaction: Sendable {
    enum Machine: Sendable {
        case invite(InviteServerTransaction)
        case nonInvite(NonInviteServerTransaction)
    }
    var machine: Machine
    let request: SIPRequest
    let source: SocketAddress
    var lastResponse: SIPResponse?
    var lastBytes: [UInt8]?
}

extension ServerTransaction.Machine {
    mutating func start() -> [TransactionAction] {
        switch self {
        case var .invite(m): defer { self = .invite(m) }; return m.start()
        case var .nonInvite(m): defer { self = .nonInvite(m) }; return m.start()
        }
    }
    mutating func receiveRetransmission() -> [TransactionAction] {
        switch self {
        case var .invite(m): defer { self = .invite(m) }; return m.receiveRetransmission()
        case var .nonInvite(m): defer { self = .nonInvite(m) }; return m.receiveRetransmission()
        }
    }
    mutating func send(response status: Int) -> [TransactionAction] {
        switch self {
        case var .invite(m): defer { self = .invite(m) }; return m.send(response: status)
        case var .nonInvite(m): defer { self = .nonInvite(m) }; return m.send(response: status)
        }
    }
    mutating func receiveACK() -> [TransactionAction] {
        guard case var .invite(m) = self else { return [] }
        defer { self = .invite(m) }
        return m.receiveACK()
    }
    mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        switch self {
        case var .invite(m): defer { self = .invite(m) }; return m.timerFired(timer)
        case var .nonInvite(m): defer { self = .nonInvite(m) }; return m.timerFired(timer)
        }
    }
}

extension ClientTransaction.Machine {
    mutating func start() -> [TransactionAction] {
        switch self {
        case var .invite(m): defer { self = .invite(m) }; return m.start()
        case var .nonInvite(m): defer { self = .nonInvite(m) }; return m.start()
        }
    }
    mutating func receive(response status: Int) -> [TransactionAction] {
        switch self {
        case var .invite(m): defer { self = .invite(m) }; return m.receive(response: status)
        case var .nonInvite(m): defer { self = .nonInvite(m) }; return m.receive(response: status)
        }
    }
    mutating func timerFired(_ timer: TransactionTimer) -> [TransactionAction] {
        switch self {
        case var .invite(m): defer { self = .invite(m) }; return m.timerFired(timer)
        case var .nonInvite(m): defer { self = .nonInvite(m) }; return m.timerFired(timer)
        }
    }
}

/// A client transaction's key: our branch and the CSeq method.
struct ClientKey: Hashable, Sendable {
    var branch: String
    var method: String
}

/// A client transaction: the machine, the request sent, where, and why.
struct ClientTransaction: Sendable {
    enum Machine: Sendable {
        case invite(InviteClientTransaction)
        case nonInvite(NonInviteClientTransaction)
    }
    /// What the TU does with the responses.
    enum Purpose: Sendable {
        case inviteB(call: String)
        case reinvite(call: String, toA: Bool)
        /// Our own re-INVITE of one leg after the session moved to another edge.
        case move(call: String, toA: Bool)
        case bye(call: String)
        case cancel(call: String)
    }
    var machine: Machine
    let request: SIPRequest
    let bytes: [UInt8]
    let destination: SocketAddress
    let purpose: Purpose
    /// The final response, for the ACK of a non-2xx.
    var final: SIPResponse?
}

/// What a timer belongs to.
enum TimerRef: Hashable, Sendable {
    case server(ServerKey, TransactionTimer)
    case client(ClientKey, TransactionTimer)
    /// `sip.invite_timeout` of a call (by A's Call-ID).
    case invite(String)
}

struct TimerEntry: Comparable, Sendable {
    var deadline: ContinuousClock.Instant
    var serial: UInt64
    var ref: TimerRef
    static func < (l: Self, r: Self) -> Bool { (l.deadline, l.serial) < (r.deadline, r.serial) }
    static func == (l: Self, r: Self) -> Bool { l.serial == r.serial }
}

extension B2BUA {
    // MARK: server transactions

    func startServer(_ key: ServerKey, request: SIPRequest, from source: SocketAddress) {
        let machine: ServerTransaction.Machine = request.method == .invite
            ? .invite(InviteServerTransaction(timers: settings.timers)) : .nonInvite(NonInviteServerTransaction(timers: settings.timers))
        servers[key] = ServerTransaction(machine: machine, request: request, source: source)
        perform(server: key) { $0.start() }
    }

    /// Sends `response` through the server transaction `key` (which retransmits it as its machine says).
    func respond(_ key: ServerKey, _ response: SIPResponse) {
        guard servers[key] != nil else { return }
        servers[key]?.lastResponse = response
        servers[key]?.lastBytes = response.serialized()
        perform(server: key) { $0.send(response: response.status) }
    }

    /// Runs an event through the server machine `key` and performs its
    /// actions. Returns the call whose 2xx was never ACKed (Timer L), if that happened.
    @discardableResult
    func perform(server key: ServerKey, _ event: (inout ServerTransaction.Machine) -> [TransactionAction]) -> String? {
        guard var transaction = servers[key] else { return nil }
        var noACK: String?
        let actions = event(&transaction.machine)
        servers[key] = transaction
        for action in actions {
            switch action {
            case .sendTrying:
                transmit(transaction.request.makeResponse(status: 100).serialized(), to: transaction.source, kind: "1xx")
            case .sendResponse:
                if let bytes = servers[key]?.lastBytes, let status = servers[key]?.lastResponse?.status {
                    transmit(bytes, to: transaction.source, kind: "\(status / 100)xx")
                }
            case let .startTimer(timer, after):
                arm(.server(key, timer), after: after)
            case let .cancelTimer(timer):
                armed[.server(key, timer)] = nil
            case .terminated:
                servers[key] = nil
            case .noACK:
                if let id = transaction.request.callID, calls[id] != nil, let status = transaction.lastResponse?.status, status < 300 {
                    noACK = id
                }
            case .deliverRequest, .deliverACK, .sendRequest, .sendACK, .deliverResponse, .timedOut, .transportError:
                break  // the TU handles the request right after start(); ACKs in receivedACK
            }
        }
        return noACK
    }

    // MARK: client transactions

    /// Stamps `request` with our Via and sends it through a new client transaction.
    @discardableResult
    func startClient(_ request: SIPRequest, to destination: SocketAddress, purpose: ClientTransaction.Purpose,
                     branch: String = SIP.newBranch()) -> ClientKey {
        var request = request
        stamp(&request, branch: branch)
        let key = ClientKey(branch: branch, method: request.method.description)
        let machine: ClientTransaction.Machine = request.method == .invite
            ? .invite(InviteClientTransaction(timers: settings.timers)) : .nonInvite(NonInviteClientTransaction(timers: settings.timers))
        clients[key] = ClientTransaction(machine: machine, request: request, bytes: request.serialized(),
                                         destination: destination, purpose: purpose)
        var started = machine
        let actions = started.start()
        clients[key]?.machine = started
        performClientActions(key, actions, response: nil)
        return key
    }

    func perform(client key: ClientKey, response: SIPResponse?,
                 _ event: (inout ClientTransaction.Machine) -> [TransactionAction]) async {
        guard var transaction = clients[key] else { return }
        let actions = event(&transaction.machine)
        if let response, response.status >= 300 { transaction.final = response }
        clients[key] = transaction
        let upcalls = performClientActions(key, actions, response: response)
        for upcall in upcalls { await deliver(upcall, transaction: transaction) }
    }

    enum Upcall: Sendable {
        case response(SIPResponse)
        case timedOut
    }

    /// Performs the wire and timer actions; returns what goes up to the TU.
    @discardableResult
    func performClientActions(_ key: ClientKey, _ actions: [TransactionAction], response: SIPResponse?) -> [Upcall] {
        guard let transaction = clients[key] else { return [] }
        var upcalls: [Upcall] = []
        for action in actions {
            switch action {
            case .sendRequest:
                transmit(transaction.bytes, to: transaction.destination, kind: transaction.request.method.description)
            case .sendACK:
                if let final = response ?? transaction.final {
                    transmit(Self.ack(for: transaction.request, response: final).serialized(), to: transaction.destination, kind: "ACK")
                }
            case let .startTimer(timer, after):
                arm(.client(key, timer), after: after)
            case let .cancelTimer(timer):
                armed[.client(key, timer)] = nil
            case .deliverResponse:
                if let response { upcalls.append(.response(response)) }
            case .timedOut, .transportError:
                upcalls.append(.timedOut)
            case .terminated:
                clients[key] = nil
            case .sendTrying, .sendResponse, .deliverRequest, .deliverACK, .noACK:
                break
            }
        }
        return upcalls
    }

    /// The ACK for a non-2xx final response (RFC 3261 17.1.1.3).
    static func ack(for invite: SIPRequest, response: SIPResponse) -> SIPRequest {
        var headers = SIPHeaders()
        if let via = invite.headers.values("Via").first { headers.add("Via", via) }
        for route in invite.headers.values("Route") { headers.add("Route", route) }
        if let from = invite.headers["From"] { headers.add("From", from) }
        if let to = response.headers["To"] { headers.add("To", to) }
        if let callID = invite.callID { headers.add("Call-ID", callID) }
        headers.add("CSeq", "\(invite.cseq?.number ?? 1) ACK")
        headers.add("Max-Forwards", "70")
        return SIPRequest(method: .ack, uri: invite.uri, headers: headers, body: [])
    }

    // MARK: timers

    func arm(_ ref: TimerRef, after: Duration) {
        timerSerial &+= 1
        let deadline = ContinuousClock.now + after
        armed[ref] = timerSerial
        timers.insert(TimerEntry(deadline: deadline, serial: timerSerial, ref: ref))
        if deadline < plannedWake { wakeup.signal() }
    }

    /// Fires the timers that are due; runs until cancelled.
    func runTimers() async {
        while !Task.isCancelled {
            let now = ContinuousClock.now
            while let first = timers.min, first.deadline <= now {
                _ = timers.removeMin()
                guard armed[first.ref] == first.serial else { continue }
                armed[first.ref] = nil
                await fire(first.ref)
            }
            let next = timers.min?.deadline ?? now + .seconds(1)
            plannedWake = min(next, now + .seconds(1))
            await wakeup.wait(timeout: plannedWake - ContinuousClock.now)
        }
    }

    func fire(_ ref: TimerRef) async {
        switch ref {
        case let .server(key, timer):
            let unacknowledged = perform(server: key) { $0.timerFired(timer) }
            if let id = unacknowledged {
                logger.warning("no ACK for our 2xx: hanging up", metadata: ["call": "\(id)"])
                await hangUp(id, reason: .byeFromA)
            }
        case let .client(key, timer):
            await perform(client: key, response: nil) { $0.timerFired(timer) }
        case let .invite(id):
            await inviteTimedOut(id)
        }
    }
}

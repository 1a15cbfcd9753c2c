import Sessions
import Testing

@Suite("Session state machine")
struct SessionMachineTests {
    let timeouts = SessionTimeouts(answer: .seconds(10), noMedia: .seconds(20), maxDuration: .seconds(3600))

    @Test("an offer starts the answer and max-duration timers")
    func offered() {
        let (machine, actions) = SessionMachine.offered(timeouts: timeouts)
        #expect(machine.state == .offered)
        #expect(actions == [.startTimer(.answer, .seconds(10)), .startTimer(.maxDuration, .seconds(3600))])
    }

    @Test("the happy path: offered -> answered -> active -> ended")
    func happyPath() {
        var (m, _) = SessionMachine.offered(timeouts: timeouts)
        let answered = m.handle(.answerReceived)
        #expect(answered == [.transitioned(from: .offered, to: .answered), .cancelTimer(.answer), .startTimer(.noMedia, .seconds(20))])
        let active = m.handle(.mediaSeen)
        #expect(active == [.transitioned(from: .answered, to: .active), .startTimer(.noMedia, .seconds(20))])
        let again = m.handle(.mediaSeen)
        #expect(again == [.startTimer(.noMedia, .seconds(20))])
        let end = m.handle(.endRequested(.deleted))
        #expect(end.first == .transitioned(from: .active, to: .ended))
        #expect(end.contains(.releaseMedia))
        #expect(Set(SessionTimer.allCases).allSatisfy { end.contains(.cancelTimer($0)) })
        #expect(m.state == .ended && m.endReason == .deleted)
    }

    struct Row: Sendable, CustomTestStringConvertible {
        var from: SessionState
        var event: SessionMachine.Event
        var to: SessionState
        var reason: EndReason?
        var testDescription: String { "\(from) + \(event) -> \(to)" }
    }

    /// Every state x event, written out: what happens.
    static let table: [Row] = [
        Row(from: .offered, event: .answerReceived, to: .answered),
        Row(from: .offered, event: .mediaSeen, to: .offered),
        Row(from: .offered, event: .timerFired(.answer), to: .ended, reason: .answerTimeout),
        Row(from: .offered, event: .timerFired(.noMedia), to: .offered),
        Row(from: .offered, event: .timerFired(.maxDuration), to: .ended, reason: .maxDuration),
        Row(from: .offered, event: .endRequested(.deleted), to: .ended, reason: .deleted),
        Row(from: .offered, event: .placementFailed("no worker"), to: .failed, reason: .placementFailed),
        Row(from: .answered, event: .answerReceived, to: .answered),
        Row(from: .answered, event: .mediaSeen, to: .active),
        Row(from: .answered, event: .timerFired(.answer), to: .answered),
        Row(from: .answered, event: .timerFired(.noMedia), to: .ended, reason: .noMedia),
        Row(from: .answered, event: .timerFired(.maxDuration), to: .ended, reason: .maxDuration),
        Row(from: .answered, event: .endRequested(.byeFromB), to: .ended, reason: .byeFromB),
        Row(from: .active, event: .answerReceived, to: .active),
        Row(from: .active, event: .mediaSeen, to: .active),
        Row(from: .active, event: .timerFired(.noMedia), to: .ended, reason: .noMedia),
        Row(from: .active, event: .timerFired(.maxDuration), to: .ended, reason: .maxDuration),
        Row(from: .active, event: .endRequested(.shutdown), to: .ended, reason: .shutdown),
        Row(from: .active, event: .placementFailed("edge lost"), to: .failed, reason: .placementFailed),
        Row(from: .ended, event: .mediaSeen, to: .ended, reason: .deleted),
        Row(from: .ended, event: .timerFired(.noMedia), to: .ended, reason: .deleted),
        Row(from: .ended, event: .endRequested(.shutdown), to: .ended, reason: .deleted),
        Row(from: .failed, event: .answerReceived, to: .failed, reason: .placementFailed),
    ]

    func machine(in state: SessionState) -> SessionMachine {
        var (m, _) = SessionMachine.offered(timeouts: timeouts)
        switch state {
        case .offered: break
        case .answered: _ = m.handle(.answerReceived)
        case .active: _ = m.handle(.answerReceived); _ = m.handle(.mediaSeen)
        case .ended: _ = m.handle(.endRequested(.deleted))
        case .failed: _ = m.handle(.placementFailed("test"))
        }
        return m
    }

    @Test("state x event table", arguments: table)
    func transitions(_ row: Row) {
        var m = machine(in: row.from)
        #expect(m.state == row.from)
        let actions = m.handle(row.event)
        #expect(m.state == row.to)
        #expect(m.endReason == row.reason)
        if row.from != row.to {
            #expect(actions.first == .transitioned(from: row.from, to: row.to))
        }
        if row.from.isTerminal { #expect(actions.isEmpty, "a terminal state ignores everything") }
        if row.to.isTerminal && !row.from.isTerminal { #expect(actions.last == .releaseMedia) }
    }
}

@Suite("Media port allocator")
struct MediaPortAllocatorTests {
    @Test("even RTP ports, RTCP above each, until exhausted")
    func evenPorts() {
        var a = MediaPortAllocator(range: 40001...40010)
        var got: [Int] = []
        while let p = a.allocate() { got.append(p) }
        #expect(got == [40002, 40004, 40006, 40008])
        #expect(a.available == 0 && a.used == 4)
    }

    @Test("released ports go to the back of the queue")
    func noImmediateReuse() {
        var a = MediaPortAllocator(range: 40000...40007)
        let first = a.allocate()
        #expect(first == 40000)
        a.release(40000)
        do { let p = a.allocate(); #expect(p == 40002) }
        do { let p = a.allocate(); #expect(p == 40004) }
        do { let p = a.allocate(); #expect(p == 40006) }
        do { let p = a.allocate(); #expect(p == 40000) }
        do { let p = a.allocate(); #expect(p == nil) }
    }

    @Test("claiming a port when restoring a session; double release is harmless")
    func claim() {
        var a = MediaPortAllocator(range: 40000...40009)
        let claimed = a.claim(40004), again = a.claim(40004), outside = a.claim(50000)
        #expect(claimed && !again && !outside)
        do { let p = a.allocate(); #expect(p == 40000) }
        do { let p = a.allocate(); #expect(p == 40002) }
        do { let p = a.allocate(); #expect(p == 40006) }
        a.release(40004)
        a.release(40004)
        #expect(a.used == 3)
    }

    @Test("a large range stays fast and consistent over many cycles")
    func churn() {
        var a = MediaPortAllocator(range: 40000...44999)
        var held: [Int] = []
        for i in 0..<20_000 {
            if let p = a.allocate() { held.append(p) }
            if i % 3 == 0, !held.isEmpty { a.release(held.removeFirst()) }
        }
        #expect(Set(held).count == held.count)
        #expect(a.used == held.count)
        #expect(a.used + a.available == 2500)
    }
}

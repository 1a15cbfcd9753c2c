import Testing
@testable import Sessions

@Suite("Session machine: hold")
struct SessionMachineHoldTests {
    static let timeouts = SessionTimeouts(answer: .seconds(60), noMedia: .seconds(30), maxDuration: .seconds(3600))

    @Test("held (inactive) stops the no-media timer; media while held does not re-arm it; resuming re-arms it")
    func hold() {
        var (machine, _) = SessionMachine.offered(timeouts: Self.timeouts)
        _ = machine.handle(.answerReceived)
        #expect(machine.handle(.held(true)) == [.cancelTimer(.noMedia)])
        #expect(machine.isHeld)
        #expect(machine.handle(.held(true)) == [], "holding twice changes nothing")
        #expect(machine.handle(.mediaSeen) == [.transitioned(from: .answered, to: .active)])
        #expect(machine.handle(.held(false)) == [.startTimer(.noMedia, .seconds(30))])
        #expect(machine.handle(.mediaSeen) == [.startTimer(.noMedia, .seconds(30))])
    }

    @Test("hold does not apply before the answer or after the end")
    func holdOutOfState() {
        var (machine, _) = SessionMachine.offered(timeouts: Self.timeouts)
        #expect(machine.handle(.held(true)) == [])
        _ = machine.handle(.endRequested(.deleted))
        #expect(machine.handle(.held(true)) == [])
    }
}

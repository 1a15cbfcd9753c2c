import PortProtocol
import Testing
@testable import SwitchboardServer

@Suite("Re-opening a stream: sequence, timestamp and SRTP index advanced")
struct AdvanceTests {
    func leg(codec: String, seq: UInt16, ts: UInt32, roc: UInt32 = 0) -> StreamLeg {
        StreamLeg(localPort: 40000, codec: codec, payloadType: 0, ssrcOut: 1, seqOut: seq, timestampOut: ts, rocOut: roc)
    }

    @Test("one second later: +50 packets (+3 margin) at 20 ms, timestamp by the clock; a wrap carries into the ROC")
    func advance() {
        let plan = OpenStream(stream: 1, a: leg(codec: "opus/48000/2", seq: 65530, ts: 1000, roc: 7), b: leg(codec: "PCMU", seq: 100, ts: 0))
        let t0 = ContinuousClock.now
        let next = SessionManager.advance(plan, stats: nil, at: t0, now: t0 + .seconds(1))
        #expect(next.a.seqOut == UInt16((65530 + 53) % 65536))
        #expect(next.a.rocOut == 8, "the sequence wrapped: the rollover counter follows")
        #expect(next.a.timestampOut == 1000 + 48000 + 3 * 960)
        #expect(next.b.seqOut == 153)
        #expect(next.b.rocOut == 0)
        #expect(next.b.timestampOut == 8000 + 3 * 160)
    }

    @Test("reported stats win over the plan, and the peer's SRTP state is passed back")
    func fromStats() {
        let plan = OpenStream(stream: 1, a: leg(codec: "PCMU", seq: 1, ts: 1), b: leg(codec: "PCMU", seq: 1, ts: 1))
        var a = LegStats()
        a.nextSeqOut = 65535
        a.rocOut = 2
        a.nextTimestampOut = 500
        a.remoteSSRC = 0xABC
        a.rocIn = 5
        a.remoteSeq = 9
        let stats = StreamStats(stream: 1, a: a, b: LegStats())
        let t0 = ContinuousClock.now
        let next = SessionManager.advance(plan, stats: stats, at: t0, now: t0)
        #expect(next.a.seqOut == 2 && next.a.rocOut == 3)  // 65535 + 3 wraps
        #expect(next.a.timestampOut == 500 + 3 * 160)
        #expect(next.a.remoteSSRC == 0xABC && next.a.rocIn == 5 && next.a.remoteSeq == 9)
        #expect(next.b.remoteSSRC == nil)
    }
}

import Foundation
import PortProtocol
import WorkerPorts

/// The reference: a blocking thread on the same kind of pipes, writing a
/// frame and reading its reply with nothing in between (no reader thread,
/// no correlation table, no continuations).
final class RawPipe {
    let process: WorkerProcess
    private var inbox = [UInt8](repeating: 0, count: 1 << 20)

    init(executable: String, expectsHello: Bool) throws {
        process = try WorkerProcess(executable: executable, arguments: [])
        if expectsHello { _ = readFrame() }
    }

    /// Reads one whole frame; returns its length, or -1 at EOF.
    @discardableResult
    private func readFrame() -> Int {
        var have = 0
        var need = 4
        while have < need {
            let n = inbox.withUnsafeMutableBytes { raw in read(process.stdoutFD, raw.baseAddress! + have, need - have) }
            if n <= 0 { return -1 }
            have += n
            if have == 4 && need == 4 {
                need = 4 + (Int(inbox[0]) << 24 | Int(inbox[1]) << 16 | Int(inbox[2]) << 8 | Int(inbox[3]))
            }
        }
        return need
    }

    private func writeAll(_ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes.withUnsafeBytes { raw in write(process.stdinFD, raw.baseAddress! + off, bytes.count - off) }
            if n <= 0 { if errno == EINTR { continue }; return }
            off += n
        }
    }

    func latency(payload: [UInt8], count: Int) -> Percentiles {
        var frame: [UInt8] = []
        PortMessage.appendFrame(type: .request, id: 1, op: Method.echo.rawValue, payload: payload, to: &frame)
        for _ in 0..<min(2000, count) { writeAll(frame); readFrame() }
        var samples: [Double] = []
        samples.reserveCapacity(count)
        for _ in 0..<count {
            let t0 = DispatchTime.now().uptimeNanoseconds
            writeAll(frame)
            readFrame()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - t0))
        }
        return Percentiles(samples)
    }

    /// Writes a window of frames in one write, reads replies as they come,
    /// refilling the window in one write per read batch.
    func pipelined(payload: [UInt8], window: Int, total: Int) -> Double {
        var one: [UInt8] = []
        PortMessage.appendFrame(type: .request, id: 1, op: Method.echo.rawValue, payload: payload, to: &one)
        let frameLength = one.count
        var batch: [UInt8] = []
        for _ in 0..<min(window, total) { batch += one }
        let t0 = DispatchTime.now().uptimeNanoseconds
        writeAll(batch)
        var sent = min(window, total), received = 0, buffered = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while received < total {
            let n = buffer.withUnsafeMutableBytes { raw in read(process.stdoutFD, raw.baseAddress!, raw.count) }
            if n <= 0 { break }
            buffered += n
            let complete = buffered / frameLength  // every reply has the request's length
            buffered -= complete * frameLength
            received += complete
            let more = min(complete, total - sent)
            if more > 0 {
                var refill: [UInt8] = []
                refill.reserveCapacity(more * frameLength)
                for _ in 0..<more { refill += one }
                writeAll(refill)
                sent += more
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        return Double(received) / elapsed
    }

    func close() {
        Foundation.close(process.stdinFD)  // EOF: the worker (or cat) exits
        _ = process.waitSynchronously(timeout: 5)
        Foundation.close(process.stdoutFD)
        Foundation.close(process.stderrFD)
    }
}

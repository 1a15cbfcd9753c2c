#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Blocking I/O on the worker's pipes: stdin (requests), stdout (replies),
/// stderr (log lines). Everything here retries on EINTR.
enum StandardStreams {
    /// Outcome of a read.
    enum ReadResult {
        case bytes(Int)
        case endOfFile
        case failed(errno: Int32)
    }

    /// Reads what is available from `fd` (blocking until at least one byte or EOF).
    static func readSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> ReadResult {
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            if errno == EINTR { continue }
            return .failed(errno: errno)
        }
    }

    /// Like ``readSome(_:into:)`` on a non-blocking `fd`, but polls it for up to
    /// `spinNanoseconds` before sleeping in `poll`: a request that follows a
    /// reply within that window is read without a wake-up (Erlang's schedulers
    /// busy-wait the same way before they sleep).
    static func spinReadSome(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, spinNanoseconds: UInt64) -> ReadResult {
        let deadline = monotonicNanoseconds() &+ spinNanoseconds
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n > 0 { return .bytes(n) }
            if n == 0 { return .endOfFile }
            if errno == EINTR { continue }
            guard errno == EAGAIN || errno == EWOULDBLOCK else { return .failed(errno: errno) }
            if monotonicNanoseconds() < deadline {
                sched_yield()  // give the core to anything runnable (the orchestrator, on 2 cores)
                continue
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            _ = poll(&pfd, 1, -1)
        }
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Wallclock time since the Unix epoch in nanoseconds (for RTCP's NTP timestamps).
    static func wallclockNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Sets O_NONBLOCK on `fd`.
    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
    }

    /// Writes all of `bytes` to `fd`, looping on partial writes. Returns 0 or the errno.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        guard let base = bytes.baseAddress else { return 0 }
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, base + offset, bytes.count - offset)
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return n < 0 ? errno : EIO
            }
        }
        return 0
    }

    /// Writes `bytes` to stdout; on failure exits (0 if the orchestrator closed the pipe, else 1).
    static func writeOrExit(_ bytes: [UInt8]) {
        let status = bytes.withUnsafeBytes { writeAll(1, $0) }
        if status == EPIPE {
            log("stdout closed by the orchestrator; exiting")
            exit(0)
        } else if status != 0 {
            log("write to stdout failed: \(String(cString: strerror(status))); exiting")
            exit(1)
        }
    }

    /// Reads and discards stdin until EOF, then exits 0 (1 on a read error).
    static func drainStdinThenExit() -> Never {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        while true {
            switch readSome(0, into: buffer) {
            case .bytes: continue
            case .endOfFile: exit(0)
            case let .failed(code):
                log("read from stdin failed: \(String(cString: strerror(code)))")
                exit(1)
            }
        }
    }

    /// Writes one log line to stderr.
    static func log(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        bytes.withUnsafeBytes { _ = writeAll(2, $0) }
    }
}

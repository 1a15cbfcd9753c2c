#!/usr/bin/env python3
"""Reference Switchboard worker: the port protocol, version 1, in Python.

Written from the PortProtocol DocC article alone (no Swift read), to prove
the protocol is language-neutral. Python 3 standard library only.

    kind     python-echo
    methods  echo (0x01), stats (0x04)

Usage: echo_worker.py [--crash-after N] [--max-frame BYTES]

  --crash-after N   answer N requests, then exit with status 3
                    (lets supervision tests crash a worker on cue)
  --max-frame B     largest frame body accepted from the orchestrator
                    (default 1048576, the protocol's default)

Exit status: 0 after a `shutdown` message or at EOF on stdin; 2 on a
protocol violation by the orchestrator; 3 on --crash-after.
"""

import json
import os
import struct
import sys

PROTOCOL_VERSION = 1
KIND = "python-echo"
DEFAULT_MAX_FRAME = 1 << 20

# Message types (the `type` byte).
HELLO, REQUEST, REPLY, ERROR, EVENT, PING, PONG, SHUTDOWN = range(1, 9)
# Methods (the `op` byte of a request).
M_ECHO = 0x01
M_STATS = 0x04
METHOD_NAMES = {M_ECHO: "echo", M_STATS: "stats"}

STDIN, STDOUT, STDERR = 0, 1, 2
READ_SIZE = 256 * 1024

# length (u32 BE) | type (u8) | id (u32 BE) | op (u8); length counts from `type`.
FRAME_HEADER = struct.Struct(">IBIB")
MESSAGE_HEADER_LENGTH = 6


def log(line):
    """One log line on stderr; the orchestrator re-logs it with the worker id."""
    try:
        os.write(STDERR, (line + "\n").encode("utf-8", "replace"))
    except OSError:
        pass


def append_frame(out, mtype, mid, op, payload=b""):
    out += FRAME_HEADER.pack(MESSAGE_HEADER_LENGTH + len(payload), mtype, mid, op)
    out += payload


def json_bytes(value):
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode("utf-8")


def write_all(data):
    """Writes every byte to stdout; returns False once the orchestrator is gone."""
    view = memoryview(data)
    try:
        while view:
            n = os.write(STDOUT, view)
            view = view[n:]
    except (BrokenPipeError, ConnectionResetError):
        return False
    return True


def parse_args(argv):
    crash_after = None
    max_frame = DEFAULT_MAX_FRAME
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg in ("--crash-after", "--max-frame") and i + 1 < len(argv):
            try:
                value = int(argv[i + 1])
            except ValueError:
                value = -1
            if value < 0:
                log("%s: not a non-negative integer: %r" % (arg, argv[i + 1]))
                sys.exit(64)
            if arg == "--crash-after":
                crash_after = value
            else:
                max_frame = value
            i += 2
        else:
            log("usage: echo_worker.py [--crash-after N] [--max-frame BYTES]")
            sys.exit(64)
    return crash_after, max_frame


class EchoWorker:
    def __init__(self, crash_after, max_frame):
        self.crash_after = crash_after
        self.max_frame = max_frame
        self.requests = 0

    def hello(self):
        return json_bytes({
            "protocol": PROTOCOL_VERSION,
            "kind": KIND,
            "pid": os.getpid(),
            "methods": [METHOD_NAMES[m] for m in sorted(METHOD_NAMES)],
            "codecs": [],
            "srtp_suites": [],
            "libraries": {},
            "max_streams": 0,
        })

    def stats(self):
        return json_bytes({
            "requests": self.requests,
            "frames_transcoded": 0,
            "contexts": 0,
            "streams": 0,
        })

    def handle(self, mtype, mid, op, payload, out):
        """Handles one message; returns an exit status to stop, else None."""
        if mtype == PING:
            append_frame(out, PONG, mid, 0)
        elif mtype == REQUEST:
            self.requests += 1
            if op == M_ECHO:
                append_frame(out, REPLY, mid, op, payload)
            elif op == M_STATS:
                append_frame(out, REPLY, mid, op, self.stats())
            else:
                append_frame(out, ERROR, mid, op, json_bytes({
                    "code": "unknown_method",
                    "message": "method 0x%02x is not served by %s" % (op, KIND),
                }))
            if self.crash_after is not None and self.requests >= self.crash_after:
                log("crashing on purpose after %d requests" % self.requests)
                return 3
        elif mtype == SHUTDOWN:
            log("shutdown requested, exiting")
            return 0
        else:
            log("protocol violation: message type 0x%02x is not sent to workers" % mtype)
            return 2
        return None

    def run(self):
        out = bytearray()
        append_frame(out, HELLO, 0, 0, self.hello())
        if not write_all(out):
            return 0
        log("python echo worker ready, pid %d" % os.getpid())
        if self.crash_after == 0:
            log("crashing on purpose after 0 requests")
            return 3

        buf = bytearray()
        while True:
            chunk = os.read(STDIN, READ_SIZE)
            if not chunk:
                # The orchestrator closed our stdin (or died): leave at once.
                if buf:
                    log("end of input inside a frame (%d bytes left)" % len(buf))
                return 0
            buf += chunk

            # Every whole frame in the buffer; replies batched into one write.
            out = bytearray()
            status = None
            pos = 0
            end = len(buf)
            view = memoryview(buf)
            while end - pos >= 4:
                (length,) = struct.unpack_from(">I", buf, pos)
                if length > self.max_frame:
                    log("protocol violation: frame of %d bytes exceeds the maximum of %d"
                        % (length, self.max_frame))
                    status = 2
                    break
                if end - pos - 4 < length:
                    break
                if length < MESSAGE_HEADER_LENGTH:
                    log("protocol violation: message of %d bytes is shorter than its header" % length)
                    status = 2
                    break
                mtype, mid, op = struct.unpack_from(">BIB", buf, pos + 4)
                payload = bytes(view[pos + 10:pos + 4 + length])
                pos += 4 + length
                status = self.handle(mtype, mid, op, payload, out)
                if status is not None:
                    break
            view.release()
            del buf[:pos]

            if out and not write_all(out):
                return 0
            if status is not None:
                return status


def main():
    crash_after, max_frame = parse_args(sys.argv[1:])
    try:
        status = EchoWorker(crash_after, max_frame).run()
    except KeyboardInterrupt:
        status = 1
    # os._exit: no interpreter teardown, nothing buffered left to flush.
    os._exit(status)


if __name__ == "__main__":
    main()

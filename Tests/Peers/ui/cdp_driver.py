#!/usr/bin/env python3
"""A headless Chromium driven over the DevTools protocol, for the live view test.

Standard library only: Chromium is started with --remote-debugging-pipe, so the
protocol runs over two pipes (the browser reads commands on fd 3 and writes
replies and events on fd 4, each message JSON ended by a NUL byte). No
WebSocket client, no chromedriver, no Selenium, nothing downloaded: the only
thing it needs is Debian's `chromium`.

The test drives it with one JSON object per line on stdin and reads one JSON
reply per line on stdout (same "id"):

    {"id": 1, "op": "open", "url": "http://127.0.0.1:PORT/ui"}     waits for the load event
    {"id": 2, "op": "eval", "expression": "document.title"}       returns {"value": ...}
    {"id": 3, "op": "wait", "expression": "...", "timeout": 10}   polls until the value is truthy
    {"id": 4, "op": "click", "selector": "[data-testid=token-submit]"}   a real mouse click
    {"id": 5, "op": "type", "text": "dev-operator-token"}         into the focused element
    {"id": 6, "op": "viewport", "width": 375, "height": 812, "mobile": true}
    {"id": 7, "op": "media", "features": {"prefers-color-scheme": "dark"}}   emulated media features
    {"id": 8, "op": "screenshot", "path": "/tmp/x.png", "full_page": true}
    {"id": 9, "op": "log"}          console errors, exceptions, navigations, load count
    {"id": 10, "op": "intercept", "pattern": "*/v1/edges", "status": 404}   answer those here
    {"id": 11, "op": "reload"}
    {"id": 12, "op": "quit"}        (or close stdin, or SIGTERM: the browser is killed too)

The driver first writes {"id": 0, "ok": true, "browser": ...} once the browser answers.
A reply is {"id", "ok": true, ...} or {"id", "ok": false, "error": "..."}.
Every operation has a timeout, and the whole run a deadline (--deadline
seconds) after which the browser is killed and the driver exits 3, so a
caller reading our stdout never waits forever.

Usage: cdp_driver.py [--chromium PATH] [--deadline SECONDS] [--width W --height H]
"""

import argparse
import base64
import ctypes
import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

CANDIDATES = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser",
              "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"]


def find_chromium(explicit):
    if explicit:
        return explicit
    env = os.environ.get("CHROMIUM")
    if env:
        return env
    for path in CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


class ProtocolError(Exception):
    pass


class Browser:
    """One Chromium process and one page, attached with a flat session."""

    def __init__(self, executable, width, height):
        self.profile = tempfile.mkdtemp(prefix="switchboard-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def child_fds():
            # fds 3 and 4 of the browser, whatever numbers the pipes got here (Popen marks 3 and 4
            # inheritable before this runs and closes every other fd after it).
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)
            try:  # the browser dies with this driver (PR_SET_PDEATHSIG)
                ctypes.CDLL(None).prctl(1, signal.SIGKILL)
            except Exception:
                pass

        args = [
            executable, "--headless=new", "--no-sandbox", "--remote-debugging-pipe",
            "--user-data-dir=" + self.profile, f"--window-size={width},{height}",
            "--no-first-run", "--no-default-browser-check", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-extensions", "--disable-sync", "--disable-background-networking",
            "--disable-component-update", "--disable-default-apps", "--disable-breakpad",
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
            "--disable-backgrounding-occluded-windows", "--disable-features=Translate,MediaRouter,OptimizationHints",
            "--no-proxy-server", "--mute-audio", "--password-store=basic", "--use-mock-keychain",
            "--hide-scrollbars", "--force-color-profile=srgb", "about:blank",
        ]
        self.stderr_path = os.path.join(self.profile, "chromium.log")
        self._stderr = open(self.stderr_path, "wb")
        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
                                        preexec_fn=child_fds, pass_fds=(3, 4), close_fds=True,
                                        start_new_session=True)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._next = 0
        self._write_lock = threading.Lock()
        self._intercepts = []      # (pattern, status, body)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._replies = {}
        self._closed = False
        self.session = None
        self.navigations = []      # main-frame URLs navigated to, in order
        self.console = []          # {"level", "text"} from console.* calls and Log entries
        self.exceptions = []       # uncaught exceptions in the page
        self.loads = 0
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    # -- transport

    def _read(self):
        buffer = b""
        while True:
            try:
                chunk = os.read(self._from_browser, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                try:
                    message = json.loads(raw)
                except ValueError:
                    continue
                self._dispatch(message)
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _dispatch(self, message):
        if message.get("method") == "Fetch.requestPaused":   # answered here, without holding the lock
            self._fulfill(message.get("params", {}), message.get("sessionId"))
            return
        with self._cond:
            if "id" in message:
                self._replies[message["id"]] = message
                self._cond.notify_all()
                return
            method, params = message.get("method"), message.get("params", {})
            if method == "Page.frameNavigated" and not params.get("frame", {}).get("parentId"):
                self.navigations.append(params["frame"].get("url"))
            elif method == "Page.loadEventFired":
                self.loads += 1
                self._cond.notify_all()
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "warning", "assert"):
                text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
                self.console.append({"level": params["type"], "text": text})
            elif method == "Runtime.exceptionThrown":
                details = params.get("exceptionDetails", {})
                text = details.get("exception", {}).get("description") or details.get("text", "")
                self.exceptions.append(text)
            elif method == "Log.entryAdded":
                entry = params.get("entry", {})
                if entry.get("level") in ("error", "warning"):
                    self.console.append({"level": entry.get("level"), "text": entry.get("text", ""),
                                         "url": entry.get("url", ""), "source": entry.get("source", "")})

    def _write(self, message):
        data = json.dumps(message).encode() + b"\0"
        with self._write_lock:
            while data:
                data = data[os.write(self._to_browser, data):]

    def _send(self, method, params, session_id):
        """A command whose reply nobody waits for (from the reader thread, which must not block)."""
        with self._cond:
            self._next += 1
            ident = self._next
        message = {"id": ident, "method": method, "params": params}
        if session_id:
            message["sessionId"] = session_id
        self._write(message)

    def _fulfill(self, params, session_id):
        # Only requests matching an intercept pattern are paused; answer them with the canned status.
        url = params.get("request", {}).get("url", "")
        for pattern, status, body in self._intercepts:
            if fnmatch.fnmatchcase(url, pattern):
                self._send("Fetch.fulfillRequest", {
                    "requestId": params["requestId"], "responseCode": status,
                    "responseHeaders": [{"name": "Content-Type", "value": "application/problem+json"}],
                    "body": base64.b64encode(body.encode()).decode()}, session_id)
                return
        self._send("Fetch.continueRequest", {"requestId": params["requestId"]}, session_id)

    def call(self, method, params=None, timeout=10.0, session=True):
        with self._cond:
            self._next += 1
            ident = self._next
        message = {"id": ident, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        self._write(message)
        deadline = time.monotonic() + timeout
        with self._cond:
            while ident not in self._replies:
                left = deadline - time.monotonic()
                if self._closed:
                    raise ProtocolError(f"the browser closed the pipe during {method}")
                if left <= 0:
                    raise ProtocolError(f"no reply to {method} within {timeout} s")
                self._cond.wait(left)
            reply = self._replies.pop(ident)
        if "error" in reply:
            raise ProtocolError(f"{method}: {reply['error'].get('message')} {reply['error'].get('data', '')}".strip())
        return reply.get("result", {})

    # -- set-up

    def attach(self):
        targets = self.call("Target.getTargets", session=False, timeout=20).get("targetInfos", [])
        pages = [t for t in targets if t.get("type") == "page"]
        if pages:
            target = pages[0]["targetId"]
        else:
            target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(domain)

    # -- operations

    def open(self, url, timeout):
        with self._cond:
            before = self.loads
        result = self.call("Page.navigate", {"url": url}, timeout=timeout)
        if result.get("errorText"):
            raise ProtocolError(f"navigation to {url} failed: {result['errorText']}")
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.loads == before:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise ProtocolError(f"{url} did not finish loading within {timeout} s")
                self._cond.wait(left)
        return {}

    def reload(self, timeout):
        with self._cond:
            before = self.loads
        self.call("Page.reload", {"ignoreCache": True}, timeout=timeout)
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.loads == before:
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    raise ProtocolError(f"the reload did not finish within {timeout} s")
                self._cond.wait(left)
        return {}

    def intercept(self, pattern, status):
        body = json.dumps({"type": "not_found", "title": "Not found", "status": status,
                           "detail": "answered by the test driver"})
        with self._cond:
            self._intercepts.append((pattern, status, body))
            patterns = [{"urlPattern": p, "requestStage": "Request"} for p, _, _ in self._intercepts]
        self.call("Fetch.enable", {"patterns": patterns})
        return {}

    def evaluate(self, expression, timeout=10.0):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True, "userGesture": True}, timeout=timeout)
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "exception")
            raise ProtocolError(f"evaluating failed: {text}")
        return result.get("result", {}).get("value")

    def wait(self, expression, timeout):
        started = time.monotonic()
        last = None
        while True:
            try:
                last = self.evaluate(expression, timeout=max(1.0, timeout - (time.monotonic() - started)))
            except ProtocolError as error:
                last = f"<{error}>"
            else:
                if last:
                    return {"value": last, "elapsed": round(time.monotonic() - started, 3)}
            if time.monotonic() - started >= timeout:
                raise ProtocolError(f"timed out after {timeout} s waiting for {expression!r}; last value {last!r}")
            time.sleep(0.05)

    def click(self, selector):
        box = self.evaluate(
            "(() => { const e = document.querySelector(%s); if (!e) return null; e.scrollIntoView({block: 'center'});"
            " const r = e.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()"
            % json.dumps(selector))
        if not box:
            raise ProtocolError(f"nothing matches {selector}")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"],
                                                   "button": "left", "clickCount": 1})
        return {"x": box["x"], "y": box["y"]}

    def type_text(self, text):
        self.call("Input.insertText", {"text": text})
        return {}

    def media(self, features):
        self.call("Emulation.setEmulatedMedia", {"features": [{"name": k, "value": v} for k, v in features.items()]})
        return {}

    def viewport(self, width, height, mobile, scale):
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                         "deviceScaleFactor": scale, "mobile": mobile})
        return {}

    def screenshot(self, path, full_page):
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
            size = self.evaluate("({w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight})")
            params["clip"] = {"x": 0, "y": 0, "width": size["w"], "height": size["h"], "scale": 1}
        data = base64.b64decode(self.call("Page.captureScreenshot", params, timeout=20)["data"])
        with open(path, "wb") as f:
            f.write(data)
        return {"path": path, "bytes": len(data)}

    def log(self):
        with self._cond:
            return {"navigations": list(self.navigations), "console": list(self.console),
                    "exceptions": list(self.exceptions), "loads": self.loads}

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=3)
        except Exception:
            pass
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self.kill()
        self._stderr.close()
        shutil.rmtree(self.profile, ignore_errors=True)

    def kill(self):
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            self.process.wait(timeout=3)
        except subprocess.TimeoutExpired:
            pass


def reply(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium")
    parser.add_argument("--deadline", type=float, default=60.0)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    options = parser.parse_args()

    executable = find_chromium(options.chromium)
    if not executable:
        reply({"id": 0, "ok": False, "error": "no chromium found (Debian package: chromium)"})
        return 2

    browser = Browser(executable, options.width, options.height)

    def expire():
        browser.kill()
        reply({"id": -1, "ok": False, "error": f"the driver's deadline of {options.deadline} s passed"})
        os._exit(3)

    def terminated(signum, frame):
        browser.kill()
        os._exit(4)

    signal.signal(signal.SIGTERM, terminated)
    watchdog = threading.Timer(options.deadline, expire)
    watchdog.daemon = True
    watchdog.start()

    try:
        browser.attach()
        version = browser.call("Browser.getVersion", session=False)
        reply({"id": 0, "ok": True, "browser": version.get("product"), "executable": executable})
    except Exception as error:
        log = open(browser.stderr_path, errors="replace").read()[-2000:] if os.path.exists(browser.stderr_path) else ""
        reply({"id": 0, "ok": False, "error": f"starting {executable}: {error}", "stderr": log})
        browser.kill()
        return 2

    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            command = json.loads(line)
        except ValueError as error:
            reply({"id": None, "ok": False, "error": f"bad command: {error}"})
            continue
        ident, op = command.get("id"), command.get("op")
        timeout = float(command.get("timeout", 10))
        try:
            if op == "open":
                result = browser.open(command["url"], timeout)
            elif op == "eval":
                result = {"value": browser.evaluate(command["expression"], timeout)}
            elif op == "wait":
                result = browser.wait(command["expression"], timeout)
            elif op == "click":
                result = browser.click(command["selector"])
            elif op == "type":
                result = browser.type_text(command["text"])
            elif op == "viewport":
                result = browser.viewport(int(command["width"]), int(command["height"]),
                                          bool(command.get("mobile", False)), float(command.get("scale", 1)))
            elif op == "media":
                result = browser.media(command["features"])
            elif op == "screenshot":
                result = browser.screenshot(command["path"], bool(command.get("full_page", False)))
            elif op == "log":
                result = browser.log()
            elif op == "intercept":
                result = browser.intercept(command["pattern"], int(command.get("status", 404)))
            elif op == "reload":
                result = browser.reload(timeout)
            elif op == "quit":
                reply({"id": ident, "ok": True})
                break
            else:
                raise ProtocolError(f"unknown op {op!r}")
            reply(dict(result, id=ident, ok=True))
        except Exception as error:
            reply({"id": ident, "ok": False, "error": str(error)})

    watchdog.cancel()
    browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import SwitchboardServer
import SwitchboardTestKit
import Testing

/// The operators' live view (`/ui`): its static files, and the page itself in a headless Chromium
/// (Debian `chromium`) driven over the DevTools protocol by Tests/Peers/ui/cdp_driver.py.
@Suite("Live view", .serialized, .timeLimit(.minutes(2)))
struct LiveViewTests {
    @Test("/ui, app.js and app.css: served without a token, typed, revalidated with an ETag; /ui redirects to ui/")
    func staticFiles() async throws {
        try await withLiveServer { server in
            let page = try await Self.get(server, "/ui/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.text.contains("<script src=\"app.js\" defer></script>"))
            #expect(page.text.contains("data-testid=\"tree\""))
            #expect(page.headers["content-security-policy"]?.contains("script-src 'self'") == true)
            #expect(page.headers["x-content-type-options"] == "nosniff")

            let redirect = try await Self.get(server, "/ui")
            #expect(redirect.status == 301)
            #expect(redirect.headers["location"] == "ui/")

            for (path, type, marker) in [("/ui/app.js", "text/javascript; charset=utf-8", "readEventStream"),
                                         ("/ui/app.css", "text/css; charset=utf-8", "prefers-color-scheme")] {
                let file = try await Self.get(server, path)
                #expect(file.status == 200, "\(path)")
                #expect(file.headers["content-type"] == type, "\(path)")
                #expect(file.text.contains(marker), "\(path)")
                #expect(file.headers["cache-control"] == "no-cache", "\(path)")
                let etag = try #require(file.headers["etag"], "\(path) has an ETag")
                let again = try await Self.get(server, path, headers: ["If-None-Match": etag])
                #expect(again.status == 304, "\(path) revalidates")
                #expect(again.body.isEmpty)
                let head = try await Self.get(server, path, method: "HEAD")
                #expect(head.status == 200 && head.body.isEmpty, "HEAD \(path)")
                #expect(head.headers["content-length"] == "\(file.body.count)", "HEAD \(path)")
            }
            // The page never puts a token in a URL: the script sends it as a header (EventSource cannot).
            let script = try await Self.get(server, "/ui/app.js").text
            #expect(script.contains("Authorization: `Bearer ${token}`"))
            #expect(!script.contains("EventSource(") && !script.contains("?token=") && !script.contains("access_token"))
            // The API behind it still wants the operator token.
            #expect(try await server.request("GET", "/v1/tree").status == 401)
        }
    }

    @Test("in headless Chromium: the tree and workers render, a new session appears and goes live without a reload",
          .enabled(if: Tool.required(Browser.chromium)))
    func liveView() async throws {
        let chromium = try #require(Browser.chromium, "no chromium: install the Debian package chromium")
        let shots = try Screenshots()
        try await withLiveServer { server in
            let clock = ContinuousClock()
            let started = clock.now
            let browser = try await BrowserDriver.launch(chromium: chromium, deadline: 30)
            do {
                try await Self.drive(browser, server, shots, clock: clock, started: started)
                await browser.close()
            } catch {
                let log = (try? await browser.log()) ?? "(no log)"
                await browser.close()
                Issue.record("browser log: \(log)\n-- commands:\n\(browser.transcript)\n-- driver stderr:\n\(browser.stderr.suffix(3000))")
                throw error
            }
            print("live view: browser part took \(clock.now - started); screenshots in \(shots.directory.path)")
        }
    }

    static func drive(_ browser: BrowserDriver, _ server: LiveServer, _ shots: Screenshots,
                      clock: ContinuousClock, started: ContinuousClock.Instant) async throws {
        // 1. Open /ui (the redirect to ui/), mark the window, sign in with the operator token through the form.
        try await browser.open(server.base + "/ui")
        #expect(try await browser.eval("location.pathname") as? String == "/ui/")
        _ = try await browser.eval("window.__noReloadMarker = 'still here'; true")
        try await browser.wait("!document.querySelector('[data-testid=login]').hidden")
        try await browser.click("[data-testid=token-input]")
        try await browser.type(LiveServer.operatorToken)
        try await browser.click("[data-testid=token-submit]")

        // 2. The tree shows the root and the pool's workers; the workers table; the event stream is live.
        try await browser.wait("!!document.querySelector('[data-testid=tree-node][data-id=\"switchboard\"]')")
        try await browser.wait("!!document.querySelector('[data-testid=tree-node][data-id=\"transcoder.1\"]')")
        try await browser.wait("!!document.querySelector('[data-testid=worker-row][data-id=\"transcoder.1\"]')")
        try await browser.wait("document.querySelector('[data-testid=stream]').dataset.state === 'live'")
        try await browser.wait("document.querySelector('[data-testid=health]').dataset.state === 'ready'")
        #expect(try await browser.eval("sessionStorage.getItem('switchboard.operatorToken')") as? String == LiveServer.operatorToken)
        let treeText = try #require(try await browser.eval("document.querySelector('[data-testid=tree]').innerText") as? String)
        #expect(treeText.contains("switchboard"))
        #expect(treeText.contains("transcoder.1"))
        #expect(treeText.contains("one for one") || treeText.contains("one for all") || treeText.contains("rest for one"),
                "the root's strategy: \(treeText)")
        let workersText = try #require(try await browser.eval("document.querySelector('[data-testid=workers]').innerText") as? String)
        #expect(workersText.contains("transcoder.1"))
        #expect(workersText.contains("ready"))

        // 3. A session made through the HTTP API appears without a reload, then goes active with counters.
        let a = try UDPPeer(), b = try UDPPeer()
        let created = clock.now
        let (id, portA, _) = try await SessionTests.bridge(server, a: a, b: b)
        let row = "document.querySelector('[data-testid=session-row][data-id=\"\(id)\"]')"
        try await browser.wait("!!\(row)")
        let seenAfter = clock.now - created
        let payload = [UInt8](repeating: 0xD5, count: 160)
        for i in 0..<5 {
            a.send(RTP(payloadType: 0, sequence: UInt16(i), timestamp: UInt32(i * 160), ssrc: 0xA, payload: payload).bytes, to: portA)
        }
        try await browser.wait("\(row)?.dataset.state === 'active'")
        let rowText = try #require(try await browser.eval("\(row).innerText") as? String)
        #expect(rowText.contains("a: PCMU") && rowText.contains("b: PCMU"), "codecs per leg: \(rowText)")
        #expect(rowText.contains("http"), "origin: \(rowText)")
        #expect(rowText.contains("transcoder."), "worker: \(rowText)")
        let events = "[...document.querySelectorAll('[data-testid=event]')]"
        try await browser.wait("\(events).some(e => e.dataset.type === 'session.offered' && e.textContent.includes('\(id)'))")
        #expect(try await browser.eval("window.__noReloadMarker") as? String == "still here", "no reload happened")
        #expect(try await browser.navigations().count == 1, "one navigation: the first load")

        // 4. kill -9 of the worker without the session: its restart count goes to 1 in the tree and the table.
        let carrying = try #require(try await server.request("GET", "/v1/sessions/\(id)", token: LiveServer.clientToken)
            .json["worker"] as? String)
        let pids = try await server.workerPIDs()
        let (victim, pid) = try #require(pids.filter { $0.key != carrying }.min { $0.key < $1.key })
        kill(pid, SIGKILL)
        let node = "document.querySelector('[data-testid=tree-node][data-id=\"\(victim)\"]')"
        try await browser.wait("\(node)?.querySelector('.restarts')?.dataset.restarts === '1' && \(node).dataset.state === 'running'")
        try await browser.wait("document.querySelector('[data-testid=worker-row][data-id=\"\(victim)\"]')?.dataset.state === 'ready'")
        let workerRow = try #require(try await browser.eval(
            "[...document.querySelector('[data-testid=worker-row][data-id=\"\(victim)\"]').cells].map(c => c.innerText)") as? [String])
        #expect(workerRow.count == 8 && workerRow[5] == "1", "restarts column: \(workerRow)")
        #expect(workerRow.count == 8 && workerRow[2] != "\(pid)", "a new pid: \(workerRow)")
        try await browser.wait("\(events).some(e => e.dataset.type === 'worker.restarted' && e.textContent.includes('\(victim)'))")
        #expect(try await browser.eval("window.__noReloadMarker") as? String == "still here", "still no reload")

        // 5. Edges: the local edge when GET /v1/edges answers, "no edges yet" when it is a 404.
        try await browser.wait("['present', 'absent'].includes(document.querySelector('[data-testid=edges]').dataset.state)")
        if try await browser.eval("document.querySelector('[data-testid=edges]').dataset.state") as? String == "present" {
            try await browser.wait("!!document.querySelector('[data-testid=edge-row]')")
        }

        // 6. Screenshots: a laptop (light), then a 375 px phone (dark, no sideways scrolling). Reduced motion:
        // rows that just changed are not caught mid-flash.
        try await browser.command("media", ["features": ["prefers-reduced-motion": "reduce", "prefers-color-scheme": "light"]])
        let desktop = try await browser.screenshot(shots.file("live-view-desktop.png"), fullPage: true)
        try await browser.command("media", ["features": ["prefers-reduced-motion": "reduce", "prefers-color-scheme": "dark"]])
        try await browser.viewport(width: 375, height: 812, mobile: true)
        try await browser.wait("document.documentElement.clientWidth === 375")
        let overflow = try await browser.eval("document.documentElement.scrollWidth - document.documentElement.clientWidth") as? Int
        #expect(overflow == 0, "no horizontal scrolling at 375 px (overflow \(overflow ?? -1) px)")
        let phone = try await browser.screenshot(shots.file("live-view-phone.png"), fullPage: true)
        for shot in [desktop, phone] {
            let data = try Data(contentsOf: shot)
            #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "\(shot.lastPathComponent) is a PNG")
            #expect(data.count > 20_000, "\(shot.lastPathComponent) is not blank (\(data.count) bytes)")
        }

        // 7. The end of the session shows too; then no script errors so far.
        #expect(try await server.request("DELETE", "/v1/sessions/\(id)", token: LiveServer.clientToken).status == 204)
        try await browser.wait("\(row)?.dataset.state === 'ended'")
        let log = try await browser.logJSON()
        #expect((log["exceptions"] as? [Any] ?? []).isEmpty, "uncaught exceptions: \(log)")
        let errors = (log["console"] as? [[String: Any]] ?? []).filter { ($0["level"] as? String) == "error" }
        #expect(errors.isEmpty, "console errors: \(errors)")

        // 8. A server without /v1/edges (404): the panel says so. The reload keeps the token (sessionStorage).
        try await browser.intercept("*/v1/edges", status: 404)
        try await browser.reload()
        try await browser.wait("!!document.querySelector('[data-testid=edges-empty]')")
        #expect(try await browser.eval("document.querySelector('[data-testid=edges]').dataset.state") as? String == "absent")
        #expect(try await browser.eval("document.querySelector('[data-testid=login]').hidden") as? Bool == true)
        print("live view: session \(id) row appeared \(seenAfter) after its creation; desktop \(desktop.path), phone \(phone.path)")
    }

    /// SPEC §11's session metrics, which the dashboard already charts and the server does not export yet.
    static let plannedMetrics: Set<String> = ["switchboard_sessions", "switchboard_session_setup_seconds"]

    @Test("Config/grafana-dashboard.json: a datasource variable, every query through it, only metrics the server defines")
    func grafanaDashboard() throws {
        let root = Products.repositoryRoot
        let data = try Data(contentsOf: root.appendingPathComponent("Config/grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(dashboard["uid"] as? String == "switchboard-overview")
        let variables = (dashboard["templating"] as? [String: Any])?["list"] as? [[String: Any]] ?? []
        #expect(variables.contains { $0["name"] as? String == "datasource" && $0["type"] as? String == "datasource"
            && $0["query"] as? String == "prometheus" })

        let panels = dashboard["panels"] as? [[String: Any]] ?? []
        let ids = panels.compactMap { $0["id"] as? Int }
        #expect(Set(ids).count == panels.count, "unique panel ids")
        var expressions: [String] = []
        for panel in panels where panel["type"] as? String != "row" {
            let title = panel["title"] as? String ?? "?"
            #expect((panel["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(title)")
            let targets = panel["targets"] as? [[String: Any]] ?? []
            #expect(!targets.isEmpty, "\(title) has queries")
            for target in targets {
                #expect((target["datasource"] as? [String: Any])?["uid"] as? String == "${datasource}", "\(title)")
                expressions.append(target["expr"] as? String ?? "")
            }
        }

        // The metric names the server registers: `metricName: "x", unitName: "u"` -> x_u.
        var defined: Set<String> = []
        let declaration = try NSRegularExpression(pattern: #"metricName: "([a-z_]+)", unitName: "([a-z]*)""#)
        let sources = root.appendingPathComponent("Sources/SwitchboardServer")
        for case let file as URL in FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        where file.pathExtension == "swift" {
            let text = try String(contentsOf: file, encoding: .utf8)
            for match in declaration.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                guard let name = Range(match.range(at: 1), in: text), let unit = Range(match.range(at: 2), in: text) else { continue }
                defined.insert(text[unit].isEmpty ? String(text[name]) : "\(text[name])_\(text[unit])")
            }
        }
        #expect(defined.contains("switchboard_worker_restarts_total") && defined.contains("switchboard_port_round_trip_seconds"))

        let reference = try NSRegularExpression(pattern: #"switchboard_[a-z_]+"#)
        var used: Set<String> = []
        for expr in expressions {
            for match in reference.matches(in: expr, range: NSRange(expr.startIndex..., in: expr)) {
                guard let range = Range(match.range, in: expr) else { continue }
                var name = String(expr[range])
                for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) && !defined.contains(name) {
                    name = String(name.dropLast(suffix.count))
                }
                used.insert(name)
            }
        }
        let unknown = used.subtracting(defined).subtracting(Self.plannedMetrics)
        #expect(unknown.isEmpty, "the dashboard queries metrics nobody exports: \(unknown.sorted())")
        for name in ["switchboard_worker_restarts_total", "switchboard_mailbox_depth", "switchboard_port_round_trip_seconds",
                     "switchboard_sip_messages_total", "switchboard_sip_calls_total", "switchboard_edge_state",
                     "switchboard_sessions", "switchboard_session_setup_seconds"] {
            #expect(used.contains(name), "the dashboard charts \(name)")
        }
        let stillPlanned = Self.plannedMetrics.subtracting(defined)
        if !stillPlanned.isEmpty { print("grafana dashboard: panels waiting for \(stillPlanned.sorted()) (SPEC §11)") }
    }

    // MARK: plain HTTP with headers (LiveServer.request has no header parameter)

    static func get(_ server: LiveServer, _ path: String, method: String = "GET",
                    headers: [String: String] = [:]) async throws -> LiveServer.Reply {
        var request = URLRequest(url: URL(string: server.base + path)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = URLSession(configuration: .ephemeral, delegate: NoRedirects(), delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = response as? HTTPURLResponse
        var fields: [String: String] = [:]
        for (k, v) in http?.allHeaderFields ?? [:] { fields["\(k)".lowercased()] = "\(v)" }
        return LiveServer.Reply(status: http?.statusCode ?? 0, body: data, headers: fields)
    }

    /// Shows a redirect as it is instead of following it.
    final class NoRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
        func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
            completionHandler(nil)
        }
    }
}

/// Where the screenshots go: `SWITCHBOARD_UI_SCREENSHOTS` (kept) or a temporary directory (removed).
final class Screenshots: Sendable {
    let directory: URL
    private let temporary: TempDir?

    init() throws {
        if let path = ProcessInfo.processInfo.environment["SWITCHBOARD_UI_SCREENSHOTS"], !path.isEmpty {
            directory = URL(fileURLWithPath: path)
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            temporary = nil
        } else {
            let dir = try TempDir(prefix: "switchboard-ui")
            directory = dir.url
            temporary = dir
        }
    }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// The headless browser of the live-view test.
enum Browser {
    /// Debian's `chromium` (the binary behind the /usr/bin/chromium wrapper script), or `CHROMIUM`.
    static let chromium: String? = {
        if let explicit = ProcessInfo.processInfo.environment["CHROMIUM"], !explicit.isEmpty { return explicit }
        return ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let driver = Products.repositoryRoot.appendingPathComponent("Tests/Peers/ui/cdp_driver.py")
    /// Debian's python3 (the driver needs only its standard library).
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? "/usr/bin/python3"
}

/// cdp_driver.py as a child: one JSON command per line on its stdin, one JSON reply per line on its stdout.
/// Every command has a timeout here and in the driver, and the driver kills the browser at its deadline,
/// so no call waits forever.
final class BrowserDriver: Sendable {
    struct Failure: Error, CustomStringConvertible { var description: String }

    private struct Replies {
        var waiting: [Int: CheckedContinuation<Data, any Error>] = [:]
        var arrived: [Int: Data] = [:]
        var closed: String?
    }

    private let process: Process
    private let input: FileHandle
    private let replies = Mutex(Replies())
    private let nextID = Atomic<Int>(1)
    private let stderrLog: URL
    private let stderrDirectory: TempDir
    private let lines = Mutex<[String]>([])

    /// The last commands and replies, for failure messages.
    var transcript: String { lines.withLock { $0.joined(separator: "\n") } }

    private func note(_ line: String) {
        lines.withLock { lines in
            lines.append(String(line.prefix(400)))
            if lines.count > 60 { lines.removeFirst(lines.count - 60) }
        }
    }

    var stderr: String { (try? String(contentsOf: stderrLog, encoding: .utf8)) ?? "" }

    private init(chromium: String, deadline: Int) throws {
        stderrDirectory = try TempDir(prefix: "switchboard-cdp")
        stderrLog = stderrDirectory.file("driver.log")
        _ = FileManager.default.createFile(atPath: stderrLog.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Browser.python)
        process.arguments = [Browser.driver.path, "--chromium", chromium, "--deadline", "\(deadline)"]
        let stdin = Pipe(), stdout = Pipe()
        let errors = try FileHandle(forWritingTo: stderrLog)
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = errors
        try process.run()
        try errors.close()
        self.process = process
        input = stdin.fileHandleForWriting
        let output = stdout.fileHandleForReading
        let thread = Thread { [self] in self.readReplies(output) }
        thread.name = "cdp-driver-replies"
        thread.start()
    }

    /// Starts the driver and its browser; returns once the browser answers.
    static func launch(chromium: String, deadline: Int) async throws -> BrowserDriver {
        let driver = try BrowserDriver(chromium: chromium, deadline: deadline)
        let hello = try await driver.reply(to: 0, timeout: .seconds(20))
        guard hello["ok"] as? Bool == true else {
            driver.process.terminate()
            throw Failure(description: "the browser did not start: \(hello)")
        }
        return driver
    }

    /// Reads reply lines on a thread of its own (blocking reads stay off the concurrency pool).
    private func readReplies(_ output: FileHandle) {
        var buffer = Data()
        while true {
            let chunk = output.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Data(buffer[buffer.startIndex..<newline])
                buffer.removeSubrange(buffer.startIndex...newline)
                note("<- " + String(decoding: line, as: UTF8.self))
                guard let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else { continue }
                let id = object["id"] as? Int ?? -1
                if id < 0 {  // the driver's deadline passed
                    finish(String(decoding: line, as: UTF8.self))
                    return
                }
                let waiter = replies.withLock { r -> CheckedContinuation<Data, any Error>? in
                    if let waiter = r.waiting.removeValue(forKey: id) { return waiter }
                    r.arrived[id] = line
                    return nil
                }
                waiter?.resume(returning: line)
            }
        }
        finish("the driver exited")
    }

    private func finish(_ why: String) {
        let waiters = replies.withLock { r in
            r.closed = why
            defer { r.waiting = [:] }
            return Array(r.waiting.values)
        }
        for waiter in waiters { waiter.resume(throwing: Failure(description: why)) }
    }

    private func reply(to id: Int, timeout: Duration) async throws -> [String: Any] {
        let watchdog = Task { [self] in
            try await Task.sleep(for: timeout)
            let waiter = replies.withLock { $0.waiting.removeValue(forKey: id) }
            waiter?.resume(throwing: Failure(description: "no reply from the browser driver to command \(id) within \(timeout)"))
        }
        defer { watchdog.cancel() }
        let line = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, any Error>) in
            let ready = replies.withLock { r -> Result<Data, any Error>? in
                if let line = r.arrived.removeValue(forKey: id) { return .success(line) }
                if let why = r.closed { return .failure(Failure(description: why)) }
                r.waiting[id] = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
        return (try? JSONSerialization.jsonObject(with: line) as? [String: Any]) ?? [:]
    }

    /// Sends one command; throws the driver's error when it answers `ok: false`.
    @discardableResult
    func command(_ op: String, _ arguments: [String: Any] = [:], timeout seconds: Double = 10) async throws -> [String: Any] {
        let id = nextID.add(1, ordering: .relaxed).newValue
        var message = arguments
        message["id"] = id
        message["op"] = op
        message["timeout"] = seconds
        var line = try JSONSerialization.data(withJSONObject: message)
        note("-> " + String(decoding: line, as: UTF8.self))
        line.append(UInt8(ascii: "\n"))
        try input.write(contentsOf: line)
        let reply = try await reply(to: id, timeout: .seconds(seconds + 5))
        guard reply["ok"] as? Bool == true else {
            throw Failure(description: "\(op) \(arguments.filter { $0.key != "text" }): \(reply["error"] ?? reply)")
        }
        return reply
    }

    func open(_ url: String) async throws { try await command("open", ["url": url], timeout: 15) }
    func reload() async throws { try await command("reload", timeout: 15) }
    func eval(_ expression: String) async throws -> Any? { try await command("eval", ["expression": expression])["value"] }
    /// Polls `expression` in the page until it is truthy.
    @discardableResult
    func wait(_ expression: String, timeout: Double = 10) async throws -> Any? {
        try await command("wait", ["expression": expression], timeout: timeout)["value"]
    }
    func click(_ selector: String) async throws { try await command("click", ["selector": selector]) }
    func type(_ text: String) async throws { try await command("type", ["text": text]) }
    func viewport(width: Int, height: Int, mobile: Bool) async throws {
        try await command("viewport", ["width": width, "height": height, "mobile": mobile])
    }
    func screenshot(_ file: URL, fullPage: Bool) async throws -> URL {
        try await command("screenshot", ["path": file.path, "full_page": fullPage], timeout: 20)
        return file
    }
    func intercept(_ pattern: String, status: Int) async throws {
        try await command("intercept", ["pattern": pattern, "status": status])
    }
    func logJSON() async throws -> [String: Any] { try await command("log") }
    func log() async throws -> String {
        let data = try JSONSerialization.data(withJSONObject: try await logJSON(), options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }
    func navigations() async throws -> [String] { try await logJSON()["navigations"] as? [String] ?? [] }

    /// Closes the browser: `quit`, then stdin EOF, then SIGTERM (the driver kills its browser on each).
    func close() async {
        _ = try? await command("quit", timeout: 3)
        try? input.close()
        do {
            try await eventually("the browser driver to exit", timeout: .seconds(5)) { !process.isRunning }
        } catch {
            process.terminate()
        }
    }

    deinit {
        try? input.close()
        if process.isRunning { process.terminate() }
    }
}

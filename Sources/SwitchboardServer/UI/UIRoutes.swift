import Foundation
import Hummingbird

/// The operators' live view at `/ui`: one HTML page, one script, one style
/// sheet, hand-written (no framework, no build step), in `UI/Static/`.
///
/// The files are compiled into the binary (SwiftPM's `.embedInCode` resource
/// rule generates `PackageResources.index_html` etc.), so a statically linked
/// `switchboard` copied alone to a server still serves them: no resource
/// bundle next to the executable, no `Bundle.module` lookup that would stop
/// the process when the bundle is missing.
///
/// The files need no token; the page asks the operator for one and sends it to
/// the API as `Authorization: Bearer` (see `app.js`).
struct UIRoutes: Sendable {
    /// One file, ready to send: its bytes, type and a strong validator.
    struct Asset: Sendable {
        let body: ByteBuffer
        let contentType: String
        let eTag: String

        init(_ bytes: [UInt8], contentType: String) {
            body = ByteBuffer(bytes: bytes)
            self.contentType = contentType
            eTag = "\"\(Self.fnv1a(bytes))\""
        }

        /// FNV-1a, 64 bits, in hex: enough to tell one build's file from another's.
        static func fnv1a(_ bytes: [UInt8]) -> String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in bytes {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            let hex = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }
    }

    static let index = Asset(PackageResources.index_html, contentType: "text/html; charset=utf-8")
    static let script = Asset(PackageResources.app_js, contentType: "text/javascript; charset=utf-8")
    static let styles = Asset(PackageResources.app_css, contentType: "text/css; charset=utf-8")

    /// Everything from this origin only: no inline script or style, no frames, no plug-ins.
    static let contentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
        + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    func register(on router: Router<BasicRequestContext>) {
        // The router ignores a trailing slash, so this is `/ui` and `/ui/`. The page's URLs are relative
        // (`app.js`, `../v1/...`), which needs the slash: `/ui` redirects to `ui/` (relative, so a path
        // prefix added by a reverse proxy is kept).
        let page: @Sendable (Request, BasicRequestContext) -> Response = { request, _ in
            guard request.uri.path.hasSuffix("/") else { return .redirect(to: "ui/", type: .permanent) }
            return Self.serve(Self.index, to: request)
        }
        router.get("/ui", use: page)
        router.head("/ui") { request, context in Self.headOnly(page(request, context)) }
        for (path, asset) in [("/ui/app.js", Self.script), ("/ui/app.css", Self.styles)] {
            router.get(RouterPath(path)) { request, _ in Self.serve(asset, to: request) }
            router.head(RouterPath(path)) { request, _ in Self.headOnly(Self.serve(asset, to: request)) }
        }
    }

    /// A HEAD answer: the GET's status and headers (Content-Length included), no body.
    static func headOnly(_ response: Response) -> Response {
        var headers = response.headers
        if let length = response.body.contentLength { headers[.contentLength] = "\(length)" }
        return Response(status: response.status, headers: headers)
    }

    /// 200 with the file, or 304 when the browser already has this version. `no-cache`: the browser
    /// revalidates every time, so a new build's files are picked up on the next load.
    static func serve(_ asset: Asset, to request: Request) -> Response {
        var headers: HTTPFields = [  // (no-referrer: a <meta> in the page)
            .contentType: asset.contentType,
            .cacheControl: "no-cache",
            .eTag: asset.eTag,
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: contentSecurityPolicy,
        ]
        let presented = request.headers[values: .ifNoneMatch].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if presented.contains(asset.eTag) || presented.contains("*") {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }
}

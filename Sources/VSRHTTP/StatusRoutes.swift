import Foundation
import NIOHTTP1
import VSRFrames
import VSRLive

/// A request as the routes see it.
struct Request {
    let head: HTTPRequestHead
    let body: [UInt8]

    var path: Substring { head.uri.prefix { $0 != "?" } }
    /// The path's parts, percent-decoded ("/api/v1/streams/door" -> api, v1, streams, door).
    var parts: [String] { path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) } }
    var query: [String: String] {
        guard let q = head.uri.firstIndex(of: "?") else { return [:] }
        var out: [String: String] = [:]
        for pair in head.uri[head.uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            out[kv[0]] = kv.count > 1 ? kv[1] : ""
        }
        return out
    }
    var bearer: String? {
        guard let value = head.headers.first(name: "Authorization"), value.lowercased().hasPrefix("bearer ") else { return nil }
        return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
    }
}

/// An answer now, or work to do off the event loop that gives one.
enum Reply {
    case now(Response)
    case later(@Sendable () -> Response)
}

struct Response: Sendable {
    let status: HTTPResponseStatus
    let contentType: String
    let body: [UInt8]
    var headers: [(String, String)] = []

    static func jpeg(_ bytes: [UInt8]) -> Response { Response(status: .ok, contentType: "image/jpeg", body: bytes) }

    static func text(_ status: HTTPResponseStatus, _ text: String) -> Response {
        Response(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }
    static func json<T: Encodable>(_ value: T, status: HTTPResponseStatus = .ok) -> Response {
        Response(status: status, contentType: "application/json", body: Array((JSONLine.encode(value) + "\n").utf8))
    }
}

/// What `vsr stream --http` serves, and who may do what:
/// - `GET /healthz`: 200 while the process works;
/// - `GET /readyz`: 200 when at least `readyShare` of the cameras are live, else 503;
/// - `GET /metrics`: Prometheus text (per camera, and the process);
/// - `GET /api/v1/streams`, `/api/v1/streams/{name}`: the reports `--progress json` prints;
/// - `GET /api/v1/streams/{name}/snapshot.jpg?view=input|output|side-by-side`: the latest picture
///   (a bearer token when one is configured: it shows the camera's images);
/// - `POST /api/v1/stop`: stops the service (a bearer token when one is configured);
/// - `PUT /api/v1/config`: the --config JSON to run from now on (a bearer token when one is set):
///   200 with what changed, or 400 with the one line that says what is wrong (nothing changes);
/// - `GET /`: the status page.
/// Reading endpoints are open to whoever can reach the listener (loopback by default); changing
/// ones need the token whenever one is set, and vsr refuses a non-loopback listener without one.
public struct StatusRoutes: Sendable {
    let reports: @Sendable () -> [StreamStats.Report]
    let metrics: @Sendable () -> [UInt8]
    let snapshot: @Sendable (String, SnapshotView) throws -> [UInt8]?
    let stop: @Sendable () -> Void
    /// A new configuration (the --config file's JSON) for the running job; nil: not offered.
    let reconfigure: (@Sendable ([UInt8]) throws -> StreamJob.Reload)?
    let readyShare: Double
    let token: String?

    public init(job: StreamJob, stop: @escaping @Sendable () -> Void,
                reconfigure: (@Sendable ([UInt8]) throws -> StreamJob.Reload)? = nil, readyShare: Double = 1, token: String?) {
        self.reconfigure = reconfigure
        reports = { job.reports() }
        metrics = { job.metricsText() }
        snapshot = { try job.snapshot(camera: $0, view: $1) }
        self.stop = stop
        self.readyShare = readyShare
        self.token = token
    }

    func answer(_ r: Request) -> Reply {
        let parts = r.parts
        if parts.count == 5, parts[0] == "api", parts[1] == "v1", parts[2] == "streams", parts[4] == "snapshot.jpg" {
            return snapshot(of: parts[3], r)
        }
        return .now(answerNow(parts, r))
    }

    /// A camera's latest picture as JPEG, made off the event loop.
    private func snapshot(of camera: String, _ r: Request) -> Reply {
        guard r.head.method == .GET || r.head.method == .HEAD else { return .now(notAllowed("GET")) }
        if let refused = authorise(r) { return .now(refused) }
        let name = r.query["view"] ?? "output"
        guard let view = SnapshotView(rawValue: name) else {
            return .now(.text(.badRequest, "view must be input, output or side-by-side, not \(name)\n"))
        }
        guard reports().contains(where: { $0.stream == camera }) else { return .now(.text(.notFound, "no camera named \(camera)\n")) }
        let snapshot = self.snapshot
        return .later {
            do {
                guard let jpeg = try snapshot(camera, view) else {
                    return .text(.serviceUnavailable, "\(camera) has no picture yet\n")
                }
                return .jpeg(jpeg)
            } catch {
                return .text(.internalServerError, "cannot make the snapshot: \(error)\n")
            }
        }
    }

    private func answerNow(_ parts: [String], _ r: Request) -> Response {
        let read = r.head.method == .GET || r.head.method == .HEAD
        switch (parts.first, parts.count) {
        case (nil, 0):
            return read ? Response(status: .ok, contentType: "text/html; charset=utf-8", body: Array(StatusPage.html.utf8)) : notAllowed("GET")
        case ("healthz", 1):
            return read ? .text(.ok, "ok\n") : notAllowed("GET")
        case ("readyz", 1):
            guard read else { return notAllowed("GET") }
            let all = reports(), live = all.filter { $0.state == .live }.count
            let ready = Double(live) >= readyShare * Double(all.count)
            return .json(Readiness(ready: ready, live: live, cameras: all.count, needed: readyShare),
                         status: ready ? .ok : .serviceUnavailable)
        case ("metrics", 1):
            guard read else { return notAllowed("GET") }
            return Response(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: metrics())
        case ("api", _) where parts.count >= 3 && parts[1] == "v1":
            return api(Array(parts.dropFirst(2)), r)
        default:
            return .text(.notFound, "no such page: \(r.path)\n")
        }
    }

    private func api(_ parts: [String], _ r: Request) -> Response {
        let read = r.head.method == .GET || r.head.method == .HEAD
        switch (parts[0], parts.count) {
        case ("streams", 1):
            return read ? .json(reports()) : notAllowed("GET")
        case ("streams", 2):
            guard read else { return notAllowed("GET") }
            guard let one = reports().first(where: { $0.stream == parts[1] }) else {
                return .text(.notFound, "no camera named \(parts[1])\n")
            }
            return .json(one)
        case ("config", 1):
            guard r.head.method == .PUT else { return notAllowed("PUT") }
            if let refused = authorise(r) { return refused }
            guard let reconfigure else { return .text(.notFound, "this vsr runs no --config: nothing to reconfigure\n") }
            do { return .json(try reconfigure(r.body)) } catch {
                return .text(.badRequest, "configuration not changed: \(error)\n")
            }
        case ("stop", 1):
            guard r.head.method == .POST else { return notAllowed("POST") }
            if let refused = authorise(r) { return refused }
            stop()
            return .text(.accepted, "stopping\n")
        default:
            return .text(.notFound, "no such endpoint: \(r.path)\n")
        }
    }

    /// Nil when the request may change the service or see a camera; else the 401 to send.
    private func authorise(_ r: Request) -> Response? {
        guard let token else { return nil }  // no token: loopback only, trusted (vsr stream refuses any other listener without one)
        guard let given = r.bearer, Self.constantTimeEqual(Array(given.utf8), Array(token.utf8)) else {
            var refused = Response.text(.unauthorized, "this endpoint needs the bearer token (--http-token-file)\n")
            refused.headers = [("WWW-Authenticate", "Bearer")]
            return refused
        }
        return nil
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) { diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0) }
        return diff == 0
    }

    private func notAllowed(_ allowed: String) -> Response {
        var r = Response.text(.methodNotAllowed, "method not allowed; use \(allowed)\n")
        r.headers = [("Allow", allowed == "GET" ? "GET, HEAD" : allowed)]
        return r
    }

    struct Readiness: Encodable {
        let ready: Bool
        let live: Int
        let cameras: Int
        let needed: Double
    }
}

/// Whether a listen address is loopback (127.0.0.0/8, ::1, localhost): only there may the
/// service run without a token.
public func isLoopbackHost(_ host: String) -> Bool {
    host == "localhost" || host == "::1" || host == "[::1]" || host.hasPrefix("127.")
}

import Dispatch
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The HTTP/1 listener of `vsr stream --http`, on SwiftNIO: one event-loop thread, apart from
/// every camera thread (a handler reads the job's counters for a moment and never blocks; no
/// camera thread ever waits on HTTP). Bounded: at most `maxConnections` at once (more are closed
/// on accept), a request head must arrive within `requestSeconds`, headers are limited by NIO's
/// parser (80 KiB), a body by `maxBodyBytes` (413), an idle connection is closed.
public final class StatusServer: Sendable {
    public struct Limits: Sendable {
        public var maxConnections = 64
        public var maxBodyBytes = 64 << 10
        public var requestSeconds: Int64 = 10
        public var idleSeconds: Int64 = 30
        public init() {}
    }

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// The port bound (the one asked for, or the system's choice for 0).
    public let port: Int

    public init(host: String, port: Int, routes: StatusRoutes, limits: Limits = Limits()) throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let open = ConnectionCount()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                guard open.admit(limits.maxConnections) else { return channel.close() }
                channel.closeFuture.whenComplete { _ in open.release() }
                do {
                    let sync = channel.pipeline.syncOperations
                    try sync.configureHTTPServerPipeline(withErrorHandling: true)
                    try sync.addHandler(IdleStateHandler(allTimeout: .seconds(limits.idleSeconds)))
                    try sync.addHandler(RequestHandler(routes: routes, limits: limits))
                    return channel.eventLoop.makeSucceededVoidFuture()
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
            }
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 4)
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.group = group
        self.port = channel.localAddress?.port ?? port
    }

    /// Closes the listener and every connection.
    public func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// Connections open now, against the limit.
private final class ConnectionCount: Sendable {
    private let open = Atomic<Int>(0)
    func admit(_ limit: Int) -> Bool {
        if open.add(1, ordering: .relaxed).newValue <= limit { return true }
        open.subtract(1, ordering: .relaxed)
        return false
    }
    func release() { open.subtract(1, ordering: .relaxed) }
}

/// One connection: collects a request (head, bounded body), answers it from `routes`.
private final class RequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let routes: StatusRoutes
    let limits: StatusServer.Limits
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false
    /// Requests answered on this connection: each deadline belongs to the next one.
    private var answered = 0

    init(routes: StatusRoutes, limits: StatusServer.Limits) {
        self.routes = routes
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) { armDeadline(context) }

    /// The next request must be answered within `requestSeconds` of the connection, or of the
    /// last answer: a client that sends its request a byte at a time (or nothing) is closed.
    private func armDeadline(_ context: ChannelHandlerContext) {
        let expected = answered, channel = context.channel
        let me = NIOLoopBound(self, eventLoop: context.eventLoop)
        context.eventLoop.scheduleTask(in: .seconds(limits.requestSeconds)) {
            if me.value.answered == expected { channel.close(promise: nil) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.removeAll(keepingCapacity: true)
            tooLarge = false
        case .body(let chunk):
            if body.count + chunk.readableBytes > limits.maxBodyBytes { tooLarge = true } else { body += chunk.readableBytesView }
        case .end:
            guard let head else { return }
            self.head = nil
            let reply = tooLarge ? .now(Response.text(.payloadTooLarge, "request body over \(limits.maxBodyBytes) bytes\n"))
                : routes.answer(Request(head: head, body: body))
            switch reply {
            case .now(let response):
                finish(response, for: head, context: context)
            case .later(let work):
                // Slow work (a JPEG) off the event loop, one at a time for the whole server;
                // the answer is written back on the loop.
                let me = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                let loop = context.eventLoop
                Self.slowWork.async {
                    let response = work()
                    loop.execute { me.value.0.finish(response, for: head, context: me.value.1) }
                }
            }
        }
    }

    static let slowWork = DispatchQueue(label: "vsr-http-slow-work")

    private func finish(_ response: Response, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        write(response, for: head, context: context)
        answered += 1
        armDeadline(context)
    }

    private func write(_ r: Response, for head: HTTPRequestHead, context: ChannelHandlerContext) {
        let keepAlive = head.isKeepAlive && !tooLarge
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: r.contentType)
        headers.add(name: "Content-Length", value: String(r.body.count))
        headers.add(name: "Cache-Control", value: "no-store")
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        for (name, value) in r.headers { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: r.status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: r.body)))), promise: nil)
        }
        let done = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
        if !keepAlive {
            let channel = context.channel
            done.futureResult.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
}

#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import Synchronization
import ThrustCore

/// What the socket server asks of the rest of the daemon.
public struct SocketActions: Sendable {
    /// The current status (for `STATUS` on connect and on `status`).
    public var status: @Sendable () -> DaemonStatus
    /// Raw watchers went up (+1) or down (−1).
    public var rawWatchers: @Sendable (Int) -> Void
    /// A permitted control command; returns an error text, or nil when it was accepted.
    public var control: @Sendable (ClientCommand) -> String?
    /// Client count or drops changed.
    public var clientsChanged: @Sendable (_ connected: Int, _ dropped: Int) -> Void

    public init(status: @escaping @Sendable () -> DaemonStatus, rawWatchers: @escaping @Sendable (Int) -> Void,
                control: @escaping @Sendable (ClientCommand) -> String?,
                clientsChanged: @escaping @Sendable (Int, Int) -> Void) {
        self.status = status
        self.rawWatchers = rawWatchers
        self.control = control
        self.clientsChanged = clientsChanged
    }
}

/// The Unix socket (SPEC §6) on SwiftNIO: `VERSION` and `STATUS` on connect, every event
/// streamed, one JSON command per line. One event-loop thread serves all clients; a client whose
/// queue passes `queueBytes` (it stopped reading) is dropped, never waited for.
public final class SocketServer: Sendable {
    public struct Options: Sendable {
        public var path: String
        public var mode: UInt32
        public var groupName: String
        public var maxClients: Int
        public var queueBytes: Int
        public static let maxLineBytes = 4096

        public init(path: String, mode: UInt32 = 0o660, groupName: String = "thrust", maxClients: Int = 128,
                    queueBytes: Int = 65_536) {
            self.path = path
            self.mode = mode
            self.groupName = groupName
            self.maxClients = maxClients
            self.queueBytes = queueBytes
        }
    }

    public let options: Options
    private let group: MultiThreadedEventLoopGroup
    private let hub: ClientHub
    private let logger: Logger
    private let serverChannel = Mutex<Channel?>(nil)

    public init(options: Options, actions: SocketActions, logger: Logger) {
        self.options = options
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let groupID = PeerCredentials.groupID(named: options.groupName)
        hub = ClientHub(eventLoop: loop, options: options, groupID: groupID, actions: actions, logger: logger)
    }

    /// Binds the socket (a stale socket file is replaced; a live daemon on it is an error), sets
    /// its mode and group.
    public func start() async throws(DaemonError) {
        let path = options.path
        try Self.removeStaleSocket(path)
        let hub = self.hub
        let queueBytes = options.queueBytes
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .childChannelOption(ChannelOptions.allowRemoteHalfClosure, value: true)
            .childChannelOption(ChannelOptions.writeBufferWaterMark,
                                value: ChannelOptions.Types.WriteBufferWaterMark(low: queueBytes / 2, high: queueBytes))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ClientHandler(hub: hub))
                }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(unixDomainSocketPath: path).get()
        } catch {
            throw DaemonError("\(path): cannot listen: \(error)")
        }
        serverChannel.withLock { $0 = channel }
        if chmod(path, mode_t(options.mode)) != 0 {
            logger.warning("\(path): chmod \(String(options.mode, radix: 8)) failed: \(errnoText(errno))")
        }
        var info = stat()
        let currentGroup: gid_t? = stat(path, &info) == 0 ? info.st_gid : nil
        if let gid = hub.groupID {
            // Under systemd (Group=thrust) the socket already has its group; chown only if not.
            if currentGroup != gid && chown(path, uid_t.max, gid) != 0 {
                logger.warning("\(path): cannot give the socket to group \(options.groupName): \(errnoText(errno))")
            }
        } else {
            logger.notice("group \(options.groupName) does not exist: control commands only from root and uid \(geteuid())")
        }
        logger.info("listening on \(path)")
    }

    /// Hands lines to every client (any thread; returns at once).
    public func broadcast(_ lines: [EncodedLine]) {
        let hub = self.hub
        hub.eventLoop.execute { hub.broadcast(lines) }
    }

    /// Stops listening, closes every client, removes the socket file, ends the loop thread.
    public func stop() async {
        let channel = serverChannel.withLock { value -> Channel? in
            let current = value
            value = nil
            return current
        }
        if let channel { try? await channel.close().get() }
        let hub = self.hub
        try? await hub.eventLoop.submit { hub.closeAll() }.get()
        unlink(options.path)
        try? await group.shutdownGracefully()
    }

    /// A socket file left by a crash is removed; one that answers is another daemon's.
    static func removeStaleSocket(_ path: String) throws(DaemonError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw DaemonError("\(path): exists and is not a socket; remove it or choose another --socket")
        }
        if canConnect(path) {
            throw DaemonError("\(path): another thrustd is already listening there")
        }
        unlink(path)
    }

    static func canConnect(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}

/// The connected clients. Lives on the event loop: every method runs there.
final class ClientHub: @unchecked Sendable {
    // @unchecked: all state is touched only on `eventLoop` (asserted).
    final class Client {
        let channel: Channel
        let peer: PeerCredentials?
        let mayControl: Bool
        var raw = false
        init(channel: Channel, peer: PeerCredentials?, mayControl: Bool) {
            self.channel = channel
            self.peer = peer
            self.mayControl = mayControl
        }
    }

    let eventLoop: EventLoop
    let options: SocketServer.Options
    let groupID: UInt32?
    let actions: SocketActions
    let logger: Logger
    private var clients: [ObjectIdentifier: Client] = [:]
    private var dropped = 0

    init(eventLoop: EventLoop, options: SocketServer.Options, groupID: UInt32?, actions: SocketActions, logger: Logger) {
        self.eventLoop = eventLoop
        self.options = options
        self.groupID = groupID
        self.actions = actions
        self.logger = logger
    }

    /// Registers a client; false when there are too many.
    func add(_ channel: Channel, peer: PeerCredentials?) -> Bool {
        eventLoop.assertInEventLoop()
        guard clients.count < options.maxClients else { return false }
        let mayControl = peer?.mayControl(groupID: groupID) ?? false
        clients[ObjectIdentifier(channel)] = Client(channel: channel, peer: peer, mayControl: mayControl)
        actions.clientsChanged(clients.count, dropped)
        return true
    }

    func remove(_ channel: Channel) {
        eventLoop.assertInEventLoop()
        guard let client = clients.removeValue(forKey: ObjectIdentifier(channel)) else { return }
        if client.raw { actions.rawWatchers(-1) }
        actions.clientsChanged(clients.count, dropped)
    }

    func client(_ channel: Channel) -> Client? { clients[ObjectIdentifier(channel)] }

    func setRaw(_ raw: Bool, for channel: Channel) {
        guard let client = client(channel), client.raw != raw else { return }
        client.raw = raw
        actions.rawWatchers(raw ? 1 : -1)
    }

    func broadcast(_ lines: [EncodedLine]) {
        eventLoop.assertInEventLoop()
        guard !clients.isEmpty else { return }
        var plain: ByteBuffer?
        var everything: ByteBuffer?
        for client in clients.values {
            let buffer: ByteBuffer
            if client.raw {
                if everything == nil { everything = Self.buffer(lines, includingSamples: true) }
                buffer = everything ?? ByteBuffer()
            } else {
                if plain == nil { plain = Self.buffer(lines, includingSamples: false) }
                buffer = plain ?? ByteBuffer()
            }
            if buffer.readableBytes == 0 { continue }
            guard client.channel.isWritable else {
                drop(client)
                continue
            }
            client.channel.writeAndFlush(buffer, promise: nil)
        }
    }

    private static func buffer(_ lines: [EncodedLine], includingSamples: Bool) -> ByteBuffer {
        var size = 0
        for line in lines where includingSamples || !line.isSample { size += line.text.utf8.count }
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        for line in lines where includingSamples || !line.isSample { buffer.writeString(line.text) }
        return buffer
    }

    /// A client that stopped reading: its queue is full; close without waiting.
    private func drop(_ client: Client) {
        dropped += 1
        logger.warning("client \(client.peer?.description ?? "?") dropped: not reading (more than \(options.queueBytes) bytes queued)")
        clients.removeValue(forKey: ObjectIdentifier(client.channel))
        if client.raw { actions.rawWatchers(-1) }
        actions.clientsChanged(clients.count, dropped)
        client.channel.close(promise: nil)
    }

    func closeAll() {
        for client in clients.values { client.channel.close(promise: nil) }
        clients.removeAll()
    }

    /// `{"class":"VERSION",…}`.
    static var versionLine: String {
        var object = JSONObjectWriter(className: "VERSION")
        object.string("release", ThrustDaemonInfo.release)
        object.int("proto", ThrustDaemonInfo.proto)
        return object.finish()
    }

    func statusLine() -> String {
        actions.status().jsonLine(extraFields: "\"time\":" + JSONText.quoted(RFC3339.timestamp(wallNs: DaemonClock.wallNs())))
    }
}

/// `struct ucred` of <sys/socket.h> (only declared with _GNU_SOURCE, so not imported): the
/// SO_PEERCRED result, laid out the same way.
struct LinuxPeerCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    /// SO_PEERCRED (asm-generic/socket.h).
    static let optionName: Int32 = 17
}

/// One connection: line framing (≤ 4 KiB), commands, replies.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let hub: ClientHub
    private var pending = ByteBuffer()
    private var registered = false
    private var closing = false

    init(hub: ClientHub) {
        self.hub = hub
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let hub = self.hub
        let peerFuture: EventLoopFuture<LinuxPeerCred>
        if let provider = channel as? SocketOptionProvider {
            peerFuture = provider.unsafeGetSocketOption(level: SocketOptionLevel(SOL_SOCKET),
                                                        name: SocketOptionName(LinuxPeerCred.optionName))
        } else {
            peerFuture = channel.eventLoop.makeFailedFuture(DaemonError("no socket options"))
        }
        let loopBoundSelf = NIOLoopBound(self, eventLoop: channel.eventLoop)
        let loopBoundContext = NIOLoopBound(context, eventLoop: channel.eventLoop)
        peerFuture.whenComplete { result in
            let peer: PeerCredentials?
            switch result {
            case .success(let credentials): peer = PeerCredentials(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
            case .failure: peer = nil
            }
            let handler = loopBoundSelf.value
            let context = loopBoundContext.value
            guard hub.add(channel, peer: peer) else {
                handler.send(ProtocolError("too many clients (\(hub.options.maxClients)); try again later").jsonLine, context: context)
                handler.closing = true
                context.close(promise: nil)
                return
            }
            handler.registered = true
            handler.send(ClientHub.versionLine, context: context)
            handler.send(hub.statusLine(), context: context)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if registered { hub.remove(context.channel) }
        registered = false
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var incoming = unwrapInboundIn(data)
        pending.writeBuffer(&incoming)
        while let newline = pending.readableBytesView.firstIndex(of: 0x0A) {
            let length = newline - pending.readerIndex
            guard let line = pending.readBytes(length: length) else { break }
            pending.moveReaderIndex(forwardBy: 1)
            if line.count > SocketServer.Options.maxLineBytes {
                tooLong(context: context)
                return
            }
            handle(line, context: context)
            if closing { return }
        }
        if pending.readableBytes > SocketServer.Options.maxLineBytes {
            tooLong(context: context)
            return
        }
        pending.discardReadBytes()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            // The client closed its writing side: a last line without a newline still counts;
            // events keep streaming until it closes the connection.
            if pending.readableBytes > 0, let line = pending.readBytes(length: pending.readableBytes) {
                handle(line, context: context)
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private func tooLong(context: ChannelHandlerContext) {
        send(ProtocolError("line longer than \(SocketServer.Options.maxLineBytes) bytes; closing the connection").jsonLine,
             context: context)
        closing = true
        pending.clear()
        context.close(promise: nil)
    }

    private func handle(_ rawLine: [UInt8], context: ChannelHandlerContext) {
        var line = rawLine
        if line.last == 0x0D { line.removeLast() }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
        switch ClientCommand.parse(line) {
        case .failure(let error):
            send(error.jsonLine, context: context)
        case .success(let command):
            guard let client = hub.client(context.channel) else { return }
            if command.isControl && !client.mayControl {
                let who = client.peer.map { "uid \($0.uid)" } ?? "an unknown peer"
                send(ProtocolError("permission denied: \(who) may not send control commands; "
                                   + "they need root or membership of group \(hub.options.groupName)").jsonLine, context: context)
                return
            }
            switch command {
            case .status:
                send(hub.statusLine(), context: context)
            case .watch(let raw):
                hub.setRaw(raw, for: context.channel)
            default:
                if let problem = hub.actions.control(command) {
                    send(ProtocolError(problem).jsonLine, context: context)
                } else {
                    send(hub.statusLine(), context: context)
                }
            }
        }
    }

    private func send(_ line: String, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: line.utf8.count + 1)
        buffer.writeString(line)
        buffer.writeInteger(UInt8(0x0A))
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}

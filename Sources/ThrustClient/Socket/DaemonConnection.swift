import ThrustCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why talking to the daemon failed.
public struct ConnectionError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// No socket, refused, or not allowed: the daemon is not running (or not for us).
        case cannotConnect
        /// The daemon closed the connection (it stopped or restarted, or dropped us).
        case closed
        /// A read or write failed, or a line was impossibly long.
        case io
        /// The daemon did not answer within the time allowed.
        case timedOut
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// A connection to `thrustd`'s Unix stream socket (SPEC §6): JSON lines both ways.
///
/// Blocking I/O with poll(2) timeouts, so callers can check for Ctrl-C between waits. Writes use
/// MSG_NOSIGNAL: a daemon that went away is an error, not a SIGPIPE.
public final class DaemonConnection {
    /// Lines longer than this are not events (SPEC events are a few hundred bytes).
    public static let maxLineBytes = 1 << 20

    public let path: String
    private var fd: Int32
    private var buffer: [UInt8] = []
    /// Start of the unread bytes in `buffer`.
    private var readIndex = 0

    public init(path: String) throws(ConnectionError) {
        self.path = path
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let pathBytes = Array(path.utf8)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw ConnectionError(.cannotConnect, "\(path): not a usable socket path (1…\(capacity - 1) bytes)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in pathBytes.enumerated() { raw[index] = byte }
            raw[pathBytes.count] = 0
        }
        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        let descriptor = socket(AF_UNIX, socketType, 0)
        guard descriptor >= 0 else {
            throw ConnectionError(.cannotConnect, "cannot create a socket: \(Self.errnoText(errno))")
        }
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            _ = closeDescriptor(descriptor)
            var hint = ""
            if code == ENOENT || code == ECONNREFUSED { hint = " (is thrustd running? see --socket)" }
            if code == EACCES || code == EPERM { hint = " (the socket is for root and the thrust group)" }
            throw ConnectionError(.cannotConnect, "cannot connect to \(path): \(Self.errnoText(code))\(hint)")
        }
        fd = descriptor
    }

    deinit { close() }

    public func close() {
        if fd >= 0 {
            _ = closeDescriptor(fd)
            fd = -1
        }
    }

    /// Sends one line (a newline is added).
    public func send(_ line: String) throws(ConnectionError) {
        guard fd >= 0 else { throw ConnectionError(.closed, "\(path): the connection is closed") }
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return sendBytes(fd, base + sent, raw.count - sent)
            }
            if count > 0 {
                sent += count
            } else if count < 0 && errno == EINTR {
                continue
            } else {
                let code = errno
                throw ConnectionError(code == EPIPE || code == ECONNRESET ? .closed : .io,
                                      "\(path): cannot send: \(Self.errnoText(code))")
            }
        }
    }

    /// Sends a command object, e.g. `["cmd": "status"]` as `{"cmd":"status"}` (keys in the order given).
    public func sendCommand(_ fields: KeyValuePairs<String, JSONValue>) throws(ConnectionError) {
        try send(JSONValue.objectText(fields.map { ($0.key, $0.value) }))
    }

    /// The next line (without its newline), or nil when `timeoutS` passes first (nil timeout =
    /// wait for ever). Throws `.closed` at end of stream.
    public func readLine(timeoutS: Double?) throws(ConnectionError) -> String? {
        let deadline = timeoutS.map { MonotonicClock.seconds() + max($0, 0) }
        while true {
            if let line = takeLine() { return line }
            guard fd >= 0 else { throw ConnectionError(.closed, "\(path): the connection is closed") }
            var waitMs: Int32 = -1
            if let deadline {
                let left = deadline - MonotonicClock.seconds()
                if left <= 0 { return nil }
                waitMs = Int32(min((left * 1000).rounded(.up), 60_000))
            }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, waitMs)
            if ready < 0 {
                if errno == EINTR { return nil }  // a signal: let the caller look at its stop flag
                throw ConnectionError(.io, "\(path): poll failed: \(Self.errnoText(errno))")
            }
            if ready == 0 { continue }
            try fill()
        }
    }

    /// Reads what is available into the buffer.
    private func fill() throws(ConnectionError) {
        if readIndex > 0 && readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { raw -> Int in
            guard let base = raw.baseAddress else { return 0 }
            return recv(fd, base, raw.count, 0)
        }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
            if buffer.count - readIndex > Self.maxLineBytes && !buffer[readIndex...].contains(0x0A) {
                throw ConnectionError(.io, "\(path): a line longer than \(Self.maxLineBytes) bytes")
            }
        } else if count == 0 {
            close()
            throw ConnectionError(.closed, "\(path): thrustd closed the connection")
        } else if errno != EINTR && errno != EAGAIN {
            let code = errno
            close()
            throw ConnectionError(code == ECONNRESET ? .closed : .io, "\(path): cannot read: \(Self.errnoText(code))")
        }
    }

    private func takeLine() -> String? {
        guard readIndex < buffer.count, let newline = buffer[readIndex...].firstIndex(of: 0x0A) else { return nil }
        var end = newline
        if end > readIndex && buffer[end - 1] == 0x0D { end -= 1 }
        let line = String(decoding: buffer[readIndex..<end], as: UTF8.self)
        readIndex = newline + 1
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        return line
    }

    static func errnoText(_ code: Int32) -> String { String(cString: strerror(code)) }
}

// File-level wrappers: inside the class, `close` and `send` name its own methods.
private func closeDescriptor(_ fd: Int32) -> Int32 { close(fd) }

private func sendBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return send(fd, bytes, count, Int32(MSG_NOSIGNAL))
    #else
    return send(fd, bytes, count, 0)
    #endif
}

/// Seconds on the monotonic clock (for timeouts).
public enum MonotonicClock {
    public static func seconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}

extension JSONValue {
    /// JSON text of the value (numbers in their shortest form).
    public var jsonText: String {
        switch self {
        case .string(let text): return JSONText.quoted(text)
        case .number(let value):
            if !value.isFinite { return "null" }
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "null"
        case .array(let values): return "[" + values.map(\.jsonText).joined(separator: ",") + "]"
        case .object(let text): return text
        }
    }

    /// `{"key":value,…}` in the order given.
    public static func objectText(_ fields: [(String, JSONValue)]) -> String {
        "{" + fields.map { JSONText.quoted($0.0) + ":" + $0.1.jsonText }.joined(separator: ",") + "}"
    }
}

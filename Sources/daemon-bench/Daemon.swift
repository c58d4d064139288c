#if canImport(Glibc)
import Glibc
#endif

/// A `thrustd` started by the benchmark, with its figures read from /proc.
final class BenchDaemon {
    let pid: pid_t
    let socketPath: String
    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    init(binary: String, arguments: [String], workDirectory: String, name: String) throws(BenchError) {
        socketPath = workDirectory + "/run-\(name)/thrustd.sock"
        let argv = [binary, "--state-dir", workDirectory + "/state-\(name)", "--runtime-dir", workDirectory + "/run-\(name)",
                    "--no-print-events"] + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, workDirectory + "/thrustd-\(name).err",
                                         O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { for pointer in cArguments { free(pointer) } }
        var child: pid_t = 0
        let error = posix_spawn(&child, binary, &actions, nil, cArguments, environ)
        guard error == 0 else { throw BenchError("cannot start \(binary): \(String(cString: strerror(error)))") }
        pid = child
        // Ready when the socket accepts connections.
        let deadline = monotonicSeconds() + 30
        while monotonicSeconds() < deadline {
            if let probe = try? BenchClient(path: socketPath) {
                _ = probe
                return
            }
            if exitStatus(wait: false) != nil { throw BenchError("thrustd exited at start; see \(workDirectory)/thrustd-\(name).err") }
            usleep(20_000)
        }
        throw BenchError("thrustd did not open \(socketPath) within 30 s")
    }

    /// utime + stime, s.
    func cpuSeconds() -> Double? {
        guard let text = readText("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the comm field: state is field 3, utime 14, stime 15 (1-based) → indices 11, 12 here.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / ticksPerSecond
    }

    /// VmRSS and VmHWM, KiB.
    func memoryKiB() -> (rss: Int, peak: Int)? {
        guard let text = readText("/proc/\(pid)/status") else { return nil }
        var rss: Int?
        var peak: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") { rss = Int(line.split(separator: " ").dropFirst().first ?? "") }
            if line.hasPrefix("VmHWM:") { peak = Int(line.split(separator: " ").dropFirst().first ?? "") }
        }
        guard let rss, let peak else { return nil }
        return (rss, peak)
    }

    func terminate() { kill(pid, SIGTERM) }

    /// The exit status once it has exited (nil while running, or always nil when not waiting).
    func exitStatus(wait: Bool) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, wait ? 0 : WNOHANG)
        guard result == pid else { return nil }
        let exited = status & 0x7F == 0
        return exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}

/// A socket client that reads event lines and measures each one's latency from its `mono_ns`.
final class BenchClient {
    let fd: Int32
    private var partial: [UInt8] = []
    private(set) var open = true

    init(path: String) throws(BenchError) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let text = String(cString: strerror(errno))
            close(fd)
            throw BenchError("connect \(path): \(text)")
        }
    }

    deinit { close(fd) }

    /// Reads what is there; for each complete line calls `line(bytes, receivedMonoNs)`.
    func readAvailable(_ line: (ArraySlice<UInt8>, Int64) -> Void) {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
            open = false
            return
        }
        guard count > 0 else { return }
        let now = monotonicNs()
        partial.append(contentsOf: chunk[0..<count])
        var start = 0
        while let newline = partial[start...].firstIndex(of: 0x0A) {
            line(partial[start..<newline], now)
            start = newline + 1
        }
        partial.removeFirst(start)
    }
}

/// Clients read in one poll loop; each event line's latency = receive time − `mono_ns`.
struct LatencyCollector {
    var latenciesMs: [Double] = []
    var byClass: [String: [Double]] = [:]
    var lines = 0

    mutating func consume(_ line: ArraySlice<UInt8>, receivedNs: Int64) {
        lines += 1
        guard let stamp = Self.integerField(line, "\"mono_ns\":") else { return }
        let ms = Double(receivedNs - stamp) / 1e6
        latenciesMs.append(ms)
        let className = Self.stringField(line, "\"class\":\"") ?? "?"
        byClass[className, default: []].append(ms)
    }

    static func integerField(_ line: ArraySlice<UInt8>, _ key: String) -> Int64? {
        guard let range = find(line, Array(key.utf8)) else { return nil }
        var value: Int64 = 0
        var index = range
        var digits = 0
        while index < line.endIndex, (48...57).contains(line[index]) {
            value = value * 10 + Int64(line[index] - 48)
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    static func stringField(_ line: ArraySlice<UInt8>, _ key: String) -> String? {
        guard let start = find(line, Array(key.utf8)) else { return nil }
        guard let end = line[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: line[start..<end], as: UTF8.self)
    }

    /// Index just after the first occurrence of `needle`.
    static func find(_ line: ArraySlice<UInt8>, _ needle: [UInt8]) -> Int? {
        guard needle.count <= line.count else { return nil }
        var index = line.startIndex
        while index + needle.count <= line.endIndex {
            if line[index] == needle[0] && line[index..<(index + needle.count)].elementsEqual(needle) { return index + needle.count }
            index += 1
        }
        return nil
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func monotonicSeconds() -> Double { Double(monotonicNs()) * 1e-9 }

func monotonicNs() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}

func readText(_ path: String) -> String? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 16_384)
    let count = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard count > 0 else { return nil }
    return String(decoding: bytes[0..<count], as: UTF8.self)
}

/// Polls every open client for `seconds` (or until `stop()`), feeding lines to `consume`.
func pump(_ clients: [BenchClient], seconds: Double, every: Double = 1, tick: (Double) -> Bool,
          consume: (ArraySlice<UInt8>, Int64) -> Void) {
    let start = monotonicSeconds()
    var nextTick = start + every
    while true {
        let now = monotonicSeconds()
        if now - start >= seconds { return }
        if now >= nextTick {
            nextTick += every
            if !tick(now - start) { return }
        }
        var fds = clients.filter(\.open).map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        let timeoutMs = Int32(max(1, min(nextTick - monotonicSeconds(), 0.2) * 1000))
        if fds.isEmpty {
            usleep(UInt32(timeoutMs) * 1000)
            continue
        }
        guard poll(&fds, nfds_t(fds.count), timeoutMs) > 0 else { continue }
        for entry in fds where entry.revents != 0 {
            clients.first { $0.fd == entry.fd }?.readAvailable(consume)
        }
    }
}

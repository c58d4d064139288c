import Foundation
import TestProcessSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Running the real binaries comes from TestProcessSupport; talking to the daemon's socket and
// reading its log are here.

/// The daemon's directories inside a test's scratch directory.
extension ScratchDirectory {
    var stateDir: String { path + "/state" }
    var runtimeDir: String { path + "/run" }
    var socketPath: String { runtimeDir + "/thrustd.sock" }
    var logDir: String { stateDir + "/log" }
}

/// A daemon started for a test, with its own directories.
final class DaemonUnderTest: @unchecked Sendable {
    let scratch: ScratchDirectory
    let process: RunningProcess

    init(_ scratch: ScratchDirectory, _ arguments: [String], environment: [String: String]? = nil,
         readyTimeoutS: Double = 30) throws {
        self.scratch = scratch
        process = try RunningProcess("thrustd", ["--state-dir", scratch.stateDir, "--runtime-dir", scratch.runtimeDir]
                                     + arguments, environment: environment)
        let ready = process.waitUntil(timeoutS: readyTimeoutS) {
            process.stderrSoFar.contains("ready:") || !process.isRunning
        }
        guard ready, process.isRunning else {
            throw TestFailure("thrustd did not become ready: \(process.stderrSoFar)")
        }
    }

    func connect() throws -> LineClient { try LineClient(path: scratch.socketPath) }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A blocking Unix-socket client reading lines with timeouts.
final class LineClient: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []
    private(set) var closedByPeer = false

    init(path: String, receiveBufferBytes: Int32? = nil) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        if var size = receiveBufferBytes {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw TestFailure("connect \(path): errno \(errno)")
        }
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let wrote = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.send(fd, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            }
            if wrote <= 0 { return }
            offset += wrote
        }
    }

    /// The next line (without newline), or nil on timeout or end of stream.
    func readLine(timeoutS: Double = 10) -> String? {
        let deadline = Date().addingTimeInterval(timeoutS)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if closedByPeer { return nil }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&entry, 1, Int32(remaining * 1000) + 1) <= 0 { continue }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 {
                closedByPeer = true
            } else {
                buffer.append(contentsOf: chunk[0..<count])
            }
        }
    }

    /// Lines until one satisfies `match` (returned last), or nil.
    func readUntil(timeoutS: Double = 20, _ match: (JSONObject) -> Bool) -> [JSONObject]? {
        let deadline = Date().addingTimeInterval(timeoutS)
        var seen: [JSONObject] = []
        while deadline.timeIntervalSinceNow > 0 {
            guard let line = readLine(timeoutS: deadline.timeIntervalSinceNow) else { return nil }
            guard let object = JSONObject(line) else { continue }
            seen.append(object)
            if match(object) { return seen }
        }
        return nil
    }
}

/// One JSON object line, parsed with Foundation.
struct JSONObject: @unchecked Sendable {
    let fields: [String: Any]
    let line: String

    init?(_ line: String) {
        guard let data = line.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        fields = object
        self.line = line
    }

    subscript(key: String) -> Any? { fields[key] }
    var className: String { fields["class"] as? String ?? "" }
    func string(_ key: String) -> String? { fields[key] as? String }
    func int(_ key: String) -> Int? { (fields[key] as? NSNumber)?.intValue }
    func double(_ key: String) -> Double? { (fields[key] as? NSNumber)?.doubleValue }

    /// The object without the daemon's own stamps, for comparing with `thrust analyze`.
    var withoutStamps: String {
        var copy = fields
        copy.removeValue(forKey: "time")
        copy.removeValue(forKey: "seq")
        copy.removeValue(forKey: "mono_ns")
        let data = (try? JSONSerialization.data(withJSONObject: copy, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Every line of every rep log file in `directory`, oldest first.
func readLog(_ directory: String) throws -> (objects: [JSONObject], badLines: [String]) {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".jsonl") }.sorted()
    var objects: [JSONObject] = []
    var bad: [String] = []
    for name in names {
        let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if let object = JSONObject(String(line)) { objects.append(object) } else { bad.append(String(line)) }
        }
    }
    return (objects, bad)
}

/// Captures made with `thrust simulate` (deterministic per scenario, seed and rate), kept in one
/// directory across runs; each is written under a temporary name and renamed into place, so
/// concurrent test runs never see half a file.
enum Captures {
    static let directory: String = {
        let path = "/tmp/thrustd-test-captures"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    static let lock = NSLock()

    static func simulated(scenario: String, seed: Int, rateHz: Int? = nil) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let name = "\(scenario)-\(seed)-\(rateHz.map(String.init) ?? "native")"
        let path = directory + "/" + name + ".csv"
        if FileManager.default.fileExists(atPath: path) { return path }
        let temporary = directory + "/" + name + "-\(getpid())"
        var arguments = ["simulate", "--scenario", scenario, "--seed", String(seed), "--out", temporary + ".csv",
                         "--truth", temporary + ".truth.json"]
        if let rateHz { arguments += ["--rate", String(rateHz)] }
        let result = try runBinary("thrust", arguments, timeoutS: 120)
        try? FileManager.default.removeItem(atPath: temporary + ".truth.json")
        guard result.status == 0 else { throw TestFailure("thrust simulate failed: \(result.stderr)") }
        guard rename(temporary + ".csv", path) == 0 else { throw TestFailure("rename to \(path): errno \(errno)") }
        return path
    }

    /// Lines of `thrust analyze --json --one-pass` on a capture: what a daemon replaying it with
    /// no stored calibration emits (plain `analyze` starts from what a first pass learnt).
    static func analyze(_ path: String) throws -> [JSONObject] {
        let result = try runBinary("thrust", ["analyze", path, "--json", "--one-pass"], timeoutS: 120)
        guard result.status == 0 else { throw TestFailure("thrust analyze failed: \(result.stderr)") }
        return result.stdoutLines.compactMap(JSONObject.init)
    }
}

/// Today's log file name (UTC), as the daemon names it.
func todayLogName() -> String {
    let formatter = DateFormatter()
    formatter.timeZone = TimeZone(identifier: "UTC")
    formatter.locale = Locale(identifier: "en_US_POSIX")
    formatter.dateFormat = "yyyy-MM-dd"
    return formatter.string(from: Date()) + ".jsonl"
}

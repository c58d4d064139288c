import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

// Running the real binaries (adapted from Tests/EndToEndTests/Support.swift) and talking to the
// daemon's socket.

enum Binaries {
    struct NotFound: Error, CustomStringConvertible {
        var name: String
        var searched: [String]
        var description: String {
            "executable '\(name)' not found; build it (swift build --product \(name)) or set THRUST_BIN_DIR. "
                + "Looked in: " + searched.joined(separator: ", ")
        }
    }

    static func path(_ name: String) throws -> String {
        var searched: [String] = []
        for directory in candidateDirectories() {
            let candidate = directory + "/" + name
            searched.append(directory)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        throw NotFound(name: name, searched: searched)
    }

    static func candidateDirectories() -> [String] {
        var directories: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["THRUST_BIN_DIR"], !fromEnvironment.isEmpty {
            directories.append(fromEnvironment)
        }
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""
        var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
        for _ in 0..<4 {
            directories.append(directory.path)
            directory = directory.deletingLastPathComponent()
        }
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        directories.append(packageRoot.appendingPathComponent(".build/debug").path)
        directories.append(packageRoot.appendingPathComponent(".build/release").path)
        return directories
    }
}

struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

/// A child process whose output goes to files (no pipe can fill up and block it).
final class RunningProcess: @unchecked Sendable {
    let process = Process()
    let executable: String
    private let outputDirectory: URL
    private var stdoutURL: URL { outputDirectory.appendingPathComponent("stdout") }
    private var stderrURL: URL { outputDirectory.appendingPathComponent("stderr") }

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        self.executable = executable.contains("/") ? executable : try Binaries.path(executable)
        outputDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("thrustd-test-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: self.executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        // A test run under systemd must not make the daemon talk to the real manager.
        merged.removeValue(forKey: "NOTIFY_SOCKET")
        merged.removeValue(forKey: "INVOCATION_ID")
        merged.removeValue(forKey: "WATCHDOG_USEC")
        if let environment { merged.merge(environment) { _, new in new } }
        process.environment = merged
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: outputDirectory)
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var stdoutSoFar: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    var stderrSoFar: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    @discardableResult
    func waitUntil(timeoutS: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutS)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    func wait(timeoutS: Double = 60) -> ProcessOutput {
        var timedOut = false
        if !waitUntil(timeoutS: timeoutS, { !process.isRunning }) {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return ProcessOutput(status: process.terminationStatus, stdout: stdoutSoFar, stderr: stderrSoFar, timedOut: timedOut)
    }

    func stop(signal: Int32 = SIGTERM, timeoutS: Double = 20) -> ProcessOutput {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return wait(timeoutS: timeoutS)
    }
}

func runBinary(_ name: String, _ arguments: [String], environment: [String: String]? = nil,
               timeoutS: Double = 120) throws -> ProcessOutput {
    try RunningProcess(name, arguments, environment: environment).wait(timeoutS: timeoutS)
}

/// A temporary directory for one test, removed afterwards. Short path: socket paths must fit
/// in 108 bytes.
final class ScratchDirectory: @unchecked Sendable {
    let path: String

    init() throws {
        path = "/tmp/tdt-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    @discardableResult
    func file(_ name: String, _ text: String) throws -> String {
        let filePath = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: filePath))
        return filePath
    }

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

    /// Lines of `thrust analyze --json` on a capture.
    static func analyze(_ path: String) throws -> [JSONObject] {
        let result = try runBinary("thrust", ["analyze", path, "--json"], timeoutS: 120)
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

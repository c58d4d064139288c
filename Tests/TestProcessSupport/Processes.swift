import Foundation


/// Shared by the test targets that run the package's programs (EndToEndTests, ClientTests,
/// DaemonTests): finding and running the built executables (`thrust`, `thrustd`, …) from tests.
///
/// Where binaries are looked for, first match wins:
/// 1. `$THRUST_BIN_DIR` (set it to test installed or release binaries);
/// 2. next to the running test bundle and up to three parents of it (`swift test` builds every
///    product of the package into the same directory as the test bundle: `.build/debug`, or the
///    `--scratch-path` one);
/// 3. `<package>/.build/debug`, `<package>/.build/release` (found from this file's path).
public enum Binaries {
    struct NotFound: Error, CustomStringConvertible {
        var name: String
        var searched: [String]
        var description: String {
            "executable '\(name)' not found; build it (swift build --product \(name)) or set THRUST_BIN_DIR. "
                + "Looked in: " + searched.joined(separator: ", ")
        }
    }

    /// Whether `name` is built (tests that need `thrustd` say so when it is not).
    public static func exists(_ name: String) -> Bool { (try? path(name)) != nil }

    /// The package root (Tests/TestProcessSupport/Processes.swift → up three levels).
    public static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }

    /// True when `thrust` is an optimised build (its path says release).
    public static var isReleaseBuild: Bool { ((try? path("thrust")) ?? "").contains("/release/") }

    /// Absolute path of the built executable `name`.
    public static func path(_ name: String) throws -> String {
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

    public static func candidateDirectories() -> [String] {
        var directories: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["THRUST_BIN_DIR"], !fromEnvironment.isEmpty {
            directories.append(fromEnvironment)
        }
        // The test runner itself: /proc/self/exe on Linux, Bundle.main elsewhere.
        let runner = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? Bundle.main.executablePath ?? CommandLine.arguments.first ?? ""
        var directory = URL(fileURLWithPath: runner).deletingLastPathComponent()
        for _ in 0..<4 {
            directories.append(directory.path)
            directory = directory.deletingLastPathComponent()
        }
        directories.append(packageRoot + "/.build/debug")
        directories.append(packageRoot + "/.build/release")
        return directories
    }
}

/// What a finished child process left behind.
public struct ProcessOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    /// True when the process was killed for running past its time limit.
    public var timedOut: Bool

    public var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

/// A child process started from a test; output goes to temporary files (no pipe can fill up and
/// block it). Use for long-running programs (the daemon): start, interact, then `stop()`.
public final class RunningProcess: @unchecked Sendable {
    public let process = Process()
    public let executable: String
    private let outputDirectory: URL
    private var stdoutURL: URL { outputDirectory.appendingPathComponent("stdout") }
    private var stderrURL: URL { outputDirectory.appendingPathComponent("stderr") }

    /// Starts `executable` (a path, or a package product name found by `Binaries`).
    public init(_ executable: String, _ arguments: [String], stdin: String? = nil,
         environment: [String: String]? = nil, currentDirectory: String? = nil) throws {
        self.executable = executable.contains("/") ? executable : try Binaries.path(executable)
        outputDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("thrust-test-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)

        process.executableURL = URL(fileURLWithPath: self.executable)
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        // A test run under systemd must not make a daemon talk to the real service manager.
        merged.removeValue(forKey: "NOTIFY_SOCKET")
        merged.removeValue(forKey: "INVOCATION_ID")
        merged.removeValue(forKey: "WATCHDOG_USEC")
        if let environment { merged.merge(environment) { _, new in new } }
        process.environment = merged
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        if let stdin {
            let stdinURL = outputDirectory.appendingPathComponent("stdin")
            try Data(stdin.utf8).write(to: stdinURL)
            process.standardInput = try FileHandle(forReadingFrom: stdinURL)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
    }

    deinit {
        if process.isRunning { process.terminate() }
        try? FileManager.default.removeItem(at: outputDirectory)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    /// What the process has written so far.
    public var stdoutSoFar: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderrSoFar: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    /// Polls `condition` every 20 ms until it holds or `timeoutS` passes; returns whether it held.
    @discardableResult
    public func waitUntil(timeoutS: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutS)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Waits for the process to exit; after `timeoutS` it is sent SIGTERM, then SIGKILL.
    public func wait(timeoutS: Double = 60) -> ProcessOutput {
        var timedOut = false
        if !waitUntil(timeoutS: timeoutS, { !process.isRunning }) {
            timedOut = true
            process.terminate()
            if !waitUntil(timeoutS: 2, { !process.isRunning }) {
                kill(process.processIdentifier, SIGKILL)
            }
        }
        process.waitUntilExit()
        return ProcessOutput(status: process.terminationStatus, stdout: stdoutSoFar, stderr: stderrSoFar,
                             timedOut: timedOut)
    }

    /// Sends `signal` (SIGTERM by default) and waits for the exit.
    public func stop(signal: Int32 = SIGTERM, timeoutS: Double = 20) -> ProcessOutput {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return wait(timeoutS: timeoutS)
    }
}

/// Runs a built executable to completion (killed after `timeoutS`) and returns its output.
public func runBinary(_ name: String, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil,
               timeoutS: Double = 120) throws -> ProcessOutput {
    let running = try RunningProcess(name, arguments, stdin: stdin, environment: environment)
    return running.wait(timeoutS: timeoutS)
}

/// A temporary directory for one test, removed afterwards. A short path under /tmp: a daemon's
/// socket path inside it must fit in 108 bytes.
public final class ScratchDirectory: @unchecked Sendable {
    public let path: String

    public init() throws {
        path = "/tmp/tdt-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` and returns the full path.
    @discardableResult
    public func file(_ name: String, _ text: String) throws -> String {
        let filePath = path + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: filePath))
        return filePath
    }

    /// The text of `name` in the directory.
    public func contents(_ name: String) throws -> String {
        try String(contentsOfFile: path + "/" + name, encoding: .utf8)
    }
}

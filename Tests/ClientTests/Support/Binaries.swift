import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Adapted from Tests/EndToEndTests/Support.swift: finding and running the package's executables.

/// Finds built executables (`thrust`, `thrustd`): `$THRUST_BIN_DIR`, then next to the test bundle
/// and up to three parents (swift test builds every product there), then `.build/debug|release`.
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

    /// Whether `name` is built (tests that need `thrustd` say so when it is not).
    static func exists(_ name: String) -> Bool { (try? path(name)) != nil }

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
        directories.append(packageRoot + "/.build/debug")
        directories.append(packageRoot + "/.build/release")
        return directories
    }

    /// Tests/ClientTests/Support/Binaries.swift → the package root.
    static var packageRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// True when `thrust` is an optimised build (its path says release).
    static var isReleaseBuild: Bool { ((try? path("thrust")) ?? "").contains("/release/") }
}

/// What a finished child process left behind.
struct ProcessOutput {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool

    var stdoutLines: [String] { stdout.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }
}

/// A child process; output goes to temporary files so no pipe can fill up and block it.
final class RunningProcess {
    let process = Process()
    private let outputDirectory: URL
    private var stdoutURL: URL { outputDirectory.appendingPathComponent("stdout") }
    private var stderrURL: URL { outputDirectory.appendingPathComponent("stderr") }

    init(_ executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil)
        throws {
        let path = executable.contains("/") ? executable : try Binaries.path(executable)
        outputDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("thrust-client-" + UUID().uuidString)
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
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
            process.terminate()
            if !waitUntil(timeoutS: 2, { !process.isRunning }) { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
        return ProcessOutput(status: process.terminationStatus, stdout: stdoutSoFar, stderr: stderrSoFar,
                             timedOut: timedOut)
    }

    func stop(signal: Int32 = SIGTERM, timeoutS: Double = 10) -> ProcessOutput {
        if process.isRunning { kill(process.processIdentifier, signal) }
        return wait(timeoutS: timeoutS)
    }
}

/// Runs `thrust ARGS` (or another product) to completion.
func runBinary(_ name: String, _ arguments: [String], stdin: String? = nil, environment: [String: String]? = nil,
               timeoutS: Double = 60) throws -> ProcessOutput {
    try RunningProcess(name, arguments, stdin: stdin, environment: environment).wait(timeoutS: timeoutS)
}

/// Runs `thrust ARGS` through bash and returns the output with the child's CPU time (user + system,
/// from bash's `times`), which is steadier than wall time on a busy machine.
func runTimed(_ arguments: [String], environment: [String: String]? = nil) throws -> (ProcessOutput, cpuS: Double) {
    let thrust = try Binaries.path("thrust")
    let quoted = ([thrust] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        .joined(separator: " ")
    let output = try runBinary("/bin/bash", ["-c", quoted + " >/dev/null; status=$?; times >&2; exit $status"],
                               environment: environment)
    // `times` prints two lines: the shell's, then its children's: "0m0.512s 0m0.020s".
    let childLine = output.stderr.split(separator: "\n").last.map(String.init) ?? ""
    var total = 0.0
    for part in childLine.split(separator: " ") {
        guard let m = part.firstIndex(of: "m"), let minutes = Double(part[..<m]),
              let seconds = Double(part[part.index(after: m)...].dropLast()) else { continue }
        total += minutes * 60 + seconds
    }
    return (output, total)
}

import ArgumentParser
import Foundation
import Synchronization
import ThrustCapture
import ThrustClient

#if canImport(Glibc)
import Glibc
#endif

/// Exit statuses of the client commands (docs/CLIENT.md).
enum ClientExit {
    /// The daemon refused (ERROR), the calibration failed, or the output could not be written.
    static let failed = ExitCode(1)
    /// The rep log (or another input file) cannot be read.
    static let unreadable = ExitCode(2)
    /// No daemon: the socket is missing, refused or not accessible, or the connection was lost.
    static let noDaemon = ExitCode(3)
    /// The daemon did not answer in time (calibrate, record, status).
    static let timedOut = ExitCode(4)
}

/// Where the daemon's socket is.
struct DaemonSocketOptions: ParsableArguments {
    @Option(help: ArgumentHelp("thrustd's socket.", discussion: "Default: <runtime dir>/thrustd.sock.", valueName: "path"))
    var socket: String?

    @Option(name: .customLong("runtime-dir"),
            help: ArgumentHelp("thrustd's runtime directory (as thrustd --runtime-dir). Default: /run/thrustd as root, "
                               + "else $XDG_RUNTIME_DIR/thrustd or /tmp/thrustd-UID.", valueName: "dir"))
    var runtimeDir: String?

    var paths: ClientPaths { ClientPaths(runtimeDir: runtimeDir, socket: socket) }

    /// Connects to thrustd, or says why not and exits with `ClientExit.noDaemon`.
    func connect() throws -> DaemonConnection {
        do {
            return try DaemonConnection(path: paths.socketPath)
        } catch {
            ClientConsole.error("thrust: \(error)")
            throw ClientExit.noDaemon
        }
    }
}

/// Where the rep log is.
struct RepLogOptions: ParsableArguments {
    @Option(name: .customLong("log-dir"),
            help: ArgumentHelp("The rep log directory (YYYY-MM-DD.jsonl files). Default: <state dir>/log.",
                               valueName: "dir"))
    var logDir: String?

    @Option(name: .customLong("state-dir"),
            help: ArgumentHelp("thrustd's state directory (as thrustd --state-dir). Default: /var/lib/thrustd as root, "
                               + "else $XDG_STATE_HOME/thrustd or ~/.local/state/thrustd.", valueName: "dir"))
    var stateDir: String?

    var paths: ClientPaths { ClientPaths(stateDir: stateDir, logDir: logDir) }
}

/// The range options of `log` and `report`.
struct LogRangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Only sets from then on: 7d, 12h, 2w, 30m (back from now), today, yesterday, a date "
                               + "(2024-05-01, local midnight) or an RFC 3339 time.", valueName: "when"))
    var since: String?

    @Option(help: ArgumentHelp("Only sets before then (same forms; a date includes that whole day).",
                               valueName: "when"))
    var until: String?

    func validate() throws {
        _ = try range(now: 0)
    }

    func range(now: Double, calendar: LocalCalendar = LocalCalendar()) throws -> TimeRange {
        do {
            return try TimeSpec.range(since: since, until: until, now: now, calendar: calendar)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

/// Writing to standard output and error with write(2), whole strings at a time.
enum ClientConsole {
    /// Writes `text` to standard output; false when it could not be written (closed pipe, full disk).
    @discardableResult
    static func out(_ text: String) -> Bool {
        write(1, text)
    }

    static func error(_ line: String) {
        _ = write(2, line + "\n")
    }

    /// Writes `text` to standard error as it is (no newline).
    static func errorRaw(_ text: String) {
        _ = write(2, text)
    }

    static func warning(_ line: String) {
        error("thrust: warning: " + line)
    }

    private static func write(_ fd: Int32, _ text: String) -> Bool {
        if case .failure = FileIO.writeAll(fd, text) { return false }
        return true
    }

    static var stdoutIsTerminal: Bool { isatty(1) == 1 }
    static var stdinIsTerminal: Bool { isatty(0) == 1 }

    /// Now, seconds since 1970 UTC.
    static func now() -> Double { Date().timeIntervalSince1970 }
}

/// Ctrl-C (SIGINT) and SIGTERM end `watch`, `record` and `calibrate` cleanly: they poll the flag
/// that Stream.swift's handlers set.
enum ClientSignals {
    static func install() { installHardwareStopHandlers() }
    static var stopRequested: Bool { hardwareStopRequested.load(ordering: .relaxed) }
}

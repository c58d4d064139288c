import ArgumentParser
import ThrustClient

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the daemon is doing: sensor, source, rate, mount, profile, state, clients, log, free disk.",
        discussion: """
            Connects to thrustd's socket, reads the VERSION and STATUS it sends on connect (SPEC §6) \
            and prints them with the rep log directory and the free space on its file system. \
            Fields the daemon adds beyond the SPEC are listed after the known ones.

            --json prints one object: the daemon's STATUS fields, then release, proto, socket, \
            log_dir and free_bytes.

            Exit status: 0 success; 1 the output could not be written; 3 no daemon (socket missing, \
            refused or not accessible); 4 no STATUS within --timeout; 64 bad usage.
            """
    )

    @OptionGroup var daemon: DaemonSocketOptions
    @OptionGroup var files: RepLogOptions

    @Option(help: ArgumentHelp("Seconds to wait for the daemon's STATUS.", valueName: "s"))
    var timeout = 3.0

    @Flag(help: "Print one JSON object.")
    var json = false

    func validate() throws {
        if !(timeout > 0) { throw ValidationError("--timeout must be more than 0 s") }
    }

    func run() async throws {
        let report: DaemonStatusReport
        do {
            report = try DaemonStatusReport.fetch(socketPath: daemon.paths.socketPath, logDir: files.paths.logDir,
                                                  timeoutS: timeout)
        } catch {
            ClientConsole.error("thrust: \(error)")
            throw error.kind == .timedOut ? ClientExit.timedOut : ClientExit.noDaemon
        }
        guard ClientConsole.out(json ? report.json() : report.text()) else {
            ClientConsole.error("thrust: cannot write the output")
            throw ClientExit.failed
        }
    }
}

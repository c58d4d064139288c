import ArgumentParser
import ThrustClient
import ThrustCore

extension Calibration.Target: ExpressibleByArgument {}

struct Calibrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Calibrate through the daemon, guided: gyro, accel, lockout or upright.",
        discussion: """
            Says what to do (keep still, hold the lockout, stand upright), waits for Enter when \
            standard input is a terminal (--yes skips that), sends \
            {"cmd":"calibrate","what":WHAT} to thrustd (SPEC §6) and follows its SENSOR and STATUS \
            events until the calibration is done: a SENSOR "calibrated" (for upright: \
            "upright_calibrated"), or the state going from calibrating back to ready.

            Control commands are only accepted from root or members of the socket's group.

            --json prints the daemon's lines as they come, then \
            {"class":"CALIBRATE","what":…,"ok":true|false,"detail"|"error":…}.

            Exit status: 0 calibrated; 1 the daemon refused (ERROR line: unknown target, not \
            allowed) or the sensor failed; 3 no daemon or the connection was lost; 4 not done \
            within --timeout; 130 interrupted (Ctrl-C); 64 bad usage.
            """
    )

    @Argument(help: ArgumentHelp("What to calibrate: gyro, accel, lockout or upright.", valueName: "what"))
    var what: Calibration.Target

    @OptionGroup var daemon: DaemonSocketOptions

    @Option(help: ArgumentHelp("Seconds to wait for the result.", valueName: "s"))
    var timeout = 30.0

    @Flag(name: [.customShort("y"), .long], help: "Do not wait for Enter before starting.")
    var yes = false

    @Flag(help: "Print the daemon's lines and a result object as JSON Lines.")
    var json = false

    func validate() throws {
        if !(timeout > 0) { throw ValidationError("--timeout must be more than 0 s") }
    }

    func run() async throws {
        let connection = try daemon.connect()
        if !json {
            ClientConsole.out("Calibrating \(what.rawValue). " + Calibration.instructions(what) + "\n")
        }
        if !yes && !json && ClientConsole.stdinIsTerminal {
            ClientConsole.out("Press Enter when ready (Ctrl-C to cancel)… ")
            _ = readLine()
        }
        ClientSignals.install()
        if !json { ClientConsole.out("Waiting for thrustd (up to \(JSONText.fixed(timeout, decimals: 0)) s)…\n") }
        let outcome: Calibration.Outcome
        var shownState: String?
        do {
            outcome = try Calibration.run(connection, target: what, timeoutS: timeout, onEvent: { event in
                if json {
                    ClientConsole.out(event.line + "\n")
                } else if event.eventClass == "SENSOR" {
                    ClientConsole.out("  sensor: \(event.string("state") ?? "?")"
                                      + (event.string("detail").map { " (\($0))" } ?? "") + "\n")
                } else if event.eventClass == "STATUS", let state = event.string("state"), state != shownState {
                    ClientConsole.out("  state: \(state)\n")
                    shownState = state
                }
            }, shouldStop: { ClientSignals.stopRequested })
        } catch {
            ClientConsole.error("thrust: \(error)")
            throw ClientExit.noDaemon
        }
        connection.close()

        var result = JSONObjectWriter(className: "CALIBRATE")
        result.string("what", what.rawValue)
        let exit: ExitCode?
        switch outcome {
        case .calibrated(let detail):
            result.bool("ok", true)
            result.string("detail", detail)
            if !json { ClientConsole.out("Calibrated \(what.rawValue)" + (detail.isEmpty ? "" : ": " + detail) + ".\n") }
            exit = nil
        case .failed(let message):
            result.bool("ok", false)
            result.string("error", message)
            if !json { ClientConsole.error("thrust: calibration failed: \(message)") }
            exit = ClientExit.failed
        case .timedOut:
            result.bool("ok", false)
            result.string("error", "timed out")
            if !json { ClientConsole.error("thrust: no result from thrustd within \(JSONText.fixed(timeout, decimals: 0)) s") }
            exit = ClientExit.timedOut
        case .interrupted:
            result.bool("ok", false)
            result.string("error", "interrupted")
            exit = ExitCode(130)
        }
        if json { ClientConsole.out(result.finish() + "\n") }
        if let exit { throw exit }
    }
}

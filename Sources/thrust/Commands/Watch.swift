import ArgumentParser
import ThrustClient
import ThrustCore

#if canImport(Glibc)
import Glibc
#endif

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Live view of the daemon: set and rep count, phase, the last rep against the limits, alerts.",
        discussion: """
            On a terminal: a full screen with the set number and the rep count in large digits, the \
            current phase, the last rep's depth, eccentric/concentric/hold times, lockout height \
            (belt: pelvis angle) and bar tilt against the profile's limits (green ok, red broken), \
            and the rep's alerts highlighted. Not on a terminal (or with --plain): one line per \
            event (PHASE events are left out). --json prints every event line exactly as the \
            daemon sends it (like gpspipe -w); add --raw for the SAMPLE lines too.

            When the daemon is not running yet, or stops or restarts, watch waits and reconnects \
            (every 0.5 s; a note goes to standard error, or on the screen). --no-reconnect exits \
            instead. --bell rings the terminal bell on every alert (on standard error unless \
            the screen view is shown, so JSON and plain output stay clean).

            Exit status: 0 stopped by Ctrl-C, SIGTERM or --seconds; 1 the output could not be \
            written; 3 no daemon or the connection was lost (with --no-reconnect); 64 bad usage.
            """
    )

    @OptionGroup var daemon: DaemonSocketOptions

    @Flag(help: "Print the daemon's event lines as they come (JSON Lines).")
    var json = false

    @Flag(help: "With --json: ask for raw SAMPLE events too ({\"cmd\":\"watch\",\"raw\":true}).")
    var raw = false

    @Flag(help: "One plain line per event even on a terminal.")
    var plain = false

    @Flag(help: "Ring the terminal bell on every alert.")
    var bell = false

    @Flag(name: .customLong("no-color"), help: "No colours on the terminal screen.")
    var noColor = false

    @Flag(name: .customLong("no-reconnect"), help: "Exit (status 3) instead of waiting when there is no daemon.")
    var noReconnect = false

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "s"))
    var seconds: Double?

    func validate() throws {
        if raw && !json { throw ValidationError("--raw needs --json (SAMPLE lines are not shown otherwise)") }
        if json && plain { throw ValidationError("--json and --plain cannot be combined") }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be more than 0") }
    }

    enum Mode { case screen, plain, json }

    func run() async throws {
        ClientSignals.install()
        let mode: Mode = json ? .json : (plain || !ClientConsole.stdoutIsTerminal) ? .plain : .screen
        let style = WatchScreen.Style(color: mode == .screen && !noColor && ClientEnvironment.colorAllowed)
        let socketPath = daemon.paths.socketPath
        let deadline = seconds.map { MonotonicClock.seconds() + $0 }
        var state = WatchState()
        var waitingNoted = false

        func expired() -> Bool {
            ClientSignals.stopRequested || deadline.map { MonotonicClock.seconds() >= $0 } == true
        }
        func emit(_ text: String) throws {
            guard ClientConsole.out(text) else {
                ClientConsole.error("thrust: cannot write the output")
                throw ClientExit.failed
            }
        }
        func redraw() throws {
            if mode == .screen { try emit(WatchScreen.clear + WatchScreen.screen(state, style: style)) }
        }
        // The bell goes where it cannot corrupt the output: the screen, else standard error.
        func ring() throws {
            if mode == .screen { try emit("\u{07}") } else { ClientConsole.errorRaw("\u{07}") }
        }
        func note(_ text: String) throws {
            state.connectionNote = text
            if mode == .screen { try redraw() } else { ClientConsole.error("thrust: " + text) }
        }

        while !expired() {
            let connection: DaemonConnection
            do {
                connection = try DaemonConnection(path: socketPath)
            } catch {
                if noReconnect {
                    ClientConsole.error("thrust: \(error)")
                    throw ClientExit.noDaemon
                }
                if !waitingNoted {
                    try note("waiting for thrustd: \(error.message)")
                    waitingNoted = true
                }
                pause(0.5, until: expired)
                continue
            }
            waitingNoted = false
            state.connectionNote = "connected to \(socketPath)"
            if mode == .plain { ClientConsole.error("thrust: connected to \(socketPath)") }
            try redraw()
            do {
                if raw { try connection.sendCommand(["cmd": .string("watch"), "raw": .bool(true)]) }
                while !expired() {
                    guard let line = try connection.readLine(timeoutS: 0.25) else { continue }
                    if mode == .json {
                        try emit(line + "\n")
                        if bell && line.contains("\"class\":\"ALERT\"") { try ring() }
                        continue
                    }
                    guard let event = EventObject(line: line) else { continue }
                    state.apply(event)
                    if bell && event.eventClass == "ALERT" { try ring() }
                    if mode == .plain {
                        if let text = WatchScreen.plainLine(event, state: state) { try emit(text + "\n") }
                    } else if event.eventClass != "SAMPLE" {
                        try redraw()
                    }
                }
            } catch let error as ConnectionError {
                connection.close()
                if noReconnect {
                    ClientConsole.error("thrust: \(error)")
                    throw ClientExit.noDaemon
                }
                try note("connection lost (\(error.message)); reconnecting")
                waitingNoted = true
                pause(0.5, until: expired)
            }
        }
        if mode == .screen { try emit("\n") }
    }

    /// Sleeps up to `seconds` in small steps, returning early when `stop` says so.
    private func pause(_ seconds: Double, until stop: () -> Bool) {
        let end = MonotonicClock.seconds() + seconds
        while MonotonicClock.seconds() < end && !stop() { usleep(50_000) }
    }
}

enum ClientEnvironment {
    /// https://no-color.org: a set NO_COLOR turns colours off; so does TERM=dumb.
    static var colorAllowed: Bool {
        let environment = ClientPaths.environment()
        if let value = environment["NO_COLOR"], !value.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }
}

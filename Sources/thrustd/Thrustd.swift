import ArgumentParser
import Logging
import ThrustDaemon

#if canImport(Glibc)
import Glibc
#endif

@main
struct Thrustd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thrustd",
        abstract: "The hip-thrust coach daemon: sensor → core → rep log, Unix socket and buzzer.",
        discussion: """
            Reads samples from a source (the built-in simulated lifter by default, a capture \
            replayed in real time, or an I2C IMU), counts and judges reps, appends every event to \
            the rep log (STATE_DIR/log/YYYY-MM-DD.jsonl) and streams it to the clients of the Unix \
            socket (SPEC §6). In the foreground it prints events and beeps on the terminal.

            Configuration: /etc/thrustd/thrustd.toml (or --config FILE); every flag has a key, \
            flags win; --help-config lists the keys. SIGHUP reloads the file (a bad file keeps the \
            running configuration). SIGTERM or SIGINT: the open set is closed, the log fsynced, the \
            buzzer switched off, the socket removed, exit 0.

            Without root, state goes under $XDG_STATE_HOME/thrustd and the socket under \
            $XDG_RUNTIME_DIR/thrustd (or /tmp/thrustd-UID), unless --state-dir/--runtime-dir say otherwise.

            Exit status: 0 stopped by a signal or the source ended with --exit-at-end; 1 start-up \
            failed (socket, directories, source) or the source failed with --exit-at-end; 64 bad \
            command line; 78 bad configuration file (the message names the file, line and key).
            """
    )

    @Option(help: "Configuration file (default: /etc/thrustd/thrustd.toml if it exists).")
    var config: String?

    @Option(help: "sim, sim:SCENARIO, replay:FILE.csv or i2c:/dev/i2c-N[@0xAA]. (key: source; default sim)")
    var source: String?

    @Option(help: "Pace of sim and replay: 1 = real time. (key: speed)")
    var speed: String?

    @Option(help: "The simulated lifter's seed. (key: seed)")
    var seed: String?

    @Flag(name: .customLong("exit-at-end"), help: "Exit when a replay ends. (key: exit_at_end)")
    var exitAtEnd = false

    @Option(help: "Also write every sample to this capture file. (key: record)")
    var record: String?

    @Option(name: .customLong("rt-priority"), help: "SCHED_FIFO priority of the sampling thread, 0 = normal. (key: rt_priority)")
    var rtPriority: String?

    @Option(name: .customLong("rate-hz"), help: "IMU output rate, Hz. (key: i2c.rate_hz)")
    var rateHz: String?

    @Option(help: "bar or belt. (key: mount; default: the source's, else bar)")
    var mount: String?

    @Option(help: "banded, barbell, generic or custom. (key: profile; default: the source's, else generic)")
    var profile: String?

    @Option(help: "How sets start: auto (the profile's), top or bottom. (key: style)")
    var style: String?

    @Option(name: .customLong("state-dir"), help: "Rep log and calibration. (key: state_dir)")
    var stateDir: String?

    @Option(name: .customLong("runtime-dir"), help: "Directory of the socket. (key: runtime_dir)")
    var runtimeDir: String?

    @Option(help: "The Unix socket path. (key: socket; default RUNTIME_DIR/thrustd.sock)")
    var socket: String?

    @Option(name: .customLong("socket-group"), help: "Group of the socket and of control clients. (key: socket_group)")
    var socketGroup: String?

    @Option(help: "Buzzer GPIO line, e.g. gpiochip0:17. (key: buzzer.line)")
    var buzzer: String?

    @Flag(name: .customLong("rep-tick"), help: "Tick the buzzer for every rep without alerts. (key: buzzer.rep_tick)")
    var repTick = false

    @Flag(help: "Start muted. (key: buzzer.muted)")
    var mute = false

    @Flag(name: .customLong("print-events"), inversion: .prefixedNo,
          help: "Print events and beeps on standard output. (key: print_events; default: unless run by systemd)")
    var printEvents: Bool?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical. (key: log_level)")
    var logLevel: String?

    @Flag(name: .customLong("check-config"), help: "Check the configuration and flags, print the result and exit.")
    var checkConfig = false

    @Flag(name: .customLong("help-config"), help: "List every configuration key and exit.")
    var helpConfig = false

    @Flag(name: .customLong("trace-latency"), help: .hidden)
    var traceLatency = false

    /// The key reference as a Markdown table (for docs/DAEMON.md).
    @Flag(name: .customLong("help-config-markdown"), help: .hidden)
    var helpConfigMarkdown = false

    /// The flags given, as configuration keys.
    func flagValues() -> [FlagValue] {
        var values: [FlagValue] = []
        func add(_ key: String, _ flag: String, _ text: String?) {
            if let text { values.append(FlagValue(key: key, flag: flag, text: text)) }
        }
        add("source", "--source", source)
        add("speed", "--speed", speed)
        add("seed", "--seed", seed)
        add("exit_at_end", "--exit-at-end", exitAtEnd ? "true" : nil)
        add("record", "--record", record)
        add("rt_priority", "--rt-priority", rtPriority)
        add("i2c.rate_hz", "--rate-hz", rateHz)
        add("mount", "--mount", mount)
        add("profile", "--profile", profile)
        add("style", "--style", style)
        add("state_dir", "--state-dir", stateDir)
        add("runtime_dir", "--runtime-dir", runtimeDir)
        add("socket", "--socket", socket)
        add("socket_group", "--socket-group", socketGroup)
        add("buzzer.line", "--buzzer", buzzer)
        add("buzzer.rep_tick", "--rep-tick", repTick ? "true" : nil)
        add("buzzer.muted", "--mute", mute ? "true" : nil)
        add("print_events", printEvents == false ? "--no-print-events" : "--print-events", printEvents.map { $0 ? "true" : "false" })
        add("log_level", "--log-level", logLevel)
        return values
    }

    func validate() throws {
        // Flag values are checked against their keys here (exit 64); the file later (exit 78).
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/thrustd-flags-only.toml", required: false, flags: flagValues())
        } catch {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        if helpConfig {
            print(ConfigReference.text())
            return
        }
        if helpConfigMarkdown {
            print(ConfigReference.markdown())
            return
        }
        let launch = Daemon.Launch(configPath: config, configRequired: config != nil, flags: flagValues(),
                                   traceLatency: traceLatency)
        let settings: DaemonConfig
        do {
            settings = try Daemon.loadConfig(launch)
        } catch {
            printError("thrustd: \(error.message)")
            throw ExitCode(Daemon.ExitStatus.configError)
        }
        if checkConfig {
            print(ConfigReference.summary(settings))
            return
        }
        let underSystemd = DaemonPaths.processEnvironment()["INVOCATION_ID"] != nil
        let level = settings.logLevel
        LoggingSystem.bootstrap { _ in StderrLogHandler(level: level, syslogPrefix: underSystemd) }
        var logger = Logger(label: "thrustd")
        logger.logLevel = level

        let daemon: Daemon
        do {
            daemon = try await Daemon(launch: launch, config: settings, logger: logger)
        } catch {
            logger.critical("cannot start: \(error.message)")
            throw ExitCode(Daemon.ExitStatus.startupFailed)
        }
        let status = await daemon.run()
        if status != 0 { throw ExitCode(status) }
    }

    private func printError(_ text: String) {
        var line = text
        line.append("\n")
        line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
    }
}

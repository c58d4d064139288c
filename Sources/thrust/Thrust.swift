import ArgumentParser

@main
struct Thrust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thrust",
        abstract: "Hip-thrust coach client: the daemon live, the rep log afterwards, captures offline, the hardware.",
        discussion: """
            Live (through thrustd's socket): watch, status, calibrate, record.
            Afterwards (from the log files, no daemon needed): log, report.
            Offline: analyze a capture, simulate a session. Hardware: probe, beep, stream.
            """,
        subcommands: [Analyze.self, Simulate.self, Probe.self, Beep.self, Stream.self,
                      Watch.self, Status.self, Log.self, Report.self, Calibrate.self, Record.self]
    )
}

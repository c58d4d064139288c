import ArgumentParser

@main
struct Thrust: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thrust",
        abstract: "Hip-thrust coach: analyze captures, simulate sessions, probe hardware.",
        subcommands: [Analyze.self, Simulate.self, Probe.self, Beep.self, Stream.self,
                      Watch.self, Status.self, Log.self, Report.self, Calibrate.self, Record.self]
    )
}

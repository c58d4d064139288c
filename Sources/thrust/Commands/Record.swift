import ArgumentParser
import ThrustCapture
import ThrustClient
import ThrustCore

struct Record: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record raw samples from the daemon into a capture file.",
        discussion: """
            Asks thrustd for raw samples ({"cmd":"watch","raw":true}, SPEC §6) and writes --seconds \
            of them (measured on the samples' own clock t) to --out in the capture format (SPEC §4), \
            with the daemon's rate, sensor, mount, profile and source as metadata. The file can be \
            replayed (thrustd --source replay:FILE) or analysed (thrust analyze FILE). Ctrl-C stops \
            early and keeps what was recorded. If the source ends first (a replay), what came is kept.

            --out - writes the capture to standard output. --json prints \
            {"class":"RECORD","file":…,"samples":…,"seconds":…,"rate_hz":…} when done.

            Exit status: 0 recorded; 1 the file could not be written; 3 no daemon or the connection \
            was lost before any sample; 4 no sample within 5 s; 64 bad usage.
            """
    )

    @Option(help: ArgumentHelp("How many seconds of samples to record.", valueName: "s"))
    var seconds: Double

    @Option(help: ArgumentHelp("The capture file to write (.csv; - for standard output).", valueName: "file"))
    var out: String

    @OptionGroup var daemon: DaemonSocketOptions

    @Flag(help: "Print a JSON summary when done.")
    var json = false

    func validate() throws {
        if !(seconds > 0) { throw ValidationError("--seconds must be more than 0") }
        if out.isEmpty { throw ValidationError("--out needs a file name (or - for standard output)") }
        if out == "-" && json { throw ValidationError("--json prints to standard output: use --out FILE with it") }
    }

    func run() async throws {
        let connection = try daemon.connect()
        ClientSignals.install()
        let path = out
        let result: Recording.Result
        do {
            result = try Recording.run(connection, seconds: seconds, open: { metadata throws(CaptureError) in
                try CaptureWriter(path: path, metadata: metadata)
            }, shouldStop: { ClientSignals.stopRequested })
        } catch {
            ClientConsole.error("thrust: \(error)")
            switch error {
            case .connection: throw ClientExit.noDaemon
            case .capture: throw ClientExit.failed
            case .noSamples: throw ClientExit.timedOut
            }
        }
        connection.close()
        if json {
            var summary = JSONObjectWriter(className: "RECORD")
            summary.string("file", out)
            summary.int("samples", result.samples)
            summary.number("seconds", result.durationS, decimals: 3)
            summary.number("rate_hz", result.rateHz, decimals: 1)
            summary.bool("interrupted", result.interrupted)
            ClientConsole.out(summary.finish() + "\n")
        } else {
            ClientConsole.error("thrust: wrote \(result.samples) samples (\(JSONText.fixed(result.durationS, decimals: 2)) s"
                                + (result.rateHz.map { ", \(JSONText.fixed($0, decimals: 1)) Hz" } ?? "")
                                + ") to \(out)" + (result.interrupted ? " (interrupted)" : ""))
        }
    }
}

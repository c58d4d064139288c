import ArgumentParser
import Foundation
import ThrustClient
import ThrustCore

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report with charts from the rep log.",
        discussion: """
            One self-contained HTML file (inline CSS and SVG: no script, no network, readable on a \
            phone) from the rep log alone: totals; sessions per week against the 3–4 limit with \
            consecutive-day and too-many-sessions warnings (SPEC §3); mean concentric velocity and \
            mean depth per session; and for the most recent sessions (--sessions) per-rep charts: \
            depth against the 15–20 cm band, eccentric/concentric/hold bars against their \
            minimums, lockout height against the over-extension limit (belt: pelvis angle), and \
            concentric velocity with the velocity loss of each set.

            --out - writes the HTML to standard output. --json prints a summary object \
            {"class":"REPORT","file":…,"bytes":…,"sessions":…,"sets":…,"reps":…} after writing.

            Exit status: 0 written; 1 the file could not be written; 2 the rep log cannot be read; \
            64 bad usage.
            """
    )

    @OptionGroup var range: LogRangeOptions
    @OptionGroup var files: RepLogOptions

    @Option(help: ArgumentHelp("The HTML file to write (- for standard output).", valueName: "file"))
    var out: String

    @Option(help: ArgumentHelp("How many of the most recent sessions get per-rep charts.", valueName: "N"))
    var sessions = 7

    @Flag(help: "Print a JSON summary of what was written.")
    var json = false

    func validate() throws {
        if sessions < 0 { throw ValidationError("--sessions must be 0 or more") }
        if out.isEmpty { throw ValidationError("--out needs a file name (or - for standard output)") }
        if out == "-" && json { throw ValidationError("--json prints to standard output: use --out FILE with it") }
    }

    func run() async throws {
        let calendar = LocalCalendar()
        let now = ClientConsole.now()
        let timeRange = try range.range(now: now, calendar: calendar)
        let log: TrainingLog
        do {
            log = try LogReader.read(directory: files.paths.logDir, range: timeRange, calendar: calendar)
        } catch {
            ClientConsole.error("thrust: \(error)")
            throw ClientExit.unreadable
        }
        reportSkipped(log.skipped)
        let html = HTMLReport(log: log, calendar: calendar, range: timeRange, detailedSessions: sessions,
                              generatedAt: now).render()
        if out == "-" {
            guard ClientConsole.out(html) else {
                ClientConsole.error("thrust: cannot write the output")
                throw ClientExit.failed
            }
        } else {
            do {
                try Data(html.utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                ClientConsole.error("thrust: \(out): cannot write: \(error.localizedDescription)")
                throw ClientExit.failed
            }
        }
        if json {
            var summary = JSONObjectWriter(className: "REPORT")
            summary.string("file", out)
            summary.int("bytes", html.utf8.count)
            summary.int("sessions", log.sessions.count)
            summary.int("sets", log.setCount)
            summary.int("reps", log.stats.reps)
            summary.int("warnings", log.frequencyWarnings.count)
            ClientConsole.out(summary.finish() + "\n")
        } else if out != "-" {
            ClientConsole.error("wrote \(out): \(log.sessions.count) sessions, \(log.setCount) sets, "
                                + "\(log.stats.reps) reps")
        }
    }
}

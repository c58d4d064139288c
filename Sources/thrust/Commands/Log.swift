import ArgumentParser
import ThrustClient

struct Log: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Sessions, sets and reps from the rep log, with totals, averages and frequency advice.",
        discussion: """
            Reads the daemon's rep log (daily YYYY-MM-DD.jsonl files, SPEC §7) directly: no daemon \
            needed. Sets are grouped into sessions (a gap of 2 hours or more starts a new one), in the \
            machine's time zone (TZ). For each session: a table of its sets with per-set averages \
            (depth, eccentric, bottom, concentric and hold times, lockout height, mean and peak \
            concentric velocity, velocity loss, alerts) and a row for the whole session; then totals \
            and per-set averages over everything shown, the change in mean concentric velocity from \
            the first to the last session, and training-frequency advice (SPEC §3: a warning for \
            more than 4 sessions in 7 days, or sessions on consecutive days).

            --reps adds a table of every rep under each set; --set N shows only set N of each \
            session, with its reps. --json prints one JSON object (sessions → sets → reps, totals, \
            advice, skipped lines); --csv one row per rep.

            Torn lines (cut off by a crash) and lines of unknown classes are skipped; their number \
            and the first one's file:line are reported on standard error.

            Exit status: 0 success (also when no sets are in range); 1 the output could not be \
            written; 2 the log directory or a log file cannot be read; 64 bad usage.
            """
    )

    @OptionGroup var range: LogRangeOptions
    @OptionGroup var files: RepLogOptions

    @Option(help: ArgumentHelp("Only set N of each session (numbered from 1 in each session), with its reps.",
                               valueName: "N"))
    var set: Int?

    @Flag(help: "Also list every rep of every set.")
    var reps = false

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    @Flag(help: "Print one CSV row per rep instead of tables.")
    var csv = false

    func validate() throws {
        if json && csv { throw ValidationError("--json and --csv cannot be combined") }
        if let set, set < 1 { throw ValidationError("--set must be 1 or more") }
    }

    func run() async throws {
        let calendar = LocalCalendar()
        let timeRange = try range.range(now: ClientConsole.now(), calendar: calendar)
        let directory = files.paths.logDir
        var log: TrainingLog
        do {
            log = try LogReader.read(directory: directory, range: timeRange, calendar: calendar)
        } catch {
            ClientConsole.error("thrust: \(error)")
            throw ClientExit.unreadable
        }
        reportSkipped(log.skipped)
        let warnings = log.frequencyWarnings
        if let set { log = log.selectingSet(set) }
        let formatter = LogFormatter(log: log, calendar: calendar, showReps: reps || set != nil, warnings: warnings)
        let text = json ? formatter.json(range: timeRange) : csv ? formatter.csv() : formatter.text()
        guard ClientConsole.out(text) else {
            ClientConsole.error("thrust: cannot write the output")
            throw ClientExit.failed
        }
    }
}

/// The skipped-lines warning of `log` and `report`.
func reportSkipped(_ skipped: SkippedLines) {
    if skipped.torn > 0 {
        ClientConsole.warning("skipped \(skipped.torn) torn line\(skipped.torn == 1 ? "" : "s") "
                              + "(first: \(skipped.firstTorn ?? "?"))")
    }
    if skipped.unknown > 0 {
        ClientConsole.warning("skipped \(skipped.unknown) line\(skipped.unknown == 1 ? "" : "s") of unknown class or "
                              + "without set/rep/time (first: \(skipped.firstUnknown ?? "?"))")
    }
}

// thrust-bench: prints throughput and memory figures (not a test).
//
//   swift build -c release --product thrust && swift build -c release --product thrust-bench
//   .build/release/thrust-bench [--minutes N] [--keep]
//
// 1. core samples/s: RepAnalyzer over samples pre-generated in memory (no parsing): the first
//    10 minutes of `SimulatedSession(scenario: "long", seed: 1)`;
// 2. capture writer rows/s and reader rows/s;
// 3. `thrust analyze FILE --json > /dev/null` end to end on an N-minute (default 60) 1 kHz capture
//    and on its first 10 minutes, with the child's wall time and peak memory (ru_maxrss). The
//    capture is `thrust simulate --scenario long --seed 1` (about an hour, cut to N minutes),
//    or a synthetic one when N > 60 or the simulator is unavailable.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ThrustCapture
import ThrustCore
import ThrustSim

struct BenchOptions {
    var minutes = 60.0
    var keep = false

    static func parse(_ arguments: [String]) -> Result<BenchOptions, BenchError> {
        var options = BenchOptions()
        var index = 0
        while index < arguments.count {
            switch arguments[index] {
            case "--minutes":
                index += 1
                guard index < arguments.count, let minutes = Double(arguments[index]), minutes > 0, minutes <= 24 * 60 else {
                    return .failure(BenchError("--minutes: expected a number of minutes in (0, 1440]"))
                }
                options.minutes = minutes
            case "--keep":
                options.keep = true
            case "-h", "--help":
                say(usage)
                exit(0)
            default:
                return .failure(BenchError("unknown argument '\(arguments[index])'\n" + usage))
            }
            index += 1
        }
        return .success(options)
    }
}

let usage = "usage: thrust-bench [--minutes N] [--keep]\n  --minutes N  length of the long capture (default 60)\n  --keep       keep the generated captures"
let benchRateHz = 1000.0
let shortCaptureMinutes = 10.0

func formatRate(_ perSecond: Double) -> String {
    if perSecond >= 1e6 { return JSONText.fixed(perSecond / 1e6, decimals: 2) + " M" }
    if perSecond >= 1e3 { return JSONText.fixed(perSecond / 1e3, decimals: 1) + " k" }
    return JSONText.fixed(perSecond, decimals: 0) + " "
}

func say(_ line: String) {
    print(line)
    fflush(nil)  // all streams (the `stdout` global is not concurrency-safe in Swift 6)
}

/// This program's absolute path.
func executablePath() -> String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    return length > 0 ? String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                      : CommandLine.arguments[0]
}

/// The directory this program lives in (the `thrust` binary is expected next to it).
func executableDirectory() -> String {
    let path = executablePath()
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return String(path[..<slash])
}

func fileSizeBytes(_ path: String) -> Int {
    var info = stat()
    return stat(path, &info) == 0 ? Int(info.st_size) : 0
}

// MARK: 1. Core

/// Samples held in memory (no parsing in the timed loops): the first `minutes` of the
/// simulator's `long` scenario (1 kHz), or the synthetic lifter if the simulator refuses.
func samplesInMemory(minutes: Double) -> (samples: [Sample], source: String, settings: CoreSettings) {
    var samples: [Sample] = []
    if var session = try? SimulatedSession(scenario: "long", seed: 1) {
        let rateHz = session.info.rateHz
        samples.reserveCapacity(Int(minutes * 60 * rateHz) + 1)
        var firstT: Double?
        while let sample = session.next() {
            let origin = firstT ?? sample.t
            firstT = origin
            if sample.t - origin >= minutes * 60 { break }
            samples.append(sample)
        }
        let settings = CoreSettings(mount: session.info.mount, profile: Profile.named(session.info.profile) ?? .generic)
        return (samples, "simulated 'long' seed 1, \(JSONText.number(rateHz, decimals: 0)) Hz, "
                + "\(session.info.mount.rawValue) mount", settings)
    }
    var generator = SyntheticLifter(rateHz: benchRateHz, durationS: minutes * 60)
    samples.reserveCapacity(generator.sampleCount)
    while let sample = generator.next() { samples.append(sample) }
    return (samples, "synthetic 1 kHz", CoreSettings(mount: .bar, profile: .generic))
}

func benchCore(_ samples: [Sample], source: String, settings: CoreSettings) {
    var best = Double.infinity
    var events = 0
    for _ in 0..<3 {
        var analyzer = RepAnalyzer(settings: settings)
        events = 0
        let start = monotonicSeconds()
        for sample in samples { analyzer.update(sample) { _ in events += 1 } }
        analyzer.finish { _ in events += 1 }
        best = min(best, monotonicSeconds() - start)
    }
    say("core:     \(formatRate(Double(samples.count) / best))samples/s  (RepAnalyzer alone, \(samples.count) samples "
        + "in memory, \(source), best of 3, \(events) events)")
}

/// Writes samples from memory; returns rows/s (best of 3).
func benchWriter(_ samples: [Sample], path: String) throws(CaptureError) -> Double {
    var best = Double.infinity
    for _ in 0..<3 {
        let start = monotonicSeconds()
        let writer = try CaptureWriter(path: path, metadata: CaptureMetadata(rateHz: benchRateHz, mount: .bar))
        for sample in samples { try writer.write(sample) }
        try writer.close()
        best = min(best, monotonicSeconds() - start)
    }
    return Double(samples.count) / best
}

/// Writes `minutes` of synthetic 1 kHz samples as a capture; returns rows and rows/s.
func writeSynthetic(to path: String, minutes: Double) throws(CaptureError) -> (rows: Int, rowsPerS: Double) {
    var generator = SyntheticLifter(rateHz: benchRateHz, durationS: minutes * 60)
    let metadata = CaptureMetadata(rateHz: benchRateHz, sensor: "synthetic", mount: .bar,
                                   extra: [("profile", "barbell"), ("scenario", "bench-synthetic")])
    let start = monotonicSeconds()
    let writer = try CaptureWriter(path: path, metadata: metadata)
    while let sample = generator.next() { try writer.write(sample) }
    try writer.close()
    let elapsed = monotonicSeconds() - start
    return (writer.rowsWritten, Double(writer.rowsWritten) / elapsed)
}

/// Reads a whole capture; returns rows and rows/s.
func readAll(_ path: String) throws(CaptureError) -> (rows: Int, rowsPerS: Double, durationS: Double) {
    let start = monotonicSeconds()
    var reader = try CaptureReader(path: path)
    var rows = 0
    var checksum = 0.0
    var firstT: Double?
    var lastT = 0.0
    while let sample = try reader.next() {
        rows += 1
        checksum += sample.accel.z
        if firstT == nil { firstT = sample.t }
        lastT = sample.t
    }
    let elapsed = monotonicSeconds() - start
    if checksum.isNaN { say("(checksum NaN)") }  // keeps the loop from being optimized away
    return (rows, Double(rows) / elapsed, lastT - (firstT ?? lastT))
}

/// Copies the first `minutes` of a capture into another (same metadata).
func copyPrefix(from source: String, to destination: String, minutes: Double) throws(CaptureError) -> Int {
    var reader = try CaptureReader(path: source)
    let writer = try CaptureWriter(path: destination, metadata: reader.metadata)
    var firstT: Double?
    while let sample = try reader.next() {
        let origin = firstT ?? sample.t
        firstT = origin
        if sample.t - origin >= minutes * 60 { break }
        try writer.write(sample)
    }
    try writer.close()
    return writer.rowsWritten
}

// MARK: 3. End to end

/// Linux charges a child's `ru_maxrss` with the peak RSS of the process that spawned it (the
/// old address space at `exec`), and this benchmark holds ~50 MB of samples. So the child is
/// started from a fresh, small copy of this program (`--measure-child`), which reports back.
let measureChildFlag = "--measure-child"

func measureInFreshProcess(_ argv: [String], scratchDirectory: String) -> Result<ChildRun, BenchError> {
    let resultPath = scratchDirectory + "/measure.result"
    unlink(resultPath)
    switch ChildProcess.run([executablePath(), measureChildFlag, resultPath] + argv) {
    case .failure(let error):
        return .failure(error)
    case .success(let launcher):
        guard launcher.exitStatus == 0, let text = readSmallFile(resultPath) else {
            return .failure(BenchError("measuring \(argv.joined(separator: " ")) failed (status \(launcher.exitStatus))"))
        }
        unlink(resultPath)
        let fields = text.split(separator: " ").compactMap { Double($0) }
        guard fields.count == 3 else { return .failure(BenchError("bad measurement '\(text)'")) }
        return .success(ChildRun(exitStatus: Int32(fields[0]), wallS: fields[1], maxRSSKiB: Int(fields[2])))
    }
}

/// The `--measure-child RESULT PROGRAM ARGS...` mode: run PROGRAM, write "status wall_s maxrss_kib".
func measureChildMode(_ arguments: [String]) -> Int32 {
    guard arguments.count >= 2 else { return 64 }
    guard case .success(let run) = ChildProcess.run(Array(arguments.dropFirst())) else { return 1 }
    let text = "\(run.exitStatus) \(run.wallS) \(run.maxRSSKiB)"
    guard let file = fopen(arguments[0], "w") else { return 1 }
    fputs(text, file)
    return fclose(file) == 0 ? 0 : 1
}

func readSmallFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var buffer = [CChar](repeating: 0, count: 256)
    guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

func benchAnalyze(thrust: String, capture: String, rows: Int, label: String, scratchDirectory: String) -> Result<Void, BenchError> {
    switch measureInFreshProcess([thrust, "analyze", capture, "--json"], scratchDirectory: scratchDirectory) {
    case .failure(let error):
        return .failure(error)
    case .success(let run):
        guard run.exitStatus == 0 else {
            return .failure(BenchError("thrust analyze \(capture) exited with status \(run.exitStatus)"))
        }
        say("analyze:  \(formatRate(Double(rows) / run.wallS))samples/s  (\(label): \(rows) rows, "
            + "\(JSONText.fixed(Double(fileSizeBytes(capture)) / 1e6, decimals: 0)) MB, \(JSONText.fixed(run.wallS, decimals: 2)) s wall, "
            + "peak RSS \(JSONText.fixed(Double(run.maxRSSKiB) / 1024, decimals: 1)) MiB)")
        return .success(())
    }
}

func runBench(_ options: BenchOptions) -> Result<Void, BenchError> {
    #if DEBUG
    say("warning: this is a debug build; build with -c release for meaningful figures")
    #endif
    let binDirectory = executableDirectory()
    let thrust = binDirectory + "/thrust"
    guard access(thrust, X_OK) == 0 else {
        return .failure(BenchError("\(thrust) not found; build it first: swift build -c release --product thrust && swift build -c release --product thrust-bench"))
    }
    var template = Array("/tmp/thrust-bench.XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else {
        return .failure(BenchError("cannot create a temporary directory: \(String(cString: strerror(errno)))"))
    }
    let directory = String(cString: made)
    defer {
        if options.keep {
            say("kept: \(directory)")
        } else {
            for name in ["writer.csv", "full.csv", "full.truth.json", "long.csv", "long.truth.json", "short.csv", "measure.result"] { unlink(directory + "/" + name) }
            rmdir(directory)
        }
    }

    do {
        // In a scope so the samples are freed before the long capture is made.
        do {
            let (samples, source, settings) = samplesInMemory(minutes: min(options.minutes, shortCaptureMinutes))
            benchCore(samples, source: source, settings: settings)
            let rowsPerS = try benchWriter(samples, path: directory + "/writer.csv")
            say("writer:   \(formatRate(rowsPerS))rows/s  (CaptureWriter, \(samples.count) rows from memory, best of 3)")
            unlink(directory + "/writer.csv")
        }

        // The long capture: the simulator's 1-hour `long` scenario if it is there, else synthetic.
        let long = directory + "/long.csv"
        let start = monotonicSeconds()
        var source = "synthetic \(JSONText.fixed(options.minutes, decimals: 0)) min at 1 kHz"
        var simulated = false
        // The simulator's `long` session is about an hour: use it (cut to --minutes) unless more is asked for.
        if options.minutes <= 60 {
            let full = options.minutes < 59 ? directory + "/full.csv" : long
            if case .success(let run) = ChildProcess.run(
                [thrust, "simulate", "--scenario", "long", "--seed", "1", "--out", full], quiet: true),
               run.exitStatus == 0, fileSizeBytes(full) > 0 {
                simulated = true
                source = "thrust simulate --scenario long --seed 1"
                if full != long {
                    _ = try copyPrefix(from: full, to: long, minutes: options.minutes)
                    unlink(full)
                    unlink(directory + "/full.truth.json")
                    source += ", first \(JSONText.number(options.minutes, decimals: 1)) min"
                }
            }
        }
        if !simulated { _ = try writeSynthetic(to: long, minutes: options.minutes) }
        say("capture:  \(source): \(JSONText.fixed(Double(fileSizeBytes(long)) / 1e6, decimals: 0)) MB in "
            + "\(JSONText.fixed(monotonicSeconds() - start, decimals: 1)) s")

        var read = try readAll(long)
        for _ in 0..<2 {
            let again = try readAll(long)
            if again.rowsPerS > read.rowsPerS { read = again }
        }
        say("reader:   \(formatRate(read.rowsPerS))rows/s  (CaptureReader, \(read.rows) rows, best of 3, "
            + "\(JSONText.fixed(Double(fileSizeBytes(long)) / 1e6 * read.rowsPerS / Double(max(read.rows, 1)), decimals: 0)) MB/s)")

        let short = directory + "/short.csv"
        let shortMinutes = min(shortCaptureMinutes, options.minutes)
        let shortRows = try copyPrefix(from: long, to: short, minutes: shortMinutes)

        if case .failure(let error) = benchAnalyze(thrust: thrust, capture: short, rows: shortRows,
                                                   label: "first \(JSONText.number(shortMinutes, decimals: 1)) min", scratchDirectory: directory) {
            return .failure(error)
        }
        if case .failure(let error) = benchAnalyze(thrust: thrust, capture: long, rows: read.rows,
                                                   label: "\(JSONText.fixed(read.durationS / 60, decimals: 1)) min", scratchDirectory: directory) {
            return .failure(error)
        }
    } catch {
        return .failure(BenchError("\(error)"))
    }
    return .success(())
}

if CommandLine.arguments.count > 1 && CommandLine.arguments[1] == measureChildFlag {
    exit(measureChildMode(Array(CommandLine.arguments.dropFirst(2))))
}

switch BenchOptions.parse(Array(CommandLine.arguments.dropFirst())) {
case .failure(let error):
    say("thrust-bench: \(error)")
    exit(64)
case .success(let options):
    if case .failure(let error) = runBench(options) {
        say("thrust-bench: \(error)")
        exit(1)
    }
}

import ArgumentParser
import ThrustCapture
import ThrustCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Analyze: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Run the rep-counting core over a capture file, as fast as it can.",
        discussion: """
            Reads FILE (a capture, SPEC §4: '# key=value' metadata comments, a header naming \
            t,ax,ay,az,gx,gy,gz in any order, m/s² and rad/s) sample by sample in constant memory, \
            and prints the events: a table per set and a session summary, or with --json one JSON \
            object per line (SPEC §5).

            --mount and --profile default to the capture's 'mount=' and 'profile=' metadata, \
            else bar and generic.

            A capture file is read twice: the first pass learns the sensor's calibration (gyro \
            bias, accelerometer offsets and scales) from all of it, the second reports starting \
            from that, as the daemon starts from the calibration it stored. --one-pass reads it \
            once and reports what the daemon would have live with nothing stored (a pipe is \
            always read once).

            Exit status: 0 success; 1 the output could not be written; 2 the capture cannot be \
            read or is malformed (the message on stderr is 'thrust: FILE:LINE: what was expected'); \
            64 bad command-line usage (unknown mount, profile or style).
            """
    )

    @Argument(help: "The capture file (.csv).")
    var file: String

    @Option(help: "Where the sensor was worn: bar or belt. (default: the capture's mount=, else bar)")
    var mount: String?

    @Option(help: "Limits to judge against: \(Profile.builtIn.map(\.name).joined(separator: ", ")). (default: the capture's profile=, else generic)")
    var profile: String?

    @Option(help: "How sets start: auto (the profile's: top for barbell, bottom for banded; from the motion for generic), top (bridge up first) or bottom.")
    var style: String = "auto"

    @Flag(help: "Print every event as one JSON object per line (JSON Lines) instead of a table.")
    var json = false

    @Flag(help: "Report from one pass, without first learning the sensor's calibration from the whole capture.")
    var onePass = false

    func validate() throws {
        // Only the names given here; the capture's metadata is checked once it is open.
        if case .failure(let error) = CaptureAnalysis.settings(metadata: CaptureMetadata(), mount: mount,
                                                                profile: profile, style: style) {
            throw ValidationError(error.message)
        }
    }

    func run() async throws {
        var reader: CaptureReader
        do {
            reader = try CaptureReader(path: file)
        } catch {
            StandardError.print("thrust: \(error)")
            throw ExitCode(2)
        }
        for warning in reader.warnings {
            StandardError.print("thrust: warning: \(warning)")
        }

        let settings: CoreSettings
        switch CaptureAnalysis.settings(metadata: reader.metadata, mount: mount, profile: profile, style: style) {
        case .success(let resolved):
            settings = resolved.settings
            for warning in resolved.warnings { StandardError.print("thrust: warning: \(file): \(warning)") }
        case .failure(let error):
            StandardError.print("thrust: \(error.message)")
            throw ExitCode.validationFailure
        }

        // The first pass reads the file on its own; the reader above is still at its start.
        let calibration = onePass ? nil : CaptureAnalysis.learnCalibration(path: file, settings: settings)

        var output = BufferedStandardOutput()
        var report = SessionReport(mount: settings.mount)
        if !json {
            output.append("\(file): mount \(settings.mount.rawValue), profile \(settings.profile.name), "
                          + "style \(settings.style.rawValue)\n")
            if calibration != nil { output.append("sensor calibration learnt in a first pass over the file\n") }
        }
        let json = self.json
        let totals: CaptureAnalysis.Totals
        do {
            totals = try CaptureAnalysis.run(&reader, settings: settings, calibration: calibration) { event in
                if json {
                    output.appendEvent(event)
                } else {
                    output.append(report.consume(event))
                }
            }
        } catch {
            output.flushIgnoringErrors()
            StandardError.print("thrust: \(error)")
            throw ExitCode(2)
        }
        if !json {
            output.append(report.summary())
            var capture = "\(totals.samples) samples, \(JSONText.fixed(totals.durationS, decimals: 1)) s of capture"
            if let rate = reader.measuredRateHz { capture += ", \(JSONText.fixed(rate, decimals: 1)) Hz" }
            output.append(capture + "\n")
        }
        if let failure = output.flush() {
            StandardError.print("thrust: cannot write the output: \(failure)")
            throw ExitCode(1)
        }
    }
}

/// Standard output through one large buffer: `analyze --json` prints millions of short lines.
private struct BufferedStandardOutput {
    private static let flushThresholdBytes = 1 << 16
    private var text = ""
    /// The first write error, if any; later writes are dropped.
    private var failure: String?

    init() {
        text.reserveCapacity(Self.flushThresholdBytes + 4096)
    }

    mutating func append(_ chunk: String) {
        text.append(chunk)
        if text.utf8.count >= Self.flushThresholdBytes { _ = flush() }
    }

    mutating func appendEvent(_ event: CoreEvent) {
        event.appendJSON(to: &text)
        text.append("\n")
        if text.utf8.count >= Self.flushThresholdBytes { _ = flush() }
    }

    /// Writes what is buffered; returns the error text of the first failed write, if any.
    mutating func flush() -> String? {
        if failure == nil && !text.isEmpty, case .failure(let error) = FileIO.writeAll(1, text) {
            failure = error.text
        }
        text.removeAll(keepingCapacity: true)
        return failure
    }

    mutating func flushIgnoringErrors() {
        _ = flush()
    }
}

private enum StandardError {
    static func print(_ line: String) {
        FileIO.writeAll(2, line + "\n")
    }
}

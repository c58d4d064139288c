import ArgumentParser
import ThrustCapture
import ThrustCore
import ThrustSim

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a simulated hip-thrust session: a capture and its ground truth.",
        discussion: """
            Writes FILE.csv (a capture, SPEC §4) and FILE.truth.json next to it (the ground truth in \
            the TRUTH format of eval/score.py). The same scenario and seed always give the same files.

            Exit status: 0 success; 1 a file could not be written; 64 bad command-line usage \
            (unknown scenario, chip or rate).
            """
    )

    @Option(help: "Scenario name; --list shows them.")
    var scenario: String = "mixed"

    @Option(help: "Seed: picks every detail of the session.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Capture to write (.csv; '-' = standard output).")
    var out: String?

    @Option(help: "Where to write the truth. (default: --out with .csv replaced by .truth.json)")
    var truth: String?

    @Option(help: "Chip noise model instead of the seed's: \(ChipModel.allCases.map(\.rawValue).joined(separator: ", ")).")
    var chip: String?

    @Option(name: .customLong("rate"), help: "Output rate in Hz instead of the seed's (1…10000).")
    var rateHz: Double?

    @Flag(help: "Exact physics: no noise, offsets, filter, quantization, jitter or drops.")
    var ideal = false

    @Flag(help: "List the scenarios and exit.")
    var list = false

    func validate() throws {
        if list { return }
        guard SimScenario.named(scenario) != nil else {
            throw ValidationError("unknown scenario '\(scenario)'; expected one of: "
                + SimScenario.all.map(\.name).joined(separator: ", "))
        }
        if let chip, ChipModel(rawValue: chip) == nil {
            throw ValidationError("unknown chip '\(chip)'; expected one of: "
                + ChipModel.allCases.map(\.rawValue).joined(separator: ", "))
        }
        if let rateHz, !(rateHz >= 1 && rateHz <= 10_000) {
            throw ValidationError("invalid --rate \(rateHz); expected 1…10000 Hz")
        }
        guard let out, !out.isEmpty else { throw ValidationError("missing --out FILE.csv") }
    }

    func run() async throws {
        if list {
            let width = SimScenario.all.map(\.name.count).max() ?? 0
            for s in SimScenario.all {
                print(s.name + String(repeating: " ", count: width - s.name.count + 2) + s.summary)
            }
            return
        }
        guard let out else { throw ValidationError("missing --out FILE.csv") }
        let options = SimOptions(chip: chip.flatMap(ChipModel.init(rawValue:)), rateHz: rateHz, idealSensor: ideal)
        var session: SimulatedSession
        do {
            session = try SimulatedSession(scenario: scenario, seed: seed, options: options)
        } catch {
            throw ValidationError("\(error)")
        }
        let info = session.info
        let truthPath = truth ?? (out == "-" ? nil : Self.truthPath(for: out))

        var samples = 0
        do {
            let metadata = CaptureMetadata(rateHz: info.rateHz, sensor: info.sensor, mount: info.mount,
                                           extra: info.metadataPairs.filter { !["rate_hz", "sensor", "mount"].contains($0.key) })
            let writer = try CaptureWriter(path: out, metadata: metadata)
            while let sample = session.next() {
                try writer.write(sample)
                samples += 1
            }
            try writer.close()
        } catch {
            Self.printError("thrust: \(error)")
            throw ExitCode(1)
        }
        let truthValue = session.truth
        if let truthPath {
            if let problem = Self.writeText(truthValue.json(), to: truthPath) {
                Self.printError("thrust: \(truthPath): \(problem)")
                throw ExitCode(1)
            }
        }
        let reps = truthValue.repCount
        let duration = info.durationS ?? 0
        Self.printError("thrust: \(out): \(info.variant) (\(info.mount.rawValue), \(info.profile)), \(info.sensor) at "
            + "\(Self.format(info.rateHz)) Hz, \(samples) samples, \(Self.format(duration)) s, "
            + "\(truthValue.sets.count) sets, \(reps) reps" + (truthPath.map { "; truth: \($0)" } ?? ""))
    }

    /// FILE.csv → FILE.truth.json; any other name gets `.truth.json` appended.
    static func truthPath(for capture: String) -> String {
        capture.hasSuffix(".csv") ? String(capture.dropLast(4)) + ".truth.json" : capture + ".truth.json"
    }

    static func format(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// Writes `text` to `path`; returns the error text on failure.
    static func writeText(_ text: String, to path: String) -> String? {
        guard let file = fopen(path, "w") else { return "cannot open for writing: " + String(cString: strerror(errno)) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count, file) }
        let failed = written != bytes.count
        let closed = fclose(file) == 0
        if failed || !closed { return "cannot write: " + String(cString: strerror(errno)) }
        return nil
    }

    static func printError(_ line: String) {
        var text = line + "\n"
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            _ = write(2, base, bytes.count)
        }
    }
}

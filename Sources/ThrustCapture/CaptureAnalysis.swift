import ThrustCore

/// Running the core over a capture offline (`thrust analyze`), kept out of the CLI so it can be tested.
public enum CaptureAnalysis {
    /// What `--mount`, `--profile` or `--style` named that does not exist.
    public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Figures about the samples that went through the core.
    public struct Totals: Sendable, Equatable {
        public var samples = 0
        public var firstT: Double?
        public var lastT: Double?
        public var durationS: Double { (lastT ?? 0) - (firstT ?? 0) }
        public init() {}
    }

    /// The core settings for a capture: a given name wins, then the capture's metadata
    /// (`mount=`, `profile=`), then the defaults (bar, generic, auto).
    ///
    /// An unknown name given by the user is an error listing the valid ones; an unknown
    /// `profile=` in the metadata falls back to `generic` with a warning.
    public static func settings(metadata: CaptureMetadata, mount: String?, profile: String?, style: String?)
        -> Result<(settings: CoreSettings, warnings: [String]), SettingsError> {
        var warnings: [String] = []
        let mountNames = Mount.allCases.map(\.rawValue).joined(separator: ", ")
        let profileNames = Profile.builtIn.map(\.name).joined(separator: ", ")
        let styleNames = SetStyle.allCases.map(\.rawValue).joined(separator: ", ")

        var chosenMount = metadata.mount ?? .bar
        if let mount {
            guard let named = Mount(rawValue: mount) else {
                return .failure(SettingsError(message: "unknown mount '\(mount)'; expected one of: \(mountNames)"))
            }
            chosenMount = named
        }
        var chosenProfile = Profile.generic
        if let profile {
            guard let named = Profile.named(profile) else {
                return .failure(SettingsError(message: "unknown profile '\(profile)'; expected one of: \(profileNames)"))
            }
            chosenProfile = named
        } else if let fromCapture = metadata["profile"] {
            if let named = Profile.named(fromCapture) {
                chosenProfile = named
            } else {
                warnings.append("profile=\(fromCapture) in the capture is not one of \(profileNames); using generic")
            }
        }
        var chosenStyle = SetStyle.auto
        if let style {
            guard let named = SetStyle(rawValue: style) else {
                return .failure(SettingsError(message: "unknown style '\(style)'; expected one of: \(styleNames)"))
            }
            chosenStyle = named
        }
        return .success((CoreSettings(mount: chosenMount, profile: chosenProfile, style: chosenStyle), warnings))
    }

    /// What the whole capture teaches about its sensor — the gyro bias and the accelerometer's
    /// offsets and scales, not the mount references — for a second pass to start from
    /// (`run(_:settings:calibration:emit:)`), as the daemon starts from the calibration it stored:
    /// an uncalibrated chip is otherwise measured worse until its first few rests (the first set's
    /// depths). Reads the file at `path` on its own (nil when it is not a regular file, which
    /// cannot be read twice, or cannot be opened); stops quietly at a capture error, which the
    /// second pass reports.
    public static func learnCalibration(path: String, settings: CoreSettings) -> CalibrationState? {
        guard FileIO.isRegularFile(path), var reader = try? CaptureReader(path: path) else { return nil }
        return learnCalibration(settings: settings) { try? reader.next() }
    }

    /// The same from any source of samples (`next` returns nil at the end).
    public static func learnCalibration(settings: CoreSettings, next: () -> Sample?) -> CalibrationState {
        var analyzer = RepAnalyzer(settings: settings)
        while let sample = next() {
            analyzer.update(sample) { _ in }
        }
        analyzer.finish { _ in }
        var learnt = analyzer.calibration
        learnt.uprightAccelMS2 = nil
        learnt.lockoutAngleRad = nil
        return learnt
    }

    /// Streams every remaining sample of `reader` through a fresh `RepAnalyzer` (starting from
    /// `calibration` when given), then finishes it. Events go to `emit` as they happen. Stops at
    /// the first capture error (events emitted so far have been delivered).
    public static func run(_ reader: inout CaptureReader, settings: CoreSettings, calibration: CalibrationState? = nil,
                           emit: (CoreEvent) -> Void) throws(CaptureError) -> Totals {
        var analyzer = RepAnalyzer(settings: settings)
        if let calibration { analyzer.restore(calibration) }
        var totals = Totals()
        while let sample = try reader.next() {
            if totals.firstT == nil { totals.firstT = sample.t }
            totals.lastT = sample.t
            totals.samples += 1
            analyzer.update(sample, emit: emit)
        }
        analyzer.finish(emit: emit)
        return totals
    }
}

import Logging
import ThrustCore
import ThrustHardware

/// Everything `thrustd` can be told, from `/etc/thrustd/thrustd.toml` and its flags (flags win).
/// Every field has a key (see `ConfigKeys.all`, which is also the reference in docs/DAEMON.md).
public struct DaemonConfig: Sendable, Equatable {
    // MARK: Source
    /// `sim`, `sim:SCENARIO`, `replay:FILE.csv` or `i2c:/dev/i2c-N[@0xAA]` (SPEC §2).
    public var source: SourceSpec = .sim(scenario: nil)
    /// Pace factor for `sim` and `replay` (1 = real time).
    public var speed: Double = 1
    /// The simulator's seed.
    public var seed: UInt64 = 1
    /// Exit (status 0) when a replay or a finite simulation ends, instead of idling.
    public var exitAtEnd = false
    /// Also write every sample to this capture (SPEC §4).
    public var record: String?
    /// SCHED_FIFO priority of the sampling thread (0 = normal scheduling).
    public var rtPriority = 0
    /// I2C sensor settings.
    public var i2cRateHz: Double = 200
    public var i2cAccelRangeG = 4
    public var i2cGyroRangeDps = 500
    public var i2cReadMode: ReadMode = .poll

    // MARK: Core
    /// nil = from the source (capture metadata or the simulated lifter), else bar.
    public var mount: Mount?
    /// nil = from the source, else generic. `custom` = the `[custom]` limits.
    public var profile: String?
    public var style: SetStyle = .auto
    /// Safety limits for the built-in profiles (SPEC §3), nil = not judged.
    public var overextensionCm: Double? = 5
    public var overextensionDeg: Double? = 10
    public var asymmetryDeg: Double? = 3
    /// The `custom` profile (defaults: banded).
    public var customLimits: Limits = Profile.banded.limits

    // MARK: Files
    /// nil = `/var/lib/thrustd` as root, else `$XDG_STATE_HOME/thrustd` (or ~/.local/state/thrustd).
    public var stateDir: String?
    /// nil = `/run/thrustd` as root, else `$XDG_RUNTIME_DIR/thrustd` (or /tmp/thrustd-UID).
    public var runtimeDir: String?
    /// nil = `<runtime_dir>/thrustd.sock`.
    public var socketPath: String?
    public var socketGroup = "thrust"
    public var socketMode: UInt32 = 0o660
    /// Longest time a written log line may wait for fsync, s (≤ 5, SPEC §7 / issue).
    public var fsyncIntervalS: Double = 5
    /// Log lines held in memory while the disk is full or read-only.
    public var logQueueLines = 65_536

    // MARK: Clients
    public var maxClients = 128
    /// Bytes queued for one client before it is dropped as not reading.
    public var clientQueueBytes = 65_536

    // MARK: Buzzer
    /// GPIO line (`gpiochip0:17`); nil = no buzzer (beeps printed in the foreground).
    public var buzzerLine: String?
    public var repTick = false
    public var muted = false
    public var patterns: [AlertKind: BuzzerPattern] = DaemonConfig.defaultPatterns
    /// The rep-count tick (when `repTick`).
    public var tickPattern: BuzzerPattern? = DaemonConfig.pattern([30])

    // MARK: Output
    /// Print events and beeps on standard output; nil = when not run by systemd.
    public var printEvents: Bool?
    public var logLevel: Logger.Level = .info

    public init() {}

    /// A pattern from constant steps (always valid; nil only if the limits of BuzzerPattern change).
    static func pattern(_ steps: [Int]) -> BuzzerPattern? {
        try? BuzzerPattern(steps_ms: steps)
    }

    /// Distinct patterns per alert kind: safety alerts long, tempo double, depth triple…
    public static let defaultPatterns: [AlertKind: BuzzerPattern] = {
        let steps: [(AlertKind, [Int])] = [
            (.tempoFast, [100, 100, 100]),          // double
            (.overextension, [600]),                // long
            (.tooDeep, [100, 100, 100, 100, 100]),  // triple
            (.shallow, [300, 100, 100]),            // long-short
            (.shortHold, [100]),                    // short
            (.asymmetry, [300, 100, 300]),          // long-long
            (.setTarget, [50, 80, 50, 80, 400]),    // short-short-long
        ]
        var patterns: [AlertKind: BuzzerPattern] = [:]
        for (kind, ms) in steps { patterns[kind] = pattern(ms) }
        return patterns
    }()

    /// The profile the core judges against (`custom` = the `[custom]` table).
    public func resolvedProfile(fromSource sourceProfile: String?) -> Profile {
        let name = profile ?? sourceProfile ?? "generic"
        if name == "custom" { return Profile(name: "custom", limits: customLimits) }
        var chosen = Profile.named(name) ?? .generic
        chosen.limits.overextensionCm = overextensionCm
        chosen.limits.overextensionDeg = overextensionDeg
        chosen.limits.asymmetryDeg = asymmetryDeg
        return chosen
    }

    /// The profile names `profile` accepts.
    public static let profileNames = Profile.builtIn.map(\.name) + ["custom"]
}

/// Where samples come from (SPEC §2).
public enum SourceSpec: Sendable, Equatable, CustomStringConvertible {
    case sim(scenario: String?)
    case replay(path: String)
    case i2c(I2CSourceSpec)

    public static let syntax = "sim, sim:SCENARIO, replay:FILE.csv or i2c:/dev/i2c-N[@0xAA]"

    public init(parsing text: String) throws(DaemonError) {
        if text == "sim" {
            self = .sim(scenario: nil)
        } else if text.hasPrefix("sim:") {
            let name = String(text.dropFirst(4))
            guard !name.isEmpty else { throw DaemonError("'\(text)': expected sim or sim:SCENARIO") }
            self = .sim(scenario: name)
        } else if text.hasPrefix("replay:") {
            let path = String(text.dropFirst(7))
            guard !path.isEmpty else { throw DaemonError("'\(text)': expected replay:FILE.csv") }
            self = .replay(path: path)
        } else if text.hasPrefix("i2c:") {
            do {
                self = .i2c(try I2CSourceSpec(parsing: text))
            } catch {
                throw DaemonError("'\(text)': \(error.context)")
            }
        } else {
            throw DaemonError("'\(text)': expected \(SourceSpec.syntax)")
        }
    }

    public var description: String {
        switch self {
        case .sim(let scenario): return scenario.map { "sim:\($0)" } ?? "sim"
        case .replay(let path): return "replay:\(path)"
        case .i2c(let spec): return spec.description
        }
    }
}

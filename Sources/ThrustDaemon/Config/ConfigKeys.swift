import Logging
import ThrustCore
import ThrustHardware

/// A value from the config file or a flag, before it is checked against its key.
public enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    /// A TOML type no key accepts (array, date…), by name.
    case unsupported(String)

    public var description: String {
        switch self {
        case .string(let text): return JSONText.quoted(text)
        case .int(let value): return String(value)
        case .double(let value): return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .unsupported(let type): return "a TOML \(type)"
        }
    }

    var number: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value.isFinite ? value : nil
        default: return nil
        }
    }
}

/// One configuration key: its TOML name (dotted for tables), its flag, what it accepts, and how
/// it changes a `DaemonConfig`. `ConfigKeys.all` is the whole reference.
public struct ConfigKey: Sendable {
    public enum Kind: Sendable { case string, number, integer, boolean, limit }

    /// `speed`, `buzzer.line`, `custom.min_hold_s`…
    public let name: String
    /// The command-line flag that sets it (flags win), if any.
    public let flag: String?
    public let kind: Kind
    /// What is allowed, for error messages and the docs.
    public let allowed: String
    public let defaultText: String
    public let help: String
    /// Applies a value; returns nil, or what was wrong ("expected …").
    let apply: @Sendable (ConfigValue, inout DaemonConfig) -> String?

    /// A flag's text as a value of this key's kind (nil = not of that kind).
    public func value(fromFlagText text: String) -> ConfigValue {
        switch kind {
        case .string: return .string(text)
        case .integer: return Int(text).map(ConfigValue.int) ?? .string(text)
        case .number: return Double(text).map(ConfigValue.double) ?? .string(text)
        case .boolean:
            switch text.lowercased() {
            case "true", "yes", "on", "1": return .bool(true)
            case "false", "no", "off", "0": return .bool(false)
            default: return .string(text)
            }
        case .limit:
            if ["false", "off", "none"].contains(text.lowercased()) { return .bool(false) }
            return Double(text).map(ConfigValue.double) ?? .string(text)
        }
    }
}

/// The reference of every key (SPEC §3 limits with units in their names).
public enum ConfigKeys {
    public static func named(_ name: String) -> ConfigKey? { all.first { $0.name == name } }

    public static let all: [ConfigKey] = general + i2c + core + files + clients + buzzer + limits + custom

    // MARK: - Key groups

    static let general: [ConfigKey] = [
        ConfigKey(name: "source", flag: "--source", kind: .string, allowed: SourceSpec.syntax, defaultText: "sim",
                  help: "Where samples come from. sim is the built-in simulated lifter (scenario demo).") { value, config in
            guard case .string(let text) = value else { return "expected a string: \(SourceSpec.syntax)" }
            do throws(DaemonError) { config.source = try SourceSpec(parsing: text) } catch { return error.message }
            return nil
        },
        number("speed", flag: "--speed", range: 0.01...10_000, defaultText: "1",
               help: "Pace of sim and replay: 1 = real time, 10 = ten times faster.") { $0.speed = $1 },
        ConfigKey(name: "seed", flag: "--seed", kind: .integer, allowed: "an integer ≥ 0", defaultText: "1",
                  help: "The simulated lifter's seed.") { value, config in
            guard case .int(let seed) = value, seed >= 0 else { return "expected an integer ≥ 0" }
            config.seed = UInt64(seed)
            return nil
        },
        boolean("exit_at_end", flag: "--exit-at-end", defaultText: "false",
                help: "Exit with status 0 when a replay (or a finite simulation) ends, instead of idling.") { $0.exitAtEnd = $1 },
        path("record", flag: "--record", defaultText: "(none)",
             help: "Also write every sample to this capture file (SPEC §4), from the sampling thread's side queue.") {
            $0.record = $1
        },
        integer("rt_priority", flag: "--rt-priority", range: 0...99, defaultText: "0",
                help: "SCHED_FIFO priority of the sampling thread; 0 = normal scheduling (needs CAP_SYS_NICE).") {
            $0.rtPriority = $1
        },
        ConfigKey(name: "log_level", flag: "--log-level", kind: .string,
                  allowed: "one of trace, debug, info, notice, warning, error, critical", defaultText: "info",
                  help: "Messages on standard error (the journal under systemd) at this level and above.") { value, config in
            guard case .string(let text) = value, let level = Logger.Level(rawValue: text) else {
                return "expected one of trace, debug, info, notice, warning, error, critical"
            }
            config.logLevel = level
            return nil
        },
        boolean("print_events", flag: "--print-events", defaultText: "true unless run by systemd",
                help: "Print events and beeps on standard output (the foreground view).") { $0.printEvents = $1 },
    ]

    static let i2c: [ConfigKey] = [
        number("i2c.rate_hz", flag: "--rate-hz", range: IMUConfig.supportedRates, defaultText: "200",
               help: "IMU output data rate, Hz (the chip's nearest rate is used).") { $0.i2cRateHz = $1 },
        choice("i2c.accel_range_g", flag: nil, choices: IMUConfig.supportedAccelRanges, defaultText: "4",
               help: "Accelerometer full scale, g.") { $0.i2cAccelRangeG = $1 },
        choice("i2c.gyro_range_dps", flag: nil, choices: IMUConfig.supportedGyroRanges, defaultText: "500",
               help: "Gyro full scale, °/s.") { $0.i2cGyroRangeDps = $1 },
        ConfigKey(name: "i2c.read", flag: nil, kind: .string, allowed: "poll or fifo", defaultText: "poll",
                  help: "Data-ready polling at twice the rate, or the chip's FIFO.") { value, config in
            guard case .string(let text) = value, let mode = ReadMode(rawValue: text) else { return "expected poll or fifo" }
            config.i2cReadMode = mode
            return nil
        },
    ]

    static let core: [ConfigKey] = [
        ConfigKey(name: "mount", flag: "--mount", kind: .string, allowed: "bar or belt",
                  defaultText: "the source's (capture mount=, simulated lifter), else bar",
                  help: "Where the sensor is worn.") { value, config in
            guard case .string(let text) = value, let mount = Mount(rawValue: text) else { return "expected bar or belt" }
            config.mount = mount
            return nil
        },
        ConfigKey(name: "profile", flag: "--profile", kind: .string,
                  allowed: "one of " + DaemonConfig.profileNames.joined(separator: ", "),
                  defaultText: "the source's (capture profile=, simulated lifter), else generic",
                  help: "The limits reps are judged against; custom = the [custom] table.") { value, config in
            guard case .string(let text) = value, DaemonConfig.profileNames.contains(text) else {
                return "expected one of " + DaemonConfig.profileNames.joined(separator: ", ")
            }
            config.profile = text
            return nil
        },
        ConfigKey(name: "style", flag: "--style", kind: .string, allowed: "auto, top or bottom", defaultText: "auto",
                  help: "How sets start: top (barbell: bridge up first), bottom (banded), auto (the profile's: "
                    + "top for `barbell`, bottom for `banded`; from the motion for `generic` and `custom`).") { value, config in
            guard case .string(let text) = value, let style = SetStyle(rawValue: text) else {
                return "expected auto, top or bottom"
            }
            config.style = style
            return nil
        },
    ]

    static let files: [ConfigKey] = [
        path("state_dir", flag: "--state-dir", defaultText: "/var/lib/thrustd (root), else $XDG_STATE_HOME/thrustd",
             help: "Rep log (log/YYYY-MM-DD.jsonl) and calibration.") { $0.stateDir = $1 },
        path("runtime_dir", flag: "--runtime-dir",
             defaultText: "/run/thrustd (root), else $XDG_RUNTIME_DIR/thrustd or /tmp/thrustd-UID",
             help: "Where the socket lives.") { $0.runtimeDir = $1 },
        path("socket", flag: "--socket", defaultText: "<runtime_dir>/thrustd.sock", help: "The Unix socket (SPEC §6).") {
            $0.socketPath = $1
        },
        ConfigKey(name: "socket_group", flag: "--socket-group", kind: .string, allowed: "a group name",
                  defaultText: "thrust",
                  help: "Group of the socket; its members (and root) may send control commands.") { value, config in
            guard case .string(let text) = value, !text.isEmpty else { return "expected a group name" }
            config.socketGroup = text
            return nil
        },
        ConfigKey(name: "socket_mode", flag: nil, kind: .integer, allowed: "an octal mode 0o600…0o777 (TOML 0o660)",
                  defaultText: "0o660", help: "Permissions of the socket file.") { value, config in
            guard case .int(let mode) = value, (0o600...0o777).contains(mode) else {
                return "expected an octal mode from 0o600 to 0o777, e.g. 0o660"
            }
            config.socketMode = UInt32(mode)
            return nil
        },
        number("fsync_interval_s", flag: nil, range: 0.05...5, defaultText: "5",
               help: "Longest time a written log line waits for fsync, s (also fsynced at every SET_END).") {
            $0.fsyncIntervalS = $1
        },
        integer("log_queue_lines", flag: nil, range: 16...1_000_000, defaultText: "65536",
                help: "Log lines kept in memory while the disk is full or read-only (the oldest go first).") {
            $0.logQueueLines = $1
        },
    ]

    static let clients: [ConfigKey] = [
        integer("clients.max", flag: nil, range: 64...4096, defaultText: "128",
                help: "Socket clients at once; more are refused with an ERROR.") { $0.maxClients = $1 },
        integer("clients.queue_bytes", flag: nil, range: 4096...(16 << 20), defaultText: "65536",
                help: "Bytes queued for one client (beyond the kernel's buffer) before it is dropped as not reading.") {
            $0.clientQueueBytes = $1
        },
    ]

    static let buzzer: [ConfigKey] = {
        var keys: [ConfigKey] = [
            ConfigKey(name: "buzzer.line", flag: "--buzzer", kind: .string,
                      allowed: "a GPIO line: gpiochip0:17, /dev/gpiochip0:17, 17 or a line name; \"\" = none",
                      defaultText: "(none: beeps are printed in the foreground)",
                      help: "The active buzzer's GPIO line (libgpiod).") { value, config in
                guard case .string(let text) = value else { return "expected a GPIO line like gpiochip0:17" }
                if text.isEmpty {
                    config.buzzerLine = nil
                    return nil
                }
                do throws(HardwareError) { _ = try GPIOLineSpec(parsing: text) } catch { return error.context }
                config.buzzerLine = text
                return nil
            },
            boolean("buzzer.rep_tick", flag: "--rep-tick", defaultText: "false",
                    help: "A short tick for every counted rep without alerts.") { $0.repTick = $1 },
            boolean("buzzer.muted", flag: "--mute", defaultText: "false",
                    help: "Start muted (the socket's mute command changes it).") { $0.muted = $1 },
            pattern("buzzer.patterns.rep_tick", defaultText: "30", help: "The rep tick.") { $0.tickPattern = $1 },
        ]
        for kind in AlertKind.allCases {
            let steps = DaemonConfig.defaultPatterns[kind]?.description ?? "100"
            keys.append(pattern("buzzer.patterns.\(kind.rawValue)", defaultText: steps,
                                help: "Pattern for the \(kind.rawValue) alert.") { $0.patterns[kind] = $1 })
        }
        return keys
    }()

    static let limits: [ConfigKey] = [
        limit("limits.overextension_cm", defaultText: "5",
              help: "Bar mount: lockout more than this above the set's reference is over-extension, cm (every built-in profile).") {
            $0.overextensionCm = $1
        },
        limit("limits.overextension_deg", defaultText: "10",
              help: "Belt mount: pelvis more than this past parallel is over-extension, degrees (every built-in profile).") {
            $0.overextensionDeg = $1
        },
        limit("limits.asymmetry_deg", defaultText: "3",
              help: "Bar mount: side-to-side tilt at lockout past this is asymmetry, degrees (every built-in profile).") {
            $0.asymmetryDeg = $1
        },
    ]

    static let custom: [ConfigKey] = [
        limit("custom.min_eccentric_s", defaultText: "1", help: "Minimum eccentric (lowering) time, s.") {
            $0.customLimits.minEccentricS = $1
        },
        limit("custom.min_concentric_s", defaultText: "1", help: "Minimum concentric (raising) time, s.") {
            $0.customLimits.minConcentricS = $1
        },
        limit("custom.min_hold_s", defaultText: "2", help: "Minimum pause at lockout, s.") { $0.customLimits.minHoldS = $1 },
        limit("custom.min_depth_cm", defaultText: "15", help: "Minimum depth below lockout, cm.") {
            $0.customLimits.minDepthCm = $1
        },
        limit("custom.max_depth_cm", defaultText: "false", help: "Maximum depth below lockout, cm.") {
            $0.customLimits.maxDepthCm = $1
        },
        limit("custom.overextension_cm", defaultText: "5", help: "Bar mount over-extension, cm above the reference lockout.") {
            $0.customLimits.overextensionCm = $1
        },
        limit("custom.overextension_deg", defaultText: "10", help: "Belt mount over-extension, degrees past parallel.") {
            $0.customLimits.overextensionDeg = $1
        },
        limit("custom.asymmetry_deg", defaultText: "3", help: "Bar tilt at lockout, degrees.") {
            $0.customLimits.asymmetryDeg = $1
        },
        ConfigKey(name: "custom.target_reps", flag: nil, kind: .limit, allowed: "an integer 1…100, or false (none)",
                  defaultText: "8", help: "set_target fires once when a set reaches this many reps.") { value, config in
            if value == .bool(false) {
                config.customLimits.targetReps = nil
                return nil
            }
            guard case .int(let reps) = value, (1...100).contains(reps) else { return "expected an integer 1…100, or false" }
            config.customLimits.targetReps = reps
            return nil
        },
    ]

    // MARK: - Key builders

    static func number(_ name: String, flag: String?, range: ClosedRange<Double>, defaultText: String, help: String,
                       _ set: @escaping @Sendable (inout DaemonConfig, Double) -> Void) -> ConfigKey {
        let allowed = "a number from \(JSONText.number(range.lowerBound, decimals: 3)) to \(JSONText.number(range.upperBound, decimals: 3))"
        return ConfigKey(name: name, flag: flag, kind: .number, allowed: allowed, defaultText: defaultText, help: help) { value, config in
            guard let number = value.number, range.contains(number) else { return "expected \(allowed)" }
            set(&config, number)
            return nil
        }
    }

    static func integer(_ name: String, flag: String?, range: ClosedRange<Int>, defaultText: String, help: String,
                        _ set: @escaping @Sendable (inout DaemonConfig, Int) -> Void) -> ConfigKey {
        let allowed = "an integer from \(range.lowerBound) to \(range.upperBound)"
        return ConfigKey(name: name, flag: flag, kind: .integer, allowed: allowed, defaultText: defaultText, help: help) { value, config in
            guard case .int(let number) = value, range.contains(number) else { return "expected \(allowed)" }
            set(&config, number)
            return nil
        }
    }

    static func choice(_ name: String, flag: String?, choices: [Int], defaultText: String, help: String,
                       _ set: @escaping @Sendable (inout DaemonConfig, Int) -> Void) -> ConfigKey {
        let allowed = "one of " + choices.map(String.init).joined(separator: ", ")
        return ConfigKey(name: name, flag: flag, kind: .integer, allowed: allowed, defaultText: defaultText, help: help) { value, config in
            guard case .int(let number) = value, choices.contains(number) else { return "expected \(allowed)" }
            set(&config, number)
            return nil
        }
    }

    static func boolean(_ name: String, flag: String?, defaultText: String, help: String,
                        _ set: @escaping @Sendable (inout DaemonConfig, Bool) -> Void) -> ConfigKey {
        ConfigKey(name: name, flag: flag, kind: .boolean, allowed: "true or false", defaultText: defaultText, help: help) { value, config in
            guard case .bool(let flag) = value else { return "expected true or false" }
            set(&config, flag)
            return nil
        }
    }

    static func path(_ name: String, flag: String?, defaultText: String, help: String,
                     _ set: @escaping @Sendable (inout DaemonConfig, String) -> Void) -> ConfigKey {
        ConfigKey(name: name, flag: flag, kind: .string, allowed: "a file system path", defaultText: defaultText, help: help) { value, config in
            guard case .string(let text) = value, !text.isEmpty, !text.utf8.contains(0) else {
                return "expected a non-empty file system path"
            }
            set(&config, text)
            return nil
        }
    }

    static func pattern(_ name: String, defaultText: String, help: String,
                        _ set: @escaping @Sendable (inout DaemonConfig, BuzzerPattern) -> Void) -> ConfigKey {
        let allowed = "short, long, double, triple, or milliseconds on,off,on… (each 1…10000, at most 64)"
        return ConfigKey(name: name, flag: nil, kind: .string, allowed: allowed, defaultText: defaultText, help: help) { value, config in
            let text: String
            switch value {
            case .string(let string): text = string
            case .int(let ms): text = String(ms)
            default: return "expected \(allowed)"
            }
            do { set(&config, try BuzzerPattern(parsing: text)) } catch { return "expected \(allowed)" }
            return nil
        }
    }

    /// A limit: a number ≥ 0 in the unit its name gives, or `false` for "not judged".
    static func limit(_ name: String, defaultText: String, help: String,
                      _ set: @escaping @Sendable (inout DaemonConfig, Double?) -> Void) -> ConfigKey {
        let allowed = "a number from 0 to 1000 in the key's unit, or false (not judged)"
        return ConfigKey(name: name, flag: nil, kind: .limit, allowed: allowed, defaultText: defaultText, help: help) { value, config in
            if value == .bool(false) {
                set(&config, nil)
                return nil
            }
            guard let number = value.number, number >= 0, number <= 1000 else { return "expected \(allowed)" }
            set(&config, number)
            return nil
        }
    }
}

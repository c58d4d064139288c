/// JSON Lines encoding of the core's events (SPEC §5). Pure Swift, no Foundation.
///
/// One object per event, no trailing newline, keys in a fixed order: `class` first, then any
/// caller-supplied fields (the daemon's `time` and `seq`), then the event's own fields in the
/// order of SPEC §5. Numbers are written with a fixed number of decimals and trailing zeros
/// removed (`2.2`, `17.42`, `3`), so equal events always give byte-identical lines:
///
/// | quantity | decimals |
/// | --- | --- |
/// | `t` (s on the capture's clock) | 3 (ms) |
/// | durations `*_s` | 3 |
/// | `*_cm`, `*_deg` | 2 |
/// | `*_mps` | 3 |
/// | `velocity_loss_pct` | 1 |
/// | ALERT `value`/`limit` | by `unit`: s 3, cm 2, deg 2, reps 0 |
///
/// `nil` and non-finite numbers are `null`; a value that rounds to zero is `0`, never `-0`.
extension CoreEvent {
    /// The `class` of the event's JSON object.
    public var jsonClass: String {
        switch self {
        case .setStart: return "SET_START"
        case .phase: return "PHASE"
        case .alert: return "ALERT"
        case .rep: return "REP"
        case .setEnd: return "SET_END"
        case .sensor: return "SENSOR"
        }
    }

    /// The event as one JSON object, without a trailing newline.
    ///
    /// - Parameter extraFields: already-encoded `"key":value` pairs separated by commas, without a
    ///   leading or trailing comma (e.g. `"time":"2024-05-01T10:00:00.123Z","seq":17`); they are
    ///   placed right after `class`. Empty = none.
    public func jsonLine(extraFields: String = "") -> String {
        var line = ""
        appendJSON(to: &line, extraFields: extraFields)
        return line
    }

    /// Appends the event's JSON object (no newline) to `output`, for callers that batch lines.
    public func appendJSON(to output: inout String, extraFields: String = "") {
        // Move the caller's text into the writer (no copy), and back when done.
        var taken = ""
        swap(&taken, &output)
        var object = JSONObjectWriter(appendingTo: consume taken, className: jsonClass)
        if !extraFields.isEmpty { object.rawFields(extraFields) }
        switch self {
        case .setStart(let set, let t):
            object.int("set", set)
            object.number("t", t, decimals: JSONDecimals.time)
        case .phase(let set, let rep, let phase, let t):
            object.int("set", set)
            object.int("rep", rep)
            object.string("phase", phase.rawValue)
            object.number("t", t, decimals: JSONDecimals.time)
        case .alert(let alert):
            let decimals = JSONDecimals.forUnit(alert.unit)
            object.int("set", alert.set)
            object.int("rep", alert.rep)
            object.string("kind", alert.kind.rawValue)
            object.number("value", alert.value, decimals: decimals)
            object.number("limit", alert.limit, decimals: decimals)
            object.string("unit", alert.unit)
            object.number("t", alert.t, decimals: JSONDecimals.time)
        case .rep(let rep):
            object.int("set", rep.set)
            object.int("rep", rep.rep)
            object.number("t", rep.t, decimals: JSONDecimals.time)
            object.repMeasures(depthCm: rep.depthCm, eccentricS: rep.eccentricS, bottomS: rep.bottomS,
                               concentricS: rep.concentricS, holdS: rep.holdS, lockoutCm: rep.lockoutCm,
                               torsoDeg: rep.torsoDeg, tiltDeg: rep.tiltDeg, peakVelocityMps: rep.peakVelocityMps,
                               meanVelocityMps: rep.meanVelocityMps, partial: rep.partial, alerts: rep.alerts)
        case .setEnd(let summary):
            object.int("set", summary.set)
            object.number("t", summary.t, decimals: JSONDecimals.time)
            object.int("reps", summary.reps)
            object.number("mean_depth_cm", summary.meanDepthCm, decimals: JSONDecimals.cm)
            object.number("mean_eccentric_s", summary.meanEccentricS, decimals: JSONDecimals.seconds)
            object.number("mean_concentric_s", summary.meanConcentricS, decimals: JSONDecimals.seconds)
            object.number("mean_hold_s", summary.meanHoldS, decimals: JSONDecimals.seconds)
            object.number("peak_velocity_mps", summary.peakVelocityMps, decimals: JSONDecimals.mps)
            object.number("velocity_loss_pct", summary.velocityLossPct, decimals: JSONDecimals.percent)
            object.int("alerts", summary.alerts)
        case .sensor(let state, let detail, let t):
            object.string("state", state.rawValue)
            object.string("detail", detail)
            object.number("t", t, decimals: JSONDecimals.time)
        }
        output = object.finish()
    }
}

/// Decimals used for each kind of quantity in event JSON (see `CoreEvent.jsonLine`).
public enum JSONDecimals {
    public static let time = 3
    public static let seconds = 3
    public static let cm = 2
    public static let deg = 2
    public static let mps = 3
    public static let percent = 1

    /// Decimals for an `ALERT` value/limit in `unit` (`AlertKind.unit`).
    public static func forUnit(_ unit: String) -> Int {
        switch unit {
        case "s": return seconds
        case "cm": return cm
        case "deg": return deg
        case "reps": return 0
        default: return 3
        }
    }
}

extension JSONObjectWriter {
    /// A SPEC §5 `REP`'s measures, `depth_cm` to `alerts`: one field list and one set of decimals
    /// for the core's events and for the client's views of the log.
    public mutating func repMeasures(depthCm: Double?, eccentricS: Double?, bottomS: Double?, concentricS: Double?,
                                     holdS: Double?, lockoutCm: Double?, torsoDeg: Double?, tiltDeg: Double?,
                                     peakVelocityMps: Double?, meanVelocityMps: Double?, partial: Bool,
                                     alerts: AlertSet) {
        number("depth_cm", depthCm, decimals: JSONDecimals.cm)
        number("eccentric_s", eccentricS, decimals: JSONDecimals.seconds)
        number("bottom_s", bottomS, decimals: JSONDecimals.seconds)
        number("concentric_s", concentricS, decimals: JSONDecimals.seconds)
        number("hold_s", holdS, decimals: JSONDecimals.seconds)
        number("lockout_cm", lockoutCm, decimals: JSONDecimals.cm)
        number("torso_deg", torsoDeg, decimals: JSONDecimals.deg)
        number("tilt_deg", tiltDeg, decimals: JSONDecimals.deg)
        number("peak_velocity_mps", peakVelocityMps, decimals: JSONDecimals.mps)
        number("mean_velocity_mps", meanVelocityMps, decimals: JSONDecimals.mps)
        bool("partial", partial)
        strings("alerts", alerts.kinds.map(\.rawValue))
    }
}

/// Builds one JSON object as text, keys in the order they are added. For the core's events and
/// for the daemon's own objects (`VERSION`, `STATUS`, `ERROR`), so all lines share one style.
public struct JSONObjectWriter: Sendable {
    private var text: String
    private var isEmpty = true

    /// Starts an object, with `"class":"…"` first when `className` is given.
    public init(className: String? = nil) {
        self.init(appendingTo: "", className: className)
    }

    /// Starts an object at the end of `prefix` (which is kept as is).
    public init(appendingTo prefix: consuming String, className: String? = nil) {
        text = prefix
        text.append("{")
        if let className { string("class", className) }
    }

    /// Appends already-encoded `"key":value` pairs (comma-separated, no outer commas).
    public mutating func rawFields(_ encoded: String) {
        separator()
        text.append(encoded)
    }

    public mutating func int(_ key: String, _ value: Int?) {
        self.key(key)
        if let value { text.append(String(value)) } else { text.append("null") }
    }

    /// A number with `decimals` fixed decimals, trailing zeros removed; nil or non-finite → null.
    public mutating func number(_ key: String, _ value: Double?, decimals: Int) {
        self.key(key)
        JSONText.appendNumber(value, decimals: decimals, to: &text)
    }

    public mutating func string(_ key: String, _ value: String?) {
        self.key(key)
        if let value { JSONText.appendString(value, to: &text) } else { text.append("null") }
    }

    public mutating func bool(_ key: String, _ value: Bool?) {
        self.key(key)
        if let value { text.append(value ? "true" : "false") } else { text.append("null") }
    }

    public mutating func strings(_ key: String, _ values: [String]) {
        self.key(key)
        text.append("[")
        for (index, value) in values.enumerated() {
            if index > 0 { text.append(",") }
            JSONText.appendString(value, to: &text)
        }
        text.append("]")
    }

    /// Closes the object and returns the text (no trailing newline).
    public consuming func finish() -> String {
        text.append("}")
        return text
    }

    private mutating func separator() {
        if isEmpty { isEmpty = false } else { text.append(",") }
    }

    private mutating func key(_ key: String) {
        separator()
        JSONText.appendString(key, to: &text)
        text.append(":")
    }
}

/// JSON text primitives: string escaping and deterministic fixed-decimal numbers.
public enum JSONText {
    /// Powers of ten 10^0 … 10^9 (exact).
    private static let powersOf10: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

    /// `value` as a JSON string literal, quotes included.
    public static func quoted(_ value: String) -> String {
        var text = ""
        appendString(value, to: &text)
        return text
    }

    public static func appendString(_ value: String, to text: inout String) {
        text.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case "\u{08}": text.append("\\b")
            case "\u{0C}": text.append("\\f")
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}" {
                    text.append("\\u")
                    let hex = String(scalar.value, radix: 16)
                    text.append(String(repeating: "0", count: 4 - hex.count) + hex)
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text.append("\"")
    }

    /// `value` rounded to `decimals` (0…9) places, trailing zeros removed; `null` for nil or
    /// non-finite; never `-0`.
    public static func number(_ value: Double?, decimals: Int) -> String {
        var text = ""
        appendNumber(value, decimals: decimals, to: &text)
        return text
    }

    public static func appendNumber(_ value: Double?, decimals: Int, to text: inout String) {
        guard let value, value.isFinite else {
            text.append("null")
            return
        }
        let places = min(max(decimals, 0), powersOf10.count - 1)
        let scaledMagnitude = (abs(value) * powersOf10[places]).rounded()
        guard scaledMagnitude < 9e15 else {
            // Beyond exact integers: the shortest round-trip form (may use an exponent, valid JSON).
            text.append(value.description)
            return
        }
        var scaled = UInt64(scaledMagnitude)
        if scaled == 0 {
            text.append("0")
            return
        }
        if value < 0 { text.append("-") }
        var shown = places
        while shown > 0 && scaled % 10 == 0 {
            scaled /= 10
            shown -= 1
        }
        var divisor: UInt64 = 1
        for _ in 0..<shown { divisor *= 10 }
        text.append(String(scaled / divisor))
        if shown > 0 {
            text.append(".")
            let fraction = String(scaled % divisor)
            text.append(String(repeating: "0", count: shown - fraction.count))
            text.append(fraction)
        }
    }

    /// `value` with exactly `decimals` (0…9) places, for tables; "-" for nil or non-finite; never "-0.0".
    public static func fixed(_ value: Double?, decimals: Int) -> String {
        guard let value, value.isFinite else { return "-" }
        let places = min(max(decimals, 0), powersOf10.count - 1)
        let scaledMagnitude = (abs(value) * powersOf10[places]).rounded()
        guard scaledMagnitude < 9e15 else { return value.description }
        let scaled = UInt64(scaledMagnitude)
        var divisor: UInt64 = 1
        for _ in 0..<places { divisor *= 10 }
        var text = scaled != 0 && value < 0 ? "-" : ""
        text.append(String(scaled / divisor))
        if places > 0 {
            text.append(".")
            let fraction = String(scaled % divisor)
            text.append(String(repeating: "0", count: places - fraction.count))
            text.append(fraction)
        }
        return text
    }
}

import ThrustCore

/// Ground truth of a simulated session in `score.py`'s TRUTH format (durations from the planned,
/// exact stroke onsets and offsets; heights from the planned stroke end points).
public struct SessionTruth: Sendable, Equatable {
    public struct Rep: Sendable, Equatable {
        /// The instant lockout is reached (concentric offset), s.
        public var t: Double
        /// This lockout − the preceding bottom (vertical), cm.
        public var depthCm: Double
        public var eccentricS: Double?
        public var bottomS: Double?
        public var concentricS: Double
        public var holdS: Double?
        /// This lockout − median of the set's earlier lockouts (rep 1: 0), cm.
        public var lockoutCm: Double
        /// Belt: −elevation of the hips→shoulders direction at lockout, degrees.
        public var torsoDeg: Double?
        /// Bar: |bar axis elevation| at lockout, degrees.
        public var tiltDeg: Double?
        /// Concentric vertical velocity: mean (depth / duration) and peak, m/s (tremor excluded).
        public var meanVelocityMps: Double
        public var peakVelocityMps: Double
        /// What the planner meant this rep to exercise, e.g. `shallow`, `near:depth` (not scored).
        public var planned: [String]
    }

    public struct TruthSet: Sendable, Equatable {
        public var set: Int
        /// Onset of the first rep motion, s.
        public var tStart: Double
        /// End of the last rep, s (top-start: onset of the lowering; bottom-start: last bottom reached).
        public var tEnd: Double
        public var reps: [Rep]
    }

    public var mount: Mount
    public var profile: String
    /// The scenario asked for, and the one it resolved to (`mixed` picks one).
    public var scenario: String
    public var variant: String
    public var seed: UInt64
    public var rateHz: Double
    public var sensor: String
    public var style: SetStyle
    /// Session length, s (for endless sessions: as far as planned so far).
    public var durationS: Double
    /// t of the session's first instant (the capture clock's origin), s.
    public var startS: Double
    public var sets: [TruthSet]
    /// Spans with no rep: everything outside the sets, with 0.5 s margins around each set.
    public var nonrep: [ClosedRange<Double>]

    /// The TRUTH JSON of `score.py`, with a few extra keys it ignores (`variant`, `style`, `planned`…).
    /// Pretty: one rep per line.
    public func json(pretty: Bool = true) -> String {
        let nl = pretty ? "\n" : ""
        let sp = pretty ? " " : ""
        func num(_ x: Double, _ decimals: Int) -> String { formatDecimal(x, decimals: decimals) }
        func opt(_ x: Double?, _ decimals: Int) -> String { x.map { num($0, decimals) } ?? "null" }
        func str(_ s: String) -> String { "\"" + jsonEscaped(s) + "\"" }
        var out = "{" + nl
        let head: [(String, String)] = [
            ("mount", str(mount.rawValue)), ("profile", str(profile)), ("count_only", "false"),
            ("scenario", str(scenario)), ("variant", str(variant)), ("seed", String(seed)),
            ("rate_hz", num(rateHz, 3)), ("sensor", str(sensor)),
            ("style", str(style == .bottomStart ? "bottom" : "top")),
            ("t0", num(startS, 6)), ("duration_s", num(durationS, 3)),
        ]
        for (key, value) in head { out += sp + str(key) + ":" + sp + value + "," + nl }
        out += sp + "\"sets\":" + sp + "[" + nl
        for (i, set) in sets.enumerated() {
            out += sp + sp + "{\"set\":" + sp + String(set.set) + "," + sp + "\"t_start\":" + sp + num(set.tStart, 6)
                + "," + sp + "\"t_end\":" + sp + num(set.tEnd, 6) + "," + sp + "\"reps\":" + sp + "[" + nl
            for (j, rep) in set.reps.enumerated() {
                let fields: [(String, String)] = [
                    ("t", num(rep.t, 6)), ("depth_cm", num(rep.depthCm, 3)), ("eccentric_s", opt(rep.eccentricS, 4)),
                    ("bottom_s", opt(rep.bottomS, 4)), ("concentric_s", num(rep.concentricS, 4)),
                    ("hold_s", opt(rep.holdS, 4)), ("lockout_cm", num(rep.lockoutCm, 3)),
                    ("torso_deg", opt(rep.torsoDeg, 3)), ("tilt_deg", opt(rep.tiltDeg, 3)),
                    ("mean_velocity_mps", num(rep.meanVelocityMps, 4)), ("peak_velocity_mps", num(rep.peakVelocityMps, 4)),
                    ("planned", "[" + rep.planned.map(str).joined(separator: ",") + "]"),
                ]
                out += (pretty ? "    " : "") + "{" + fields.map { str($0.0) + ":" + sp + $0.1 }.joined(separator: "," + sp) + "}"
                out += (j + 1 < set.reps.count ? "," : "") + nl
            }
            out += sp + sp + "]}" + (i + 1 < sets.count ? "," : "") + nl
        }
        out += sp + "]," + nl
        out += sp + "\"nonrep\":" + sp + "["
        out += nonrep.map { "[" + num($0.lowerBound, 6) + "," + sp + num($0.upperBound, 6) + "]" }.joined(separator: "," + sp)
        out += "]" + nl + "}" + nl
        return out
    }

    /// Number of reps over all sets.
    public var repCount: Int { sets.reduce(0) { $0 + $1.reps.count } }
}

/// `x` with at most `decimals` decimals, trailing zeros removed ("12.5", "-0.031", "3").
func formatDecimal(_ x: Double, decimals: Int) -> String {
    guard x.isFinite else { return "null" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    guard scaled < 9e18 else { return String(x) }
    var digits = UInt64(scaled)
    var shown = decimals
    while shown > 0 && digits % 10 == 0 {
        digits /= 10
        shown -= 1
    }
    var text = String(digits)
    if shown > 0 {
        if text.count <= shown { text = String(repeating: "0", count: shown - text.count + 1) + text }
        text.insert(".", at: text.index(text.endIndex, offsetBy: -shown))
    }
    return (x < 0 && digits != 0 ? "-" : "") + text
}

func jsonEscaped(_ s: String) -> String {
    var out = ""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if scalar.value < 0x20 {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

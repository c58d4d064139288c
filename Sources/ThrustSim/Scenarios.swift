import ThrustCore

/// A named distribution of sessions; the seed picks the details.
public struct SimScenario: Sendable, Equatable {
    public var name: String
    public var summary: String

    public init(name: String, summary: String) {
        self.name = name
        self.summary = summary
    }

    public static let all: [SimScenario] = [
        SimScenario(name: "barbell", summary: "sensor on the bar, top-start sets: roll the bar on, bridge up, reps, lower, roll off (barbell profile)"),
        SimScenario(name: "banded", summary: "hip belt, upright calibration, walk, lie back, bottom-start sets of 8–15 reps (banded profile)"),
        SimScenario(name: "banded-bar", summary: "sensor on the bar, bottom-start sets (banded profile, sometimes generic)"),
        SimScenario(name: "belt-barbell", summary: "hip belt, top-start barbell-style sets (barbell profile, sometimes generic)"),
        SimScenario(name: "power", summary: "barbell power reps: concentric as fast as the hips allow, about 0.3–0.45 s"),
        SimScenario(name: "heavy", summary: "heavy barbell sets: slow concentrics (0.15–0.3 m/s) with sticking regions, strong fatigue"),
        SimScenario(name: "distractors", summary: "lots of fiddling between sets: bumps, adjustments, shifting, walking, bending over"),
        SimScenario(name: "lowrate", summary: "output rate 10 or 25 Hz"),
        SimScenario(name: "highrate", summary: "output rate 2 or 4 kHz, short session"),
        SimScenario(name: "quick", summary: "one short set, about 40 s (tests and demos)"),
        SimScenario(name: "long", summary: "about an hour of sets and rests at 1 kHz (benchmarks)"),
        SimScenario(name: "mixed", summary: "one of the scenarios above except long, picked by the seed (the default)"),
        SimScenario(name: "demo", summary: "sets and rests at 100–200 Hz; endless with SimOptions.endless (the daemon's built-in sensor)"),
    ]

    public static func named(_ name: String) -> SimScenario? { all.first { $0.name == name } }

    /// Scenarios that `mixed` picks from, with weights.
    static let mixedChoices: [(String, Double)] = [
        ("barbell", 20), ("banded", 20), ("banded-bar", 9), ("belt-barbell", 9), ("power", 8), ("heavy", 8),
        ("distractors", 9), ("lowrate", 6), ("highrate", 3), ("quick", 4), ("demo", 4),
    ]
}

/// How the planner builds a session.
enum TempoKind: Sendable {
    /// Banded: ≥ 1 s each way, 2–4 s holds.
    case banded
    /// Barbell: "as fast as possible" concentric 0.3–1.2 s, holds 0–2 s.
    case barbell
    /// Fast power reps: concentric 0.25–0.4 s.
    case power
    /// Slow heavy reps: concentric mean velocity 0.15–0.3 m/s, sticking regions, strong fatigue.
    case heavy
}

struct SessionRecipe: Sendable {
    var variant: String
    var mount: Mount
    var style: SetStyle
    var profile: String
    var tempo: TempoKind
    var sets: ClosedRange<Int>
    var reps: ClosedRange<Int>
    var restS: ClosedRange<Double>
    /// Distractor events per 10 s of rest.
    var distractorsPer10s: Double
    /// Do not start another set once past this (finite sessions, after the minimum set count).
    var maxSessionS: Double
    /// Keep adding sets until this long (the `long` scenario).
    var minSessionS: Double = 0
    /// Output rates with weights.
    var rates: [(hz: Double, weight: Double)] = SessionRecipe.defaultRates
    /// One short set with brisk set-up (`quick`).
    var quick = false

    /// Weighted toward 100–500 Hz so files stay small; 2–4 kHz only in `highrate`.
    static let defaultRates: [(hz: Double, weight: Double)] = [
        (10, 3), (25, 4), (50, 8), (100, 25), (200, 25), (400, 14), (500, 14), (1000, 7),
    ]

    /// The recipe for a scenario name (not `mixed`), details drawn from `rng`.
    static func make(_ name: String, _ rng: inout SimRandom) -> SessionRecipe? {
        func base(_ kind: String, _ rng: inout SimRandom) -> SessionRecipe {
            switch kind {
            case "banded":
                return SessionRecipe(variant: kind, mount: .belt, style: .bottomStart, profile: "banded", tempo: .banded,
                                     sets: 2...3, reps: 8...15, restS: 15...45, distractorsPer10s: 0.7, maxSessionS: 330)
            case "banded-bar":
                return SessionRecipe(variant: kind, mount: .bar, style: .bottomStart, profile: rng.chance(0.75) ? "banded" : "generic",
                                     tempo: .banded, sets: 2...3, reps: 8...15, restS: 15...45, distractorsPer10s: 0.7, maxSessionS: 330)
            case "belt-barbell":
                return SessionRecipe(variant: kind, mount: .belt, style: .topStart, profile: rng.chance(0.75) ? "barbell" : "generic",
                                     tempo: .barbell, sets: 2...4, reps: 3...12, restS: 15...60, distractorsPer10s: 0.7, maxSessionS: 330)
            default:
                return SessionRecipe(variant: "barbell", mount: .bar, style: .topStart, profile: "barbell", tempo: .barbell,
                                     sets: 2...4, reps: 3...12, restS: 15...60, distractorsPer10s: 0.7, maxSessionS: 330)
            }
        }
        let baseKinds = ["barbell", "banded", "banded-bar", "belt-barbell"]
        switch name {
        case "barbell", "banded", "banded-bar", "belt-barbell":
            return base(name, &rng)
        case "power":
            var r = base(rng.chance(0.85) ? "barbell" : "belt-barbell", &rng)
            r.variant = name
            r.tempo = .power
            r.reps = 3...8
            r.profile = rng.chance(0.8) ? "barbell" : "generic"
            return r
        case "heavy":
            var r = base("barbell", &rng)
            r.variant = name
            r.tempo = .heavy
            r.reps = 3...6
            r.profile = rng.chance(0.75) ? "barbell" : "generic"
            return r
        case "distractors":
            var r = base(rng.pick(baseKinds, default: "barbell"), &rng)
            r.variant = name
            r.distractorsPer10s = 3
            r.restS = 25...60
            return r
        case "lowrate":
            var r = base(rng.pick(baseKinds, default: "barbell"), &rng)
            r.variant = name
            r.rates = [(10, 1), (25, 1)]
            return r
        case "highrate":
            var r = base(rng.pick(baseKinds, default: "barbell"), &rng)
            r.variant = name
            r.rates = [(2000, 1), (4000, 1)]
            r.sets = 1...2
            r.reps = r.style == .bottomStart ? 8...9 : 3...6
            r.restS = 15...25
            r.maxSessionS = 90  // usually one set: 4 kHz rows add up fast
            return r
        case "quick":
            var r = base(rng.chance(0.5) ? "barbell" : "banded", &rng)
            r.variant = name
            r.sets = 1...1
            r.reps = r.mount == .belt ? 3...4 : 4...6
            r.quick = true
            r.rates = [(100, 1), (200, 1)]
            return r
        case "long":
            var r = base(rng.pick(baseKinds, default: "barbell"), &rng)
            r.variant = name
            r.sets = 1...1000
            r.restS = 30...60
            r.minSessionS = 3600
            r.maxSessionS = 3600
            r.rates = [(1000, 1)]
            return r
        case "demo":
            var r = base(rng.chance(0.6) ? "barbell" : "banded", &rng)
            r.variant = name
            r.sets = 3...3
            r.restS = 20...40
            r.rates = [(100, 1), (200, 1)]
            return r
        default:
            return nil
        }
    }
}

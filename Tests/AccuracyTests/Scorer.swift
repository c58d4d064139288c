import Foundation
import ThrustCore
import ThrustSim

/// A port of `../shared/eval/score.py`'s rep matching, errors and alert judging, so the accuracy
/// tests measure exactly what the held-out evaluation measures.
struct Scorer {
    struct ProfileLimits {
        var minEcc: Double?, minCon: Double?, minHold: Double?, minDepth: Double?, maxDepth: Double?
    }

    static let limits: [String: ProfileLimits] = [
        "banded": ProfileLimits(minEcc: 1, minCon: 1, minHold: 2, minDepth: 15, maxDepth: nil),
        "barbell": ProfileLimits(minEcc: 1, minCon: nil, minHold: nil, minDepth: 15, maxDepth: 20),
        "generic": ProfileLimits(),
    ]
    static let overextCm = 5.0, overextDeg = 10.0, tiltDeg = 3.0
    static let bandS = 0.12, bandCm = 1.0, bandDeg = 2.0, bandTilt = 0.6
    static let matchS = 0.6

    var sets = 0, setsExact = 0, trueReps = 0, found = 0, extra = 0, ghosts = 0
    var errors: [String: [Double]] = [:]
    var alerts: [String: (tp: Int, fp: Int, fn: Int)] = [:]
    /// Alerts raised where the truth has none (not even near the limit), for investigation.
    var falseAlerts: [String] = []
    /// Alerts the truth has that were not raised, for investigation.
    var missedAlerts: [String] = []
    var offSets: [String] = []
    /// Reported reps no true rep matched (with whether they fell in a non-rep span).
    var extras: [String] = []
    /// Every matched rep's depth error with where it was, for investigation.
    var depthErrors: [(error: Double, rep: String)] = []
    /// The same for the lockout height (cm) …
    var lockoutErrors: [(error: Double, rep: String)] = []
    /// … and each duration (s), by its field name.
    var durationErrors: [String: [(error: Double, rep: String)]] = [:]

    static func truthAlerts(_ r: SessionTruth.Rep, profile: String, mount: Mount) -> (must: Set<String>, maybe: Set<String>) {
        let lim = limits[profile] ?? ProfileLimits()
        var must = Set<String>(), maybe = Set<String>()
        func below(_ k: String, _ v: Double?, _ l: Double?, _ band: Double) {
            guard let v, let l else { return }
            if v < l - band { must.insert(k) } else if v < l + band { maybe.insert(k) }
        }
        func above(_ k: String, _ v: Double?, _ l: Double?, _ band: Double) {
            guard let v, let l else { return }
            if v > l + band { must.insert(k) } else if v > l - band { maybe.insert(k) }
        }
        below("tempo_fast", r.eccentricS, lim.minEcc, bandS)
        below("tempo_fast", r.concentricS, lim.minCon, bandS)
        below("short_hold", r.holdS, lim.minHold, bandS)
        below("shallow", r.depthCm, lim.minDepth, bandCm)
        above("too_deep", r.depthCm, lim.maxDepth, bandCm)
        if mount == .bar {
            above("overextension", r.lockoutCm, overextCm, bandCm)
            above("asymmetry", r.tiltDeg, tiltDeg, bandTilt)
        } else {
            above("overextension", r.torsoDeg, overextDeg, bandDeg)
        }
        return (must, maybe.subtracting(must))
    }

    mutating func add(truth: SessionTruth, reps: [RepReport], name: String) {
        var used = Set<Int>()
        for s in truth.sets {
            sets += 1
            let mine = reps.filter { $0.t >= s.tStart - 1 && $0.t <= s.tEnd + 1 }
            var missedRepNumbers: [Int] = []
            defer {
                if mine.count == s.reps.count { setsExact += 1 } else {
                    offSets.append("\(name) set \(s.set): \(mine.count) reps, truth \(s.reps.count), missed \(missedRepNumbers)")
                }
            }
            for (repIndex, tr) in s.reps.enumerated() {
                trueReps += 1
                var best: Int?
                var bd = Self.matchS
                for (i, r) in reps.enumerated() where !used.contains(i) {
                    let d = abs(r.t - tr.t)
                    if d <= bd { best = i; bd = d }
                }
                let (must, maybe) = Self.truthAlerts(tr, profile: truth.profile, mount: truth.mount)
                guard let b = best else {
                    missedRepNumbers.append(repIndex + 1)
                    for k in must { alerts[k, default: (0, 0, 0)].fn += 1 }
                    continue
                }
                used.insert(b)
                found += 1
                let r = reps[b]
                func err(_ k: String, _ a: Double?, _ t: Double?) {
                    guard let a, let t else { return }
                    errors[k, default: []].append(a - t)
                    if k.hasSuffix("_s") {
                        durationErrors[k, default: []].append((a - t, "\(name) t \(tr.t) \(k) \(t)"))
                    }
                }
                err("t", r.t, tr.t)
                err("depth_cm", r.depthCm, tr.depthCm)
                depthErrors.append((r.depthCm - tr.depthCm, "\(name) t \(tr.t) depth \(tr.depthCm)"))
                lockoutErrors.append((r.lockoutCm - tr.lockoutCm, "\(name) t \(tr.t) lockout \(tr.lockoutCm)"))
                err("eccentric_s", r.eccentricS, tr.eccentricS)
                err("bottom_s", r.bottomS, tr.bottomS)
                err("concentric_s", r.concentricS, tr.concentricS)
                err("hold_s", r.holdS, tr.holdS)
                err("lockout_cm", r.lockoutCm, tr.lockoutCm)
                err("torso_deg", r.torsoDeg, tr.torsoDeg)
                err("tilt_deg", r.tiltDeg, tr.tiltDeg)
                let got = Set(r.alerts.kinds.map(\.rawValue))
                for k in got.union(must) {
                    if must.contains(k) && got.contains(k) { alerts[k, default: (0, 0, 0)].tp += 1 }
                    else if must.contains(k) {
                        alerts[k, default: (0, 0, 0)].fn += 1
                        missedAlerts.append("\(name) t \(tr.t): \(k), lockout \(r.lockoutCm) cm (truth \(tr.lockoutCm)), torso \(r.torsoDeg ?? .nan)° (truth \(tr.torsoDeg ?? .nan))")
                    }
                    else if !maybe.contains(k) {
                        alerts[k, default: (0, 0, 0)].fp += 1
                        falseAlerts.append("\(name) t \(tr.t): \(k), lockout \(r.lockoutCm) cm (truth \(tr.lockoutCm)), torso \(r.torsoDeg ?? .nan)° (truth \(tr.torsoDeg ?? .nan))")
                    }
                }
            }
        }
        for (i, r) in reps.enumerated() where !used.contains(i) {
            extra += 1
            let ghost = truth.nonrep.contains(where: { $0.contains(r.t) })
            if ghost { ghosts += 1 }
            extras.append(String(format: "%@ t %.2f depth %.1f cm%@", name as NSString, r.t, r.depthCm, ghost ? " (in a non-rep span)" : ""))
        }
    }

    func mae(_ k: String) -> Double? {
        guard let v = errors[k], !v.isEmpty else { return nil }
        return v.reduce(0) { $0 + abs($1) } / Double(v.count)
    }

    func rms(_ k: String) -> Double? {
        guard let v = errors[k], !v.isEmpty else { return nil }
        return (v.reduce(0) { $0 + $1 * $1 } / Double(v.count)).squareRoot()
    }

    func f1(_ k: String) -> Double? {
        guard let c = alerts[k] else { return nil }
        let p = c.tp + c.fp > 0 ? Double(c.tp) / Double(c.tp + c.fp) : nil
        let r = c.tp + c.fn > 0 ? Double(c.tp) / Double(c.tp + c.fn) : nil
        if let p, let r, p + r > 0 { return 2 * p * r / (p + r) }
        return c.tp + c.fp + c.fn > 0 ? 0 : nil
    }

    var setExactRate: Double { sets > 0 ? Double(setsExact) / Double(sets) : 0 }

    var summary: String {
        func f(_ x: Double?) -> String { x.map { String(Int(($0 * 1000).rounded())) + "e-3" } ?? "-" }
        var s = "sets exact \(setsExact)/\(sets) reps found \(found)/\(trueReps) extra \(extra) ghosts \(ghosts)"
        s += " depth_rms_cm \(f(rms("depth_cm"))) ecc_mae_s \(f(mae("eccentric_s"))) con_mae_s \(f(mae("concentric_s")))"
        s += " hold_mae_s \(f(mae("hold_s"))) bottom_mae_s \(f(mae("bottom_s"))) lockout_mae_cm \(f(mae("lockout_cm")))"
        s += " torso_mae_deg \(f(mae("torso_deg"))) tilt_mae_deg \(f(mae("tilt_deg")))"
        for k in alerts.keys.sorted() {
            let c = alerts[k] ?? (0, 0, 0)
            s += " \(k) f1 \(f(f1(k))) (tp \(c.tp) fp \(c.fp) fn \(c.fn))"
        }
        return s
    }
}

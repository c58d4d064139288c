import Foundation
import Testing
import ThrustCore
@testable import ThrustSim

/// Structure of the truth over many sessions: positive durations, reps inside their sets, sets
/// and non-rep spans apart, depth and lockout_cm as defined (checked against the planned heights).
@Test func truthIsConsistentWithThePlan() throws {
    for session in try plans("mixed", seeds: 1...40) {
        let truth = session.truth
        var motion = session.motion
        let origin = truth.startS
        #expect(!truth.sets.isEmpty)
        var previousEnd = origin
        for set in truth.sets {
            #expect(set.tStart > previousEnd)
            #expect(set.tEnd > set.tStart)
            previousEnd = set.tEnd
            var lockouts: [Double] = []
            for rep in set.reps {
                #expect(rep.concentricS > 0)
                #expect((rep.eccentricS ?? 1) > 0)
                #expect((rep.holdS ?? 0) >= 0)
                #expect((rep.bottomS ?? 0) >= 0)
                #expect(rep.t > set.tStart && rep.t <= set.tEnd + 1e-9)
                if truth.style == .topStart {
                    #expect(rep.eccentricS != nil && rep.bottomS != nil && rep.holdS != nil)
                } else {
                    #expect(rep.bottomS == nil || rep.t < set.tEnd)
                }
                #expect((truth.mount == .belt) == (rep.torsoDeg != nil))
                #expect((truth.mount == .bar) == (rep.tiltDeg != nil))
                // Heights from the plan.
                let lockZ = motion.body(at: rep.t - origin).position.z
                let bottomZ = motion.body(at: rep.t - origin - rep.concentricS).position.z
                #expect(abs((lockZ - bottomZ) * 100 - rep.depthCm) < 1e-6)
                let reference = lockouts.isEmpty ? lockZ : median(lockouts)
                #expect(abs((lockZ - reference) * 100 - rep.lockoutCm) < 1e-6)
                lockouts.append(lockZ)
                // Still at the lockout instant and at the bottom (strokes end at zero velocity).
                #expect(abs(motion.body(at: rep.t - origin).velocity.z) < 1e-9)
            }
            if let last = set.reps.last, truth.style == .bottomStart {
                #expect(last.bottomS == nil)
            }
        }
        // Non-rep spans stay 0.5 s away from every set.
        for span in truth.nonrep {
            #expect(span.lowerBound < span.upperBound)
            for set in truth.sets {
                #expect(span.upperBound <= set.tStart - 0.5 + 1e-9 || span.lowerBound >= set.tEnd + 0.5 - 1e-9)
            }
        }
        #expect(abs((truth.nonrep.last?.upperBound ?? 0) - (origin + truth.durationS)) < 1e-9)
    }
}

/// Values land on both sides of every limit, and near it, over 40 mixed sessions; each kind the
/// profile judges shows up in most sessions.
@Test func alertValuesSpreadAcrossTheLimits() throws {
    var depth: [Double] = [], eccentric: [Double] = [], bandedConcentric: [Double] = [], bandedHold: [Double] = []
    var barLockout: [Double] = [], torso: [Double] = [], tilt: [Double] = [], barbellDepth: [Double] = []
    var sessionsWithKind: [String: Int] = [:], sessionsJudging: [String: Int] = [:]
    for session in try plans("mixed", seeds: 1...40) {
        let truth = session.truth
        let reps = truth.sets.flatMap(\.reps)
        depth += reps.map(\.depthCm)
        eccentric += reps.compactMap(\.eccentricS)
        if truth.profile == "banded" {
            bandedConcentric += reps.map(\.concentricS)
            bandedHold += reps.compactMap(\.holdS)
        }
        if truth.profile == "barbell" { barbellDepth += reps.map(\.depthCm) }
        if truth.mount == .bar { barLockout += reps.map(\.lockoutCm) }
        torso += reps.compactMap(\.torsoDeg)
        tilt += reps.compactMap(\.tiltDeg)
        guard truth.profile != "generic" else { continue }
        var judged = ["shallow", "overextension", "tempo_fast"]
        judged += truth.profile == "banded" ? ["short_hold"] : ["too_deep"]
        if truth.mount == .bar { judged.append("asymmetry") }
        let planned = Set(reps.flatMap(\.planned).map { $0.hasPrefix("tempo_fast") ? "tempo_fast" : $0 })
        for kind in judged {
            sessionsJudging[kind, default: 0] += 1
            if planned.contains(kind) { sessionsWithKind[kind, default: 0] += 1 }
        }
    }
    func spread(_ values: [Double], _ limit: Double, band: Double, _ name: String) {
        #expect(values.contains { $0 < limit - band }, "\(name): some clearly below \(limit)")
        #expect(values.contains { $0 > limit + band }, "\(name): some clearly above \(limit)")
        #expect(values.contains { abs($0 - limit) < band }, "\(name): some near \(limit)")
    }
    spread(depth, 15, band: 1, "depth_cm")
    spread(barbellDepth, 20, band: 1, "barbell depth_cm")
    spread(eccentric, 1, band: 0.12, "eccentric_s")
    spread(bandedConcentric, 1, band: 0.12, "banded concentric_s")
    spread(bandedHold, 2, band: 0.12, "banded hold_s")
    spread(barLockout, 5, band: 1, "bar lockout_cm")
    spread(torso, 10, band: 2, "torso_deg")
    spread(tilt, 3, band: 0.6, "tilt_deg")
    for (kind, judging) in sessionsJudging where judging >= 5 {
        let share = Double(sessionsWithKind[kind, default: 0]) / Double(judging)
        #expect(share >= 0.6, "\(kind) in \(Int(share * 100)) % of the sessions that judge it")
    }
    // About a quarter of the reps break a limit.
    let all = try plans("mixed", seeds: 1...40).flatMap { $0.truth.sets.flatMap(\.reps) }
    let violating = Double(all.filter { $0.planned.contains { !$0.hasPrefix("near:") } }.count) / Double(all.count)
    #expect(violating > 0.15 && violating < 0.35, "violating share \(violating)")
}

/// The truth JSON is what score.py reads.
@Test func truthJSONParses() throws {
    for scenario in ["barbell", "banded"] {
        let session = try SimulatedSession(scenario: scenario, seed: 4)
        for pretty in [true, false] {
            let text = session.truth.json(pretty: pretty)
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            let root = try #require(object)
            #expect(root["mount"] as? String == session.info.mount.rawValue)
            #expect(root["profile"] as? String == session.info.profile)
            #expect(root["count_only"] as? Bool == false)
            let sets = try #require(root["sets"] as? [[String: Any]])
            #expect(sets.count == session.truth.sets.count)
            let reps = try #require(sets.first?["reps"] as? [[String: Any]])
            for key in ["t", "depth_cm", "eccentric_s", "bottom_s", "concentric_s", "hold_s", "lockout_cm", "torso_deg", "tilt_deg"] {
                #expect(reps.first?.keys.contains(key) == true, "rep key \(key)")
            }
            let t = try #require(reps.first?["t"] as? Double)
            #expect(abs(t - (session.truth.sets.first?.reps.first?.t ?? 0)) < 1e-6)
            let nonrep = try #require(root["nonrep"] as? [[Double]])
            #expect(nonrep.count == session.truth.nonrep.count)
        }
    }
    #expect(formatDecimal(-0.00001, decimals: 3) == "0")
    #expect(formatDecimal(12.5, decimals: 3) == "12.5")
    #expect(formatDecimal(-0.031, decimals: 4) == "-0.031")
    #expect(formatDecimal(3, decimals: 6) == "3")
    #expect(formatDecimal(0.000123, decimals: 6) == "0.000123")
}

@Test func metadataNamesTheSession() throws {
    let session = try SimulatedSession(scenario: "mixed", seed: 2)
    let pairs = Dictionary(uniqueKeysWithValues: session.info.metadataPairs.map { ($0.key, $0.value) })
    #expect(pairs["scenario"] == "mixed")
    #expect(pairs["variant"] == session.info.variant)
    #expect(pairs["seed"] == "2")
    #expect(pairs["mount"] == session.info.mount.rawValue)
    #expect(pairs["profile"] == session.info.profile)
    #expect(Double(pairs["rate_hz"] ?? "") == session.info.rateHz)
}

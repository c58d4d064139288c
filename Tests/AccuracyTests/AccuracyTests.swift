import Testing
@testable import ThrustCore
import ThrustCapture
import ThrustSim

/// `thrust analyze` on a simulated session: the second of two passes, starting from the
/// calibration the first learnt from the whole session (`onePass`: as the daemon would live with
/// nothing stored).
func analyze(scenario: String, seed: UInt64, options: SimOptions = SimOptions(), onePass: Bool = false) throws
    -> (truth: SessionTruth, reps: [RepReport]) {
    var session = try SimulatedSession(scenario: scenario, seed: seed, options: options)
    let truth = session.truth
    let settings = CoreSettings(mount: truth.mount, profile: Profile.named(truth.profile) ?? .generic)
    var core = RepAnalyzer(settings: settings)
    if !onePass {
        var first = try SimulatedSession(scenario: scenario, seed: seed, options: options)
        core.restore(CaptureAnalysis.learnCalibration(settings: settings) { first.next() })
    }
    var reps: [RepReport] = []
    while let s = session.next() {
        core.update(s) { if case .rep(let r) = $0 { reps.append(r) } }
    }
    core.finish { if case .rep(let r) = $0 { reps.append(r) } }
    return (truth, reps)
}

/// The issue's figures on 40 sessions of mixed scenarios (seeds 1…40), scored with
/// score.py's rules. What the core reaches today is asserted as a floor (so it cannot silently
/// get worse); the issue's targets it does not reach yet are recorded as known issues, which
/// the README lists with the measured figures.
@Test func accuracyOnMixedSessions() throws {
    var scorer = Scorer()
    for seed in UInt64(1)...40 {
        let (truth, reps) = try analyze(scenario: "mixed", seed: seed)
        scorer.add(truth: truth, reps: reps, name: "mixed/\(seed) (\(truth.variant), \(Int(truth.rateHz)) Hz)")
    }
    print(scorer.summary)
    for line in scorer.offSets { print(line) }

    // Floors: today's figures with a margin.
    #expect(Double(scorer.found) / Double(max(scorer.trueReps, 1)) >= 0.96)
    #expect(scorer.ghosts <= 6)
    #expect((scorer.mae("torso_deg") ?? 99) <= 1.0)
    #expect((scorer.mae("eccentric_s") ?? 99) <= 0.16)
    #expect((scorer.mae("concentric_s") ?? 99) <= 0.11)

    // The issue's targets met (the pelvis angle's by the floor above, which is tighter).
    #expect(scorer.setExactRate >= 0.99)
    #expect((scorer.rms("depth_cm") ?? 99) <= 1.0)
    #expect((scorer.mae("lockout_cm") ?? 99) <= 1.0)
    #expect((scorer.mae("hold_s") ?? 99) <= 0.10)
    // Over-extension is the closest: 0.962 (38 of 40 found, 1 false).
    for kind in scorer.alerts.keys.sorted() {
        #expect((scorer.f1(kind) ?? 1) >= 0.95, "alert \(kind)")
    }

    // The issue's targets not met yet.
    withKnownIssue("accuracy targets not reached yet (README: Accuracy)", isIntermittent: true) {
        #expect(scorer.ghosts == 0)
        #expect((scorer.mae("eccentric_s") ?? 99) <= 0.06)
        #expect((scorer.mae("concentric_s") ?? 99) <= 0.06)
    }
}

/// Captures cut from the odd ones of the same 40 sessions (all 40 would double the debug run's
/// time) so that no rest opens or closes the data: one starts 2 s before the first set (the
/// lifter getting into position: no calibration at rest first), one ends 1 s after the last
/// rep (a recording stopped in the last hold or while lowering).
/// `Tests/probes/cut_captures.py` makes these and two harsher cuts from `thrust simulate`
/// files for score.py. Floors of today's figures (52 and 51 of these 55 sets exact); on all 40
/// sessions the fixes that made them took the first cut from 80 to 99 of 103 sets exact (a
/// bias learnt from a slow turn hid every later rest) and the second from 75 to 98.
@Test func capturesWithoutARestAtEitherEnd() throws {
    var startsMoving = Scorer(), endsMoving = Scorer(), inSet = Scorer(), inSetOnePass = Scorer()
    for seed in stride(from: UInt64(1), through: 39, by: 2) {
        var session = try SimulatedSession(scenario: "mixed", seed: seed)
        let truth = session.truth
        let settings = CoreSettings(mount: truth.mount, profile: Profile.named(truth.profile) ?? .generic)
        let start = (truth.sets.first?.tStart ?? 0) - 2
        let setStart = (truth.sets.first?.tStart ?? 0) + 0.3
        let end = (truth.sets.last?.reps.last?.t ?? .infinity) + 1
        var late = RepAnalyzer(settings: settings), early = RepAnalyzer(settings: settings)
        // Starting inside the first set, with and without running the samples before the first
        // rest again with the bias it taught.
        var inside = RepAnalyzer(settings: settings)
        var onePass = RepAnalyzer(settings: settings, tracker: .init(), segmenter: .init(), recordingCapacity: 1)
        var lateReps: [RepReport] = [], earlyReps: [RepReport] = [], insideReps: [RepReport] = []
        var onePassReps: [RepReport] = []
        while let s = session.next() {
            if s.t >= start { late.update(s) { if case .rep(let r) = $0 { lateReps.append(r) } } }
            if s.t <= end { early.update(s) { if case .rep(let r) = $0 { earlyReps.append(r) } } }
            if s.t >= setStart {
                inside.update(s) { if case .rep(let r) = $0 { insideReps.append(r) } }
                onePass.update(s) { if case .rep(let r) = $0 { onePassReps.append(r) } }
            }
        }
        late.finish { if case .rep(let r) = $0 { lateReps.append(r) } }
        early.finish { if case .rep(let r) = $0 { earlyReps.append(r) } }
        inside.finish { if case .rep(let r) = $0 { insideReps.append(r) } }
        onePass.finish { if case .rep(let r) = $0 { onePassReps.append(r) } }
        startsMoving.add(truth: truth, reps: lateReps, name: "mixed/\(seed) from \(start)")
        endsMoving.add(truth: truth, reps: earlyReps, name: "mixed/\(seed) to \(end)")
        inSet.add(truth: truth, reps: insideReps, name: "mixed/\(seed) from \(setStart)")
        inSetOnePass.add(truth: truth, reps: onePassReps, name: "mixed/\(seed) from \(setStart), one pass")
    }
    print("starting 2 s before the first set:", startsMoving.summary)
    print("ending 1 s after the last rep:", endsMoving.summary)
    print("starting 0.3 s into the first set:", inSet.summary)
    print("the same in one pass:", inSetOnePass.summary)
    #expect(startsMoving.setExactRate >= 0.9)
    #expect(Double(startsMoving.found) / Double(startsMoving.trueReps) >= 0.95)
    #expect(endsMoving.setExactRate >= 0.9)
    #expect(Double(endsMoving.found) / Double(endsMoving.trueReps) >= 0.95)
    #expect(inSet.found > inSetOnePass.found)
    #expect(inSet.setExactRate >= 0.85)
}

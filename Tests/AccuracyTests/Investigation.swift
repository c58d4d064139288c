// Investigation tools, not assertions: each test does nothing unless its environment variable
// is set, e.g. `STROKES=mixed:3:10:60 swift test --filter dumpStrokes` prints the strokes the
// tracker finds in mixed session 3 between 10 s and 60 s. Used to tune the core.
import Foundation
import Testing
@testable import ThrustCore
import ThrustSim

@Test func dumpSession() throws {
    guard let spec = ProcessInfo.processInfo.environment["DUMP"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: SimOptions(idealSensor: ProcessInfo.processInfo.environment["IDEAL_SENSOR"] != nil))
    var out = "t,ax,ay,az,gx,gy,gz\n"
    while let s = session.next() {
        out += "\(s.t),\(s.accel.x),\(s.accel.y),\(s.accel.z),\(s.gyro.x),\(s.gyro.y),\(s.gyro.z)\n"
    }
    try out.write(toFile: "/tmp/dump.csv", atomically: true, encoding: .utf8)
    try session.truth.json().write(toFile: "/tmp/dump.truth.json", atomically: true, encoding: .utf8)
    let (_, reps) = try analyze(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1)
    var core = RepAnalyzer(settings: CoreSettings(mount: session.truth.mount, profile: Profile.named(session.truth.profile) ?? .generic))
    var s2 = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: SimOptions(idealSensor: ProcessInfo.processInfo.environment["IDEAL_SENSOR"] != nil))
    var ev = ""
    while let s = s2.next() { core.update(s) { e in if case .phase = e {} else { ev += e.jsonLine() + "\n" } } }
    core.finish { ev += $0.jsonLine() + "\n" }
    try ev.write(toFile: "/tmp/dump.events.jsonl", atomically: true, encoding: .utf8)
    print("reps", reps.count)
}

@Test func dumpStrokes() throws {
    guard let spec = ProcessInfo.processInfo.environment["STROKES"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: SimOptions(idealSensor: ProcessInfo.processInfo.environment["IDEAL_SENSOR"] != nil))
    let t0 = Double(parts[2]) ?? 0, t1 = Double(parts[3]) ?? 1e9
    var tracker = MotionTracker()
    var was = false
    while let s = session.next() {
        tracker.update(s)
        if tracker.isStill != was {
            was = tracker.isStill
            if s.t >= t0 && s.t <= t1 { print(String(format: "  still %@ at %.2f cal %.2f %.2f %.2f scale %.3f %.3f %.3f rg %.3f", was ? "on " : "off", s.t, tracker.accelCal.offset.x, tracker.accelCal.offset.y, tracker.accelCal.offset.z, tracker.accelCal.scale.x, tracker.accelCal.scale.y, tracker.accelCal.scale.z, tracker.restGravity)) }
        }
        while !tracker.strokes.isEmpty {
            let st = tracker.strokes[0]
            tracker.strokes.removeFirst(1)
            if st.onsetT >= t0 && st.onsetT <= t1 {
                print(String(format: "stroke %+d %.2f-%.2f dz %+.3f z %.3f->%.3f peak %.2f turn %.0f", st.direction, st.onsetT, st.offsetT, st.endZ - st.startZ, st.startZ, st.endZ, st.peakSpeed, st.turnDeg))
            }
        }
    }
}

@Test func dumpTrace() throws {
    guard let spec = ProcessInfo.processInfo.environment["TRACE"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: SimOptions(idealSensor: ProcessInfo.processInfo.environment["IDEAL_SENSOR"] != nil))
    let t0 = Double(parts[2]) ?? 0, t1 = Double(parts[3]) ?? 1e9
    var tracker = MotionTracker()
    var last = -1.0
    while let s = session.next() {
        tracker.update(s)
        if s.t >= t0 && s.t <= t1 && s.t - last >= 0.05 {
            last = s.t
            print(String(format: "t %.2f still %d q %d v %+.4f z %+.4f rg %.4f anchorT %.2f trace %d ah %.3f", s.t, tracker.isStill ? 1 : 0, tracker.stillness.isQuasiStill ? 1 : 0, tracker.velocity, tracker.liveHeight, tracker.restGravity, tracker.anchorT, tracker.trace.count, tracker.anchorHeight))
        }
    }
}

@Test func dumpDetector() throws {
    guard let spec = ProcessInfo.processInfo.environment["DETECT"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: SimOptions(idealSensor: ProcessInfo.processInfo.environment["IDEAL_SENSOR"] != nil))
    let t0 = Double(parts[2]) ?? 0, t1 = Double(parts[3]) ?? 1e9
    var tracker = MotionTracker()
    var last = -1.0
    while let s = session.next() {
        tracker.update(s)
        if s.t >= t0 && s.t <= t1 && s.t - last >= 0.1 {
            last = s.t
            let d = tracker.stillness
            let bias = tracker.gyroBias ?? .zero
            print(String(format: "t %.2f still %d q %d aRms %.3f gRms %.3f gMean %.3f |a|-g %.3f v %+.3f res %.4f slope %.3f cand %.2f coup %.2f turn %.0f hsa %.3f", s.t, tracker.isStill ? 1 : 0, d.isQuasiStill ? 1 : 0, d.accelVar.squareRoot(), d.gyroVar.squareRoot(), length(d.gyro2 - bias), length(d.meanAccel) - 9.80665, tracker.velocity, tracker.restDetector.n >= 3 ? tracker.restDetector.residual() : -1, tracker.restDetector.n >= 3 ? tracker.restDetector.slope() : 0, tracker.restDetector.candidateT ?? -1, tracker.rotationCouplingDegPerCm, tracker.turn * 57.3, tracker.heightSinceAnchor))
        }
    }
}

@Test func perSession() throws {
    guard ProcessInfo.processInfo.environment["PERSESSION"] != nil else { return }
    for seed in UInt64(1)...40 {
        let (truth, reps) = try analyze(scenario: "mixed", seed: seed)
        var sc = Scorer()
        sc.add(truth: truth, reps: reps, name: "")
        func f(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "-" }
        print(String(format: "%2d %-13@ %5.0f Hz %@ sets %d/%d reps %3d/%3d extra %2d depth %@ ecc %@ con %@ hold %@ lock %@ torso %@", seed, truth.variant as NSString, truth.rateHz, truth.mount.rawValue, sc.setsExact, sc.sets, sc.found, sc.trueReps, sc.extra, f(sc.rms("depth_cm")), f(sc.mae("eccentric_s")), f(sc.mae("concentric_s")), f(sc.mae("hold_s")), f(sc.mae("lockout_cm")), f(sc.mae("torso_deg"))))
    }
}

@Test func dumpSegmenter() throws {
    guard let spec = ProcessInfo.processInfo.environment["SEGMENT"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: SimOptions(idealSensor: ProcessInfo.processInfo.environment["IDEAL_SENSOR"] != nil))
    let t0 = Double(parts[2]) ?? 0, t1 = Double(parts[3]) ?? 1e9
    let truth = session.truth
    var core = RepAnalyzer(settings: CoreSettings(mount: truth.mount, profile: Profile.named(truth.profile) ?? .generic))
    while let s = session.next() {
        let before = core.segmenter.strokes.count
        core.update(s) { e in
            if case .phase = e { return }
            if e.t >= t0 && e.t <= t1 { print("  EVENT", e.jsonLine().prefix(150), "at", s.t) }
        }
        let seg = core.segmenter
        if seg.strokes.count != before || (seg.strokes.last.map { $0.offsetT > s.t - 0.001 } ?? false) {
            if let st = seg.strokes.last, st.onsetT >= t0 && st.onsetT <= t1 {
                let torso = seg.torsoDegrees(st.upAtOffset, calibration: core.tracker.accelCal) ?? .nan
                print(String(format: "at %.2f window %d style %@ inSet %d reps %d last %+d %.2f-%.2f amp %.3f z %.3f->%.3f turn %.0f torso %.1f", s.t, seg.strokes.count, "\(seg.style)", seg.inSet ? 1 : 0, seg.repCount, st.direction, st.onsetT, st.offsetT, st.amplitude, st.startZ, st.endZ, st.turnDeg, torso))
            }
        }
    }
}


/// `IDEAL=1`: the accuracy figures on the same sessions with an exact sensor (no noise, offsets,
/// jitter or drops), to tell what the sensor costs from what the method costs.
@Test func idealSensorFigures() throws {
    guard ProcessInfo.processInfo.environment["IDEAL"] != nil else { return }
    var scorer = Scorer()
    for seed in UInt64(1)...40 {
        var session = try SimulatedSession(scenario: "mixed", seed: seed, options: SimOptions(idealSensor: true))
        let truth = session.truth
        var core = RepAnalyzer(settings: CoreSettings(mount: truth.mount, profile: Profile.named(truth.profile) ?? .generic))
        var reps: [RepReport] = []
        while let s = session.next() { core.update(s) { if case .rep(let r) = $0 { reps.append(r) } } }
        core.finish { if case .rep(let r) = $0 { reps.append(r) } }
        scorer.add(truth: truth, reps: reps, name: "\(seed)")
    }
    print(scorer.summary)
    for k in ["eccentric_s", "concentric_s", "hold_s", "bottom_s", "depth_cm"] {
        let v = scorer.errors[k] ?? []
        print(k, "bias", v.reduce(0, +) / Double(max(v.count, 1)))
    }
}

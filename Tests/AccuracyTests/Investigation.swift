// Investigation tools, not assertions: each test does nothing unless its environment variable
// is set, e.g. `STROKES=mixed:3:10:60 swift test --filter dumpStrokes` prints the strokes the
// tracker finds in mixed session 3 between 10 s and 60 s. Used to tune the core.
// `IDEAL_SENSOR=1` replaces the chip with an exact sensor and `TREMOR=0` removes the lifter's
// tremor (`IDEAL=1` / `IDEAL=0` for the 40-session figures), which tells what the sensor, the
// tremor and the method each cost. `REPS=seed` lists each true rep beside the reported one,
// `HEIGHTS=seed` each stroke's heights beside the simulator's, `EDGES=seed` its motion edges
// beside the simulator's, `SHAPES=1` the edge error per velocity profile; `TEMPO=x` makes every
// rep's phases x times as long, `PLATEAU=x` gives that share of rep strokes an even-speed
// profile, `ROLL=x` scales the bar's roll with hip height; `UPERR=seed:t0:t1` splits the
// vertical reading's error into the up direction's and the rest gravity's.
import Foundation
import Testing
import ThrustCapture
@testable import ThrustCore
@testable import ThrustSim

@Test func dumpSession() throws {
    guard let spec = ProcessInfo.processInfo.environment["DUMP"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: investigationOptions())
    var out = "t,ax,ay,az,gx,gy,gz\n"
    while let s = session.next() {
        out += "\(s.t),\(s.accel.x),\(s.accel.y),\(s.accel.z),\(s.gyro.x),\(s.gyro.y),\(s.gyro.z)\n"
    }
    try out.write(toFile: "/tmp/dump.csv", atomically: true, encoding: .utf8)
    try session.truth.json().write(toFile: "/tmp/dump.truth.json", atomically: true, encoding: .utf8)
    let (_, reps) = try analyze(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1)
    var core = RepAnalyzer(settings: CoreSettings(mount: session.truth.mount, profile: Profile.named(session.truth.profile) ?? .generic))
    var s2 = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: investigationOptions())
    var ev = ""
    while let s = s2.next() { core.update(s) { e in if case .phase = e {} else { ev += e.jsonLine() + "\n" } } }
    core.finish { ev += $0.jsonLine() + "\n" }
    try ev.write(toFile: "/tmp/dump.events.jsonl", atomically: true, encoding: .utf8)
    print("reps", reps.count)
}

@Test func dumpStrokes() throws {
    guard let spec = ProcessInfo.processInfo.environment["STROKES"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: investigationOptions())
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
                print(String(format: "stroke %+d %.2f-%.2f (motion %.2f-%.2f) dz %+.3f z %.3f->%.3f peak %.2f turn %.0f core %.0f", st.direction, st.onsetT, st.offsetT, st.motionOnsetT, st.motionOffsetT, st.endZ - st.startZ, st.startZ, st.endZ, st.peakSpeed, st.turnDeg, st.coreTurnDeg))
            }
        }
    }
}

/// Runs `spec` (scenario:seed:t0:t1) through a tracker and calls `body` every 0.05 s within
/// t0…t1 with the tracker, the sample, the simulator's body state then and its mount (sensor →
/// body rotation).
func forEachTracedSample(_ spec: String, _ body: (MotionTracker, Sample, BodyState, Mat3) -> Void) throws {
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: investigationOptions())
    let t0 = parts.count > 2 ? Double(parts[2]) ?? 0 : 0, t1 = parts.count > 3 ? Double(parts[3]) ?? 1e9 : 1e9
    var tracker = MotionTracker()
    var motion = session.motion
    let origin = session.info.startS
    var last = -1.0
    while let s = session.next() {
        tracker.update(s)
        if s.t >= t0 && s.t <= t1 && s.t - last >= 0.05 {
            last = s.t
            body(tracker, s, motion.body(at: s.t - origin), motion.mountRotation)
        }
    }
}

@Test func dumpTrace() throws {
    guard let spec = ProcessInfo.processInfo.environment["TRACE"] else { return }
    try forEachTracedSample(spec) { tracker, s, b, _ in
        print(String(format: "t %.2f still %d q %d v %+.4f (true %+.4f) z %+.4f (true %+.4f) rg %.4f anchorT %.2f trace %d ah %.3f", s.t, tracker.isStill ? 1 : 0, tracker.stillness.isQuasiStill ? 1 : 0, tracker.velocity, b.velocity.z, tracker.liveHeight, b.position.z, tracker.restGravity, tracker.anchorT, tracker.trace.count, tracker.anchorHeight))
    }
}

@Test func dumpDetector() throws {
    guard let spec = ProcessInfo.processInfo.environment["DETECT"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: investigationOptions())
    let t0 = Double(parts[2]) ?? 0, t1 = Double(parts[3]) ?? 1e9
    var tracker = MotionTracker()
    var last = -1.0
    while let s = session.next() {
        tracker.update(s)
        if s.t >= t0 && s.t <= t1 && s.t - last >= 0.1 {
            last = s.t
            let d = tracker.stillness
            let bias = tracker.gyroBias ?? .zero
            print(String(format: "t %.2f still %d q %d aRms %.3f gRms %.3f gMean %.3f |a|-g %.3f v %+.3f res %.4f slope %.3f cand %.2f coup %.2f turn %.0f hsa %.3f box %+.4f", s.t, tracker.isStill ? 1 : 0, d.isQuasiStill ? 1 : 0, d.accelVar.squareRoot(), d.gyroVar.squareRoot(), length(d.gyro2 - bias), length(d.meanAccel) - 9.80665, tracker.velocity, tracker.restDetector.line.n >= 3 ? tracker.restDetector.line.residual : -1.0, tracker.restDetector.line.n >= 3 ? tracker.restDetector.line.slope : 0.0, tracker.restDetector.candidateT ?? -1.0, tracker.rotationCouplingDegPerCm, tracker.turn * 57.3, tracker.heightSinceAnchor, tracker.restDetector.boxRates(now: s.t)?.velocity ?? .nan))
        }
    }
}

@Test func perSession() throws {
    guard ProcessInfo.processInfo.environment["PERSESSION"] != nil else { return }
    let last = ProcessInfo.processInfo.environment["SEEDS"].flatMap { UInt64($0) } ?? 40
    for seed in UInt64(1)...last {
        let (truth, reps) = try analyze(scenario: "mixed", seed: seed, options: investigationOptions(), onePass: investigationOnePass)
        var sc = Scorer()
        sc.add(truth: truth, reps: reps, name: "")
        func f(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "-" }
        print(String(format: "%2d %-13@ %5.0f Hz %@ sets %d/%d reps %3d/%3d extra %2d depth %@ ecc %@ con %@ hold %@ lock %@ torso %@", seed, truth.variant as NSString, truth.rateHz, truth.mount.rawValue, sc.setsExact, sc.sets, sc.found, sc.trueReps, sc.extra, f(sc.rms("depth_cm")), f(sc.mae("eccentric_s")), f(sc.mae("concentric_s")), f(sc.mae("hold_s")), f(sc.mae("lockout_cm")), f(sc.mae("torso_deg"))))
    }
}

@Test func dumpSegmenter() throws {
    guard let spec = ProcessInfo.processInfo.environment["SEGMENT"] else { return }
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: String(parts[0]), seed: UInt64(parts[1]) ?? 1, options: investigationOptions())
    let t0 = Double(parts[2]) ?? 0, t1 = Double(parts[3]) ?? 1e9
    let truth = session.truth
    var core = RepAnalyzer(settings: CoreSettings(mount: truth.mount, profile: Profile.named(truth.profile) ?? .generic))
    while let s = session.next() {
        let before = core.segmenter.strokes.count
        let lastOnset = core.segmenter.strokes.last?.onsetT
        core.update(s) { e in
            if case .phase = e { return }
            if e.t >= t0 && e.t <= t1 { print("  EVENT", e.jsonLine().prefix(150), "at", s.t) }
        }
        let seg = core.segmenter
        if seg.strokes.count != before || seg.strokes.last?.onsetT != lastOnset
            || (seg.strokes.last.map { $0.offsetT > s.t - 0.001 } ?? false) {
            if let st = seg.strokes.last, st.onsetT >= t0 && st.onsetT <= t1 {
                let torso = seg.torsoDegrees(st.upAtOffset, calibration: core.tracker.accelCal) ?? .nan
                print(String(format: "at %.2f window %d style %@ inSet %d reps %d last %+d %.2f-%.2f amp %.3f z %.3f->%.3f turn %.0f torso %.1f", s.t, seg.strokes.count, "\(seg.style)", seg.inSet ? 1 : 0, seg.repCount, st.direction, st.onsetT, st.offsetT, st.amplitude, st.startZ, st.endZ, st.turnDeg, torso))
            }
        }
    }
}


/// `IDEAL=1`: the accuracy figures on the same sessions with an exact sensor (no noise, offsets,
/// jitter or drops), to tell what the sensor costs from what the method costs. `SEEDS=n` widens
/// the set to sessions 1…n (40 by default).
@Test func idealSensorFigures() throws {
    guard let ideal = ProcessInfo.processInfo.environment["IDEAL"] else { return }
    var scorer = Scorer()
    let last = ProcessInfo.processInfo.environment["SEEDS"].flatMap { UInt64($0) } ?? 40
    for seed in UInt64(1)...max(1, last) {
        var options = investigationOptions()
        options.idealSensor = ideal != "0"
        let (truth, reps) = try analyze(scenario: "mixed", seed: seed, options: options, onePass: investigationOnePass)
        scorer.add(truth: truth, reps: reps, name: "\(seed) \(truth.variant) \(Int(truth.rateHz)) Hz \(truth.mount)")
    }
    print(scorer.summary)
    for line in scorer.offSets { print("OFF", line) }
    for line in scorer.falseAlerts { print("FALSE", line) }
    for line in scorer.missedAlerts { print("MISSED", line) }
    for line in scorer.extras { print("EXTRA", line) }
    // The 25 largest errors and their share of what the figure adds up (squares for an RMS,
    // absolute values for an MAE).
    func largest(_ label: String, _ unit: String, _ errors: [(error: Double, rep: String)], share: (Double) -> Double) {
        let total = errors.map { share($0.error) }.reduce(0, +)
        for e in errors.sorted(by: { abs($0.error) > abs($1.error) }).prefix(25) {
            let percent = 100 * share(e.error) / max(total, 1e-9)
            print(String(format: "%@ %+.2f %@ (%.1f %%)", label, e.error, unit, percent), e.rep)
        }
    }
    largest("DEPTH", "cm", scorer.depthErrors) { $0 * $0 }
    largest("LOCKOUT", "cm", scorer.lockoutErrors) { abs($0) }
    for k in ["eccentric_s", "concentric_s", "hold_s"] {
        largest(k.uppercased(), "s", scorer.durationErrors[k] ?? []) { abs($0) }
    }
    for k in ["eccentric_s", "concentric_s", "hold_s", "bottom_s", "depth_cm", "lockout_cm"] {
        let v = scorer.errors[k] ?? []
        let a = v.map(abs).sorted()
        func q(_ f: Double) -> Double { a.isEmpty ? 0 : a[min(a.count - 1, Int(f * Double(a.count)))] }
        print(k, "bias", v.reduce(0, +) / Double(max(v.count, 1)), "p50", q(0.5), "p90", q(0.9), "p98", q(0.98), "max", a.last ?? 0)
    }
}

/// `REPS=seed` (with `IDEAL_SENSOR=1` for an exact sensor): each true rep next to the matched
/// reported rep, to see which measure goes wrong where.
@Test func dumpRepErrors() throws {
    guard let spec = ProcessInfo.processInfo.environment["REPS"] else { return }
    let (truth, reps) = try analyze(scenario: "mixed", seed: UInt64(spec) ?? 1, options: investigationOptions(), onePass: investigationOnePass)
    print(truth.variant, truth.rateHz, truth.mount, truth.style)
    func f(_ x: Double?) -> String { x.map { String(format: "%5.2f", $0) } ?? "    -" }
    var used = Set<Int>()
    for set in truth.sets {
        print(String(format: "set %d %.2f-%.2f", set.set, set.tStart, set.tEnd))
        for tr in set.reps {
            let best = reps.indices.filter { !used.contains($0) && abs(reps[$0].t - tr.t) <= 0.6 }.min { abs(reps[$0].t - tr.t) < abs(reps[$1].t - tr.t) }
            guard let b = best else { print(String(format: "  MISSED t %.2f depth %@", tr.t, f(tr.depthCm))); continue }
            used.insert(b)
            let r = reps[b]
            print(String(format: "  t %8.2f %+5.2f depth %@ %+5.2f ecc %@ %+5.2f bot %@ %+5.2f con %@ %+5.2f hold %@ %+5.2f lock %@ %+5.2f torso %@ %+5.2f %@", tr.t, r.t - tr.t, f(tr.depthCm), r.depthCm - tr.depthCm, f(tr.eccentricS), (r.eccentricS ?? .nan) - (tr.eccentricS ?? .nan), f(tr.bottomS), (r.bottomS ?? .nan) - (tr.bottomS ?? .nan), f(tr.concentricS), (r.concentricS ?? .nan) - tr.concentricS, f(tr.holdS), (r.holdS ?? .nan) - (tr.holdS ?? .nan), f(tr.lockoutCm), r.lockoutCm - tr.lockoutCm, f(tr.torsoDeg), (r.torsoDeg ?? .nan) - (tr.torsoDeg ?? .nan), tr.planned.joined(separator: ",")))
        }
    }
    for (i, r) in reps.enumerated() where !used.contains(i) {
        let ghost = truth.nonrep.contains { $0.contains(r.t) }
        print(String(format: "  EXTRA%@ t %.2f set %d rep %d depth %.2f ecc %.2f con %.2f", ghost ? " GHOST" : "", r.t, r.set, r.rep, r.depthCm, r.eccentricS ?? -1, r.concentricS ?? -1))
    }
}

/// Mixed session `spec` ("seed[:t0:t1]") through a `MotionTracker`: each stroke, with the
/// simulator's motion, the session's time origin and whether the stroke's onset is in t0…t1.
func forEachTrackedStroke(_ spec: String,
                          _ body: (ThrustCore.Stroke, inout MotionModel, Double, Bool) -> Void) throws {
    let parts = spec.split(separator: ":")
    var session = try SimulatedSession(scenario: "mixed", seed: UInt64(parts[0]) ?? 1, options: investigationOptions())
    let t0 = parts.count > 1 ? Double(parts[1]) ?? 0 : 0, t1 = parts.count > 2 ? Double(parts[2]) ?? 1e9 : 1e9
    var motion = session.motion
    let origin = session.info.startS
    var tracker = MotionTracker()
    while let s = session.next() {
        tracker.update(s)
        while !tracker.strokes.isEmpty {
            let st = tracker.strokes[0]
            tracker.strokes.removeFirst(1)
            body(st, &motion, origin, st.onsetT >= t0 && st.onsetT <= t1)
        }
    }
}

/// `HEIGHTS=seed[:t0:t1]`: each stroke's end heights against the simulator's true height there
/// (offset so the first stroke starts right), to tell tracking errors from segmentation errors.
@Test func dumpHeights() throws {
    guard let spec = ProcessInfo.processInfo.environment["HEIGHTS"] else { return }
    var offset: Double?
    try forEachTrackedStroke(spec) { st, motion, origin, inWindow in
        let za = motion.body(at: st.onsetT - origin).position.z, zb = motion.body(at: st.offsetT - origin).position.z
        if offset == nil { offset = st.startZ - za }
        let o = offset ?? 0
        guard inWindow else { return }
        print(String(format: "stroke %+d %7.2f-%7.2f dz %+.3f (true %+.3f) start err %+.2f cm end err %+.2f cm", st.direction, st.onsetT, st.offsetT, st.endZ - st.startZ, zb - za, (st.startZ - za - o) * 100, (st.endZ - zb - o) * 100))
    }
}

/// `EDGES=seed[:t0:t1]`: each stroke's motion onset and offset against the simulator's planned
/// ones (where its tremor-free vertical velocity leaves and returns to zero), to tell the
/// tracker's edge errors from the segmenter's.
@Test func dumpEdges() throws {
    guard let spec = ProcessInfo.processInfo.environment["EDGES"] else { return }
    // The true edge nearest `t`: walk to where the body moves, then outwards until it rests.
    func trueEdge(_ t: Double, onset: Bool, _ motion: inout MotionModel, origin: Double) -> Double {
        let step = 0.002
        var a = t - origin
        var k = 0
        while abs(motion.body(at: a).velocity.z) < 1e-6 && k < 1500 { a += onset ? step : -step; k += 1 }
        while abs(motion.body(at: a).velocity.z) >= 1e-6 && k < 3000 { a += onset ? -step : step; k += 1 }
        return a + origin
    }
    try forEachTrackedStroke(spec) { st, motion, origin, inWindow in
        guard inWindow else { return }
        // The planned motion without tremor: its edges are the phases' (tremor moves 1 mm/s always).
        motion.tremorScale = 0
        let on = trueEdge(st.motionOnsetT, onset: true, &motion, origin: origin)
        let off = trueEdge(st.motionOffsetT, onset: false, &motion, origin: origin)
        print(String(format: "stroke %+d motion %.2f-%.2f true %.2f-%.2f err onset %+.2f offset %+.2f dz %+.3f", st.direction, st.motionOnsetT, st.motionOffsetT, on, off, st.motionOnsetT - on, st.motionOffsetT - off, st.endZ - st.startZ))
    }
}

/// `ONEPASS=1`: the figures of one pass (as the daemon live with no stored calibration).
var investigationOnePass: Bool { ProcessInfo.processInfo.environment["ONEPASS"] != nil }

/// `IDEAL_SENSOR=1`: an exact sensor; `TREMOR=x`: tremor scaled by x (0 = none); `RATE=hz`:
/// every session sampled at that rate; `TEMPO=x`: every rep's phases x times as long;
/// `PLATEAU=x`: that share of rep strokes with a plateau profile (`SimOptions.plateauShare`);
/// `ROLL=x`: the bar's roll with hip height scaled by x (`SimOptions.barRollScale`).
func investigationOptions() -> SimOptions {
    let env = ProcessInfo.processInfo.environment
    var options = SimOptions(idealSensor: env["IDEAL_SENSOR"] != nil)
    if let scale = env["TREMOR"].flatMap(Double.init) { options.tremorScale = scale }
    if let rate = env["RATE"].flatMap(Double.init) { options.rateHz = rate }
    if let scale = env["TEMPO"].flatMap(Double.init) { options.tempoScale = scale }
    if let share = env["PLATEAU"].flatMap(Double.init) { options.plateauShare = share }
    if let scale = env["ROLL"].flatMap(Double.init) { options.barRollScale = scale }
    return options
}

/// `SHAPES=1`: the stroke extractor's motion onset and offset errors on each of the
/// simulator's velocity profiles (exact heights, 2 s, 16 cm), to tell the shape fit's bias per
/// profile.
@Test func edgeErrorPerShape() {
    guard ProcessInfo.processInfo.environment["SHAPES"] != nil else { return }
    // The catalogue, and profiles outside the fitted family: walking-like ramps and a heavy
    // concentric's sticking region.
    let extra: [StrokeShape] = [.cruise(ramp: 0.15), .cruise(ramp: 0.35), .trapezoid(ramp: 0.15),
                                .trapezoid(ramp: 0.35), .sticking(earlyWeight: 0.35), .sticking(earlyWeight: 0.6)]
    for shape in StrokeShape.catalogue + extra {
        var ring = FixedRing<TracePoint>(capacity: 4096, filler: TracePoint(t: 0, v: 0, z: 0, up: .zero))
        let duration = 2.0, d = -0.16, dt = 0.005
        for k in 0..<Int((duration + 2) / dt) {
            let t = Double(k) * dt
            let e = shape.evaluate((t - 1) / duration)
            ring.append(TracePoint(t: t, v: d * e.dp / duration, z: d * e.p, up: SIMD3(0, 0, 1)))
        }
        var found: [ThrustCore.Stroke] = []
        StrokeExtractor().extract(ring) { found.append($0) }
        for s in found {
            print(String(format: "%@ onset %+.3f offset %+.3f (per end: %+.3f %+.3f) amp %.4f", "\(shape)" as NSString,
                         s.motionOnsetT - 1, s.motionOffsetT - 1 - duration, s.onsetT - 1, s.offsetT - 1 - duration,
                         s.amplitude))
        }
    }
}

/// `CAPTURE=file.csv[:t0:t1[:mount[:profile]]]`: a capture file through the core, printing the
/// still periods, the segmenter's strokes and the events between t0 and t1 — for captures no
/// simulator made.
@Test func dumpCapture() throws {
    guard let spec = ProcessInfo.processInfo.environment["CAPTURE"] else { return }
    let parts = spec.split(separator: ":").map(String.init)
    let t0 = parts.count > 1 ? Double(parts[1]) ?? 0 : 0, t1 = parts.count > 2 ? Double(parts[2]) ?? 1e9 : 1e9
    let mount = parts.count > 3 ? Mount(rawValue: parts[3]) ?? .bar : .bar
    let profile = parts.count > 4 ? Profile.named(parts[4]) ?? .generic : .generic
    var reader = try CaptureReader(path: parts[0])
    var core = RepAnalyzer(settings: CoreSettings(mount: mount, profile: profile))
    var wasStill = false
    let verbose = ProcessInfo.processInfo.environment["VERBOSE"] != nil
    var lastPrint = -1.0
    var lastStrokeT = -Double.infinity
    while let s = try reader.next() {
        core.update(s) { e in
            if case .phase = e { return }
            if e.t >= t0 && e.t <= t1 { print("  EVENT", e.jsonLine().prefix(160)) }
        }
        if verbose, s.t >= t0, s.t <= t1, s.t - lastPrint >= 0.1 {
            lastPrint = s.t
            let d = core.tracker.stillness, r = core.tracker.restDetector
            let mean = d.meanAccel, tr = core.tracker
            let leak: Double = dot(tr.up, mean - tr.accelCal.apply(mean)) + tr.restGravity - tr.settings.gravity
            let lined = r.candidateT != nil && r.line.n >= 3
            let residual: Double = lined ? r.line.residual : -1, slope: Double = lined ? r.line.slope : 0
            let candidate: Double = r.candidateT ?? -1
            print(String(format: "t %.2f still %d q %d aRms %.3f gRms %.3f v %+.3f z %+.3f res %.4f slope %+.3f cand %.2f rg %.4f leak %+.3f turn %.1f coup %.2f anchor %.2f",
                         s.t, tr.isStill ? 1 : 0, d.isQuasiStill ? 1 : 0, d.accelVar.squareRoot(), d.gyroVar.squareRoot(),
                         tr.velocity, tr.liveHeight, residual, slope, candidate, tr.restGravity, leak,
                         tr.turn * radiansToDegrees, tr.rotationCouplingDegPerCm, tr.anchorT))
        }
        if core.tracker.isStill != wasStill {
            wasStill = core.tracker.isStill
            if s.t >= t0 && s.t <= t1 { print(String(format: "still %@ at %.2f", wasStill ? "on " : "off", s.t)) }
        }
        for i in 0..<core.segmenter.strokes.count where core.segmenter.strokes[i].onsetT > lastStrokeT {
            let st = core.segmenter.strokes[i]
            lastStrokeT = st.onsetT
            guard st.onsetT >= t0 && st.onsetT <= t1 else { continue }
            print(String(format: "stroke %+d %.2f-%.2f amp %.3f z %.3f->%.3f turn %.0f core %.0f style %@ inSet %d reps %d",
                         st.direction, st.onsetT, st.offsetT, st.amplitude, st.startZ, st.endZ, st.turnDeg, st.coreTurnDeg,
                         "\(core.segmenter.style)", core.segmenter.inSet ? 1 : 0, core.segmenter.repCount))
        }
    }
    core.finish { e in if e.t >= t0 && e.t <= t1 { print("  EVENT", e.jsonLine().prefix(160)) } }
}

/// `EDGEFIT=seed`: the stroke extractor on the simulator's own height (tremor included, no
/// sensor, no tracker) against the planned edges — what the edge method costs on its own.
@Test func edgeFitOnTrueHeight() throws {
    guard let spec = ProcessInfo.processInfo.environment["EDGEFIT"] else { return }
    let session = try SimulatedSession(scenario: "mixed", seed: UInt64(spec) ?? 1, options: investigationOptions())
    var motion = session.motion, clean = session.motion
    clean.tremorScale = 0
    let origin = session.info.startS, end = (session.info.durationS ?? 0)
    // True strokes: runs of non-zero planned vertical velocity.
    var strokes: [(Double, Double, Double)] = []
    var a: Double? = nil, za = 0.0
    var t = 0.0
    while t < end {
        let b = clean.body(at: t)
        let moving = abs(b.velocity.z) > 1e-7
        if moving && a == nil { a = t; za = b.position.z }
        if !moving, let s = a {
            if abs(b.position.z - za) >= 0.04 { strokes.append((s, t, b.position.z - za)) }
            a = nil
        }
        t += 0.001
    }
    var sumOn = 0.0, sumOff = 0.0, biasOn = 0.0, biasOff = 0.0, n = 0.0
    for (s, e, dz) in strokes {
        var ring = FixedRing<TracePoint>(capacity: 4096, filler: TracePoint(t: 0, v: 0, z: 0, up: .zero))
        var u = max(0, s - 1.0)
        while u < min(end, e + 1.0) {
            let b = motion.body(at: u)
            ring.append(TracePoint(t: u + origin, v: b.velocity.z, z: b.position.z, up: SIMD3(0, 0, 1)))
            u += 0.005
        }
        var best: ThrustCore.Stroke?
        StrokeExtractor().extract(ring) { st in
            if st.direction == (dz > 0 ? 1 : -1), st.offsetT > s + origin, st.onsetT < e + origin,
               best.map({ $0.amplitude < st.amplitude }) ?? true { best = st }
        }
        guard let st = best else { print("missed", s + origin); continue }
        let on = st.motionOnsetT - (s + origin), off = st.motionOffsetT - (e + origin)
        print(String(format: "stroke %+.3f %.2f-%.2f err onset %+.3f offset %+.3f", dz, s + origin, e + origin, on, off))
        sumOn += abs(on); sumOff += abs(off); biasOn += on; biasOff += off; n += 1
    }
    print(String(format: "n %.0f onset mae %.3f bias %+.3f offset mae %.3f bias %+.3f", n, sumOn / n, biasOn / n, sumOff / n, biasOff / n))
}

/// `ACCEPT=seed`: each rest the rest detector accepts: its raw line's slope, whether the pose was
/// familiar, and the true speed where its candidate began and where it was accepted.
@Test func dumpAcceptedRests() throws {
    guard let spec = ProcessInfo.processInfo.environment["ACCEPT"] else { return }
    var session = try SimulatedSession(scenario: "mixed", seed: UInt64(spec) ?? 1, options: investigationOptions())
    var motion = session.motion
    motion.tremorScale = 0
    let origin = session.info.startS
    var tracker = MotionTracker()
    var lastAccepted: Double?
    while let s = session.next() {
        tracker.update(s)
        let d = tracker.restDetector
        if let a = d.acceptedT, a != lastAccepted, let c = d.candidateT {
            lastAccepted = a
            let vc = motion.body(at: c - origin).velocity.z, va = motion.body(at: a - origin).velocity.z
            let familiar = tracker.settledUp.map { dot($0, tracker.up) >= tracker.familiarPoseCos } ?? false
            print(String(format: "accept %.2f cand %.2f slope %+.3f n %.0f fam %.0f true v at cand %+.4f at accept %+.4f", a, c, d.line.slope, Double(d.line.n), familiar ? 1.0 : 0.0, vc, va))
        }
    }
}

/// `UPERR=scenario:seed:t0:t1` (with `IDEAL_SENSOR=1`, where the raw reading is exact): the
/// tracker's vertical reading error split into what its up direction, its learnt accelerometer
/// calibration and its rest gravity each add, and the velocity error they integrate to.
@Test func dumpUpError() throws {
    guard let spec = ProcessInfo.processInfo.environment["UPERR"] else { return }
    try forEachTracedSample(spec) { tracker, s, b, mountRotation in
        let trueUp = (b.rotation * mountRotation).transposeTimes(SIMD3(0, 0, 1))
        let angle = acos(min(1, dot(trueUp, tracker.up))) * radiansToDegrees
        let calibrated = tracker.accelCal.apply(s.accel)
        let upPart = dot(tracker.up - trueUp, s.accel)
        let calibrationPart = dot(tracker.up, calibrated - s.accel)
        let gravityPart = standardGravity - tracker.restGravity
        print(String(format: "t %.2f still %d up off %.3f° reading error: up %+.4f calibration %+.4f rest gravity %+.4f m/s² velocity error %+.4f m/s",
                     s.t, tracker.isStill ? 1 : 0, angle, upPart, calibrationPart, gravityPart, tracker.velocity - b.velocity.z))
    }
}

import Testing
import ThrustCore
@testable import ThrustSim

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The accelerometer reads exactly g when nothing moves (the bar lying on the floor at the start,
/// the lifter standing still for the upright calibration).
@Test(arguments: ["barbell", "banded"])
func stillReadsGravity(scenario: String) throws {
    let session = try SimulatedSession(scenario: scenario, seed: 5, options: idealOptions(rateHz: 100))
    let start = session.info.startS
    let samples = render(session, limit: 200).filter { $0.t - start < 1.9 }
    #expect(samples.count >= 150)
    for s in samples {
        #expect(abs(norm(s.accel) - standardGravity) < 1e-9)
        #expect(norm(s.gyro) < 1e-12)
    }
}

/// Double-integrating the vertical specific force minus g over each concentric stroke, from its
/// planned onset to its planned offset, reproduces the planned displacement (the truth's depth)
/// within 1 mm, and the velocity returns to zero. The force is the sensor's own reading rotated to
/// the world frame with the planned orientation (samples are exactly these readings: checked too).
@Test(arguments: ["barbell", "banded", "power", "belt-barbell", "banded-bar", "heavy"])
func verticalForceIntegratesToDepth(scenario: String) throws {
    let rate = 200.0
    let session = try SimulatedSession(scenario: scenario, seed: 11, options: idealOptions(rateHz: rate))
    var motion = session.motion
    let origin = session.info.startS
    let samples = render(session, limit: 20_000)
    for k in stride(from: 0, to: samples.count, by: 997) {
        let r = motion.reading(at: Double(k) / rate)
        #expect(samples[k].accel == r.force && samples[k].gyro == r.rate)
        #expect(abs(samples[k].t - origin - Double(k) / rate) < 1e-9)
    }
    var checked = 0
    for set in session.truth.sets {
        for rep in set.reps.prefix(5) {
            let onset = rep.t - origin - rep.concentricS, offset = rep.t - origin
            let steps = 4000
            let dt = (offset - onset) / Double(steps)
            func verticalAccel(_ t: Double, _ motion: inout MotionModel) -> Double {
                (motion.sensorRotation(at: t) * motion.reading(at: t).force).z - standardGravity
            }
            var v = 0.0, z = 0.0
            var previous = verticalAccel(onset, &motion)
            for j in 1...steps {
                let a = verticalAccel(onset + Double(j) * dt, &motion)
                let vNext = v + (previous + a) / 2 * dt
                z += (v + vNext) / 2 * dt
                v = vNext
                previous = a
            }
            #expect(abs(z * 100 - rep.depthCm) < 0.1, "\(scenario) rep at \(rep.t): integrated \(z * 100) cm, planned \(rep.depthCm) cm")
            #expect(abs(v) < 0.001, "velocity back to zero at lockout: \(v)")
            checked += 1
        }
    }
    #expect(checked >= 4)
}

/// Integrating the gyro (body rates, midpoint exponential map) from the planned orientation
/// reproduces the planned orientation after every stretch of the session, including rolling the
/// bar on (many radians) and the lifter walking, turning and lying back.
@Test(arguments: ["quick", "banded", "distractors"])
func gyroIntegratesToOrientation(scenario: String) throws {
    let rate = 1000.0
    let session = try SimulatedSession(scenario: scenario, seed: 3, options: idealOptions(rateHz: rate, tremor: true))
    var motion = session.motion
    let samples = render(session, limit: 60_000)
    var r = motion.sensorRotation(at: 0)
    var worst = 0.0
    var totalTurn = 0.0
    for k in 1..<samples.count {
        let w = (samples[k - 1].gyro + samples[k].gyro) / 2
        let angle = norm(w) / rate
        totalTurn += angle
        if angle > 0 { r = r * Mat3.rotation(axis: w / norm(w), angle: angle) }
        if k % 1000 == 0 {
            worst = max(worst, angleBetween(r, motion.sensorRotation(at: Double(k) / rate)))
        }
    }
    #expect(worst < 0.05 * degree, "orientation error \(worst / degree)°")
    #expect(totalTurn > 2, "the stretch turns the sensor by \(totalTurn) rad in all")
}

/// Stroke shapes: zero velocity at both ends, unit displacement, velocity ∝ dP/ds.
@Test func strokeShapesAreConsistent() {
    var shapes: [StrokeShape] = [.minimumJerk, .halfCosine, .sticking(earlyWeight: 0.5), .cruise(ramp: 0.3)]
    shapes += BetaPolynomials.bells.map { StrokeShape.bell($0) }
    for shape in shapes {
        #expect(abs(shape.evaluate(1 - 1e-12).p - 1) < 1e-9)
        #expect(abs(shape.evaluate(1e-9).dp) < 1e-6)
        #expect(abs(shape.evaluate(1 - 1e-9).dp) < 1e-6)
        // Central differences agree with the analytic derivatives.
        for s in stride(from: 0.037, through: 0.99, by: 0.05) {  // off the cruise ramp junctions (jerk steps)
            let h = 1e-5
            let lo = shape.evaluate(s - h), mid = shape.evaluate(s), hi = shape.evaluate(s + h)
            #expect(abs((hi.p - lo.p) / (2 * h) - mid.dp) < 1e-6, "\(shape) dp at \(s)")
            #expect(abs((hi.dp - lo.dp) / (2 * h) - mid.ddp) < 1e-4, "\(shape) ddp at \(s)")
        }
    }
    // A sticking concentric really dips between its two humps.
    let sticking = StrokeShape.sticking(earlyWeight: 0.5)
    let speeds = stride(from: 0.0, through: 1.0, by: 0.01).map { sticking.evaluate($0).dp }
    let early = speeds[10...35].max() ?? 0, middle = speeds[40...60].min() ?? 0, late = speeds[60...85].max() ?? 0
    #expect(middle < 0.8 * min(early, late))
}

/// The hips never drop faster than 0.8 g or push up harder than 1.5 g (tremor aside), so a bar
/// resting on them stays on them and the accelerometer stays within range.
@Test func verticalAccelerationStaysPhysical() throws {
    for session in try plans("mixed", seeds: 1...30) + plans("power", seeds: 1...5) {
        var motion = session.motion
        let duration = session.info.durationS ?? 0
        var lowest = 0.0, highest = 0.0
        for k in 0..<Int(duration * 100) {
            let a = motion.body(at: Double(k) / 100).acceleration.z
            lowest = min(lowest, a)
            highest = max(highest, a)
        }
        #expect(lowest >= -0.8 * standardGravity - 1e-6, "\(session.info.variant) seed \(session.info.seed): \(lowest)")
        #expect(highest <= 1.5 * standardGravity + 1e-6, "\(session.info.variant) seed \(session.info.seed): \(highest)")
    }
}

/// During lockout holds the hips tremble by ±0.5–2 mm plus a slow drift (≤ 1.5 mm), never still
/// and never what a reader would call motion.
@Test func tremorDuringHoldsIsSmall() throws {
    var peaks: [Double] = [], speeds: [Double] = []
    for seed in UInt64(1)...20 {
        let shaking = try SimulatedSession(scenario: "barbell", seed: seed, options: idealOptions(rateHz: 100, tremor: true))
        var withTremor = shaking.motion
        var still = try SimulatedSession(scenario: "barbell", seed: seed, options: idealOptions(rateHz: 100)).motion
        var peak = 0.0, speed = 0.0
        for rep in shaking.truth.sets.flatMap(\.reps) where (rep.holdS ?? 0) > 1 {
            for t in stride(from: rep.t + 0.1, to: rep.t + (rep.holdS ?? 0) - 0.1, by: 0.005) {
                let b = withTremor.body(at: t - shaking.info.startS)
                peak = max(peak, abs(b.position.z - still.body(at: t - shaking.info.startS).position.z))
                speed = max(speed, norm(b.velocity))
            }
        }
        if peak > 0 {
            peaks.append(peak)
            speeds.append(speed)
        }
    }
    #expect(peaks.count >= 10)
    #expect((peaks.min() ?? 0) > 0.0003 && (peaks.max() ?? 1) < 0.0036, "peaks \(peaks)")
    #expect((speeds.max() ?? 1) < 0.05, "tremor speed \(speeds.max() ?? 0) m/s")
}

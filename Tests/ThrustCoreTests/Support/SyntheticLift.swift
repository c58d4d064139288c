import Foundation
import ThrustCore
@testable import ThrustSim

/// An exact, noise-free lifter for unit tests: height moves by minimum-jerk strokes (or glides
/// at an even speed, the simulator's `cruise` profile), the sensor turns about its y axis (along
/// the bar) in proportion to height, and the samples are the specific force and angular rate
/// that motion produces.
struct SyntheticLift {
    enum Step {
        case hold(Double)                 // s
        case move(Double, Double)         // duration s, displacement m (+ up)
        case turn(Double, Double)         // duration s, angle degrees about y, height kept
        /// Duration s, displacement m: at an even speed between smooth ramps, each this share of it.
        case glide(Double, Double, ramp: Double)
    }

    var rateHz = 200.0
    var degreesPerCm = 1.0
    /// Constant sensor errors added to every sample.
    var accelOffset = SIMD3<Double>(repeating: 0)
    var gyroBias = SIMD3<Double>(repeating: 0)
    var startAngleDeg = 20.0
    /// Timestamps are off by up to this much (deterministic, uniform), s; the motion is not.
    var timestampJitterS = 0.0

    /// Plan of steps → samples, plus the exact times each move started and ended.
    func render(_ steps: [Step]) -> (samples: [Sample], moves: [(on: Double, off: Double, d: Double)]) {
        // The simulator's profiles: minimum jerk, or its even-speed `cruise` for a glide.
        var segments: [(t0: Double, t1: Double, z0: Double, d: Double, a0: Double, da: Double, shape: StrokeShape)] = []
        var t = 0.0, z = 0.0, a = 0.0
        var moves: [(on: Double, off: Double, d: Double)] = []
        for step in steps {
            switch step {
            case .hold(let s):
                segments.append((t, t + s, z, 0, a, 0, .minimumJerk)); t += s
            case .move(let s, let d):
                segments.append((t, t + s, z, d, a, 0, .minimumJerk)); moves.append((t, t + s, d)); t += s; z += d
            case .glide(let s, let d, let ramp):
                segments.append((t, t + s, z, d, a, 0, .cruise(ramp: ramp))); moves.append((t, t + s, d)); t += s; z += d
            case .turn(let s, let degrees):
                let da = degrees * Double.pi / 180
                segments.append((t, t + s, z, 0, a, da, .minimumJerk)); t += s; a += da
            }
        }
        var samples: [Sample] = []
        let dt = 1 / rateHz
        var k = 0
        var seg = 0
        var lcg: UInt64 = 0x2545F4914F6CDD1D
        while true {
            let time = Double(k) * dt
            if time > t { break }
            while seg < segments.count - 1 && time > segments[seg].t1 { seg += 1 }
            let s = segments[seg]
            let T = s.t1 - s.t0
            let tau = T > 0 ? min(max((time - s.t0) / T, 0), 1) : 0
            let shape = s.shape.evaluate(tau)
            let p = shape.p
            let dp = T > 0 ? shape.dp / T : 0
            let ddp = T > 0 ? shape.ddp / (T * T) : 0
            let zz = s.z0 + s.d * p
            let vz = s.d * dp
            let az = s.d * ddp
            let k1 = degreesPerCm * 100 * Double.pi / 180  // rad per m
            let theta = startAngleDeg * Double.pi / 180 + k1 * zz + s.a0 + s.da * p
            let omega = k1 * vz + s.da * dp
            let fw = SIMD3<Double>(0, 0, az + standardGravity)
            let c = cos(theta), sn = sin(theta)
            let fs = SIMD3(c * fw.x - sn * fw.z, fw.y, sn * fw.x + c * fw.z)
            lcg = lcg &* 6364136223846793005 &+ 1442695040888963407
            let jitter = timestampJitterS * (Double(lcg >> 11) / Double(1 << 53) * 2 - 1)
            samples.append(Sample(t: time + jitter, accel: fs + accelOffset, gyro: SIMD3(0, omega, 0) + gyroBias))
            k += 1
        }
        return (samples, moves)
    }

    /// A top-start barbell set: still on the floor, set-up bridge, `reps` reps, lowering, rest.
    static func barbellSet(reps: Int, depth: Double = 0.17, ecc: Double = 1.5, con: Double = 1.0,
                           bottom: Double = 0.5, hold: Double = 1.5, setup: Double = 0.35) -> [Step] {
        var steps: [Step] = [.hold(3), .move(1.5, setup), .hold(1.0)]
        for _ in 0..<reps {
            steps += [.move(ecc, -depth), .hold(bottom), .move(con, depth), .hold(hold)]
        }
        steps += [.move(1.5, -setup), .hold(12)]
        return steps
    }

    /// A bottom-start banded set.
    static func bandedSet(reps: Int, depth: Double = 0.17, ecc: Double = 1.5, con: Double = 1.2,
                          bottom: Double = 0.8, hold: Double = 2.5) -> [Step] {
        var steps: [Step] = [.hold(3)]
        for _ in 0..<reps {
            steps += [.move(con, depth), .hold(hold), .move(ecc, -depth), .hold(bottom)]
        }
        steps += [.hold(12)]
        return steps
    }
}

func runCore(_ samples: [Sample], settings: CoreSettings) -> [CoreEvent] {
    var core = RepAnalyzer(settings: settings)
    var events: [CoreEvent] = []
    for s in samples { core.update(s) { events.append($0) } }
    core.finish { events.append($0) }
    return events
}

extension [CoreEvent] {
    var reps: [RepReport] {
        compactMap { if case .rep(let r) = $0 { return r } else { return nil } }
    }

    /// When each `SENSOR` event of this state was raised, s.
    func sensorTimes(_ state: SensorState) -> [Double] {
        compactMap { if case .sensor(state, _, let t) = $0 { return t } else { return nil } }
    }
}

/// Decides, sample by sample, whether the sensor may be at rest (zero mean velocity).
///
/// A lifter holding a lockout is never perfectly still: the hips tremble at 3–10 Hz. So the
/// signals are first low-passed twice (time constant `tauS` each, ≈ 1 Hz overall), which keeps
/// the slow accelerations of a movement and drops tremor. "Quasi-still" needs: the low-passed
/// angular rate close to the known gyro bias, a low-passed specific force close to gravity, and
/// no vigorous shaking (the raw signals' RMS around their low-passed values). Time constants are
/// in seconds, so the decision does not depend on the sample rate. `MotionTracker` adds the
/// tests that need the orientation and the velocity.
public struct StillnessDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Time constant of each of the two low-pass stages, s.
        public var tauS = 0.08
        /// Time constant of the RMS of the raw signals around the low-passed ones, s.
        public var rmsTauS = 0.15
        /// Accelerometer RMS around its low-passed value above which the sensor moves, m/s²
        /// (only vigorous movement: a trembling lockout can reach 0.7).
        public var accelRmsMax = 2.0
        /// Gyro RMS around its low-passed value above which the sensor moves, rad/s.
        public var gyroRmsMax = 0.3
        /// Bias-corrected low-passed rate above which the sensor turns, rad/s (≈ 3.4 °/s).
        public var gyroMeanMax = 0.06
        /// Allowed |specific force| − g, m/s² (loose: the accelerometer may be uncalibrated).
        public var gravityToleranceMps2 = 1.5
        /// Quasi-still must last this long to count, s.
        public var minStillS = 0.12
        /// Quasi-still and *steady*: the low-passed specific force also keeps its magnitude
        /// within this of where it was, m/s². Mid-stroke, where the speed peaks and the
        /// acceleration crosses zero, a smooth movement is quasi-still for a moment but not steady.
        public var steadyToleranceMps2 = 0.2
        public init() {}
    }

    public var settings: Settings
    var accel1 = SIMD3<Double>(repeating: 0)
    var accel2 = SIMD3<Double>(repeating: 0)
    var gyro1 = SIMD3<Double>(repeating: 0)
    var gyro2 = SIMD3<Double>(repeating: 0)
    var accelVar = 0.0
    var gyroVar = 0.0
    var primed = false
    public private(set) var quasiSinceT = -Double.infinity
    public private(set) var isQuasiStill = false
    /// Quasi-still apart from the gyro-bias test: no shaking and the force close to gravity.
    public private(set) var isQuiet = false
    public private(set) var isStill = false
    /// When the current still period began (the quasi-still onset), s.
    public private(set) var stillSinceT = 0.0
    /// Since when the sensor has been quasi-still and steady (see `steadyToleranceMps2`), s, and
    /// the low-passed specific force's magnitude then, m/s².
    public private(set) var steadySinceT = 0.0
    var steadyForce = 0.0

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Low-passed specific force, m/s² (tremor removed).
    public var meanAccel: SIMD3<Double> { accel2 }

    /// - Parameters: `gyroBias` when known (else nil: the mean test is skipped), `gravity` m/s².
    public mutating func update(t: Double, dt: Double, accel: SIMD3<Double>, gyro: SIMD3<Double>,
                                gyroBias: SIMD3<Double>?, gravity: Double) {
        if !primed {
            accel1 = accel
            accel2 = accel
            gyro1 = gyro
            gyro2 = gyro
            accelVar = 0
            gyroVar = 0
            primed = true
        } else {
            let alpha = smoothingStep(dt: dt, tau: settings.tauS)
            accel1 += (accel - accel1) * alpha
            accel2 += (accel1 - accel2) * alpha
            gyro1 += (gyro - gyro1) * alpha
            gyro2 += (gyro1 - gyro2) * alpha
            let beta = smoothingStep(dt: dt, tau: settings.rmsTauS)
            let da = accel - accel2
            let dg = gyro - gyro2
            accelVar += (dot(da, da) - accelVar) * beta
            gyroVar += (dot(dg, dg) - gyroVar) * beta
        }
        let s = settings
        let force = length(accel2)
        var quasi = accelVar < s.accelRmsMax * s.accelRmsMax
            && gyroVar < s.gyroRmsMax * s.gyroRmsMax
            && abs(force - gravity) < s.gravityToleranceMps2
        isQuiet = quasi
        if quasi, let bias = gyroBias {
            let m = gyro2 - bias
            quasi = dot(m, m) < s.gyroMeanMax * s.gyroMeanMax
        }
        if quasi {
            if !isQuasiStill { quasiSinceT = t }
            isQuasiStill = true
            if !isStill && t - quasiSinceT >= s.minStillS {
                isStill = true
                stillSinceT = quasiSinceT
            }
        } else {
            isQuasiStill = false
            isStill = false
        }
        if !quasi || abs(force - steadyForce) > s.steadyToleranceMps2 {
            steadyForce = force
            steadySinceT = t
        }
    }

    /// Forget the history (after a gap in the data).
    public mutating func reset() {
        primed = false
        isQuiet = false
        isQuasiStill = false
        isStill = false
    }
}

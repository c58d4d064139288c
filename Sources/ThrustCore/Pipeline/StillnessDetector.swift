/// Decides, sample by sample, whether the sensor is at rest (zero velocity).
///
/// Exponential averages with time constants in seconds, so the decision does not depend on the
/// sample rate. "Quasi-still" needs small accelerometer and gyro fluctuation, a gyro mean close to
/// the known bias and a specific force close to gravity; "still" needs quasi-still for
/// `minStillS`. Motion ends stillness at once.
public struct StillnessDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Averaging time constant, s.
        public var tauS = 0.08
        /// Accelerometer fluctuation (RMS) below which the sensor may be still, m/s².
        public var accelRmsMax = 0.12
        /// Gyro fluctuation (RMS) below which the sensor may be still, rad/s.
        public var gyroRmsMax = 0.035
        /// Bias-corrected gyro mean below which the sensor may be still, rad/s (≈ 3.4 °/s).
        public var gyroMeanMax = 0.06
        /// Allowed |specific force| − g, m/s² (loose: the accelerometer may be uncalibrated).
        public var gravityToleranceMps2 = 0.6
        /// Quasi-still must last this long to count as still, s.
        public var minStillS = 0.12
        public init() {}
    }

    public var settings: Settings
    var accelMean = SIMD3<Double>(repeating: 0)
    var accelVar = 0.0
    var gyroMean = SIMD3<Double>(repeating: 0)
    var gyroVar = 0.0
    var primed = false
    public private(set) var quasiSinceT = -Double.infinity
    public private(set) var isQuasiStill = false
    public private(set) var isStill = false
    /// When the current still period began (the quasi-still onset), s.
    public private(set) var stillSinceT = 0.0

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Low-passed specific force, m/s².
    public var meanAccel: SIMD3<Double> { accelMean }
    /// Low-passed angular rate, rad/s (bias not removed).
    public var meanGyro: SIMD3<Double> { gyroMean }

    /// - Parameters: `gyroBias` when known (else nil: the mean test is skipped), `gravity` m/s².
    public mutating func update(t: Double, dt: Double, accel: SIMD3<Double>, gyro: SIMD3<Double>,
                                gyroBias: SIMD3<Double>?, gravity: Double) {
        if !primed {
            accelMean = accel
            gyroMean = gyro
            accelVar = 0
            gyroVar = 0
            primed = true
        } else {
            let alpha = min(1, dt / settings.tauS)
            let da = accel - accelMean
            let dg = gyro - gyroMean
            accelMean += da * alpha
            gyroMean += dg * alpha
            accelVar += (dot(da, da) - accelVar) * alpha
            gyroVar += (dot(dg, dg) - gyroVar) * alpha
        }
        let s = settings
        var quasi = accelVar < s.accelRmsMax * s.accelRmsMax
            && gyroVar < s.gyroRmsMax * s.gyroRmsMax
            && abs(length(accelMean) - gravity) < s.gravityToleranceMps2
        if quasi, let bias = gyroBias {
            let m = gyroMean - bias
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
    }

    /// Forget the history (after a gap in the data).
    public mutating func reset() {
        primed = false
        isQuasiStill = false
        isStill = false
    }
}

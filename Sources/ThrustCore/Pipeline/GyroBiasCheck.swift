#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Notices a gyro bias the accelerometer contradicts, and gives the bias the gyro reads instead.
///
/// The stillness detector only calls the sensor still when the bias-corrected rate is near zero.
/// A bias learnt wrong (the first "rest" was a slow movement — a capture that starts mid set-up —
/// or a stored bias from a warmer day) therefore hides every later rest, and without rests the
/// velocity runs away for the rest of the session. The contradiction is visible, though: the
/// sensor is quiet (no shaking, the force is gravity) and gravity keeps its direction in sensor
/// axes, yet the corrected gyro says it turns. When that lasts `windowS` the gyro's mean over the
/// window is the bias. (Turning steadily about the vertical while nothing else moves would look
/// the same; a barbell or a standing lifter does not do that for a second.)
public struct GyroBiasCheck: Sendable {
    public struct Settings: Sendable, Equatable {
        /// How long the contradiction must last, s.
        public var windowS = 1.0
        /// Gravity's direction in sensor axes may wander this much over the window, degrees
        /// (a quiet but uncalibrated sensor: noise and sway; a real turn at the smallest rate the
        /// stillness test rejects, 3.4 °/s, moves it 3.4° in the window unless it is about the
        /// vertical).
        public var directionToleranceDeg = 1.5
        public init() {}
    }

    public let settings: Settings
    private let cosTolerance: Double
    private var sinceT: Double?
    private var startDirection = SIMD3<Double>(0, 0, 1)
    private var gyroSum = SIMD3<Double>(repeating: 0)
    private var count = 0.0

    public init(settings: Settings = Settings()) {
        self.settings = settings
        cosTolerance = cos(settings.directionToleranceDeg / radiansToDegrees)
    }

    /// Feeds one sample. `contradicted`: quiet but the bias test fails. `meanAccel`: the
    /// low-passed specific force, any units. Returns the gyro's mean when the window completes
    /// with gravity's direction held, else nil.
    public mutating func update(t: Double, contradicted: Bool, meanAccel: SIMD3<Double>,
                                gyro: SIMD3<Double>) -> SIMD3<Double>? {
        guard contradicted else {
            sinceT = nil
            return nil
        }
        let direction = normalized(meanAccel)
        if sinceT == nil || dot(direction, startDirection) < cosTolerance {
            sinceT = t
            startDirection = direction
            gyroSum = .zero
            count = 0
        }
        gyroSum += gyro
        count += 1
        guard let start = sinceT, t - start >= settings.windowS else { return nil }
        sinceT = nil
        return gyroSum / count
    }
}

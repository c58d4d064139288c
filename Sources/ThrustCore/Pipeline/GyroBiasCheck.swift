#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Notices a gyro bias the accelerometer contradicts, and gives the bias the gyro reads instead.
///
/// A bias learnt wrong (the first "rest" was a slow movement or a short pause in a set — a
/// capture that starts mid set — or a stored bias from a warmer day) hides later rests: off by
/// more than the stillness test allows, it says the sensor turns at every rest; off by less, it
/// still turns the up direction, so the velocity at a rest is no straight line and no rest is
/// accepted. Without rests the velocity runs away for the rest of the session. The contradiction
/// is visible, though: the sensor is quiet (no shaking, the force is gravity) and not at an
/// accepted rest, gravity keeps its direction in sensor axes, yet the corrected gyro says it
/// turns — by more than the stillness test allows all through `windowS`, or, across gravity,
/// `turnDeg` more than gravity moved over at least `longWindowS` (a quiet moment's horizontal
/// accelerations move gravity's reading by a degree or two: the longer window and the margin
/// keep a slow start of a movement from passing for a bias). Then the gyro's mean since the
/// quiet began is the bias. (Turning about the vertical moves no gravity: only the first test
/// sees it, as it must — the stillness test would otherwise never pass.)
public struct GyroBiasCheck: Sendable {
    public struct Settings: Sendable, Equatable {
        /// A rate over the stillness test's limit must last this long, s …
        public var windowS = 1.0
        /// … a smaller one this long, s.
        public var longWindowS = 2.0
        /// Gravity's direction in sensor axes may wander this much meanwhile, degrees (a quiet
        /// but uncalibrated sensor: noise and sway; a real turn at the smallest rate the stillness
        /// test rejects, 3.4 °/s, moves it 3.4° in a second unless it is about the vertical).
        public var directionToleranceDeg = 1.5
        /// The corrected gyro turning gravity's direction this much more than it moved, degrees.
        public var turnDeg = 3.0
        public init() {}
    }

    public let settings: Settings
    private let cosTolerance: Double
    private var sinceT: Double?
    private var startDirection = SIMD3<Double>(0, 0, 1)
    private var gyroSum = SIMD3<Double>(repeating: 0)
    private var count = 0.0
    /// Every sample since `sinceT` failed the stillness test's rate limit.
    private var rejectedThroughout = true

    public init(settings: Settings = Settings()) {
        self.settings = settings
        cosTolerance = cos(settings.directionToleranceDeg / radiansToDegrees)
    }

    /// Feeds one sample. `quietNotAtRest`: quiet, and no rest accepted; `rateRejected`: the
    /// stillness test's rate limit failed. `meanAccel`: the low-passed specific force, any units.
    /// `gyro`: the raw reading, `bias` the one in use, rad/s. Returns the gyro's mean since the
    /// quiet began when it contradicts the bias, else nil.
    public mutating func update(t: Double, quietNotAtRest: Bool, rateRejected: Bool, meanAccel: SIMD3<Double>,
                                gyro: SIMD3<Double>, bias: SIMD3<Double>) -> SIMD3<Double>? {
        guard quietNotAtRest else {
            sinceT = nil
            return nil
        }
        let direction = normalized(meanAccel)
        if sinceT == nil || dot(direction, startDirection) < cosTolerance {
            sinceT = t
            startDirection = direction
            gyroSum = .zero
            count = 0
            rejectedThroughout = true
        }
        if !rateRejected { rejectedThroughout = false }
        gyroSum += gyro
        count += 1
        guard let start = sinceT else { return nil }
        let elapsed = t - start
        if elapsed >= settings.windowS && rejectedThroughout {
            sinceT = nil
            return gyroSum / count
        }
        guard elapsed >= settings.longWindowS else { return nil }
        let mean = gyroSum / count
        let error = mean - bias
        let across = error - dot(error, direction) * direction
        let moved = acos(min(1, dot(direction, startDirection)))
        guard (length(across) * elapsed - moved) * radiansToDegrees >= settings.turnDeg else { return nil }
        sinceT = nil
        return mean
    }
}

/// One IMU reading in the units of the capture format (SPEC §4).
///
/// The core takes time only from `t`; it never reads a clock.
public struct Sample: Sendable, Equatable {
    /// Seconds on the capture's clock (any origin, strictly increasing).
    public var t: Double
    /// Specific force as the accelerometer measures it, m/s² (+9.81 on the up axis at rest).
    public var accel: SIMD3<Double>
    /// Angular rate, rad/s.
    public var gyro: SIMD3<Double>

    @inlinable
    public init(t: Double, accel: SIMD3<Double>, gyro: SIMD3<Double>) {
        self.t = t
        self.accel = accel
        self.gyro = gyro
    }

    @inlinable
    public init(t: Double, ax: Double, ay: Double, az: Double, gx: Double, gy: Double, gz: Double) {
        self.init(t: t, accel: SIMD3(ax, ay, az), gyro: SIMD3(gx, gy, gz))
    }
}

/// Standard gravity, m/s².
public let standardGravity = 9.80665

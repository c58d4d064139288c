/// What the core has learnt about one sensor and its mount, kept across restarts
/// (`calibration.json`, SPEC §7). Plain values in physical units; the daemon stores it, the
/// core only hands it out (`RepAnalyzer.calibration`) and takes it back (`restore`).
public struct CalibrationState: Sendable, Equatable {
    /// Gyro bias, rad/s (nil until learnt at rest).
    public var gyroBiasRadS: SIMD3<Double>?
    /// Accelerometer offsets, m/s² (measured = true × scale + offset).
    public var accelOffsetMS2: SIMD3<Double>
    /// Accelerometer scale factors (1 = exact).
    public var accelScale: SIMD3<Double>
    /// Still poses the accelerometer calibration was learnt from.
    public var accelPoses: Int
    /// The mount the references below belong to.
    public var mount: Mount
    /// Belt: mean specific force standing upright, m/s² (the torso-angle reference).
    public var uprightAccelMS2: SIMD3<Double>?
    /// The lockout posture angle set by `calibrate lockout`, rad.
    public var lockoutAngleRad: Double?

    public init(gyroBiasRadS: SIMD3<Double>? = nil, accelOffsetMS2: SIMD3<Double> = .zero,
                accelScale: SIMD3<Double> = SIMD3(repeating: 1), accelPoses: Int = 0, mount: Mount,
                uprightAccelMS2: SIMD3<Double>? = nil, lockoutAngleRad: Double? = nil) {
        self.gyroBiasRadS = gyroBiasRadS
        self.accelOffsetMS2 = accelOffsetMS2
        self.accelScale = accelScale
        self.accelPoses = accelPoses
        self.mount = mount
        self.uprightAccelMS2 = uprightAccelMS2
        self.lockoutAngleRad = lockoutAngleRad
    }
}

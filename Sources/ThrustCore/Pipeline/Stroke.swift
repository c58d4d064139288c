/// One monotone vertical movement between two instants of zero velocity.
public struct Stroke: Sendable, Equatable {
    /// +1 up (hips rising), −1 down.
    public var direction: Int
    /// The stroke's edges for segmenting, s: where the velocity leaves and returns to zero,
    /// extrapolated from the height's last few per cent at each end (each end on its own, so a
    /// stroke's odd middle cannot move them).
    public var onsetT: Double
    public var offsetT: Double
    /// Motion onset and offset for measuring durations, s: from the shape of the whole stroke
    /// (`StrokeShapeFit`), which also finds the ends of strokes that set off or settle gently.
    public var motionOnsetT: Double
    public var motionOffsetT: Double
    /// Height at onset and offset, m, on the session's (drifting) height scale.
    public var startZ: Double
    public var endZ: Double
    /// Largest speed in the stroke, m/s (positive).
    public var peakSpeed: Double
    /// World up direction in sensor axes at the offset (unit vector).
    public var upAtOffset: SIMD3<Double>
    /// How far the sensor turned during the stroke, degrees (rolling the bar turns it a lot).
    public var turnDeg: Double = 0
    /// How far it turned while the height went from 10 % to 90 % of the way, degrees: the turn of
    /// the movement itself, without a rotation the stroke's slow ends may have run into (lying
    /// back after the last rep).
    public var coreTurnDeg: Double = 0
    /// World up in sensor axes at the onset.
    public var upAtOnset = SIMD3<Double>(0, 0, 1)

    public var amplitude: Double { abs(endZ - startZ) }
    /// Motion onset to offset, s.
    public var duration: Double { motionOffsetT - motionOnsetT }

    public init(direction: Int, onsetT: Double, offsetT: Double, startZ: Double, endZ: Double,
                peakSpeed: Double, upAtOffset: SIMD3<Double>) {
        self.direction = direction
        self.onsetT = onsetT
        self.offsetT = offsetT
        motionOnsetT = onsetT
        motionOffsetT = offsetT
        self.startZ = startZ
        self.endZ = endZ
        self.peakSpeed = peakSpeed
        self.upAtOffset = upAtOffset
    }
}

/// A point of the height trace kept for the current motion segment.
public struct TracePoint: Sendable {
    public var t: Double
    /// Vertical velocity, m/s (raw until the segment is closed, then drift-corrected).
    public var v: Double
    /// Height, m (relative to the segment's anchor until closed, then absolute).
    public var z: Double
    /// World up in sensor axes.
    public var up: SIMD3<Double>
    /// ∫(φ(up) − φ(up at the anchor)) dt since the anchor, s (see `AccelCalibration`).
    public var leakIntegral: SIMD8<Double>
    /// ∫|ω| dt since the anchor, rad.
    public var turn: Double = 0
    /// ∫ω dt (sensor axes) since the tracker started, rad: the gyro's own record of turning,
    /// untouched by the corrections that pull `up` towards the accelerometer at rest.
    public var rotation = SIMD3<Double>(repeating: 0)
    /// The gyro and accelerometer allowed a rest here (see `StillnessDetector`).
    public var quiet = false

    public init(t: Double, v: Double, z: Double, up: SIMD3<Double>, leakIntegral: SIMD8<Double> = .zero) {
        self.t = t
        self.v = v
        self.z = z
        self.up = up
        self.leakIntegral = leakIntegral
    }
}

/// Recognises rests — zero mean velocity — in a signal that trembles.
///
/// A lifter holding a lockout shakes by a couple of millimetres at a few hertz, so the
/// accelerometer never reads "still". What does hold is that the velocity, averaged over a
/// `boxS` box (which cancels the tremor), stays on a straight line: flat when the calibration
/// is right, a slow ramp where an unlearnt pose leaks gravity into it. A movement bends it.
/// So every `stepS` the box velocity is fitted by a line over the current candidate; when the
/// fit's residual exceeds `residualMaxMps` the candidate restarts, and once it has lasted
/// `minRestS` it is a rest. The rest is taken to begin where the candidate's first full box ended
/// (all of that box was already at rest), which is where the zero-velocity anchor goes.
/// When the sensor turns with the hips (the bar rolls, the pelvis tilts) a quiet gyro proves
/// rest, which allows steeper and looser lines — but only while the gyro averaged over the same
/// box is quiet too: a slow, smooth start looks like a straight line to the height for a moment,
/// and turns the sensor already. For the same reason a recognised rest ends as soon as the box's
/// turning rate passes what the tracker says a moving hip turns the sensor (`endTurnRadPerS`):
/// a slow start (a 3 s lowering, 2 cm/s after its first second) keeps to a leaking rest's line
/// for a second or more.
public struct RestDetector: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Box that averages tremor out of the velocity, s.
        public var boxS = 0.4
        /// Evaluation step, s.
        public var stepS = 0.01
        /// A candidate this long is a rest, s.
        public var minRestS = 0.6
        /// Largest RMS residual of the box velocity around its line, m/s.
        public var residualMaxMps = 0.015
        /// The same when the sensor turns with the hips, m/s.
        public var coupledResidualMaxMps = 0.03
        /// Largest slope of that line for a rest of `minRestS`, m/s²: a calibrated sensor leaks
        /// less, while a lifter slowing to a stop makes a steeper line for a moment …
        public var slopeMaxMps2 = 0.15
        /// … unless the sensor turns with the hips (then a quiet gyro already rules that out),
        /// or the rest lasts `longRestS`, which no deceleration does: an unlearnt pose leaks up to
        /// this, m/s².
        public var longSlopeMaxMps2 = 0.8
        /// In a pose the sensor has already rested in, gravity's reading there is known and the
        /// leak is what the calibration says: a line steeper than this is a slow stop or start
        /// (racking a squat: 4 cm in 0.6 s), m/s².
        public var familiarSlopeMaxMps2 = 0.075
        public var longRestS = 1.5
        /// Largest box-averaged turning rate for the sensor-turns-with-hips allowances, °/s
        /// (≈ 1 cm/s of hip travel at a typical coupling; tremor mostly cancels in the box).
        public var quietTurnRateDegPerS = 1.0
        public init() {}
    }

    public var settings: Settings
    /// Raw height (m) every `stepS`, newest at `head`.
    var heights: [Double]
    /// ∫ω dt (rad, sensor axes) at the same instants.
    var rotations: [SIMD3<Double>]
    var times: [Double]
    var head = -1
    var lastStepT = -Double.infinity
    /// Line through the box velocity since the candidate began.
    var line = LineFit()
    /// Where the candidate rest begins, s (nil: none).
    public private(set) var candidateT: Double?
    /// When the current rest was recognised, s.
    public private(set) var acceptedT: Double?

    /// A zero-velocity instant safely inside the rest: the middle of what has been seen of it,
    /// less half a box (the box velocity lags the true one by that much).
    public var anchorT: Double? {
        guard let c = candidateT, let a = acceptedT else { return nil }
        return max(c, 0.5 * (c + a) - 0.5 * settings.boxS)
    }
    public private(set) var isRest = false

    public init(settings: Settings = Settings()) {
        self.settings = settings
        let count = Int((settings.boxS / settings.stepS).rounded(.up)) + 4
        heights = Array(repeating: 0, count: count)
        rotations = Array(repeating: .zero, count: count)
        times = Array(repeating: -Double.infinity, count: count)
    }

    /// Feeds the raw (never re-based) height and the integrated gyro `rotation` (rad); `allowed`
    /// is false while the gyro or the accelerometer says the sensor is clearly moving;
    /// `turnsWithHips`: movements turn the sensor; `rawLeakMps2`: the slope the raw height's
    /// velocity has at rest in this pose by what the calibration knows (what the slope limits
    /// are measured from); `familiarPose`: the sensor has rested in this pose before;
    /// `restSpeedPlausible`: false while the velocity since the anchor says the candidate is a
    /// movement (no rest is recognised then); `endTurnRadPerS`: a rest turning the sensor faster
    /// than this (averaged over the box) has ended, rad/s (nil: the sensor does not turn with the
    /// hips). Returns whether it is a rest.
    public mutating func update(t: Double, height: Double, rotation: SIMD3<Double>, allowed: Bool,
                                turnsWithHips: Bool, rawLeakMps2: Double = 0, familiarPose: Bool = false,
                                restSpeedPlausible: Bool = true, endTurnRadPerS: Double? = nil) -> Bool {
        guard t - lastStepT >= settings.stepS else { return isRest && allowed }
        lastStepT = t
        head = (head + 1) % heights.count
        heights[head] = height
        rotations[head] = rotation
        times[head] = t
        // Not allowed, no box yet, or a rest the gyro says has ended: no candidate.
        guard allowed, let (boxV, boxTurn, boxMidT) = boxRates(now: t),
              !(isRest && boxTurn > (endTurnRadPerS ?? .infinity)) else {
            restart(at: nil)
            return false
        }
        let turnsWithHips = turnsWithHips && boxTurn * radiansToDegrees <= settings.quietTurnRateDegPerS
        if candidateT == nil { restart(at: t) }
        // The box's mean velocity is the velocity at its middle: at low rates the box spans
        // 4 or 5 samples by the jitter, which on a leaking rest's sloped line would be noise.
        line.add(boxMidT, boxV)
        // The slope of a few points is noise: judge it once the line spans a tenth of a second.
        // Where a quiet gyro already proves rest, sway and slow tremor may bend the line more.
        let residualMax = turnsWithHips ? settings.coupledResidualMaxMps : settings.residualMaxMps
        if line.n >= 3 && (line.residual > residualMax
                           || (line.n >= 10 && abs(line.slope - rawLeakMps2) > settings.longSlopeMaxMps2)) {
            restart(at: t)
            line.add(boxMidT, boxV)
        }
        if let c = candidateT, !isRest {
            let steep = abs(line.slope - rawLeakMps2)
            let slopeMax = familiarPose ? settings.familiarSlopeMaxMps2 : settings.slopeMaxMps2
            isRest = ((t - c >= settings.minRestS && (steep <= slopeMax || turnsWithHips))
                      || t - c >= settings.longRestS) && restSpeedPlausible
            if isRest { acceptedT = t }
        }
        return isRest
    }

    /// Forget everything (after a gap in the data).
    public mutating func reset() {
        head = -1
        lastStepT = -Double.infinity
        for i in 0..<times.count { times[i] = -Double.infinity }
        restart(at: nil)
    }

    mutating func restart(at t: Double?) {
        candidateT = t
        acceptedT = nil
        isRest = false
        line = LineFit(origin: t ?? 0)
    }

    /// Mean velocity (m/s) and mean turning rate (rad/s) over the last box, and the box's middle
    /// (s; nil until the history covers a box).
    func boxRates(now t: Double) -> (velocity: Double, turn: Double, midT: Double)? {
        var i = head
        for _ in 0..<heights.count {
            if times[i] <= t - settings.boxS {
                let span = t - times[i]
                guard span > 0 else { return nil }
                return ((heights[head] - heights[i]) / span, length(rotations[head] - rotations[i]) / span,
                        0.5 * (t + times[i]))
            }
            i = (i + heights.count - 1) % heights.count
        }
        return nil
    }
}

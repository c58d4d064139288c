#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Sensor calibration, orientation and the vertical motion of the hips.
///
/// Per sample: remove the gyro bias and the accelerometer offsets/scales learnt so far, turn the
/// world-up direction (kept in sensor axes) by the gyro, project the specific force on it to get
/// vertical acceleration, and integrate velocity and height into a trace. A rest (`RestDetector`)
/// is a zero-velocity period: once it has been recognised for `restSettleS`, the movement since
/// the previous rest is closed at an anchor where it was recognised (a slow stop passes for a
/// rest a little early), its velocity error read on the rest around the anchor. The closed part
/// teaches the accelerometer calibration (the velocity it ends with), loses the leak the new
/// calibration explains and the remaining linear drift, has every shorter rest inside it pinned
/// to zero velocity too (`PauseAnchors`), and is split into strokes. While a rest lasts, the
/// trace is re-anchored, the gyro bias and gravity's reading at this pose are updated, and the
/// calibration gets a still pose.
public struct MotionTracker: Sendable {
    public struct Settings: Sendable, Equatable {
        public var gravity = standardGravity
        /// Gaps longer than this break the motion: the last quiet moment before the gap closes
        /// the movements no rest closed, what follows it is dropped, s.
        public var maxGapS = 2.0
        /// While still, re-anchor this often, s.
        public var reanchorS = 0.4
        /// Before the first calibration, rest this long is accepted, s.
        public var initialStillS = 0.3
        /// … and, while the gyro reads a turn (over the stillness test's `gyroMeanMax`), gravity's
        /// direction in sensor axes must hold within this meanwhile, degrees: with no gyro bias
        /// known yet, a slow turn (a capture that starts mid set-up) would otherwise pass for rest
        /// and teach its rate as the bias.
        public var initialDirectionToleranceDeg = 1.5
        /// Tremor makes the calibration's equations less certain: a rest's mean reading and the
        /// velocity a movement ends with. Their errors grow by this much per m/s² of accelerometer
        /// RMS at the rest (m/s² per m/s², and s), on top of a steady sensor's.
        public var poseSigmaPerTremor = 0.15
        public var closureSigmaPerTremorS = 0.6
        /// Movements ending faster than this, or longer than `closureSpanMaxS`, teach the
        /// calibration nothing (something other than a leak went wrong), m/s.
        public var closureVelocityMax = 0.6
        public var closureSpanMaxS = 25.0
        /// Half width of the window whose mean velocity is taken as a rest's velocity error, s
        /// (a few tremor periods).
        public var restMeanHalfS = 0.15
        /// Re-anchor this far in the past (a slow start looks still for a moment), s.
        public var anchorLookbackS = 0.6
        /// Trace resolution, s (the trace keeps at most one point per step).
        public var traceStepS = 0.005
        /// Trace capacity, points (≈ 80 s at the finest step: a whole set without a long rest).
        public var traceCapacity = 16384
        /// Time constant pulling the up direction to the accelerometer while still, s.
        public var stillUpTauS = 0.3
        /// Gyro bias averaging while still, s.
        public var gyroBiasTauS = 2.0
        /// Rest needed before the first gyro bias is trusted, s.
        public var initialCalibrationS = 0.4
        /// At the end of the data, the last quiet moment this long closes the movements before
        /// it (when no rest did), s.
        public var endQuietS = 0.3
        public var stillness = StillnessDetector.Settings()
        public var biasCheck = GyroBiasCheck.Settings()
        public var rest = RestDetector.Settings()
        /// Turning at least this much per cm of travel makes a quiet gyro proof of rest, °/cm …
        public var coupledDegPerCm = 0.4
        /// … and so does a movement since the last rest that turned the sensor this much, degrees.
        public var turningMovementDeg = 10.0
        /// A stroke turning the sensor more than this per cm of travel is the bar rolled over the
        /// thighs or along the floor, not the hips moving: it teaches no coupling, °/cm (a bar
        /// rolls with the hips by 1–2 °/cm, a belt tilts with the pelvis by about 1 °/cm).
        public var maxCouplingDegPerCm = 5.0
        public var strokes = StrokeExtractor.Settings()
        /// A movement this long with no rest recognised (a leak the rest detector cannot see
        /// through, or reps with no pause) is closed anyway at the next quiet moment …
        public var forcedAnchorAfterS = 9.0
        /// … once the gyro and accelerometer have been quiet and steady this long, s (quiet alone
        /// passes mid-stroke for a moment: a squat or a bench press without pauses, which only
        /// forced anchors close; see `StillnessDetector.Settings.steadyToleranceMps2`). Twice
        /// `forcedAnchorAfterS` without one, steadiness is given up (a short pause is over before
        /// the low-passed force settles) …
        public var forcedQuietS = 0.4
        /// … and the tremor-averaged velocity has settled meanwhile: changed by less than this on
        /// average (m/s²), its middle within this of the ends' mean (m/s). See `velocitySettled`.
        public var forcedMaxAccelMps2 = 0.3
        public var forcedMaxBendMps = 0.03
        /// Velocity and height since the anchor no lift reaches: a runaway leak, m/s and m.
        public var runawaySpeedMps = 2.0
        public var runawayHeightM = 1.0
        /// The rest that closes a segment sets the velocity error along it when it lasts this
        /// long before the anchor, s (else the mean velocity around the anchor does).
        public var minRestLineS = 0.12
        /// A recognised rest closes its segment only once it has lasted this much longer, s: a
        /// slow stop passes for a rest before the hips have quite arrived, so the velocity error
        /// is read on the part of the rest seen after it was recognised, and the anchor goes there.
        public var restSettleS = 0.4
        /// The rest detector notices a new movement this late, s: the newest part of a rest is
        /// not trusted.
        public var restLagS = 0.3
        /// The rest that ends a segment is followed back from where the rest detector's candidate
        /// began, up to this far, while the velocity keeps within this of its line (s, m/s).
        public var restExtendMaxS = 2.0
        public var restExtendToleranceMps = 0.015
        /// When the sensor turns with the hips, the rest that ends a segment begins only where the
        /// gyro (averaged over ±`restMeanHalfS`) turns slower than this, °/s, or than the
        /// coupling turns it at this hip speed, cm/s: a slow arrival lies on as straight a
        /// velocity line as a rest does, but it still turns the sensor.
        public var restQuietTurnDegPerS = 1.0
        public var restQuietHipSpeedCmPerS = 1.0
        /// … and a recognised rest ends once the gyro (averaged over the rest detector's box)
        /// turns faster than this, °/s, or than the coupling turns it at this hip speed, cm/s: a
        /// slow start keeps to a leaking rest's velocity line for a second, but it turns the
        /// sensor (twice the limits above: tremor and bar adjustments turn a rest a little).
        public var restEndTurnDegPerS = 2.0
        public var restEndHipSpeedCmPerS = 2.0
        /// Within this of the pose of the last rest that lasted, a rest must lie on a flatter
        /// line (`RestDetector.Settings.familiarSlopeMaxMps2`), degrees.
        public var familiarPoseDeg = 3.0
        /// Where no movement turns the sensor (no coupling learnt: a bar gripped so it does not
        /// roll, a squat's bar) a quiet gyro proves nothing, and a slow lowering's even-speed
        /// middle lies on a straight velocity line like a rest's. But in such a familiar pose,
        /// once the calibration has this many equations, the velocity since the anchor is known
        /// to within `restSpeedToleranceMps` plus `restSpeedDriftMps2` per second: a candidate
        /// rest whose box velocity (`RestDetector.Settings.boxS`) has strayed further from zero is
        /// a movement. Only within `restSpeedCheckS` of the anchor: later the drift is unknown
        /// (a set of squats with no rest between reps).
        public var restSpeedMinEquations = 5
        public var restSpeedToleranceMps = 0.04
        public var restSpeedDriftMps2 = 0.02
        public var restSpeedCheckS = 2.5
        public init() {}
    }

    public let settings: Settings
    public private(set) var accelCal: AccelCalibration
    public private(set) var gyroBias: SIMD3<Double>?
    /// A gyro bias learnt in an earlier session: the first rest refines it rather than replacing it.
    public private(set) var storedGyroBias: SIMD3<Double>?
    var stillness: StillnessDetector
    var biasCheck: GyroBiasCheck
    let extractor: StrokeExtractor

    /// World up in sensor axes.
    public private(set) var up = SIMD3<Double>(0, 0, 1)
    var upValid = false
    /// Vertical specific force at rest, m/s² (g as this sensor sees it).
    var restGravity: Double

    // Integration since the anchor.
    var lastT = -Double.infinity
    var lastGyro = SIMD3<Double>(repeating: 0)
    var lastVerticalAccel = 0.0
    public private(set) var velocity = 0.0
    /// ∫(φ(up) − φ(up at the anchor)) dt, for the calibration's movement equations.
    var leakIntegral = SIMD8<Double>(repeating: 0)
    var anchorPhi = SIMD8<Double>(repeating: 0)
    /// ∫|ω| dt since the anchor, rad.
    var turn = 0.0
    /// ∫ω dt since the start, rad (sensor axes; the rest detector's turning input).
    var rotation = SIMD3<Double>(repeating: 0)
    var lastPhi = SIMD8<Double>(repeating: 0)
    var heightSinceAnchor = 0.0
    var anchorT = 0.0
    /// Absolute height at the anchor, m (the session's height scale).
    var anchorHeight = 0.0
    var anchored = false
    /// Before the first anchor: since when, and in which direction, the quiet accelerometer has
    /// held gravity (see `initialDirectionToleranceDeg`).
    var initialHoldT = -Double.infinity
    var initialHoldDirection = SIMD3<Double>(0, 0, 1)
    let initialDirectionCos: Double
    var trace: FixedRing<TracePoint>
    var lastTraceT = -Double.infinity

    // The current still period.
    var wasStill = false
    /// A rest recognised whose segment is not closed yet (see `restSettleS`): where the rest
    /// detector's candidate began, and when it was recognised, s.
    var pendingRest: (candidateT: Double?, acceptedT: Double)?
    /// Up at the last rest that lasted (see `familiarPoseDeg`), and that angle's cosine.
    var settledUp: SIMD3<Double>?
    let familiarPoseCos: Double
    var restDetector: RestDetector
    /// The fastest box velocity since the anchor (m/s) seen while the rest detector's current
    /// candidate (begun at `speedCandidateT`) lasted (see `restSpeedToleranceMps`).
    var candidateSpeedMax = 0.0
    var speedCandidateT: Double?
    /// Degrees the sensor turns per cm of hip travel (see `learnCoupling`).
    public private(set) var rotationCouplingDegPerCm = 0.0
    var couplingSamples = 0
    /// Height integrated without re-basing, m (the rest detector's input).
    var detectorHeight = 0.0
    var detectorVelocity = 0.0
    var lastRawVertical = 0.0
    var pauseAnchors: PauseAnchors
    var poseAdded = false
    var checkpointT = 0.0
    /// The still period's mean specific force (tremor-robust, see `IntegralSlope`; its `n`
    /// counts the samples) and gyro sum.
    var stillAccel = IntegralSlope()
    var stillGyroSum = SIMD3<Double>(repeating: 0)
    var stillStartT = 0.0
    var lastReanchorT = 0.0
    /// Sums up to the last re-anchor (the tail of a still period may already be motion).
    var stillAccelCheckpoint = IntegralSlope()
    var stillGyroCheckpoint = SIMD3<Double>(repeating: 0)
    /// The low-passed specific force when the still period was recognised: the quiet moments
    /// that made it still, m/s².
    var stillStartAccel = SIMD3<Double>(repeating: 0)

    /// Strokes found, waiting to be taken by the caller.
    public var strokes: FixedRing<Stroke>
    /// Still periods that ended, waiting to be taken: (start, end, mean raw accel).
    public var stillPeriods: FixedRing<StillPeriod>
    /// Set once the gyro bias has been learnt (for the `SENSOR calibrated` event).
    public private(set) var calibratedAtT: Double?
    /// Set when `GyroBiasCheck` replaced a bias the accelerometer contradicted.
    public private(set) var biasRelearntAtT: Double?

    public struct StillPeriod: Sendable {
        public var startT: Double
        public var endT: Double
        /// Mean raw specific force, m/s².
        public var meanAccel: SIMD3<Double>
        /// World up in sensor axes, from the calibrated mean.
        public var up: SIMD3<Double>
    }

    public init(settings: Settings = Settings()) {
        self.settings = settings
        accelCal = AccelCalibration(gravity: settings.gravity)
        stillness = StillnessDetector(settings: settings.stillness)
        biasCheck = GyroBiasCheck(settings: settings.biasCheck)
        extractor = StrokeExtractor(settings: settings.strokes)
        _ = StrokeShapeFit.shared  // built now, not in the middle of the first rep
        restGravity = settings.gravity
        familiarPoseCos = cos(settings.familiarPoseDeg / radiansToDegrees)
        initialDirectionCos = cos(settings.initialDirectionToleranceDeg / radiansToDegrees)
        pauseAnchors = PauseAnchors(capacity: settings.traceCapacity)
        restDetector = RestDetector(settings: settings.rest)
        trace = FixedRing(capacity: settings.traceCapacity,
                          filler: TracePoint(t: 0, v: 0, z: 0, up: .zero))
        strokes = FixedRing(capacity: 64, filler: Stroke(direction: 0, onsetT: 0, offsetT: 0, startZ: 0,
                                                         endZ: 0, peakSpeed: 0, upAtOffset: .zero))
        stillPeriods = FixedRing(capacity: 16, filler: StillPeriod(startT: 0, endT: 0, meanAccel: .zero, up: .zero))
    }

    public var isStill: Bool { wasStill }
    /// The accelerometer's RMS about its low-passed mean now, m/s² (tremor, mostly).
    var tremorRms: Double { stillness.accelVar.squareRoot() }
    /// Absolute height now, m (live, not yet drift-corrected).
    public var liveHeight: Double { anchorHeight + heightSinceAnchor }
    public var isCalibrated: Bool { gyroBias != nil }
    /// Every stroke before this instant has been handed over (the current segment's anchor; now,
    /// while at rest once the rest has closed the segment), s.
    public var settledUntilT: Double { wasStill && pendingRest == nil ? lastT : anchorT }

    public mutating func update(_ sample: Sample) {
        let t = sample.t
        var dt = t - lastT
        if !(dt > 0) {
            if lastT == -Double.infinity {
                dt = 0
            } else {
                return  // not increasing: ignore
            }
        }
        if dt > settings.maxGapS {
            closeAtLastQuietMoment()
            restartMotion()
            dt = 0
        }
        let bias = gyroBias ?? SIMD3<Double>(repeating: 0)
        let gyro = sample.gyro - bias
        let accel = accelCal.apply(sample.accel)

        let meanRate = (gyro + lastGyro) * 0.5
        if !upValid {
            up = normalized(accel)
            upValid = true
            // With a bias known, the data's start is as good an anchor as a rest would be: the
            // movement from here is measured (its velocity there is taken for zero).
            if gyroBias != nil && !anchored { resetAnchor(t: t) }
        } else if dt > 0 {
            // Turn the up vector by the mean rate over the interval: d(up)/dt = up × ω.
            up = normalized(rotate(up, by: -meanRate * dt))
        }
        lastGyro = gyro
        // The rest detector integrates the raw reading against plain g: its input must not
        // jump when the calibration or rest gravity is updated (it only needs straight lines).
        // It is fed before it decides, so each height it stores belongs to this sample's time
        // (a one-sample lag turns timestamp jitter into box-velocity noise at low rates).
        let rawVertical = dot(up, sample.accel) - settings.gravity
        if dt > 0 {
            let dv = 0.5 * (rawVertical + lastRawVertical) * dt
            detectorHeight += (detectorVelocity + 0.5 * dv) * dt
            detectorVelocity += dv
            rotation += meanRate * dt
        }
        lastRawVertical = rawVertical

        stillness.update(t: t, dt: dt, accel: sample.accel, gyro: sample.gyro, gyroBias: gyroBias,
                         gravity: settings.gravity)
        if let bias = gyroBias,
           let relearnt = biasCheck.update(t: t, quietNotAtRest: stillness.isQuiet && !wasStill,
                                           rateRejected: !stillness.isQuasiStill, meanAccel: stillness.meanAccel,
                                           gyro: sample.gyro, bias: bias) {
            gyroBias = relearnt
            biasRelearntAtT = t
            // Gravity is where the quiet accelerometer says, not where the wrong bias turned it.
            up = normalized(accelCal.apply(stillness.meanAccel))
            restartMotion()
        }
        let still = decideStill(t: t)
        if still {
            trackStill(t: t, dt: dt, sample: sample)
        } else if wasStill {
            endStillPeriod(t: t)
        }

        let verticalAccel = dot(up, accel) - restGravity
        let phi = accelCal.basis(up)
        if dt > 0 {
            let v0 = velocity
            velocity += 0.5 * (verticalAccel + lastVerticalAccel) * dt
            heightSinceAnchor += 0.5 * (velocity + v0) * dt
            leakIntegral += (0.5 * (phi + lastPhi) - anchorPhi) * dt
            turn += length(gyro) * dt
        }
        lastPhi = phi
        lastVerticalAccel = verticalAccel
        lastT = t

        if still && !wasStill {
            startStillPeriod(t: t)
        } else if let rest = pendingRest, !still || t - rest.acceptedT >= settings.restSettleS {
            closeRest(rest, now: t, settled: still)
        } else if !still && anchored && t - anchorT >= settings.forcedAnchorAfterS
                    && stillness.isQuasiStill && t - stillness.quasiSinceT >= settings.forcedQuietS
                    && (t - stillness.steadySinceT >= settings.forcedQuietS || t - anchorT >= 2 * settings.forcedAnchorAfterS)
                    && velocitySettled() {
            // No rest for a long time: the quiet moment is the best zero-velocity guess there
            // is. Without it a runaway leak would hold every stroke back until the trace fills.
            closeSegment(at: t - settings.restMeanHalfS, restFrom: t - settings.forcedQuietS + settings.restMeanHalfS,
                         now: t, corrected: true, learn: false)
        }
        wasStill = still

        if t - lastTraceT >= settings.traceStepS || trace.isEmpty {
            if trace.isFull { closeSegment(at: t, now: t, corrected: false) }
            var point = TracePoint(t: t, v: velocity, z: heightSinceAnchor, up: up, leakIntegral: leakIntegral)
            point.turn = turn
            point.rotation = rotation
            point.quiet = stillness.isQuasiStill
            trace.append(point)
            lastTraceT = t
        }
        if still && t - lastReanchorT >= settings.reanchorS {
            if pendingRest == nil {
                checkpointStill(t: t)
            } else {
                // The segment is not closed yet: only mark what is surely still, so the first
                // checkpoint after the closure learns from it.
                markStill(t: t)
            }
        }
    }

    /// End of data: close what is open.
    public mutating func finish() {
        if let rest = pendingRest { closeRest(rest, now: lastT, settled: false) }
        closeAtLastQuietMoment()
        if wasStill { endStillPeriod(t: lastT) }
    }

    /// The data ends or breaks off before a rest (a recording stopped right after the set, in the
    /// last hold or while lowering the bar; a gap): the last quiet moment closes the movements
    /// before it, which no rest did.
    mutating func closeAtLastQuietMoment() {
        guard pendingRest == nil, !wasStill, anchored, let quiet = lastQuietSpan() else { return }
        _ = closeSegment(at: quiet.end - settings.restMeanHalfS, restFrom: quiet.start, now: lastT,
                         corrected: true, learn: false)
    }

    /// The latest run of quiet trace points lasting `endQuietS` (start, end), s.
    func lastQuietSpan() -> (start: Double, end: Double)? {
        var end: Double?
        var k = trace.count - 1
        while k >= 0 {
            let point = trace[k]
            if point.quiet {
                if end == nil { end = point.t }
                if let e = end, e - point.t >= settings.endQuietS, k == 0 || !trace[k - 1].quiet {
                    return (point.t, e)
                }
            } else {
                end = nil
            }
            k -= 1
        }
        return nil
    }

    // MARK: - Still periods

    /// Still = a rest by `RestDetector` (tremor-averaged velocity on a straight line), allowed
    /// only while the gyro shows no turning and the accelerometer no vigorous shaking. Before
    /// the first calibration the short detector alone decides (the sensor is put down at rest).
    mutating func decideStill(t: Double) -> Bool {
        // A quiet gyro proves the movement has stopped when movements turn the sensor: learnt
        // from past strokes, or seen in the movement just made (it turned the sensor a lot).
        let turnsWithHips = rotationCouplingDegPerCm >= settings.coupledDegPerCm
            || turn * radiansToDegrees >= settings.turningMovementDeg
        // The detector's raw reading leaks what the calibration corrects (offsets of up to
        // 0.9 m/s² in a pose) and what rest gravity absorbs: its slope limits count from there.
        var rawLeak = 0.0
        if stillness.isQuasiStill {  // the detector judges nothing otherwise
            let mean = stillness.meanAccel
            rawLeak = dot(up, mean - accelCal.apply(mean)) + restGravity - settings.gravity
        }
        let familiar = settledUp.map { dot($0, up) >= familiarPoseCos } ?? false
        let rest = restDetector.update(t: t, height: detectorHeight, rotation: rotation, allowed: stillness.isQuasiStill,
                                       turnsWithHips: turnsWithHips, rawLeakMps2: rawLeak, familiarPose: familiar,
                                       restSpeedPlausible: restSpeedPlausible(t: t, familiar: familiar),
                                       endTurnRadPerS: restEndTurnRate)
        if gyroBias == nil || !anchored {
            guard stillness.isQuasiStill else { return false }
            let direction = normalized(stillness.meanAccel)
            // Only a gyro reading a turn needs gravity to hold still to prove it a bias; a quiet
            // gyro teaches no large bias whatever the tremor does to gravity's reading.
            let turning = length(stillness.gyro2 - (gyroBias ?? .zero)) > settings.stillness.gyroMeanMax
            if initialHoldT < stillness.quasiSinceT
                || (turning && dot(direction, initialHoldDirection) < initialDirectionCos) {
                initialHoldT = t
                initialHoldDirection = direction
            }
            // Until the still period begins; then its checkpoints read gravity from the whole
            // period (a trembling hold's momentary reading is off by tenths of a m/s²).
            if !wasStill { restGravity = dot(up, accelCal.apply(stillness.meanAccel)) }
            return t - initialHoldT >= settings.initialStillS
        }
        return rest
    }

    /// Whether the rest detector's candidate may be a rest by the velocity since the anchor (see
    /// `restSpeedToleranceMps`; true wherever that check does not apply).
    mutating func restSpeedPlausible(t: Double, familiar: Bool) -> Bool {
        guard familiar, anchored, stillness.isQuasiStill, !restDetector.isRest,
              rotationCouplingDegPerCm < settings.coupledDegPerCm,
              accelCal.equations >= settings.restSpeedMinEquations,
              t - anchorT <= settings.restSpeedCheckS, trace.count >= 2 else { return true }
        if restDetector.candidateT != speedCandidateT {
            speedCandidateT = restDetector.candidateT
            candidateSpeedMax = 0
        }
        // Mean velocity over the last box (the trace's heights are since the anchor).
        let k = extractor.index(trace, before: t - settings.rest.boxS)
        let span = lastT - trace[k].t
        let boxVelocity = span > 0 ? (heightSinceAnchor - trace[k].z) / span : velocity
        candidateSpeedMax = max(candidateSpeedMax, abs(boxVelocity))
        return candidateSpeedMax <= settings.restSpeedToleranceMps + settings.restSpeedDriftMps2 * (t - anchorT)
    }

    mutating func startStillPeriod(t: Double) {
        stillStartT = anchored ? (restDetector.anchorT ?? t) : t
        stillAccel = IntegralSlope()
        stillGyroSum = .zero
        stillAccelCheckpoint = IntegralSlope()
        stillGyroCheckpoint = .zero
        stillStartAccel = stillness.meanAccel
        checkpointT = t
        poseAdded = false
        lastReanchorT = t
        if anchored && settings.restSettleS > 0 {
            pendingRest = (restDetector.candidateT, t)
        } else {
            closeSegment(at: stillStartT, restFrom: restDetector.candidateT, now: t, corrected: anchored)
        }
        levelUp()
    }

    /// At rest, gravity's direction is what the (tremor-free) accelerometer reads; the gyro may
    /// have wandered during a long or fast movement (rolling the bar).
    mutating func levelUp() {
        let reading = accelCal.apply(stillness.meanAccel)
        if length(reading) > 0.5 * settings.gravity { up = normalized(reading) }
    }

    /// Closes the segment a recognised rest ends. Settled (the rest went on for `restSettleS`):
    /// the anchor is where the rest was recognised and the velocity error there is read on the
    /// rest around it (less the newest `restLagS`, which may be the next movement). Otherwise (the
    /// hips moved again sooner, the data ended or broke off) the anchor is as late in the rest as
    /// is safe, and the error is the mean velocity around it.
    mutating func closeRest(_ rest: (candidateT: Double?, acceptedT: Double), now t: Double, settled: Bool) {
        pendingRest = nil
        if settled {
            let from = max(rest.candidateT ?? rest.acceptedT, rest.acceptedT - settings.restLagS)
            let leak = closeSegment(at: rest.acceptedT, restFrom: rest.candidateT, fitFrom: from,
                                    restTo: t - settings.restLagS, now: t, corrected: true)
            // The rest's line still slopes where the pose leaks: from the anchor on it is all rest.
            if let slope = leak { removeLeak(slope, now: t) }
            // … and gravity's direction as the calibration the closure taught reads it.
            levelUp()
        } else {
            // The anchor goes on the latest part of the rest that is surely rest (the newest
            // `restLagS` may be the next movement): early on, a slow stop may still be arriving
            // by a centimetre a second, which read as the velocity error would bend the whole
            // movement (a slow eccentric lost 0.8 cm of its depth and 0.6 s of its tail).
            let late = min(t, max(stillStartT, t - settings.restLagS - settings.restMeanHalfS))
            let earliest = (rest.candidateT ?? stillStartT) + settings.restMeanHalfS
            closeSegment(at: flattest(from: earliest, to: late) ?? late, now: t, corrected: true)
        }
    }

    /// Mean velocity of the trace within ±`restMeanHalfS` of point `k` (tremor averaged out).
    func meanVelocity(around k: Int) -> Double {
        var sum = 0.0, weight = 0.0
        let (a, b) = restWindow(around: k)
        for j in a...b {
            let dt = j + 1 < trace.count ? trace[j + 1].t - trace[j].t : 0
            sum += trace[j].v * dt
            weight += dt
        }
        return weight > 0 ? sum / weight : trace[k].v
    }

    /// The instant in `from…to` where the tremor-averaged velocity changes least (the mean over
    /// the `restMeanHalfS` before it against the mean after it): nil for an empty span.
    func flattest(from: Double, to: Double) -> Double? {
        guard to > from, trace.count >= 3 else { return nil }
        let h = settings.restMeanHalfS
        var k = extractor.index(trace, before: from)
        let last = extractor.index(trace, before: to)
        var best = Double.infinity, bestT: Double?
        while k <= last {
            let before = meanVelocity(around: extractor.index(trace, before: trace[k].t - h))
            let after = meanVelocity(around: extractor.index(trace, before: trace[k].t + h))
            let change = abs(after - before)
            if change < best {
                best = change
                bestT = trace[k].t
            }
            k += 1
        }
        return bestT
    }

    /// Whether the tremor-averaged velocity has settled over the last `forcedQuietS`: changed by
    /// less than `forcedMaxAccelMps2` (on average) from its start to its end, and its middle
    /// within `forcedMaxBendMps` of their mean. A bar decelerating evenly at the end of a stroke
    /// is quiet and steady too; a smooth stroke's peak speed is quiet and, once steadiness is
    /// given up, enough. A runaway leak (velocity or height since the anchor beyond any lift's)
    /// changes the velocity as fast at rest: then quiet and steady must do.
    func velocitySettled() -> Bool {
        guard let last = trace.last, abs(last.v) < settings.runawaySpeedMps,
              abs(last.z) < settings.runawayHeightM else { return true }
        let first = extractor.index(trace, before: last.t - settings.forcedQuietS)
        let middle = extractor.index(trace, before: last.t - 0.5 * settings.forcedQuietS)
        let span = last.t - trace[first].t
        guard span > 0 else { return true }
        let a = meanVelocity(around: first), m = meanVelocity(around: middle), b = meanVelocity(around: trace.count - 1)
        return abs(b - a) <= settings.forcedMaxAccelMps2 * span && abs(m - 0.5 * (a + b)) <= settings.forcedMaxBendMps
    }

    /// The first and last trace points within ±`restMeanHalfS` of point `k`.
    func restWindow(around k: Int) -> (Int, Int) {
        let t = trace[k].t
        var a = k, b = k
        while a > 0 && trace[a - 1].t >= t - settings.restMeanHalfS { a -= 1 }
        while b + 1 < trace.count && trace[b + 1].t <= t + settings.restMeanHalfS { b += 1 }
        return (a, b)
    }

    /// Mean turning rate of the trace within ±`restMeanHalfS` of point `k`, rad/s.
    func turnRate(around k: Int) -> Double {
        let (a, b) = restWindow(around: k)
        let span = trace[b].t - trace[a].t
        return span > 0 ? length(trace[b].rotation - trace[a].rotation) / span : 0
    }

    /// The fastest turning a rest allows, rad/s (nil unless the sensor turns with the hips, when
    /// a quiet gyro is no proof of rest).
    var quietTurnRate: Double? {
        hipTurnRate(atLeastDegPerS: settings.restQuietTurnDegPerS, hipSpeedCmPerS: settings.restQuietHipSpeedCmPerS)
    }

    /// The turning rate that ends a recognised rest, rad/s (nil unless the sensor turns with the
    /// hips).
    var restEndTurnRate: Double? {
        hipTurnRate(atLeastDegPerS: settings.restEndTurnDegPerS, hipSpeedCmPerS: settings.restEndHipSpeedCmPerS)
    }

    /// How fast the hips moving at `hipSpeedCmPerS` turn the sensor by the learnt coupling, but at
    /// least `atLeastDegPerS`, rad/s (nil while no coupling is learnt).
    func hipTurnRate(atLeastDegPerS: Double, hipSpeedCmPerS: Double) -> Double? {
        guard rotationCouplingDegPerCm >= settings.coupledDegPerCm else { return nil }
        return max(atLeastDegPerS, rotationCouplingDegPerCm * hipSpeedCmPerS) / radiansToDegrees
    }

    /// Least-squares line through the trace's velocity over points `a…b` (nil for fewer than 3).
    func velocityLine(from a: Int, to b: Int) -> LineFit? {
        guard b - a >= 2 else { return nil }
        var line = LineFit(origin: trace[b].t)
        for i in a...b { line.add(trace[i].t, trace[i].v) }
        return line
    }

    /// At rest the vertical reading is off by this much (m/s²): gravity leaking through a pose the
    /// calibration has not learnt yet. Read gravity that much higher from here on, and take the
    /// leak out of what has been integrated since the anchor (all of it at rest).
    mutating func removeLeak(_ slope: Double, now t: Double) {
        restGravity += slope
        lastVerticalAccel -= slope
        guard !trace.isEmpty, t > trace[0].t else { return }
        let t0 = trace[0].t
        for i in 0..<trace.count {
            let d = trace[i].t - t0
            trace[i].v -= slope * d
            trace[i].z -= 0.5 * slope * d * d
        }
        let d = t - t0
        velocity -= slope * d
        heightSinceAnchor -= 0.5 * slope * d * d
    }

    mutating func trackStill(t: Double, dt: Double, sample: Sample) {
        stillAccel.add(t: t, dt: dt, value: sample.accel)
        stillGyroSum += sample.gyro
        // Up follows the low-passed, calibrated accelerometer.
        let target = normalized(accelCal.apply(stillness.meanAccel))
        let alpha = min(1, dt / settings.stillUpTauS)
        up = normalized(up + (target - up) * alpha)
    }

    /// Mid still period: the velocity is zero, so start afresh — from a little while ago, because
    /// a slow start looks still to the detector for a moment and must not be cut off.
    mutating func checkpointStill(t: Double) {
        lastReanchorT = t
        settledUp = up
        // Learn only from what was still up to the previous checkpoint: the newest samples may
        // already be the start of a movement the detector has not seen yet.
        let duration = checkpointT - stillStartT
        if let rawMean = stillAccelCheckpoint.mean() {
            let gyroMean = stillGyroCheckpoint / stillAccelCheckpoint.n
            if let bias = gyroBias {
                let beta = min(1, duration / settings.gyroBiasTauS)
                gyroBias = bias + (gyroMean - bias) * beta
            } else if duration >= settings.initialCalibrationS {
                if let stored = storedGyroBias {
                    gyroBias = stored + (gyroMean - stored) * min(1, duration / settings.gyroBiasTauS)
                } else {
                    gyroBias = gyroMean
                }
                calibratedAtT = t
            }
            // One pose per still period, once it is long enough to trust; refit while still,
            // so the calibration never changes in the middle of a movement.
            if !poseAdded && duration >= 0.35 {
                poseAdded = true
                accelCal.addPose(mean: rawMean, weight: min(duration, 2),
                                 sigma: AccelCalibration.poseSigma + settings.poseSigmaPerTremor * tremorRms)
                accelCal.solve()
            }
            // Rest gravity as this pose reads it (absorbs what calibration has not yet learnt);
            // what the old value let leak into the velocity since the anchor is taken out.
            removeLeak(length(accelCal.apply(rawMean)) - restGravity, now: t)
        }
        markStill(t: t)
        rebase(at: t - settings.anchorLookbackS)
    }

    /// What the still period has summed so far is still: a checkpoint learns up to here.
    mutating func markStill(t: Double) {
        lastReanchorT = t
        stillAccelCheckpoint = stillAccel
        stillGyroCheckpoint = stillGyroSum
        checkpointT = t
    }

    /// Moves the anchor to the trace point at `t` (inside the still period): heights and velocities
    /// are re-based on it and older points dropped.
    mutating func rebase(at t: Double) {
        guard trace.count >= 2, t > trace[0].t, t >= stillStartT else { return }
        let k = extractor.index(trace, before: t)
        var base = trace[k]
        base.v = meanVelocity(around: k)
        trace.removeFirst(k)
        let newPhi = accelCal.basis(base.up)
        for i in 0..<trace.count {
            // Velocity and height relative to the new anchor, where the sensor is at rest.
            trace[i].z -= base.z + base.v * (trace[i].t - base.t)
            trace[i].v -= base.v
            trace[i].leakIntegral -= base.leakIntegral + (newPhi - anchorPhi) * (trace[i].t - base.t)
            trace[i].turn -= base.turn
        }
        turn -= base.turn
        leakIntegral -= base.leakIntegral + (newPhi - anchorPhi) * (lastT - base.t)
        anchorPhi = newPhi
        heightSinceAnchor -= base.z + base.v * (lastT - base.t)
        velocity -= base.v
        anchorHeight += base.z
        anchorT = base.t
    }

    mutating func endStillPeriod(t: Double) {
        // Before the first checkpoint the sums may end in the start of the next movement (a short
        // hold before lowering: 0.1 s of it read a pelvis angle 5° off); what made the period
        // still is the better reading then.
        guard let whole = stillAccel.mean() else { return }
        let mean = stillAccelCheckpoint.n > 0 ? stillAccelCheckpoint.mean() ?? whole : stillStartAccel
        stillPeriods.append(StillPeriod(startT: stillStartT, endT: t, meanAccel: mean,
                                        up: normalized(accelCal.apply(mean))))
    }

    // MARK: - Segments

    mutating func resetAnchor(t: Double) {
        anchorHeight += heightSinceAnchor
        heightSinceAnchor = 0
        velocity = 0
        turn = 0
        leakIntegral = .zero
        anchorPhi = accelCal.basis(up)
        anchorT = t
        anchored = true
        trace.removeAll()
        var first = TracePoint(t: t, v: 0, z: 0, up: up)
        first.rotation = rotation
        trace.append(first)
        lastTraceT = t
    }

    /// Closes the segment at the zero-velocity instant `anchor` (≤ now): the part up to it gets
    /// its leak and linear velocity drift removed (so it ends at rest), is converted to absolute
    /// heights and split into strokes; what follows the anchor starts the next segment. The rest
    /// that ends it runs from `restFrom`, its velocity line fitted over `fitFrom`…`restTo` (by
    /// default the whole rest up to the anchor). Returns that line's slope, m/s² (nil without one).
    @discardableResult
    mutating func closeSegment(at anchor: Double, restFrom restStart: Double? = nil, fitFrom: Double? = nil,
                               restTo restEnd: Double? = nil, now t: Double, corrected: Bool, learn: Bool = true) -> Double? {
        if let lastPoint = trace.last, lastPoint.t < t {
            var point = TracePoint(t: t, v: velocity, z: heightSinceAnchor, up: up, leakIntegral: leakIntegral)
            point.turn = turn
            point.rotation = rotation
            trace.append(point)
        }
        guard corrected, trace.count >= 2 else {
            resetAnchor(t: t)
            return nil
        }
        let end = extractor.index(trace, before: anchor)
        guard end >= 1 else {
            rebase(at: anchor)
            return nil
        }
        let t0 = trace[0].t
        let span = trace[end].t - t0
        // The rest that ends the segment, from where it began to the anchor: all of it is zero
        // velocity, so a line through its velocity is the error there — tilted where a leak the
        // calibration has not learnt yet builds up, and with the tremor averaged out.
        let quietTurn = quietTurnRate
        var restIndex: Int?
        var fitIndex = 0
        let restEndIndex = restEnd.map { max(end, extractor.index(trace, before: $0)) } ?? end
        if let rs = restStart, (restEnd ?? anchor) - rs >= settings.minRestLineS, rs > t0 {
            var k = extractor.index(trace, before: rs)
            if let quiet = quietTurn {
                while k < end && turnRate(around: k) > quiet { k += 1 }
            }
            fitIndex = max(k, fitFrom.map { extractor.index(trace, before: $0) } ?? k)
            if restEndIndex - fitIndex >= 3 && k <= end { restIndex = k }
        }
        var rawBase = trace[end]
        // The velocity error where the movement ended (the rest began): what the learning gate
        // judges, as a later anchor adds the rest's own leak to it.
        var movementEndV: Double?
        if let k = restIndex, let line = velocityLine(from: fitIndex, to: restEndIndex) {
            rawBase.v = line.value(at: trace[end].t)
            movementEndV = line.value(at: trace[k].t)
        } else {
            // Tremor makes the velocity at the anchor oscillate by centimetres per second: take
            // its mean over the rest around the anchor as the velocity error there.
            rawBase.v = meanVelocity(around: end)
        }
        // The velocity this movement ends with teaches the calibration; the new calibration
        // then takes the leak it explains out of the whole movement.
        var change = SIMD8<Double>(repeating: 0)
        if learn && abs(movementEndV ?? rawBase.v) < settings.closureVelocityMax && span < settings.closureSpanMaxS {
            accelCal.addMovement(integral: trace[end].leakIntegral, endVelocity: rawBase.v,
                                 sigma: AccelCalibration.closureSigma + settings.closureSigmaPerTremorS * tremorRms)
            change = accelCal.solve()
        }
        let endVelocity = rawBase.v - (change * trace[end].leakIntegral).sum()
        // The new calibration corrects what follows the anchor too (integrated with the old one),
        // up to now: the trace's last point.
        var zCorrection = 0.0
        var previous = 0.0
        var baseZ = rawBase.z
        for i in 0..<trace.count {
            let c = (change * trace[i].leakIntegral).sum()
            if i > 0 { zCorrection += 0.5 * (c + previous) * (trace[i].t - trace[i - 1].t) }
            previous = c
            trace[i].v -= c
            trace[i].z -= zCorrection
            if i == end { baseZ = trace[i].z }
        }
        velocity -= previous
        heightSinceAnchor -= zCorrection
        var restSlope: Double?
        if var k = restIndex, k > 0, var line = velocityLine(from: fitIndex, to: restEndIndex) {
            // What is left: zero along the ending rest's line, and a constant bias before it
            // (ramping from zero at the segment's start to the line's value where the rest began).
            // Tremor can restart the rest detector's candidate late: the rest began as early as
            // the (tremor-averaged) velocity keeps to the line.
            let earliest = extractor.index(trace, before: trace[k].t - settings.restExtendMaxS)
            while k > max(1, earliest)
                    && abs(meanVelocity(around: k - 1) - line.value(at: trace[k - 1].t)) <= settings.restExtendToleranceMps
                    && !(quietTurn.map { turnRate(around: k - 1) > $0 } ?? false) {
                k -= 1
            }
            // All of the rest, so followed, gives the better line.
            if k < fitIndex, let whole = velocityLine(from: k, to: restEndIndex) { line = whole }
            restSlope = line.slope
            let tc = trace[k].t
            let vc = line.value(at: tc)
            var zDrift = 0.0
            var previousC = 0.0
            for i in 0...end {
                let ti = trace[i].t
                let c = ti <= tc ? vc * (ti - t0) / (tc - t0) : line.value(at: ti)
                if i > 0 { zDrift += 0.5 * (c + previousC) * (ti - trace[i - 1].t) }
                previousC = c
                trace[i].v -= c
                trace[i].z = anchorHeight + trace[i].z - zDrift
            }
        } else {
            // What is left is removed as a constant bias: the velocity must end at zero.
            let drift = span > 0 ? endVelocity / span : 0  // m/s²
            for i in 0...end {
                let dtp = trace[i].t - t0
                trace[i].v -= drift * dtp
                trace[i].z = anchorHeight + trace[i].z - 0.5 * drift * dtp * dtp
            }
        }
        // Every rest inside the segment, however short, is zero velocity too.
        pauseAnchors.correct(&trace, count: end + 1, turnsWithHips: rotationCouplingDegPerCm >= settings.coupledDegPerCm,
                             degreesPerCm: rotationCouplingDegPerCm)
        let endHeight = trace[end].z
        // Strokes of the closed part only.
        extractor.extract(trace, count: end + 1) { stroke in
            strokes.append(stroke)
            learnCoupling(stroke)
        }
        // The rest (after the anchor, a rest) starts the next segment, re-based on the anchor.
        trace.removeFirst(end)
        let newPhi = accelCal.basis(rawBase.up)
        for i in 1..<max(trace.count, 1) {
            trace[i].z -= baseZ + endVelocity * (trace[i].t - rawBase.t)
            trace[i].v -= endVelocity
            trace[i].leakIntegral -= rawBase.leakIntegral + (newPhi - anchorPhi) * (trace[i].t - rawBase.t)
            trace[i].turn -= rawBase.turn
        }
        trace[0] = TracePoint(t: rawBase.t, v: 0, z: 0, up: rawBase.up)
        trace[0].rotation = rawBase.rotation
        heightSinceAnchor -= baseZ + endVelocity * (lastT - rawBase.t)
        velocity -= endVelocity
        leakIntegral -= rawBase.leakIntegral + (newPhi - anchorPhi) * (lastT - rawBase.t)
        turn -= rawBase.turn
        anchorPhi = newPhi
        anchorHeight = endHeight
        anchorT = rawBase.t
        return restSlope
    }

    /// Starts from a calibration learnt in an earlier session (see `CalibrationState`).
    public mutating func restore(gyroBias: SIMD3<Double>?, accel: AccelCalibration) {
        storedGyroBias = gyroBias
        accelCal = accel
    }

    /// Integrates with this gyro bias from the first sample, before any rest, and measures the
    /// movement from there (a replay of data whose first rest came late: `RepAnalyzer`). Rests
    /// refine it as usual. Call before the first sample.
    mutating func assume(gyroBias: SIMD3<Double>) {
        self.gyroBias = gyroBias
    }

    /// Gives back the trace's memory; the tracker is not used again (it is being replaced).
    mutating func releaseBuffers() {
        trace = FixedRing(capacity: 1, filler: TracePoint(t: 0, v: 0, z: 0, up: .zero))
        pauseAnchors = PauseAnchors(capacity: 1)
    }

    /// Forget the learnt accelerometer calibration (a requested recalibration).
    public mutating func restartAccelCalibration() {
        accelCal = AccelCalibration(gravity: settings.gravity)
    }

    /// How much the sensor turns per cm of hip travel (the bar rolls, the pelvis tilts), learnt
    /// from rep-sized strokes — up to a squat's or a deadlift's (5–80 cm), whose bar does not turn
    /// and which must unlearn a coupling taught before. A roll with hardly any height (setting a
    /// bar on the hips or the shins) would teach such a lift that a quiet gyro proves rest — and
    /// a slow lift would pass for one.
    mutating func learnCoupling(_ stroke: Stroke) {
        let cm = stroke.amplitude * 100
        guard cm >= 5, cm <= 80 else { return }
        let ratio = stroke.turnDeg / cm
        guard ratio <= settings.maxCouplingDegPerCm else { return }
        couplingSamples += 1
        let w = max(1 / Double(couplingSamples), 0.2)
        rotationCouplingDegPerCm += (ratio - rotationCouplingDegPerCm) * w
    }

    /// Forgets the motion since the anchor — after a gap in the data, or once the gyro bias
    /// turned out wrong (the orientation, hence the velocity, was nonsense since). The next
    /// quiet moment anchors afresh, as at the start.
    mutating func restartMotion() {
        // A rest recognised before the gap still closes its movement.
        if let rest = pendingRest { closeRest(rest, now: lastT, settled: false) }
        stillness.reset()
        restDetector.reset()
        wasStill = false
        velocity = 0
        heightSinceAnchor = 0
        lastVerticalAccel = 0
        anchored = false
        trace.removeAll()
        lastTraceT = -Double.infinity
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns strokes into sets and reps, measures each rep and judges it (SPEC §3, §5).
///
/// A rep is a down stroke and an up stroke that mirror each other. Top-start (barbell) pairs
/// down → up, anchored at the lockout the up stroke reaches; the bridge up from the floor that
/// starts the set has no down stroke before it, so it is never a rep. Bottom-start (banded) pairs
/// up → down. Which way a set runs is decided at its first bottom: a set-up bridge starts well
/// below where the reps bottom out, a banded rep starts where the next one bottoms.
/// Strokes too large for a hip thrust (sitting down, standing up) end a set; a set also ends
/// after `setGapS` without a rep-sized stroke.
public struct RepSegmenter: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Smallest rise that counts as a rep, m (partials are counted and flagged) …
        public var minRepM = 0.04
        /// … as the first rep of a set, m (with nothing to compare it with, a smaller rise is
        /// more likely an adjustment on the bench than a partial rep) …
        public var minFirstRepM = 0.065
        /// … and later, as a fraction of the set's mean depth so far.
        public var minRepFractionOfTypical = 0.3
        /// Largest rise that counts as a rep, m (sitting, standing and set-up are larger).
        public var maxRepM = 0.40
        /// The same for a profile that counts any lift (a squat or a deadlift moves up to ~0.7 m,
        /// a clean more), m.
        public var maxAnyLiftRepM = 1.2
        /// Within a set, a movement over this many times the set's mean depth (and over
        /// `maxRepM`) is getting down or up, not the set's lift: a set's reps are alike.
        public var maxRepOfTypical = 2.0
        /// A first rise up to this size mirrored by a fall is a bottom-start rep outright; a larger
        /// one may be a set-up bridge followed by a deep rep, m.
        public var clearBottomStartRiseM = 0.25
        /// The two strokes of a rep differ by at most this, m (over-extension adds up to ~10 cm).
        public var mirrorToleranceM = 0.12
        /// The same within a set whose style is known, m.
        public var setMirrorToleranceM = 0.22
        /// The two strokes of a rep turn the sensor about as much as each other: by at most this
        /// much more, degrees, or this fraction of the larger turn. A hip thrust turns the pelvis
        /// (and the bar) about 20° each way, a curl the bar about 100° each way; rolling the bar
        /// onto the hips turns it over 100° while it hardly rises — the height an uncalibrated
        /// sensor reads for that may look like the fall of a deep rep before the set-up bridge.
        public var mirrorTurnToleranceDeg = 40.0
        public var mirrorTurnToleranceFraction = 0.5
        /// A set-up bridge starts at least this far below the first bottom, m (or 35 % of its rise).
        public var setupMarginM = 0.07
        /// Longest pause between the two strokes of a rep (hold or bottom), s.
        public var maxPauseS = 12.0
        /// Same-direction strokes separated by less than this merge into one, s.
        public var mergeGapS = 0.6
        /// No rep-sized stroke for this long ends the set, s (`maxPauseS` while a bottom-start
        /// set holds its lockout, see `RepSegmenter.setGap`).
        public var setGapS = 8.0
        /// A rise ending this close to the set's recent lockouts (or half its mean depth, if
        /// more) is a hold at lockout, m.
        public var holdHeightToleranceM = 0.05
        /// A stroke whose movement (`Stroke.coreTurnDeg`) turns the sensor more than this is not
        /// part of a hip-thrust rep, degrees: the pelvis (and a belt on it) turns about 20° over
        /// a rep, under 60° for one both too deep and over-extended; lying back turns it more.
        public var maxRepTurnDeg = 60.0
        /// The bar also rolls over the hips as they rise, by how much depends on the grip (0.5–2
        /// °/cm in our simulator, twice that is plausible: a 30 cm rep at 4 °/cm turns it 120°).
        /// Where the tracker has learnt such a roll per cm (`barRollDegPerCm`), a bar stroke may
        /// turn this many times that for its height, up to `maxBarRepTurnDeg` (degrees); the bar
        /// rolled on with a leak (4.5 °/cm, unlike the set's reps) stays no rep.
        public var barRollAllowance = 1.5
        public var maxBarRepTurnDeg = 140.0
        /// The same for any lift (`generic`: a hinge tilts a belt by up to 90°), degrees.
        public var maxAnyLiftTurnDeg = 150.0
        /// A stroke turning the sensor more than `handlingMinTurnDeg` and more than this per cm
        /// of its height is handling, not lifting: rolling the bar over the thighs turns it about
        /// 10°/cm, a lift 1–2.5°/cm (a curl's bar), a hip thrust's pelvis about 1°/cm. Not for a
        /// belt under `generic`: a Romanian deadlift tilts the pelvis far more than it lowers it.
        public var handlingTurnDegPerCm = 5.0
        public var handlingMinTurnDeg = 30.0
        /// Belt: standing still this long (the first such rest) is the upright calibration, s.
        public var uprightStillS = 2.0
        /// … or this long when the data starts still: the protocol's stand (SPEC: ≥ 2 s) from its
        /// first sample, less what the detector needs to see the sitting down begin, s.
        public var uprightFirstStillS = 1.5
        /// A first still period recognised this soon after the first sample was still from it (the
        /// detector takes 0.3 s to say so at any rate), s.
        public var stillFromStartWithinS = 0.5
        /// Reading lockout height from the posture angle needs this many strokes …
        public var minCouplingStrokes = 3
        /// … turning at least this much per metre (≈ 0.3 °/cm), rad/m …
        public var minCouplingRadPerM = 0.5
        /// … and agreeing within this fraction (median absolute deviation).
        public var couplingSpread = 0.25
        /// The lockout posture is compared with this many previous lockouts.
        public var angleReferenceReps = 4
        /// A lockout this far from the median of the last `angleReferenceReps` (as far as an
        /// over-extension, SPEC §3) is not a reference for the next one, m.
        public var outlierLockoutM = 0.05
        /// Bar: a lockout the roll puts further than this from the set's usual one is the bar
        /// rolling on the hips, not the hips (a bar's over-extension is 5–10 cm): the chained
        /// height is read instead, m. (A belt's pelvis angle does not slip.)
        public var maxBarRollLockoutM = 0.10
        /// Bar: the reported lockout is the roll's reading (as above) moved this far towards the
        /// chained height against the set's last `recentLockoutReps` lockouts: their errors are
        /// independent and alike in size (1.5 and 1.2 cm MAE on the simulated sessions, 1.05 cm
        /// for the average). Over-extension needs both (see `smallerOfTwoBiasCm`).
        public var barLockoutChainWeight = 0.5
        public var recentLockoutReps = 3
        /// A rep breaks a depth or duration limit when its measure is past the limit by more
        /// than this (cm, s): about half the measure's typical error, so a rep right at the
        /// limit does not beep on noise (a coach would not fault it either).
        public var depthMarginCm = 0.8
        public var durationMarginS = 0.08
        /// A live alert is the rep's when raised between its strokes' ends, give or take this
        /// (the live velocity and the strokes' edges differ a little), s.
        public var liveMatchMarginS = 0.5
        /// The same kind raised live again within this is the same moment (the rep count caught
        /// up mid-rise and the live rep number moved on), s.
        public var liveRepeatS = 1.0
        /// Bar over-extension is judged on the smaller of the lockout's two readings (the roll's,
        /// the chained height against the last few lockouts), which runs this much low (about
        /// half the readings' scatter), cm.
        public var smallerOfTwoBiasCm = 0.5
        /// … or on the reported lockout (their average) when that is this far over the limit,
        /// cm: one reading low by 2–5 cm (the bar slipped on the hips) hides a clear one.
        public var reportedOverMarginCm = 1.0
        /// Belt: a lockout has the torso within this of parallel, degrees.
        public var beltLockoutMaxDeg = 35.0
        /// Reps that are reps in every other way, their lockouts this far from parallel by an
        /// upright pose found automatically (or restored), one after the other with no rep
        /// between, prove that pose wrong: the stand was missed and a lying pose (the start of a
        /// banded set) taken for it, which would reject every rep of the session. Such lockouts
        /// sit a hip travel's turn (20–40°) from that pose, so 50–78° "from parallel"; a true
        /// upright puts movements made standing at about 90° (degrees, count). Fewer can be
        /// sitting up. A pose found after a rep-like stroke, or in data that started moving (a
        /// capture started mid set), may be a hold at lockout, which puts the lockouts at about
        /// 90°: then there is no upper bound.
        public var uprightDoubtMinDeg = 50.0
        public var uprightDoubtMaxDeg = 78.0
        public var uprightDoubtReps = 3
        /// A rep-sized stroke turning the hips this much before the upright pose was found lifts
        /// that bound, degrees (a rep turns them 15–40°, a walking step a few).
        public var uprightDoubtStrokeTurnDeg = 10.0
        /// … and so does data whose first still period (of at least `movingStartStillS`) begins
        /// this late, s (it started moving).
        public var movingStartS = 1.0
        public var movingStartStillS = 0.5
        /// A top-start set's first rep returns to the set-up lockout its eccentric left (the first
        /// rep is its own reference: it cannot be over-extended), so its strokes mirror within
        /// `mirrorToleranceM`, not the set's looser tolerance, and turn the bar alike over their
        /// whole length, slow ends included (rolling the bar onto the hips turns it there) —
        /// once the sensor has been calibrated this long before the eccentric began, s (a capture
        /// that starts moving reads its first fall before the calibration knows the pose: 5–15 cm
        /// off).
        public var calibratedBeforeFirstRepS = 1.0
        /// … and the smaller core turn of its two strokes is at least this fraction of the larger,
        /// once that is this many degrees: a hip thrust turns the pelvis (or the bar) about 1°/cm
        /// both ways; a fall that hardly turns it is the lifter settling (fraction, degrees).
        public var firstRepTurnRatio = 0.3
        public var firstRepRatioMinTurnDeg = 10.0
        /// Within a set every lockout is within this of the first one's posture, degrees (an
        /// over-extension tilts the pelvis 12–20° more, a bar rolls on the hips by ~15°; sitting
        /// up or standing turns the sensor ~90°).
        public var maxLockoutTurnDeg = 50.0
        public init() {}
    }

    enum Style { case undecided, top, bottom }

    /// A rep whose last figure (hold or bottom) waits for the next stroke.
    struct PendingRep {
        var report: RepReport
        var waitsForHold: Bool
        /// Where the rep's last stroke ends: its segmenting edge and its motion offset, s.
        var endT: Double
        var motionEndT: Double
        /// From its first stroke's onset to its last one's offset, s: the alerts raised live
        /// meanwhile were this rep's (see `liveMarks`).
        var liveFrom: Double
        var liveTo: Double
        /// The up stroke that reached the lockout (its pose is measured when the rep is emitted,
        /// so the hold that follows can be used).
        var concentric: Stroke
        /// Bar: the lockout's two readings, cm — the roll's (or, where the roll cannot be read, the
        /// chained height against the whole set's lockouts) and the chained height against the
        /// last few; the reported lockout is their average.
        var rollLockoutCm: Double
        var recentChainedCm: Double
    }

    public let settings: Settings
    let core: CoreSettings

    // Strokes of the current cluster (merged), newest last.
    var strokes: FixedRing<Stroke>
    var style = Style.undecided
    /// Strokes starting at or before this instant are already part of a rep (or the set-up).
    var consumedUntilT = -Double.infinity
    /// Onset of an up stroke whose role (set-up bridge or first rep) waits for the next bottom.
    var deferredFromT: Double?
    var lastRepSizedT = -Double.infinity
    /// Direction of the last rep-sized stroke (+1 up, −1 down, 0 none yet) and its height, m.
    var lastRepSizedDirection = 0
    var lastRepSizedAmplitude = 0.0
    /// … and, for a rise, where its end's posture puts it against the set's lockouts by the
    /// set's coupling (m; nil for a fall, or without a reliable coupling or posture).
    var lastRepSizedAngleOffM: Double?

    // The set.
    public private(set) var setNumber = 0
    var inSet = false
    public private(set) var repCount = 0
    var lockoutHeights: FixedRing<Double>
    /// Median of the set's last `recentLockoutReps` lockout heights, m (kept per rep: the live
    /// path reads it per sample).
    var recentLockoutReference: Double?
    /// Posture angle at each lockout of the set (rad), and turn per metre of its strokes (rad/m).
    var lockoutAngles: FixedRing<Double>
    /// The posture of a lockout the lifter held on request (`calibrate lockout`), rad.
    public private(set) var calibratedLockoutAngle: Double?
    /// The set's turn per metre and median lockout posture, when reliable (rad/m, rad).
    var liveCoupling: Double?
    var liveAngleReference: Double?
    /// Bar tilt at each lockout of the set, degrees.
    var lockoutTilts: FixedRing<Double>
    /// World up in sensor axes at the set's first lockout.
    var firstLockoutUp: SIMD3<Double>?
    /// Belt without an upright pose: the session's recent lockout postures (up, sensor axes),
    /// whose median stands in for parallel — kept per rep (the live path reads it per sample).
    var beltLockoutUps: FixedRing<SIMD3<Double>>
    var usualLockoutUp: SIMD3<Double>?
    /// The axis the last rep's rise turned the pelvis about (sensor axes): the live check's sign
    /// (early in a rise, the turn so far is tremor).
    var lastRisingAxis: SIMD3<Double>?
    var couplings: FixedRing<Double>
    /// Chained height of the last lockout and (bottom-start) of the last bottom, m.
    var chainTop = 0.0
    var chainBottom = 0.0
    var scratch: [Double]
    var pending: PendingRep?
    var targetAlerted = false
    var setSums = SetSums()

    // Reference poses.
    /// Bar: tilt of still poses (deg) — their median is the level bar.
    var restTilts: FixedRing<Double>
    /// Belt: raw mean specific force while standing upright, m/s².
    public private(set) var uprightAccel: SIMD3<Double>?
    /// The upright pose was asked for in this session (`setUpright`): never doubted.
    var uprightRequested = false
    /// An automatic upright pose was proved wrong: no other is taken automatically.
    var uprightDoubted = false
    /// A rep-like stroke (`uprightDoubtStrokeTurnDeg`) came before the upright pose was found,
    /// or the data started moving (`movingStartS`): the pose may be a hold at lockout (a capture
    /// started mid set) and is doubted more readily. Set only while no pose is known.
    var movedBeforeUpright = false
    /// When the data began, s (set by `RepAnalyzer`), and whether a still period (of at least
    /// `movingStartStillS`) has ended since.
    public internal(set) var firstSampleT: Double?
    /// When the gyro bias was first learnt, s (set by `RepAnalyzer`).
    public internal(set) var calibratedT: Double?
    /// How far the sensor turns per cm of hip travel, as the tracker has learnt it (set before
    /// each stroke is added), °/cm.
    public internal(set) var barRollDegPerCm = 0.0
    var sawStillPeriod = false
    /// Reps rejected in a row for their lockout posture alone, and where the first began.
    var postureRejects = 0
    /// `generic` judges no posture, so its reps are never rejected for it: lockouts in a row as
    /// far from parallel as `uprightDoubtMinDeg…MaxDeg` by an automatic upright pose.
    var genericPostureDoubts = 0
    var firstPostureRejectT = 0.0
    /// `fromStart`: it began with the data (see `uprightFirstStillS`).
    var uprightCandidate: (meanAccel: SIMD3<Double>, duration: Double, endT: Double, fromStart: Bool)?
    var recentStill: FixedRing<MotionTracker.StillPeriod>

    // Live.
    var liveDirection = 0
    var liveAlerts = AlertSet()
    var liveRep = 0
    /// Every alert raised live, and when: a rep's own check does not raise one again. Matched by
    /// time, not number — strokes reach the segmenter after the rest that closes them, so live the
    /// previous rep may not be counted yet and the live rep number runs one behind.
    var liveMarks: FixedRing<LiveMark>
    struct LiveMark { var t: Double; var kind: AlertKind }
    var lastTopZ: Double?
    var descentTopZ: Double?
    var descentBottomZ: Double?
    var turnedAtBottom = false

    struct SetSums {
        var depth = 0.0, ecc = 0.0, con = 0.0, hold = 0.0
        var nEcc = 0, nCon = 0, nHold = 0
        var peakVelocity = 0.0
        var bestMeanVelocity = 0.0
        var lastMeanVelocity = 0.0
        var alerts = 0
        var lastEndT = 0.0
    }

    public init(core: CoreSettings, settings: Settings = Settings()) {
        self.core = core
        self.settings = settings
        strokes = FixedRing(capacity: 8, filler: Stroke(direction: 0, onsetT: 0, offsetT: 0, startZ: 0, endZ: 0,
                                                        peakSpeed: 0, upAtOffset: .zero))
        lockoutHeights = FixedRing(capacity: 64, filler: 0)
        lockoutAngles = FixedRing(capacity: 64, filler: 0)
        lockoutTilts = FixedRing(capacity: 64, filler: 0)
        liveMarks = FixedRing(capacity: 16, filler: LiveMark(t: 0, kind: .tempoFast))
        beltLockoutUps = FixedRing(capacity: 15, filler: .zero)
        couplings = FixedRing(capacity: 64, filler: 0)
        scratch = Array(repeating: 0, count: 64)
        restTilts = FixedRing(capacity: 31, filler: 0)
        recentStill = FixedRing(capacity: 16, filler: MotionTracker.StillPeriod(startT: 0, endT: 0,
                                                                                meanAccel: .zero, up: .zero))
    }

    var limits: Limits { core.profile.limits }

    // MARK: - Inputs

    /// A still period ended.
    public mutating func stillPeriodEnded(_ p: MotionTracker.StillPeriod, calibration: AccelCalibration,
                                          emit: (CoreEvent) -> Void) {
        recentStill.append(p)
        let duration = p.endT - p.startT
        switch core.mount {
        case .bar:
            if duration >= 0.5 { restTilts.append(tiltDegrees(p.up)) }
        case .belt:
            // Data that starts moving (no rest in its first second) may start mid set. A still
            // moment too short to be a rest (a hold's first tenth of a second) does not count.
            if !sawStillPeriod, uprightAccel == nil, let first = firstSampleT,
               p.startT - first > settings.movingStartS {
                movedBeforeUpright = true
            }
            // Data that starts still was still from its first sample: the detector only needs
            // a few tenths of a second to say so, which a 2 s stand cannot spare.
            var standS = duration, fromStart = false
            if !sawStillPeriod, let first = firstSampleT, p.startT - first <= settings.stillFromStartWithinS {
                standS = p.endT - first
                fromStart = true
            }
            if duration >= settings.movingStartStillS { sawStillPeriod = true }
            guard uprightAccel == nil, !uprightDoubted else { break }
            // Rests broken up for a moment (the first calibration, a sway) still make one stand
            // when they follow each other closely in the same pose.
            if let c = uprightCandidate, p.startT - c.endT <= 0.6,
               dot(normalized(c.meanAccel), normalized(p.meanAccel)) > 0.9986 {  // within 3°
                let total = c.duration + standS
                uprightCandidate = (c.meanAccel * (c.duration / total) + p.meanAccel * (standS / total),
                                    total, p.endT, c.fromStart)
            } else {
                uprightCandidate = (p.meanAccel, standS, p.endT, fromStart)
            }
            if let c = uprightCandidate, c.duration >= (c.fromStart ? settings.uprightFirstStillS : settings.uprightStillS) {
                uprightAccel = c.meanAccel
                emit(.sensor(state: .uprightCalibrated,
                             detail: "upright pose learnt from \(formatSeconds(c.duration)) s of standing still", t: p.endT))
            }
        }
    }

    /// Takes the pose held now as the lockout reference; false when this mount has no posture
    /// angle yet (a belt before its upright calibration).
    public mutating func calibrateLockout(up: SIMD3<Double>, calibration: AccelCalibration) -> Bool {
        guard let angle = postureAngle(up, calibration: calibration) else { return false }
        calibratedLockoutAngle = angle
        return true
    }

    /// Takes back references learnt in an earlier session (same mount).
    public mutating func restore(uprightAccel: SIMD3<Double>?, lockoutAngle: Double?) {
        if let uprightAccel { self.uprightAccel = uprightAccel }
        if let lockoutAngle { calibratedLockoutAngle = lockoutAngle }
    }

    /// Sets the upright pose (belt) on request.
    public mutating func setUpright(meanAccel: SIMD3<Double>) {
        uprightAccel = meanAccel
        uprightRequested = true
    }

    /// Largest rise that counts as a rep under this profile, m.
    var maxRep: Double { core.profile.anyLift ? settings.maxAnyLiftRepM : settings.maxRepM }
    /// Largest turn of rep stroke `s` under this profile and mount (on the bar, as far as the
    /// learnt roll turns it for its height), degrees.
    func maxRepTurn(_ s: Stroke) -> Double {
        if core.profile.anyLift { return settings.maxAnyLiftTurnDeg }
        guard core.mount == .bar else { return settings.maxRepTurnDeg }
        let rolling = settings.barRollAllowance * barRollDegPerCm * s.amplitude * 100
        return max(settings.maxRepTurnDeg, min(settings.maxBarRepTurnDeg, rolling))
    }

    /// Moving the bar or the body about rather than lifting (see `handlingTurnDegPerCm`).
    func isHandling(_ s: Stroke) -> Bool {
        guard core.mount == .bar || !core.profile.anyLift else { return false }
        return s.coreTurnDeg > settings.handlingMinTurnDeg
            && s.coreTurnDeg > settings.handlingTurnDegPerCm * s.amplitude * 100
    }

    /// A stroke was found (in time order).
    public mutating func add(_ s: Stroke, calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        // Wiggles, steps and bumps smaller than any rep never enter the picture.
        guard s.amplitude >= settings.minRepM else { return }
        // A stroke too large for a rep (set-up, sitting down, standing up), or one that turns the
        // sensor far more than hips do in a rep (rolling the bar, lying back): it ends any set.
        let handling = isHandling(s)
        let repSized = s.amplitude <= maxRep && s.coreTurnDeg <= maxRepTurn(s) && !handling
        if repSized && uprightAccel == nil && s.coreTurnDeg >= settings.uprightDoubtStrokeTurnDeg {
            movedBeforeUpright = true
        }
        if !repSized {
            settleDeferred(calibration: calibration, emit: emit)
            if inSet { closePending(nextStroke: s, calibration: calibration, emit: emit) }
            endSet(calibration: calibration, emit: emit)
            resetCluster()
            // A large up stroke can still be the set-up bridge of a top-start set.
            if s.direction > 0 && s.amplitude < 0.65 && s.coreTurnDeg <= maxRepTurn(s) && !handling { push(s) }
            return
        }
        if s.onsetT - lastRepSizedT > setGap && (inSet || strokes.count > 0) {
            settleDeferred(calibration: calibration, emit: emit)
            if inSet { closePending(nextStroke: nil, calibration: calibration, emit: emit) }
            endSet(calibration: calibration, emit: emit)
            resetCluster()
        }
        if s.amplitude >= settings.minRepM {
            lastRepSizedT = s.offsetT
            lastRepSizedDirection = s.direction
            lastRepSizedAmplitude = s.amplitude
            lastRepSizedAngleOffM = nil
            // Only a rise's end posture is read (`setGap`).
            if s.direction > 0, let kappa = liveCoupling, let reference = liveAngleReference,
               let angle = postureAngle(s.upAtOffset, calibration: calibration) {
                lastRepSizedAngleOffM = wrapped(angle - reference) / kappa
            }
        }

        // Merge with the previous stroke when it continues the same way after a short pause.
        if let last = strokes.last, last.direction == s.direction, s.onsetT - last.offsetT < settings.mergeGapS {
            var merged = last
            merged.offsetT = s.offsetT
            merged.motionOffsetT = s.motionOffsetT
            merged.endZ = s.endZ
            merged.peakSpeed = max(last.peakSpeed, s.peakSpeed)
            merged.upAtOffset = s.upAtOffset
            strokes[strokes.count - 1] = merged
            return
        }
        if inSet, let p = pending {
            // The stroke after a pending rep closes it.
            if (p.waitsForHold && s.direction < 0) || (!p.waitsForHold && s.direction > 0) {
                closePending(nextStroke: s, calibration: calibration, emit: emit)
            }
        }
        push(s)
        pairStrokes(calibration: calibration, emit: emit)
        if s.direction < 0 { liveAlertsForDescent(s, emit: emit) }
    }

    mutating func push(_ s: Stroke) {
        strokes.append(s)
    }

    /// Before a cluster ends, a still-deferred decision falls back on the first pair (bottom-start).
    mutating func settleDeferred(calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        if deferredFromT != nil { resolveDeferred(top: false, calibration: calibration, emit: emit) }
    }

    mutating func resetCluster() {
        deferredFromT = nil
        strokes.removeAll()
        let wanted = core.style == .auto ? core.profile.style : core.style
        style = wanted == .topStart ? .top : wanted == .bottomStart ? .bottom : .undecided
    }

    // MARK: - Pairing

    /// A rep is two adjacent rep-sized strokes that mirror each other (one returns about as far
    /// as the other went; an over-extended lockout may add up to `mirrorToleranceM`), neither
    /// already used: down→up in a top-start set, up→down in a bottom-start set.
    mutating func pairStrokes(calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        let n = strokes.count
        guard n >= 2 else { return }
        if let from = deferredFromT {
            // Waiting for a second bottom to tell a set-up bridge from a deep first rep.
            guard let j = index(ofOnset: from), n - j >= 4, strokes[n - 1].direction < 0 else { return }
            let first = strokes[j], secondBottom = strokes[n - 1]
            resolveDeferred(top: secondBottom.endZ - first.startZ > max(settings.setupMarginM, 0.35 * first.amplitude),
                            calibration: calibration, emit: emit)
            return
        }
        let s = strokes[n - 1], p = strokes[n - 2]
        guard p.direction != s.direction, p.onsetT > consumedUntilT else { return }
        let upFirst = p.direction > 0
        let rise = upFirst ? p : s, fall = upFirst ? s : p
        if style == .top, upFirst, !inSet,
           isSetupBridge(rise, then: fall) || isRep(rise: rise, fall: fall, pause: s.onsetT - p.offsetT,
                                                    riseFirst: true, calibration: calibration) {
            // A top-start profile's set opens with the bridge up (or one as low as the reps).
            openWithBridge(rise, then: fall, emit: emit)
            return
        }
        guard isRep(rise: rise, fall: fall, pause: s.onsetT - p.offsetT, riseFirst: upFirst,
                    calibration: calibration) else {
            if doubtUpright(rise: rise, fall: fall, pause: s.onsetT - p.offsetT, riseFirst: upFirst,
                            calibration: calibration, emit: emit) {
                return
            }
            if style == .undecided, upFirst, isSetupBridge(rise, then: fall) {
                openWithBridge(rise, then: fall, emit: emit)
            }
            return
        }
        if style == .undecided {
            if upFirst && isSetupBridge(rise, then: fall) {
                openWithBridge(rise, then: fall, emit: emit)
                return
            }
            if upFirst && rise.amplitude > settings.clearBottomStartRiseM {
                // As large as a set-up bridge, mirrored by a deep first rep: the next bottom
                // decides (a bridge starts from the floor, below where the reps bottom out).
                deferredFromT = rise.onsetT
                return
            }
            style = upFirst ? .bottom : .top
        }
        pair(p, s, calibration: calibration, emit: emit)
    }

    /// The lifter bridged up from the floor: a top-start set, and `fall` is rep 1's eccentric
    /// (the set starts now, so that eccentric's live alerts can fire).
    mutating func openWithBridge(_ rise: Stroke, then fall: Stroke, emit: (CoreEvent) -> Void) {
        style = .top
        consumedUntilT = rise.onsetT
        startSetIfNeeded(t: fall.onsetT, emit: emit)
    }

    /// Records the rep `p`→`s` makes in the decided style, if any.
    mutating func pair(_ p: Stroke, _ s: Stroke, calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        guard p.direction != s.direction, p.onsetT > consumedUntilT else { return }
        let upFirst = p.direction > 0
        let rise = upFirst ? p : s, fall = upFirst ? s : p
        guard isRep(rise: rise, fall: fall, pause: s.onsetT - p.offsetT, riseFirst: upFirst,
                    calibration: calibration) else { return }
        // The pause measured between the strokes' motion edges (bottom or hold).
        let pause = max(0, s.motionOnsetT - p.motionOffsetT)
        switch (style, upFirst) {
        case (.top, false):
            consumedUntilT = s.onsetT
            recordRep(concentric: s, eccentric: p, bottomS: pause, holdS: nil,
                      waitsForHold: true, calibration: calibration, emit: emit)
        case (.bottom, true):
            consumedUntilT = s.onsetT
            recordRep(concentric: p, eccentric: s, bottomS: nil, holdS: pause,
                      waitsForHold: false, calibration: calibration, emit: emit)
        default:
            return
        }
    }

    /// Settles a deferred style decision and pairs the strokes held back since, in order.
    mutating func resolveDeferred(top: Bool, calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        guard let from = deferredFromT, let j = index(ofOnset: from) else {
            deferredFromT = nil
            return
        }
        deferredFromT = nil
        style = top ? .top : .bottom
        if top {
            consumedUntilT = strokes[j].onsetT
            if j + 1 < strokes.count { startSetIfNeeded(t: strokes[j + 1].onsetT, emit: emit) }
        }
        var i = j + 1
        while i < strokes.count {
            let s = strokes[i]
            if let p = pending, (p.waitsForHold && s.direction < 0) || (!p.waitsForHold && s.direction > 0) {
                closePending(nextStroke: s, calibration: calibration, emit: emit)
            }
            pair(strokes[i - 1], s, calibration: calibration, emit: emit)
            i += 1
        }
    }

    func index(ofOnset t: Double) -> Int? {
        for i in 0..<strokes.count where strokes[i].onsetT == t { return i }
        return nil
    }

    /// An up stroke much larger than the down stroke after it, or starting well below where that
    /// one ends: the bridge from the floor that opens a top-start set.
    func isSetupBridge(_ rise: Stroke, then fall: Stroke) -> Bool {
        let belowFirstBottom = fall.endZ - rise.startZ
        return rise.amplitude >= settings.minRepM
            && (belowFirstBottom > max(settings.setupMarginM, 0.35 * rise.amplitude)
                || rise.amplitude - fall.amplitude > settings.mirrorToleranceM)
    }

    /// A belt rep rejected only for its lockout posture, far from parallel by an upright pose the
    /// lifter did not ask for. After `uprightDoubtReps` in a row that pose is dropped (said in a
    /// `SENSOR` event) and the strokes since the first are judged again. True when it did so.
    mutating func doubtUpright(rise: Stroke, fall: Stroke, pause: Double, riseFirst: Bool,
                               calibration: AccelCalibration, emit: (CoreEvent) -> Void) -> Bool {
        guard core.mount == .belt, !core.profile.anyLift, !uprightRequested, !uprightDoubted,
              let torso = torsoDegrees(rise.upAtOffset, calibration: calibration),
              abs(torso) >= settings.uprightDoubtMinDeg,
              movedBeforeUpright || abs(torso) <= settings.uprightDoubtMaxDeg,
              isRep(rise: rise, fall: fall, pause: pause, riseFirst: riseFirst, calibration: calibration,
                    judgingPosture: false) else { return false }
        if postureRejects == 0 { firstPostureRejectT = min(rise.onsetT, fall.onsetT) }
        postureRejects += 1
        guard postureRejects >= settings.uprightDoubtReps else { return false }
        dropUpright(lockoutsDeg: torso, t: rise.offsetT, emit: emit)
        // Judge the strokes since the first rejected rep again, without the wrong pose (once a
        // session). The stroke being added is among them: its own `add` only raises a live
        // descent alert after this, and those fire once per rep.
        var again: [Stroke] = []
        for i in 0..<strokes.count where strokes[i].onsetT >= firstPostureRejectT { again.append(strokes[i]) }
        resetCluster()
        for stroke in again { add(stroke, calibration: calibration, emit: emit) }
        return true
    }

    /// Under `generic` the same proof as `doubtUpright` without the rejections: three lockouts in
    /// a row 50–78° from parallel drop an automatic upright pose (a lift made standing puts its
    /// lockouts at about 90° from a true one, a hip thrust near 0°). The reps already reported
    /// keep their angles; from this one on the session's usual lockout stands in.
    mutating func doubtUprightUnderGeneric(torso: Double?, t: Double, emit: (CoreEvent) -> Void) {
        guard core.profile.anyLift, !uprightRequested, !uprightDoubted, let torso else { return }
        guard abs(torso) >= settings.uprightDoubtMinDeg, abs(torso) <= settings.uprightDoubtMaxDeg else {
            genericPostureDoubts = 0
            return
        }
        genericPostureDoubts += 1
        guard genericPostureDoubts >= settings.uprightDoubtReps else { return }
        dropUpright(lockoutsDeg: torso, t: t, emit: emit)
    }

    /// The automatic upright pose is proved wrong by lockouts `lockoutsDeg` from parallel by it.
    mutating func dropUpright(lockoutsDeg: Double, t: Double, emit: (CoreEvent) -> Void) {
        uprightAccel = nil
        uprightDoubted = true
        emit(.sensor(state: .uprightDoubted,
                     detail: "upright pose dropped: lockouts \(Int(abs(lockoutsDeg).rounded()))° from parallel by it; "
                        + "pelvis angles need `calibrate upright`", t: t))
    }

    /// `judgingPosture`: false to ask whether it would be a rep but for the belt's lockout posture.
    func isRep(rise: Stroke, fall: Stroke, pause: Double, riseFirst: Bool, calibration: AccelCalibration,
               judgingPosture: Bool = true) -> Bool {
        // (Between sets the figures are still the last set's: a new set's first rep stands alone.)
        let smallest = (inSet ? typicalDepth() : nil).map { max(settings.minRepM, settings.minRepFractionOfTypical * $0) }
            ?? settings.minFirstRepM
        guard rise.amplitude >= smallest, rise.amplitude <= maxRep,
              fall.amplitude >= settings.minRepM * 0.8, fall.amplitude <= maxRep,
              pause <= settings.maxPauseS else { return false }
        if inSet, let typical = typicalDepth(),
           max(rise.amplitude, fall.amplitude) > max(settings.maxRepM, settings.maxRepOfTypical * typical) {
            return false
        }
        // A set's reps end in one posture: sitting up after lying back ends upright.
        if inSet, let first = firstLockoutUp,
           dot(first, rise.upAtOffset) < cos(settings.maxLockoutTurnDeg / radiansToDegrees) {
            return false
        }
        // The two strokes mirror each other: the rep comes back about to where it started. Once
        // the set's style is known an over-extended lockout (up to ~17 cm higher on a belt) may
        // unbalance them more — but not a top-start set's first rep (see
        // `calibratedBeforeFirstRepS`: a fall while handling the bar is no eccentric for the
        // set-up bridge after it).
        let calibratedFirstFall = style == .top && !inSet && !riseFirst
            && calibratedT.map { fall.onsetT - $0 >= settings.calibratedBeforeFirstRepS } ?? false
        let tolerance = style == .undecided || calibratedFirstFall
            ? settings.mirrorToleranceM : settings.setMirrorToleranceM
        guard abs(rise.amplitude - fall.amplitude) <= tolerance else { return false }
        guard turnsMirror(rise.coreTurnDeg, fall.coreTurnDeg) else { return false }
        // Over their whole length too, and in proportion (see `calibratedBeforeFirstRepS`).
        if calibratedFirstFall {
            let larger = max(rise.coreTurnDeg, fall.coreTurnDeg), smaller = min(rise.coreTurnDeg, fall.coreTurnDeg)
            guard turnsMirror(rise.turnDeg, fall.turnDeg),
                  larger < settings.firstRepRatioMinTurnDeg || smaller >= settings.firstRepTurnRatio * larger
            else { return false }
        }
        if judgingPosture, core.mount == .belt, !core.profile.anyLift,
           let torso = torsoDegrees(rise.upAtOffset, calibration: calibration) {
            guard abs(torso) <= settings.beltLockoutMaxDeg else { return false }
        }
        return true
    }

    /// Two strokes turn the sensor about as much as each other (degrees).
    func turnsMirror(_ a: Double, _ b: Double) -> Bool {
        abs(a - b) <= max(settings.mirrorTurnToleranceDeg, settings.mirrorTurnToleranceFraction * max(a, b))
    }

    // MARK: - Reps

    mutating func recordRep(concentric u: Stroke, eccentric d: Stroke, bottomS: Double?, holdS: Double?,
                            waitsForHold: Bool, calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        startSetIfNeeded(t: waitsForHold ? d.onsetT : u.onsetT, emit: emit)
        repCount += 1
        if firstLockoutUp == nil { firstLockoutUp = u.upAtOffset }
        postureRejects = 0
        // Lockout heights are chained through the reps' own strokes (rise minus fall), not read
        // off the session's height scale: that scale drifts between movements, a stroke's
        // amplitude hardly does.
        let lockoutZ: Double
        if waitsForHold {
            lockoutZ = chainTop - d.amplitude + u.amplitude
        } else {
            lockoutZ = chainBottom + u.amplitude
            chainBottom = lockoutZ - d.amplitude
        }
        chainTop = lockoutZ
        var reference = median(lockoutHeights) ?? lockoutZ
        // Against the last few lockouts only, the chain's slow drift (a fall measured short,
        // rep after rep) stays out of it.
        let recentChainedCm = (lockoutZ - (recentLockoutReference ?? lockoutZ)) * 100
        var lockoutHeight = lockoutZ
        // Where the sensor turns with the hips (the bar rolls, the pelvis tilts), the posture at
        // lockout measures its height without any drift: learn the turn per metre from the
        // set's strokes and, when it is consistent, read the lockout from the angle.
        if let angle = postureAngle(u.upAtOffset, calibration: calibration) {
            learnCoupling(d, calibration: calibration)
            learnCoupling(u, calibration: calibration)
            if let kappa = reliableCoupling() {
                // A calibrated lockout, else the set's usual one: a belt's over all the set's
                // earlier reps (SPEC: their median; the pelvis angle does not drift), a bar's over
                // its last few reps only (a bar can also roll slowly on the hips, which the angle
                // would read as height).
                let anglesReference = calibratedLockoutAngle ?? angleReference(kappa: kappa) ?? angle
                let fromAngle = wrapped(angle - anglesReference) / kappa
                if core.mount == .belt || abs(fromAngle) <= settings.maxBarRollLockoutM {
                    lockoutHeight = fromAngle
                    reference = 0
                }
            }
            lockoutAngles.append(angle)
            // For the live over-extension check (per sample: no medians there).
            liveCoupling = reliableCoupling()
            liveAngleReference = calibratedLockoutAngle ?? liveCoupling.flatMap { angleReference(kappa: $0) }
                ?? median(lockoutAngles, last: settings.angleReferenceReps)
        }
        lockoutHeights.append(lockoutZ)
        recentLockoutReference = median(lockoutHeights, last: settings.recentLockoutReps)
        let rollLockoutCm = (lockoutHeight - reference) * 100
        var lockoutCm = rollLockoutCm
        if core.mount == .bar {
            // Two readings with independent errors: the roll's (it wanders with how the bar
            // sits on the hips) and the chained height's (it carries the strokes' errors).
            lockoutCm += (recentChainedCm - lockoutCm) * settings.barLockoutChainWeight
        }
        let concentricS = u.duration
        let report = RepReport(
            set: setNumber, rep: repCount, t: u.motionOffsetT, depthCm: u.amplitude * 100,
            eccentricS: d.duration, bottomS: bottomS, concentricS: concentricS, holdS: holdS,
            lockoutCm: lockoutCm, torsoDeg: nil, tiltDeg: nil,
            peakVelocityMps: u.peakSpeed, meanVelocityMps: concentricS > 0 ? u.amplitude / concentricS : 0,
            partial: limits.minDepthCm.map { u.amplitude * 100 < $0 } ?? false, alerts: AlertSet())
        let last = waitsForHold ? u : d
        if let old = pending {
            // Should not happen (the next stroke closes a pending rep), but never lose a rep.
            finishRep(old, calibration: calibration, emit: emit)
        }
        pending = PendingRep(report: report, waitsForHold: waitsForHold, endT: last.offsetT,
                             motionEndT: last.motionOffsetT, liveFrom: min(d.onsetT, u.onsetT) - settings.liveMatchMarginS,
                             liveTo: max(d.offsetT, u.offsetT) + settings.liveMatchMarginS,
                             concentric: u, rollLockoutCm: rollLockoutCm, recentChainedCm: recentChainedCm)
        if let target = limits.targetReps, repCount == target, !targetAlerted {
            targetAlerted = true
            emit(.alert(Alert(set: setNumber, rep: repCount, kind: .setTarget, value: Double(repCount),
                              limit: Double(target), t: u.motionOffsetT)))
        }
    }

    mutating func startSetIfNeeded(t: Double, emit: (CoreEvent) -> Void) {
        guard !inSet else { return }
        inSet = true
        setNumber += 1
        repCount = 0
        lockoutHeights.removeAll()
        lockoutAngles.removeAll()
        liveCoupling = nil
        liveAngleReference = nil
        lockoutTilts.removeAll()
        firstLockoutUp = nil
        couplings.removeAll()
        recentLockoutReference = nil
        chainTop = 0
        chainBottom = 0
        targetAlerted = false
        setSums = SetSums()
        setSums.lastEndT = t  // a set that ends without a rep ends where it started
        emit(.setStart(set: setNumber, t: t))
    }

    /// Fills the pending rep's last figure from the stroke that follows it, then emits it.
    mutating func closePending(nextStroke: Stroke?, calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        guard var p = pending else { return }
        pending = nil
        if let next = nextStroke {
            let gap = next.onsetT - p.endT
            if gap >= 0 && gap <= settings.maxPauseS {
                let motionGap = max(0, next.motionOnsetT - p.motionEndT)
                if p.waitsForHold { p.report.holdS = motionGap } else { p.report.bottomS = motionGap }
            }
        } else if p.waitsForHold, let still = stillAfter(p.endT) {
            p.report.holdS = max(0, still.endT - p.motionEndT)
        }
        finishRep(p, calibration: calibration, emit: emit)
    }

    /// Judges the rep, emits its alerts not yet raised live, then the REP.
    mutating func finishRep(_ p: PendingRep, calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        var r = p.report
        var raisedLive = AlertSet()
        for i in 0..<liveMarks.count where liveMarks[i].t >= p.liveFrom && liveMarks[i].t <= p.liveTo {
            raisedLive.insert(liveMarks[i].kind)
        }
        let up = lockoutUp(p.concentric)
        switch core.mount {
        case .bar:
            // Level is what this set's lockouts usually look like (asymmetric reps are the
            // exception); until three are seen, what the session's rests look like.
            let tilt = tiltDegrees(up)
            let reference = lockoutTilts.count >= 3 ? (median(lockoutTilts) ?? tiltReference()) : tiltReference()
            lockoutTilts.append(tilt)
            r.tiltDeg = abs(tilt - reference)
        case .belt:
            beltLockoutUps.append(up)
            updateUsualLockout()
            let byUpright = torsoDegrees(up, calibration: calibration)
            doubtUprightUnderGeneric(torso: byUpright, t: r.t, emit: emit)
            // (A pose just dropped no longer measures this rep either.)
            let rising = cross(p.concentric.upAtOnset, p.concentric.upAtOffset)
            r.torsoDeg = (uprightAccel == nil ? nil : byUpright) ?? torsoFromUsualLockout(up, rising: rising)
            if length(rising) > 1e-3 { lastRisingAxis = rising }
        }
        var alerts = AlertSet()
        func check(_ kind: AlertKind, _ value: Double?, _ limit: Double?, below: Bool, margin: Double = 0) {
            guard let value, let limit else { return }
            if below ? value < limit - margin : value > limit + margin {
                if !alerts.contains(kind) {
                    alerts.insert(kind)
                    if !raisedLive.contains(kind) {
                        emit(.alert(Alert(set: r.set, rep: r.rep, kind: kind, value: value, limit: limit, t: r.t,
                                          unit: unit(of: kind))))
                    }
                }
            }
        }
        let ds = settings.durationMarginS, dcm = settings.depthMarginCm
        check(.tempoFast, r.eccentricS, limits.minEccentricS, below: true, margin: ds)
        check(.tempoFast, r.concentricS, limits.minConcentricS, below: true, margin: ds)
        check(.shortHold, r.holdS, limits.minHoldS, below: true, margin: ds)
        check(.shallow, r.depthCm, limits.minDepthCm, below: true, margin: dcm)
        check(.tooDeep, r.depthCm, limits.maxDepthCm, below: false, margin: dcm)
        switch core.mount {
        case .bar:
            // Over-extended if the chained height agrees with the roll (each alone is off by 5 cm
            // now and then: the bar slips on the hips, a stroke's height drifts), or if their
            // average is clearly over.
            check(.overextension, min(p.rollLockoutCm, p.recentChainedCm), limits.overextensionCm, below: false,
                  margin: -settings.smallerOfTwoBiasCm)
            check(.overextension, r.lockoutCm, limits.overextensionCm, below: false, margin: settings.reportedOverMarginCm)
            check(.asymmetry, r.tiltDeg, limits.asymmetryDeg, below: false)
        case .belt:
            check(.overextension, r.torsoDeg, limits.overextensionDeg, below: false)
        }
        r.alerts = alerts
        setSums.depth += r.depthCm
        if let e = r.eccentricS { setSums.ecc += e; setSums.nEcc += 1 }
        if let c = r.concentricS { setSums.con += c; setSums.nCon += 1 }
        if let h = r.holdS { setSums.hold += h; setSums.nHold += 1 }
        setSums.peakVelocity = max(setSums.peakVelocity, r.peakVelocityMps)
        setSums.bestMeanVelocity = max(setSums.bestMeanVelocity, r.meanVelocityMps)
        setSums.lastMeanVelocity = r.meanVelocityMps
        setSums.alerts += alerts.rawValue.nonzeroBitCount
        setSums.lastEndT = r.t + (r.holdS ?? 0)
        emit(.rep(r))
    }

    mutating func endSet(calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        guard inSet else { return }
        if let p = pending {
            pending = nil
            finishRep(p, calibration: calibration, emit: emit)
        }
        inSet = false
        let n = Double(max(repCount, 1))
        let s = setSums
        let loss = s.bestMeanVelocity > 0 ? (1 - s.lastMeanVelocity / s.bestMeanVelocity) * 100 : nil
        emit(.setEnd(SetSummary(
            set: setNumber, t: s.lastEndT, reps: repCount, meanDepthCm: s.depth / n,
            meanEccentricS: s.nEcc > 0 ? s.ecc / Double(s.nEcc) : nil,
            meanConcentricS: s.nCon > 0 ? s.con / Double(s.nCon) : nil,
            meanHoldS: s.nHold > 0 ? s.hold / Double(s.nHold) : nil,
            peakVelocityMps: s.peakVelocity, velocityLossPct: loss, alerts: s.alerts)))
        liveDirection = 0
        lastTopZ = nil
    }

    /// How long without a rep-sized stroke ends the set, s: `setGapS`, but `maxPauseS` while a
    /// bottom-start set's last stroke was a rise to its lockouts — the lifter holds the lockout,
    /// and the rep's fall is still to come (a slow lifter's 7 s hold ended the set, and its fall
    /// started a new one). The rise ends at the lockouts' height, or, where the sensor turns with
    /// the hips, in their posture (a slow rise's height can be centimetres off); a rise that ends
    /// elsewhere (sitting up, a distractor turning the sensor 70°) keeps the shorter gap.
    var setGap: Double {
        guard inSet, style == .bottom, lastRepSizedDirection > 0, repCount > 0 else { return settings.setGapS }
        let tolerance = max(settings.holdHeightToleranceM, 0.5 * setSums.depth / Double(repCount) / 100)
        // The lockouts are chained heights (see `recordRep`): so is the rise, from the set's
        // last bottom — not the session's height scale, which drifts between movements.
        let chainedEnd = chainBottom + lastRepSizedAmplitude
        let atHeight = recentLockoutReference.map { abs(chainedEnd - $0) <= tolerance } ?? false
        let inPosture = lastRepSizedAngleOffM.map { abs($0) <= tolerance } ?? false
        return atHeight || inPosture ? settings.maxPauseS : settings.setGapS
    }

    /// Per sample: ends a set after a long rest. `t` is how far every stroke is known (the
    /// tracker hands strokes over when a rest closes the movement before it).
    public mutating func tick(t: Double, calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        if (inSet || strokes.count > 0), t - lastRepSizedT > setGap {
            settleDeferred(calibration: calibration, emit: emit)
            if inSet { closePending(nextStroke: nil, calibration: calibration, emit: emit) }
            endSet(calibration: calibration, emit: emit)
            resetCluster()
        }
    }

    /// End of data.
    public mutating func finish(calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        settleDeferred(calibration: calibration, emit: emit)
        countTrailingRise(calibration: calibration, emit: emit)
        if inSet { closePending(nextStroke: nil, calibration: calibration, emit: emit) }
        endSet(calibration: calibration, emit: emit)
        resetCluster()
    }

    /// A bottom-start set whose data ends in a rep's hold (a recording stopped at the top): the
    /// last rise is a rep whose eccentric never came, when it is one in every other way against
    /// its own mirror image (its size against the set's, its lockout posture).
    mutating func countTrailingRise(calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        guard inSet, style == .bottom, pending == nil, let rise = strokes.last, rise.direction > 0,
              rise.onsetT > consumedUntilT else { return }
        var mirror = rise
        mirror.direction = -1
        swap(&mirror.startZ, &mirror.endZ)
        swap(&mirror.upAtOnset, &mirror.upAtOffset)
        guard isRep(rise: rise, fall: mirror, pause: 0, riseFirst: true, calibration: calibration) else { return }
        consumedUntilT = rise.onsetT
        recordRep(concentric: rise, eccentric: mirror, bottomS: nil, holdS: nil, waitsForHold: false,
                  calibration: calibration, emit: emit)
        pending?.report.eccentricS = nil
    }

    // MARK: - Live feedback

    /// Live phases and the alerts that must fire while the movement is still going on.
    public mutating func live(t: Double, height: Double, velocity: Double, isStill: Bool,
                              up: SIMD3<Double>, calibration: AccelCalibration, emit: (CoreEvent) -> Void) {
        guard inSet else { return }
        let rep = repCount + 1
        let threshold = 0.05  // m/s: clearly moving
        var direction = liveDirection
        if isStill {
            direction = 0
        } else if velocity > threshold {
            direction = 1
        } else if velocity < -threshold {
            direction = -1
        }
        if direction != liveDirection {
            switch (liveDirection, direction) {
            case (-1, 0), (-1, 1):
                emit(.phase(set: setNumber, rep: rep, phase: .bottom, t: t))
            case (1, 0), (1, -1):
                emit(.phase(set: setNumber, rep: rep, phase: .lockout, t: t))
                lastTopZ = height
            default: break
            }
            if direction == 1 { emit(.phase(set: setNumber, rep: rep, phase: .concentric, t: t)) }
            if direction == -1 {
                emit(.phase(set: setNumber, rep: rep, phase: .eccentric, t: t))
                descentTopZ = lastTopZ ?? height
                descentBottomZ = height
            }
            if direction == 1 && liveDirection <= 0 { turnedAtBottom = descentBottomZ != nil }
            liveDirection = direction
        }
        if liveRep != rep {
            liveRep = rep
            liveAlerts = AlertSet()
        }
        // Over-extension while the hips are still rising.
        if direction == 1 {
            switch core.mount {
            case .bar:
                if let limit = limits.overextensionCm, let ref = recentLockoutReference, let top = lastTopZ {
                    // The chained height of the last lockout plus the live height change since
                    // it, and the posture when it tracks the hips.
                    var value = (chainTop + height - top - ref) * 100
                    if let kappa = liveCoupling, let angleRef = liveAngleReference,
                       let angle = postureAngle(up, calibration: calibration) {
                        // Both must say so (see `finishRep`).
                        value = min(value, wrapped(angle - angleRef) / kappa * 100)
                    }
                    if value > limit + 1.0 { raiseLive(.overextension, value: value, limit: limit, t: t, emit: emit) }
                }
            case .belt:
                // Against the stand, or without one against the usual lockout (signed by the way
                // the last rise turned the pelvis).
                let torso = torsoDegrees(up, calibration: calibration)
                    ?? lastRisingAxis.flatMap { torsoFromUsualLockout(up, rising: $0) }
                if let limit = limits.overextensionDeg, let torso, torso > limit + 1.5 {
                    raiseLive(.overextension, value: torso, limit: limit, t: t, emit: emit)
                }
            }
        }
        // Too deep: at the bottom, as the hips turn back up (the lowering to the floor after the
        // last rep never turns back up, so racking does not beep).
        if direction == 1 && turnedAtBottom, let limit = limits.maxDepthCm, let top = descentTopZ,
           let bottom = descentBottomZ {
            let value = (top - bottom) * 100
            if value > limit + 1.5 && value < maxRep * 100 {
                raiseLive(.tooDeep, value: value, limit: limit, t: t, emit: emit)
            }
        }
        turnedAtBottom = false
        if direction == -1 { descentBottomZ = min(descentBottomZ ?? height, height) }
        // The descent is over once the hips rise: a wobble up and down at the bottom is the
        // same descent, not a second one to judge.
        if direction == 1 { descentBottomZ = nil }
    }

    mutating func raiseLive(_ kind: AlertKind, value: Double, limit: Double, t: Double, emit: (CoreEvent) -> Void) {
        guard !liveAlerts.contains(kind) else { return }
        liveAlerts.insert(kind)
        for i in 0..<liveMarks.count where liveMarks[i].kind == kind && t - liveMarks[i].t < settings.liveRepeatS { return }
        liveMarks.append(LiveMark(t: t, kind: kind))
        emit(.alert(Alert(set: setNumber, rep: liveRep, kind: kind, value: value, limit: limit, t: t, unit: unit(of: kind))))
    }

    /// The unit this mount measures `kind` in: a belt's over-extension is the pelvis angle.
    func unit(of kind: AlertKind) -> String {
        kind == .overextension && core.mount == .belt ? "deg" : kind.unit
    }

    /// A fast eccentric is known at the bottom, before the rep completes.
    mutating func liveAlertsForDescent(_ d: Stroke, emit: (CoreEvent) -> Void) {
        guard inSet, style == .top, let limit = limits.minEccentricS, d.duration < limit - settings.durationMarginS
        else { return }
        // The final lowering to the floor is larger than the set's reps: not a rep, no beep.
        if let typical = typicalDepth(), d.amplitude > typical * 1.4 + 0.05 { return }
        let rep = repCount + 1
        if liveRep != rep {
            liveRep = rep
            liveAlerts = AlertSet()
        }
        raiseLive(.tempoFast, value: d.duration, limit: limit, t: d.offsetT, emit: emit)
    }

    // MARK: - Geometry

    func typicalDepth() -> Double? {
        guard setSums.depth > 0, repCount > 0 else { return nil }
        return setSums.depth / Double(repCount) / 100
    }

    /// The lockout posture the next lockout is compared with (rad): the previous one — the roll
    /// of a bar on the hips wanders from rep to rep, so the nearest lockout is the least wrong
    /// — unless it stood out from the last few by more than `outlierLockoutM` (an over-extended
    /// or a short lockout), then their median. A belt's pelvis angle does not wander: the median
    /// of all the set's earlier lockouts (SPEC's reference).
    func angleReference(kappa: Double) -> Double? {
        if core.mount == .belt { return median(lockoutAngles) }
        guard let recent = median(lockoutAngles, last: settings.angleReferenceReps), let last = lockoutAngles.last
        else { return nil }
        return abs(wrapped(last - recent) / kappa) > settings.outlierLockoutM ? recent : last
    }

    /// The up direction at a lockout: from the hold that follows it when there is one.
    func lockoutUp(_ u: Stroke) -> SIMD3<Double> {
        stillAfter(u.offsetT).map(\.up) ?? u.upAtOffset
    }

    func stillAfter(_ t: Double) -> MotionTracker.StillPeriod? {
        for i in stride(from: recentStill.count - 1, through: 0, by: -1) {
            let p = recentStill[i]
            if p.startT >= t - 0.3 && p.startT <= t + 0.6 { return p }
        }
        return nil
    }

    /// The angle that turns with the hips: the bar's roll about its own axis (sensor y), or the
    /// belt's pelvis angle once the upright pose is known (radians).
    func postureAngle(_ up: SIMD3<Double>, calibration: AccelCalibration) -> Double? {
        switch core.mount {
        case .bar: return atan2(up.x, up.z)
        case .belt: return torsoDegrees(up, calibration: calibration).map { $0 / radiansToDegrees }
        }
    }

    mutating func learnCoupling(_ stroke: Stroke, calibration: AccelCalibration) {
        guard stroke.amplitude >= settings.minRepM,
              let a0 = postureAngle(stroke.upAtOnset, calibration: calibration),
              let a1 = postureAngle(stroke.upAtOffset, calibration: calibration) else { return }
        couplings.append(wrapped(a1 - a0) / (stroke.endZ - stroke.startZ))
    }

    func wrapped(_ a: Double) -> Double {
        var x = a
        while x > Double.pi { x -= 2 * Double.pi }
        while x < -Double.pi { x += 2 * Double.pi }
        return x
    }

    /// The set's turn per metre of hip travel (rad/m), when strokes agree on it.
    func reliableCoupling() -> Double? {
        guard couplings.count >= settings.minCouplingStrokes, let kappa = median(couplings),
              abs(kappa) >= settings.minCouplingRadPerM else { return nil }
        var deviations = couplings
        for i in 0..<deviations.count { deviations[i] = abs(deviations[i] - kappa) }
        guard let spread = median(deviations), spread <= settings.couplingSpread * abs(kappa) else { return nil }
        return kappa
    }

    func tiltReference() -> Double {
        median(restTilts) ?? 0
    }

    func median(_ ring: FixedRing<Double>, last: Int? = nil) -> Double? {
        let skip = last.map { max(ring.count - $0, 0) } ?? 0
        return median(count: ring.count - skip) { ring[skip + $0] }
    }

    /// The median of `value(0..<n)` (n ≤ 64, the scratch's size).
    func median(count n: Int, _ value: (Int) -> Double) -> Double? {
        guard n > 0 else { return nil }
        var values = scratch
        for i in 0..<n { values[i] = value(i) }
        values.withUnsafeMutableBufferPointer { buf in
            // Insertion sort: n ≤ 64, once per rep.
            for i in 1..<max(n, 1) {
                let x = buf[i]
                var j = i - 1
                while j >= 0 && buf[j] > x {
                    buf[j + 1] = buf[j]
                    j -= 1
                }
                buf[j + 1] = x
            }
        }
        return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2])
    }

    /// Bar: side-to-side tilt (the sensor's y axis, along the bar, against the horizontal), degrees.
    func tiltDegrees(_ up: SIMD3<Double>) -> Double {
        asin(min(max(up.y, -1), 1)) * radiansToDegrees
    }

    /// The usual lockout posture: the componentwise median of the last lockouts, from the third
    /// on (see `beltLockoutUps`).
    mutating func updateUsualLockout() {
        let n = beltLockoutUps.count
        guard n >= 3, let x = median(count: n, { beltLockoutUps[$0].x }), let y = median(count: n, { beltLockoutUps[$0].y }),
              let z = median(count: n, { beltLockoutUps[$0].z }) else { return }
        usualLockoutUp = normalized(SIMD3(x, y, z))
    }

    /// Belt with no upright pose (none at the start, or dropped): the pelvis angle against the
    /// session's usual lockout, taken for parallel as the articles ask ("stop when the hips are
    /// parallel"), degrees; + = turned on in the direction `rising` (the axis a rise turns the
    /// pelvis about, sensor axes). Nil until three lockouts are known.
    func torsoFromUsualLockout(_ up: SIMD3<Double>, rising: SIMD3<Double>) -> Double? {
        guard let usual = usualLockoutUp, length(rising) > 1e-3 else { return nil }
        let turn = cross(usual, up)
        let angle = atan2(length(turn), dot(usual, up)) * radiansToDegrees
        return dot(turn, rising) >= 0 ? angle : -angle
    }

    /// Belt: pelvis angle, degrees: 0 = parallel, + = past parallel (SPEC §5).
    func torsoDegrees(_ up: SIMD3<Double>, calibration: AccelCalibration) -> Double? {
        guard let upright = uprightAccel else { return nil }
        let head = normalized(calibration.apply(upright))
        return -asin(min(max(dot(head, up), -1), 1)) * radiansToDegrees
    }
}

func formatSeconds(_ s: Double) -> String {
    let tenths = Int((s * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
}

/// The core: one per sensor stream. Feed it samples in time order; it emits events.
///
/// Pure and deterministic: no I/O, no clock, no allocation per sample. The same code runs in
/// the daemon, in `thrust analyze` and in the tests.
///
/// Stages: `MotionTracker` (calibration at rest, orientation, vertical motion with drift
/// removed at every zero-velocity instant, strokes) → `RepSegmenter` (sets, reps, measures,
/// limits, live phases and alerts).
public struct RepAnalyzer: Sendable {
    public private(set) var settings: CoreSettings
    public private(set) var tracker: MotionTracker
    public private(set) var segmenter: RepSegmenter
    var started = false
    var calibratedReported = false
    var biasRelearntReportedT: Double?
    /// ≥ 0 while a requested accelerometer calibration waits for its poses.
    var accelPosesReported = -1

    public init(settings: CoreSettings, tracker: MotionTracker.Settings = .init(),
                segmenter: RepSegmenter.Settings = .init()) {
        self.settings = settings
        self.tracker = MotionTracker(settings: tracker)
        var seg = RepSegmenter(core: settings, settings: segmenter)
        seg.resetCluster()
        self.segmenter = seg
    }

    /// Feed one sample. Events are passed to `emit` before this returns.
    public mutating func update(_ sample: Sample, emit: (CoreEvent) -> Void) {
        if !started {
            started = true
            segmenter.firstSampleT = sample.t
            emit(.sensor(state: .calibrating, detail: "hold still to calibrate", t: sample.t))
        }
        tracker.update(sample)
        drain(emit: emit)
        if !calibratedReported, let t = tracker.calibratedAtT {
            calibratedReported = true
            segmenter.calibratedT = t
            emit(.sensor(state: .calibrated, detail: "gyro bias learnt at rest", t: t))
        }
        if let t = tracker.biasRelearntAtT, t != biasRelearntReportedT {
            biasRelearntReportedT = t
            emit(.sensor(state: .calibrated,
                         detail: "gyro bias relearnt: the sensor was still but the old bias said it turned", t: t))
        }
        if accelPosesReported >= 0, tracker.accelCal.poses >= 4 {
            // After a requested accelerometer calibration: say when enough poses are in.
            accelPosesReported = -1
            let o = tracker.accelCal.offset, e = tracker.accelCal.scaleError
            emit(.sensor(state: .accelCalibrated,
                         detail: "offsets \(JSONText.number(o.x, decimals: 3)) \(JSONText.number(o.y, decimals: 3)) \(JSONText.number(o.z, decimals: 3)) m/s², scale errors \(JSONText.number(e.x * 100, decimals: 2)) \(JSONText.number(e.y * 100, decimals: 2)) \(JSONText.number(e.z * 100, decimals: 2)) %",
                         t: sample.t))
        }
        segmenter.live(t: sample.t, height: tracker.liveHeight, velocity: tracker.velocity,
                       isStill: tracker.isStill, up: tracker.up, calibration: tracker.accelCal, emit: emit)
        // Every stroke before the current segment's anchor has been handed over, so that is how far
        // the silence since the last rep is known.
        segmenter.tick(t: min(sample.t, tracker.settledUntilT), calibration: tracker.accelCal, emit: emit)
    }

    /// End of stream: close any open set.
    public mutating func finish(emit: (CoreEvent) -> Void) {
        tracker.finish()
        drain(emit: emit)
        segmenter.finish(calibration: tracker.accelCal, emit: emit)
    }

    /// What has been learnt about this sensor and mount so far, to keep across restarts.
    public var calibration: CalibrationState {
        let accel = tracker.accelCal
        return CalibrationState(gyroBiasRadS: tracker.gyroBias ?? tracker.storedGyroBias,
                                accelOffsetMS2: accel.offset, accelScale: accel.scale, accelPoses: accel.poses,
                                mount: settings.mount, uprightAccelMS2: segmenter.uprightAccel,
                                lockoutAngleRad: segmenter.calibratedLockoutAngle)
    }

    /// Starts from what an earlier session learnt. The gyro bias and the accelerometer model are
    /// starting points that the next rests refine; the mount references are taken only when the
    /// mount is the same. Call before the first sample.
    public mutating func restore(_ stored: CalibrationState) {
        let accel = AccelCalibration(gravity: tracker.settings.gravity, restoringOffset: stored.accelOffsetMS2,
                                     scale: stored.accelScale, poses: stored.accelPoses)
        tracker.restore(gyroBias: stored.gyroBiasRadS, accel: accel)
        if stored.mount == settings.mount {
            segmenter.restore(uprightAccel: stored.uprightAccelMS2, lockoutAngle: stored.lockoutAngleRad)
        }
    }

    /// `calibrate lockout`: the lockout the lifter holds now becomes the reference for lockout
    /// height (SPEC §5), read from the posture when the sensor turns with the hips. Without that
    /// (or before the set has shown it), reps keep the set's median as their reference.
    public mutating func calibrateLockout(t: Double, emit: (CoreEvent) -> Void) {
        if segmenter.calibrateLockout(up: tracker.up, calibration: tracker.accelCal) {
            emit(.sensor(state: .lockoutCalibrated, detail: "lockout reference taken from the pose held now", t: t))
        } else {
            emit(.sensor(state: .lockoutCalibrated,
                         detail: "no posture reference on this mount yet; the set's median lockout stays the reference", t: t))
        }
    }

    /// `calibrate accel`: forget the accelerometer offsets and scales learnt so far and learn them
    /// again from the next still poses (hold the sensor still in a few different orientations).
    public mutating func recalibrateAccelerometer(t: Double, emit: (CoreEvent) -> Void) {
        tracker.restartAccelCalibration()
        emit(.sensor(state: .calibrating, detail: "accelerometer: hold still in a few different orientations", t: t))
        accelPosesReported = 0
    }

    /// Ends the current set now (the daemon's `end_set`).
    public mutating func endSet(emit: (CoreEvent) -> Void) {
        segmenter.finish(calibration: tracker.accelCal, emit: emit)
    }

    mutating func drain(emit: (CoreEvent) -> Void) {
        // Still periods first: a rep's lockout pose comes from the hold that follows it.
        while !tracker.stillPeriods.isEmpty {
            let p = tracker.stillPeriods[0]
            tracker.stillPeriods.removeFirst(1)
            segmenter.stillPeriodEnded(p, calibration: tracker.accelCal, emit: emit)
        }
        while !tracker.strokes.isEmpty {
            let s = tracker.strokes[0]
            tracker.strokes.removeFirst(1)
            segmenter.add(s, calibration: tracker.accelCal, emit: emit)
        }
    }
}

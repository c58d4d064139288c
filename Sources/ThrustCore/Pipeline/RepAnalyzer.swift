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
    /// Until the first calibration, the samples are kept (up to `recordingCapacity`) and set, rep,
    /// phase and alert events held back: data that starts moving has no gyro bias to integrate
    /// with until its first rest, which may come a set later. The first pass's `SENSOR` events
    /// go out live.
    var recording: FixedRing<Sample>
    var isRecording: Bool { recording.capacity > 1 }
    var heldBack = false
    var restored: CalibrationState?

    /// Samples kept until the first calibration: 16 s at 1 kHz, 160 s at 100 Hz (1.2 MB).
    public static let recordingCapacity = 16384
    /// The first calibration coming this long after the first sample (its rest began about 0.4 s
    /// before) means the data started moving, s: the samples are run again with the gyro bias it
    /// learnt. Sooner, a capture that starts in its set-up would be run again for nothing and come
    /// out differently (3 of 103 cut captures' sets at 1 s; none at 2 s).
    public static let lateCalibrationS = 2.0
    /// What `recording` becomes once the recording has ended (no storage to speak of).
    static let noRecording = FixedRing(capacity: 1, filler: Sample(t: 0, accel: .zero, gyro: .zero))

    public init(settings: CoreSettings, tracker: MotionTracker.Settings = .init(),
                segmenter: RepSegmenter.Settings = .init()) {
        self.init(settings: settings, tracker: tracker, segmenter: segmenter, recordingCapacity: Self.recordingCapacity)
    }

    init(settings: CoreSettings, tracker: MotionTracker.Settings, segmenter: RepSegmenter.Settings,
         recordingCapacity: Int) {
        self.settings = settings
        self.tracker = MotionTracker(settings: tracker)
        var seg = RepSegmenter(core: settings, settings: segmenter)
        seg.resetCluster()
        self.segmenter = seg
        recording = recordingCapacity > 1
            ? FixedRing(capacity: recordingCapacity, filler: Sample(t: 0, accel: .zero, gyro: .zero)) : Self.noRecording
    }

    /// Feed one sample. Events are passed to `emit` before this returns.
    public mutating func update(_ sample: Sample, emit: (CoreEvent) -> Void) {
        guard isRecording else { return process(sample, emit: emit) }
        if recording.isFull {
            // No rest in all that time: run what was held back as it was (no bias to learn).
            replayRecording(withLearntBias: false, emit: emit)
            return process(sample, emit: emit)
        }
        recording.append(sample)
        var held = false
        process(sample) { e in
            if case .sensor = e { emit(e) } else { held = true }
        }
        heldBack = heldBack || held
        if let t = tracker.calibratedAtT {
            replayRecording(withLearntBias: t - (segmenter.firstSampleT ?? t) > Self.lateCalibrationS, emit: emit)
        }
    }

    /// Ends the recording: the samples kept run again through a new core, with the gyro bias the
    /// first rest taught when `withLearntBias` (else only when events were held back: the run is
    /// then the same as the first, whose set and rep events are now let out). `SENSOR` events
    /// went out in the first run.
    mutating func replayRecording(withLearntBias: Bool, emit: (CoreEvent) -> Void) {
        let samples = recording
        recording = Self.noRecording
        guard withLearntBias || heldBack else { return }
        let bias = tracker.gyroBias, calibratedT = tracker.calibratedAtT
        let reported = (calibratedReported, biasRelearntReportedT)
        tracker.releaseBuffers()
        var fresh = RepAnalyzer(settings: settings, tracker: tracker.settings, segmenter: segmenter.settings,
                                recordingCapacity: 1)
        if let stored = restored { fresh.restore(stored) }
        if withLearntBias, let bias { fresh.tracker.assume(gyroBias: bias) }
        for i in 0..<samples.count {
            fresh.process(samples[i]) { e in
                if case .sensor = e { return }
                emit(e)
            }
        }
        // What the first run reported stays reported; a bias assumed from the start is not
        // "learnt" again, so the first run's calibration instant stands.
        fresh.calibratedReported = fresh.calibratedReported || reported.0
        if fresh.segmenter.calibratedT == nil { fresh.segmenter.calibratedT = calibratedT }
        if fresh.biasRelearntReportedT == nil { fresh.biasRelearntReportedT = reported.1 }
        self = fresh
    }

    /// Before a command or the end of the data: what was held back goes out as it was.
    mutating func endRecording(emit: (CoreEvent) -> Void) {
        if isRecording { replayRecording(withLearntBias: false, emit: emit) }
    }

    @inline(__always)
    mutating func process(_ sample: Sample, emit: (CoreEvent) -> Void) {
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
        endRecording(emit: emit)
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
        restored = stored
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
        endRecording(emit: emit)
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
        endRecording(emit: emit)
        tracker.restartAccelCalibration()
        emit(.sensor(state: .calibrating, detail: "accelerometer: hold still in a few different orientations", t: t))
        accelPosesReported = 0
    }

    /// Ends the current set now (the daemon's `end_set`).
    public mutating func endSet(emit: (CoreEvent) -> Void) {
        endRecording(emit: emit)
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
            segmenter.barRollDegPerCm = tracker.rotationCouplingDegPerCm
            segmenter.add(s, calibration: tracker.accelCal, emit: emit)
        }
    }
}

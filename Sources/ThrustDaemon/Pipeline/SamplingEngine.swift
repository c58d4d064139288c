#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization
import ThrustCapture
import ThrustCore
import ThrustHardware
import ThrustSim

/// A command for the core, from a socket client or a config reload. Applied on the sampling
/// thread between two samples.
public enum ControlCommand: Sendable, Equatable {
    case endSet
    /// Re-learn at rest: `gyro` (bias and gravity) or `upright` (belt reference).
    case recalibrate(what: String)
    /// New core settings (profile, mount, style); applied at once between sets, else at SET_END.
    case settings(CoreSettings)
}

/// Why the sampling thread stopped.
public enum SamplingEnd: Sendable, Equatable {
    case stopped
    /// The replay or finite simulation ran out of samples.
    case sourceEnded
    case sourceFailed(String)
}

/// The sampling thread: reads the source against absolute deadlines (clock_nanosleep
/// TIMER_ABSTIME), runs the core on every sample, and hands events to a bounded queue. Nothing
/// it does waits for the disk, the socket or the buzzer: queues refuse (and count) rather than
/// block.
public final class SamplingEngine: @unchecked Sendable {
    // @unchecked: `source`, `analyzer` and the per-thread state below are touched only by the
    // sampling thread once `start()` has run (before that, only by the creating task); the
    // cross-thread fields are Atomics and Mutexes.

    /// The source, opened (so a missing file or an unknown scenario stops the daemon at startup).
    enum Source {
        case sim(SimulatedSession)
        case replay(CaptureReader)
        case i2c(IMUReader)
    }

    public struct Options: Sendable {
        public var source: SourceSpec
        public var speed: Double
        public var seed: UInt64
        public var rtPriority: Int
        public var imu: IMUConfig
        /// Set numbers continue after this one (the last set in today's log).
        public var setOffset: Int
        /// Where the sensor's calibration is kept across restarts (i2c sources), or nil.
        public var calibration: CalibrationStore?
        public init(source: SourceSpec, speed: Double = 1, seed: UInt64 = 1, rtPriority: Int = 0,
                    imu: IMUConfig = IMUConfig(), setOffset: Int = 0, calibration: CalibrationStore? = nil) {
            self.calibration = calibration
            self.source = source
            self.speed = speed
            self.seed = seed
            self.rtPriority = rtPriority
            self.imu = imu
            self.setOffset = setOffset
        }
    }

    public let options: Options
    /// The settings the core starts with (resolved against the source's metadata).
    public private(set) var initialSettings: CoreSettings
    /// What the source says about itself: mount and profile for the core, sensor and rate for STATUS.
    public let sourceMount: Mount?
    public let sourceProfile: String?

    private let out: BoundedQueue<Outbound>
    private let status: StatusBoard
    private let logger: Logger
    private let recorder: SampleRecorder?
    private var source: Source
    private var analyzer: RepAnalyzer
    private var settings: CoreSettings
    private var pendingSettings: CoreSettings?
    /// A set ended while settings were pending: restart the core once it returns.
    private var restartDue = false
    private var setOffset: Int
    private var highestSet: Int
    private var inSet = false
    private var samples = 0
    private var maxLatenessS = 0.0
    private var lastT = 0.0
    /// Something worth keeping in calibration.json was learnt; queued after the current update.
    private var calibrationChanged = false

    private let commands = Mutex<[ControlCommand]>([])
    private let commandsPending = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    /// Clients watching raw samples; SAMPLE items are queued only while > 0.
    public let rawWatchers = Atomic<Int>(0)
    /// Incremented on every loop turn: the watchdog checks it moves.
    public let heartbeat = Atomic<UInt64>(0)
    private let endState = Mutex<SamplingEnd?>(nil)
    private var thread: DaemonThread?
    private let onEnd: @Sendable (SamplingEnd) -> Void

    /// Opens the source. Throws when it cannot be used (file missing or malformed at its start,
    /// unknown scenario, invalid I2C settings). `openBus` replaces the Linux I2C bus (tests).
    public init(options: Options, config: DaemonConfig, out: BoundedQueue<Outbound>, status: StatusBoard,
                recorder: SampleRecorder?, logger: Logger,
                openBus: ((String) throws(HardwareError) -> any I2CBus)? = nil,
                onEnd: @escaping @Sendable (SamplingEnd) -> Void) throws(DaemonError) {
        self.options = options
        self.out = out
        self.status = status
        self.logger = logger
        self.recorder = recorder
        self.onEnd = onEnd
        setOffset = options.setOffset
        highestSet = options.setOffset

        var sensor = "none"
        var rateHz: Double?
        switch options.source {
        case .sim(let scenario):
            let session: SimulatedSession
            do {
                session = try SimulatedSession(scenario: scenario ?? "demo", seed: options.seed,
                                               options: SimOptions(endless: true))
            } catch {
                throw DaemonError("source sim:\(scenario ?? "demo"): \(error)")
            }
            source = .sim(session)
            sourceMount = session.info.mount
            sourceProfile = session.info.profile
            sensor = "sim:" + session.info.sensor
            rateHz = session.info.rateHz
        case .replay(let path):
            let reader: CaptureReader
            do {
                reader = try CaptureReader(path: path)
            } catch {
                throw DaemonError("source replay:\(path): \(error)")
            }
            for warning in reader.warnings { logger.warning("replay: \(warning)") }
            source = .replay(reader)
            sourceMount = reader.metadata.mount
            sourceProfile = reader.metadata["profile"].flatMap { Profile.named($0) == nil ? nil : $0 }
            sensor = reader.metadata.sensor ?? "replay"
            rateHz = reader.metadata.rateHz ?? reader.measuredRateHz
        case .i2c(let spec):
            do {
                let readerOptions = ReaderOptions(busPath: spec.busPath, address: spec.address, config: options.imu)
                let reader: IMUReader
                if let openBus {
                    // Tests: a fake bus with a simulated chip.
                    reader = try IMUReader(options: readerOptions, clock: MonotonicClock(), openBus: openBus)
                } else {
                    reader = try IMUReader(options: readerOptions, clock: MonotonicClock())
                }
                source = .i2c(reader)
            } catch {
                throw DaemonError("source \(spec): \(error.context)")
            }
            sourceMount = nil
            sourceProfile = nil
            rateHz = options.imu.rateHz
        }

        let profile = config.resolvedProfile(fromSource: sourceProfile)
        settings = CoreSettings(mount: config.mount ?? sourceMount ?? .bar, profile: profile, style: config.style)
        initialSettings = settings
        analyzer = RepAnalyzer(settings: settings)
        if let stored = options.calibration?.load(logger: logger) { analyzer.restore(stored) }
        let chosen = settings
        let sourceText = options.source.description
        status.update { s in
            s.sensor = sensor
            s.source = sourceText
            s.rateHz = rateHz
            s.mount = chosen.mount
            s.profile = chosen.profile.name
        }
    }

    // MARK: - Control (any thread)

    public func start() throws(DaemonError) {
        thread = try DaemonThread(name: "thrustd-sample") { [self] in
            self.raisePriority()
            let end = self.runLoop()
            self.endState.withLock { $0 = end }
            self.onEnd(end)
        }
    }

    /// Asks the thread to stop (it finishes the core: an open set gets its SET_END) and waits.
    public func stop() {
        stopRequested.store(true, ordering: .relaxed)
        thread?.join()
    }

    public var end: SamplingEnd? { endState.withLock { $0 } }

    /// Queues a command for the core; applied before the next sample.
    public func send(_ command: ControlCommand) {
        commands.withLock { $0.append(command) }
        commandsPending.store(true, ordering: .releasing)
    }

    // MARK: - The sampling thread

    private func raisePriority() {
        guard options.rtPriority > 0 else { return }
        var parameters = sched_param()
        parameters.sched_priority = Int32(options.rtPriority)
        let result = pthread_setschedparam(pthread_self(), SCHED_FIFO, &parameters)
        if result != 0 {
            logger.warning("SCHED_FIFO priority \(options.rtPriority) refused: \(errnoText(result)); normal scheduling")
        }
    }

    private func runLoop() -> SamplingEnd {
        let end: SamplingEnd
        switch source {
        case .sim(var session):
            end = runPaced { session.next() }
        case .replay(var reader):
            end = runPaced { () throws(DaemonError) -> Sample? in
                do throws(CaptureError) { return try reader.next() } catch { throw DaemonError(error.description) }
            }
        case .i2c(let reader):
            end = runI2C(reader)
        }
        analyzer.finish { emit($0, sampleMonoNs: DaemonClock.monotonicNs()) }
        queueCalibrationIfChanged()
        publishCounters()
        if end != .stopped {
            status.update { $0.state = .ended }
        }
        return end
    }

    /// Samples due within this long after the first of a batch are taken in together, at the
    /// last one's deadline: at 1 kHz the thread wakes every 2 ms instead of every 1 ms (a wake-up
    /// costs more than the core's work on a sample); at ≤ 500 Hz every sample has its own wake-up.
    /// No sample is ever taken in before its deadline.
    static let batchWindowS = 0.002

    /// Sim and replay: each sample is due at start + (t − t₀) / speed on the monotonic clock.
    private func runPaced(_ next: () throws(DaemonError) -> Sample?) -> SamplingEnd {
        let clock = MonotonicClock()
        let speed = options.speed
        var startS = 0.0
        var firstT: Double?
        /// Longest single sleep, so stop and control requests are seen within it.
        let maximumSleepS = 0.2
        var lookahead: Sample?
        var failure: String?
        var batch: [(sample: Sample, deadline: Double)] = []
        batch.reserveCapacity(64)
        func deadline(of sample: Sample) -> Double {
            if firstT == nil {
                firstT = sample.t
                startS = clock.now()
            }
            return startS + (sample.t - (firstT ?? sample.t)) / speed
        }
        while !stopRequested.load(ordering: .relaxed) {
            // A batch: the next sample and those due within the window after it.
            batch.removeAll(keepingCapacity: true)
            do throws(DaemonError) {
                let upcoming: Sample?
                if let held = lookahead {
                    upcoming = held
                    lookahead = nil
                } else {
                    upcoming = try next()
                }
                guard let first = upcoming else { break }
                let firstDeadline = deadline(of: first)
                batch.append((first, firstDeadline))
                while batch.count < 64, let candidate = try next() {
                    let due = deadline(of: candidate)
                    if due - firstDeadline >= Self.batchWindowS {
                        lookahead = candidate
                        break
                    }
                    batch.append((candidate, due))
                }
            } catch {
                failure = error.message
            }
            guard let wake = batch.last?.deadline else { break }
            var now = clock.now()
            while wake > now {
                if stopRequested.load(ordering: .relaxed) { return .stopped }
                if commandsPending.load(ordering: .acquiring) { applyCommands() }
                // Alive while waiting through a gap in a capture (the watchdog checks this).
                heartbeat.add(1, ordering: .relaxed)
                clock.sleep(until: min(wake, now + maximumSleepS))
                now = clock.now()
            }
            let latenessS = now - wake
            for (sample, due) in batch {
                process(sample, dueNs: Int64((due * 1e9).rounded()), latenessS: latenessS)
            }
            if let failure {
                emit(.sensor(state: .fault, detail: "source: \(failure)", t: lastT), sampleMonoNs: DaemonClock.monotonicNs())
                logger.error("source failed: \(failure)")
                return .sourceFailed(failure)
            }
            if lookahead == nil && batch.count < 64 { break }  // the source ran out
        }
        return stopRequested.load(ordering: .relaxed) ? .stopped : .sourceEnded
    }

    private func runI2C(_ reader: IMUReader) -> SamplingEnd {
        let clock = MonotonicClock()
        let sensorTime = { clock.now() - reader.origin }
        reader.run(
            shouldStop: {
                heartbeat.add(1, ordering: .relaxed)
                if commandsPending.load(ordering: .acquiring) { applyCommands() }
                return stopRequested.load(ordering: .relaxed)
            },
            onSample: { sample in
                process(sample, dueNs: DaemonClock.monotonicNs(), latenessS: 0)
            },
            onEvent: { event in
                switch event {
                case .connected(let info):
                    logger.info("IMU: \(info)")
                    status.update { s in
                        s.sensor = info.chip.rawValue
                        s.rateHz = info.settings.outputRateHz
                    }
                case .recovered(let info, let downtime):
                    let detail = "\(info); re-initialised after \(JSONText.number(downtime, decimals: 3)) s"
                    status.update { s in
                        s.sensor = info.chip.rawValue
                        s.rateHz = info.settings.outputRateHz
                    }
                    emit(.sensor(state: .recovered, detail: detail, t: sensorTime()), sampleMonoNs: DaemonClock.monotonicNs())
                case .fault(let error):
                    logger.error("IMU fault: \(error)")
                    emit(.sensor(state: .fault, detail: error.description, t: sensorTime()), sampleMonoNs: DaemonClock.monotonicNs())
                case .overflow(let lost):
                    logger.warning("IMU FIFO overflowed, about \(lost) samples lost")
                }
            })
        reader.close()
        return .stopped
    }

    /// - Parameter dueNs: CLOCK_MONOTONIC instant the sample was due (paced sources) or read (I2C);
    ///   events it decides carry it (`mono_ns` with --trace-latency).
    private func process(_ sample: Sample, dueNs monoNs: Int64, latenessS: Double) {
        if commandsPending.load(ordering: .acquiring) { applyCommands() }
        samples += 1
        lastT = sample.t
        if latenessS > maxLatenessS { maxLatenessS = latenessS }
        analyzer.update(sample) { emit($0, sampleMonoNs: monoNs) }
        if calibrationChanged { queueCalibrationIfChanged() }
        if restartDue { applyPendingSettings() }
        if rawWatchers.load(ordering: .relaxed) > 0 { out.push(.sample(sample)) }
        recorder?.push(sample)
        heartbeat.add(1, ordering: .relaxed)
        if samples & 63 == 0 { publishCounters() }
    }

    /// Hands the calibration to the log thread, which writes calibration.json (never this thread).
    private func queueCalibrationIfChanged() {
        guard calibrationChanged else { return }
        calibrationChanged = false
        guard options.calibration != nil else { return }
        out.push(.calibration(analyzer.calibration))
    }

    private func publishCounters() {
        let samples = self.samples
        let lateness = maxLatenessS * 1000
        let dropped = out.dropped
        status.count { s in
            s.samples = samples
            s.maxLatenessMs = lateness
            s.droppedEvents = dropped
        }
    }

    /// Stamps an event, renumbers its set past earlier analyzers and runs, tracks the state
    /// (the STATUS a state change announces follows the event that caused it).
    private func emit(_ coreEvent: CoreEvent, sampleMonoNs: Int64) {
        let event = coreEvent.withSetOffset(setOffset)
        out.push(.event(event, wallNs: DaemonClock.wallNs(), sampleMonoNs: sampleMonoNs))
        switch event {
        case .setStart(let set, _):
            inSet = true
            highestSet = max(highestSet, set)
            status.update { $0.state = .inSet }
        case .setEnd(let summary):
            inSet = false
            calibrationChanged = true
            highestSet = max(highestSet, summary.set)
            status.update { $0.state = .ready }
            // Not here: the core is still inside update() (see applyPendingSettings).
            restartDue = pendingSettings != nil
        case .sensor(let state, _, _):
            switch state {
            case .calibrating: if !inSet { status.update { $0.state = .calibrating } }
            case .calibrated, .uprightCalibrated, .uprightDoubted, .lockoutCalibrated, .accelCalibrated, .recovered:
                if state != .recovered { calibrationChanged = true }
                if !inSet { status.update { $0.state = .ready } }
            case .fault: status.update { $0.state = .sensorFault }
            }
        default:
            break
        }
    }

    private func applyCommands() {
        let queued = commands.withLock { list -> [ControlCommand] in
            let taken = list
            list.removeAll()
            return taken
        }
        commandsPending.store(false, ordering: .relaxed)
        let now = DaemonClock.monotonicNs()
        for command in queued {
            switch command {
            case .endSet:
                analyzer.endSet { emit($0, sampleMonoNs: now) }
                if restartDue { applyPendingSettings() }
            case .recalibrate("lockout"):
                // The pose held now becomes the lockout reference; the core goes on.
                analyzer.calibrateLockout(t: lastT) { emit($0, sampleMonoNs: now) }
                queueCalibrationIfChanged()
            case .recalibrate("accel"):
                // Offsets and scales are learnt again from the next still poses; the core goes on.
                analyzer.recalibrateAccelerometer(t: lastT) { emit($0, sampleMonoNs: now) }
            case .recalibrate(let what):
                logger.info("recalibrating (\(what)): the core restarts and learns at rest")
                analyzer.endSet { emit($0, sampleMonoNs: now) }
                restartDue = false
                restartCore(with: pendingSettings ?? settings, keepCalibration: false)
                pendingSettings = nil
            case .settings(let newSettings):
                if newSettings == settings && pendingSettings == nil { continue }
                if inSet {
                    pendingSettings = newSettings
                    logger.info("profile \(newSettings.profile.name), mount \(newSettings.mount.rawValue): from the end of this set")
                } else {
                    restartCore(with: newSettings)
                }
            }
        }
    }

    private func applyPendingSettings() {
        restartDue = false
        guard let pending = pendingSettings else { return }
        pendingSettings = nil
        restartCore(with: pending)
    }

    /// A fresh core with `newSettings`: it calibrates again at rest, starting from what the old
    /// core had learnt unless `keepCalibration` is false (a requested recalibration); set numbers go on.
    private func restartCore(with newSettings: CoreSettings, keepCalibration: Bool = true) {
        let learnt = analyzer.calibration
        settings = newSettings
        setOffset = highestSet
        analyzer = RepAnalyzer(settings: newSettings)
        if keepCalibration { analyzer.restore(learnt) }
        inSet = false
        status.update { s in
            s.profile = newSettings.profile.name
            s.mount = newSettings.mount
            s.state = .calibrating
        }
    }
}

extension CoreEvent {
    /// The event with `offset` added to its set number.
    func withSetOffset(_ offset: Int) -> CoreEvent {
        guard offset != 0 else { return self }
        switch self {
        case .setStart(let set, let t): return .setStart(set: set + offset, t: t)
        case .phase(let set, let rep, let phase, let t): return .phase(set: set + offset, rep: rep, phase: phase, t: t)
        case .alert(var alert):
            alert.set += offset
            return .alert(alert)
        case .rep(var rep):
            rep.set += offset
            return .rep(rep)
        case .setEnd(var summary):
            summary.set += offset
            return .setEnd(summary)
        case .sensor: return self
        }
    }
}

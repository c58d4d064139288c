import Logging
import Synchronization
import ThrustCore

/// One line for the socket clients (JSON + newline).
public struct EncodedLine: Sendable {
    public var text: String
    /// A `SAMPLE` line: only for clients watching raw.
    public var isSample: Bool
}

/// The log stage: takes what the sampling thread queued, in order, gives each event its `seq`
/// and `time`, writes the log's lines (one write(2) each) and only then hands them to the
/// clients, the terminal and the buzzer. Runs on its own thread, so the disk never delays
/// sampling; while the disk is full the lines wait in the writer's memory queue and the
/// clients still get them at once.
public final class EventPipeline: @unchecked Sendable {
    // @unchecked: `writer` and `seq` are used only by the pipeline thread after `start()`
    // (and by the creator before it).

    public struct Sinks: Sendable {
        /// Lines for the socket clients, in order (called on the pipeline thread; must not block).
        public var lines: @Sendable ([EncodedLine]) -> Void
        /// Every core event after its line was written (terminal, buzzer; must not block).
        public var event: @Sendable (CoreEvent) -> Void
        public init(lines: @escaping @Sendable ([EncodedLine]) -> Void = { _ in },
                    event: @escaping @Sendable (CoreEvent) -> Void = { _ in }) {
            self.lines = lines
            self.event = event
        }
    }

    public let queue: BoundedQueue<Outbound>
    private let writer: RepLogWriter
    private let status: StatusBoard
    private let logger: Logger
    private let traceLatency: Bool
    private let calibrationStore: CalibrationStore?
    private let sinks: Mutex<Sinks>
    private var seq: UInt64
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<DaemonThread?>(nil)

    /// - Parameters:
    ///   - lastSeq: the last `seq` already in the log (numbers go on from there).
    ///   - traceLatency: add `"mono_ns"` (CLOCK_MONOTONIC of the deciding sample) to each event,
    ///     for the benchmark.
    ///   - calibrationStore: where `.calibration` items are written (nil: they are dropped).
    public init(queue: BoundedQueue<Outbound>, writer: RepLogWriter, status: StatusBoard, lastSeq: UInt64,
                traceLatency: Bool = false, calibrationStore: CalibrationStore? = nil, logger: Logger) {
        self.calibrationStore = calibrationStore
        self.queue = queue
        self.writer = writer
        self.status = status
        self.logger = logger
        self.traceLatency = traceLatency
        seq = lastSeq
        sinks = Mutex(Sinks())
    }

    public func setSinks(_ newSinks: Sinks) {
        sinks.withLock { $0 = newSinks }
    }

    public func start() throws(DaemonError) {
        let started = try DaemonThread(name: "thrustd-log") { [self] in self.run() }
        thread.withLock { $0 = started }
    }

    /// Writes and delivers everything queued so far, fsyncs and closes the log, ends the thread.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        queue.wakeup.signal()
        thread.withLock { $0 }?.join()
    }

    /// Waits (async) until everything queued before this call has been written and delivered.
    public func barrier() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if !queue.push(.barrier({ continuation.resume() })) { continuation.resume() }
        }
    }

    private func run() {
        var batch: [Outbound] = []
        var lines: [EncodedLine] = []
        batch.reserveCapacity(256)
        var reportedHealth = writer.health
        var reportedPending = 0
        // The newest calibration not yet on disk (written after the batch's events: one write
        // however many arrived; kept and retried while the disk refuses).
        var unsavedCalibration: CalibrationState?
        while true {
            let finishing = stopping.load(ordering: .acquiring)
            batch.removeAll(keepingCapacity: true)
            queue.drain(into: &batch)
            let currentSinks = sinks.withLock { $0 }
            let now = DaemonClock.monotonicS()
            for item in batch {
                switch item {
                case .event(let event, let wallNs, let sampleMonoNs):
                    seq += 1
                    var extra = "\"time\":" + JSONText.quoted(RFC3339.timestamp(wallNs: wallNs)) + ",\"seq\":" + String(seq)
                    if traceLatency { extra += ",\"mono_ns\":" + String(sampleMonoNs) }
                    let text = event.jsonLine(extraFields: extra)
                    if event.isLogged {
                        var isSetEnd = false
                        if case .setEnd = event { isSetEnd = true }
                        writer.append(text, date: RFC3339.utcDate(wallNs: wallNs), isSetEnd: isSetEnd, now: now)
                    }
                    lines.append(EncodedLine(text: text + "\n", isSample: false))
                    currentSinks.event(event)
                case .status(let snapshot, let wallNs):
                    seq += 1
                    let extra = "\"time\":" + JSONText.quoted(RFC3339.timestamp(wallNs: wallNs)) + ",\"seq\":" + String(seq)
                    let text = snapshot.jsonLine(extraFields: extra)
                    writer.append(text, date: RFC3339.utcDate(wallNs: wallNs), isSetEnd: false, now: now)
                    lines.append(EncodedLine(text: text + "\n", isSample: false))
                case .sample(let sample):
                    lines.append(EncodedLine(text: Self.sampleLine(sample) + "\n", isSample: true))
                case .barrier(let done):
                    if !lines.isEmpty {
                        currentSinks.lines(lines)
                        lines.removeAll(keepingCapacity: true)
                    }
                    done()
                case .calibration(let state):
                    unsavedCalibration = state
                }
            }
            if !lines.isEmpty {
                currentSinks.lines(lines)
                lines.removeAll(keepingCapacity: true)
            }
            writer.tick(now: now)
            if let state = unsavedCalibration, let store = calibrationStore {
                if store.save(state, savedAt: RFC3339.timestamp(wallNs: DaemonClock.wallNs()), logger: logger) {
                    unsavedCalibration = nil
                }
            } else {
                unsavedCalibration = nil
            }
            let health = writer.health
            let pending = writer.pendingCount
            if health != reportedHealth || pending != reportedPending {
                reportedHealth = health
                reportedPending = pending
                // The announcement (a STATUS when the health changed) comes back through the queue.
                status.update { s in
                    s.log = health
                    s.logPending = pending
                }
            }
            if finishing && queue.count == 0 { break }
            let wait = min(writer.secondsUntilDue(now: DaemonClock.monotonicS()) ?? 1, 1)
            queue.wakeup.wait(timeoutS: wait)
        }
        writer.close(now: DaemonClock.monotonicS())
    }

    /// `{"class":"SAMPLE","t":…,"ax":…,…}` (m/s², rad/s; SPEC §4 units).
    static func sampleLine(_ sample: Sample) -> String {
        var object = JSONObjectWriter(className: "SAMPLE")
        object.number("t", sample.t, decimals: 6)
        object.number("ax", sample.accel.x, decimals: 4)
        object.number("ay", sample.accel.y, decimals: 4)
        object.number("az", sample.accel.z, decimals: 4)
        object.number("gx", sample.gyro.x, decimals: 5)
        object.number("gy", sample.gyro.y, decimals: 5)
        object.number("gz", sample.gyro.z, decimals: 5)
        return object.finish()
    }
}

extension CoreEvent {
    /// In the rep log (SPEC §7: every event but PHASE and SAMPLE).
    public var isLogged: Bool {
        if case .phase = self { return false }
        return true
    }
}

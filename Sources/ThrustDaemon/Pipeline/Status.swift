import Synchronization
import ThrustCore

/// What the daemon is doing (`STATUS.state`).
public enum DaemonState: String, Sendable {
    /// Before the first sample.
    case starting
    /// Learning the gyro bias / gravity at rest.
    case calibrating
    /// Calibrated, between sets.
    case ready
    case inSet = "in_set"
    /// The sensor failed; the reader is re-detecting it.
    case sensorFault = "sensor_fault"
    /// The replay (or a finite simulation) ended.
    case ended
}

/// The rep log's health (`STATUS.log`).
public enum LogHealth: String, Sendable {
    case ok
    case diskFull = "disk_full"
    case readOnly = "read_only"
    case error
}

/// The `STATUS` object (SPEC §6): the SPEC's fields, then the daemon's own.
public struct DaemonStatus: Sendable, Equatable {
    public var sensor = "none"
    public var source = ""
    public var rateHz: Double?
    public var mount: Mount = .bar
    public var profile = "generic"
    public var state: DaemonState = .starting
    public var muted = false
    public var log: LogHealth = .ok
    /// Log lines waiting in memory for the disk.
    public var logPending = 0
    public var clients = 0
    public var samples = 0
    /// Largest delay of a sample behind its deadline, ms (replay/sim pacing).
    public var maxLatenessMs = 0.0
    /// Events refused by a full queue (should stay 0).
    public var droppedEvents = 0
    public var clientsDropped = 0

    public init() {}

    /// Fields whose change is announced with a `STATUS` event (counters are not).
    func announcedFieldsDiffer(from other: DaemonStatus) -> Bool {
        sensor != other.sensor || source != other.source || rateHz != other.rateHz || mount != other.mount
            || profile != other.profile || state != other.state || muted != other.muted || log != other.log
    }

    /// `{"class":"STATUS",<extra>,"sensor":…}`.
    public func jsonLine(extraFields: String = "") -> String {
        var object = JSONObjectWriter(className: "STATUS")
        if !extraFields.isEmpty { object.rawFields(extraFields) }
        object.string("sensor", sensor)
        object.string("source", source)
        object.number("rate_hz", rateHz, decimals: 3)
        object.string("mount", mount.rawValue)
        object.string("profile", profile)
        object.string("state", state.rawValue)
        object.bool("muted", muted)
        object.string("log", log.rawValue)
        object.int("log_pending", logPending)
        object.int("clients", clients)
        object.int("samples", samples)
        object.number("max_lateness_ms", maxLatenessMs, decimals: 3)
        object.int("dropped_events", droppedEvents)
        object.int("clients_dropped", clientsDropped)
        return object.finish()
    }
}

/// The shared status: written by the sampling thread, the log writer and the socket server,
/// read by all. A change of an announced field queues a `STATUS` event.
public final class StatusBoard: Sendable {
    private let state: Mutex<DaemonStatus>
    private let announce: @Sendable (DaemonStatus) -> Void

    public init(_ initial: DaemonStatus = DaemonStatus(), announce: @escaping @Sendable (DaemonStatus) -> Void) {
        state = Mutex(initial)
        self.announce = announce
    }

    public var current: DaemonStatus { state.withLock { $0 } }

    /// Changes the status; announces it (outside the lock) when an announced field changed.
    public func update(_ change: (inout DaemonStatus) -> Void) {
        let changed: DaemonStatus? = state.withLock { status in
            let before = status
            change(&status)
            return status.announcedFieldsDiffer(from: before) ? status : nil
        }
        if let changed { announce(changed) }
    }

    /// Changes counters only (never announced).
    public func count(_ change: (inout DaemonStatus) -> Void) {
        state.withLock { change(&$0) }
    }
}

/// What flows from the sampling thread (and the other parts) to the log writer, in order.
public enum Outbound: Sendable {
    /// A core event, stamped with the wall clock and the monotonic instant its deciding sample
    /// was taken in.
    case event(CoreEvent, wallNs: Int64, sampleMonoNs: Int64)
    case status(DaemonStatus, wallNs: Int64)
    /// A raw sample for `watch raw` clients (not logged).
    case sample(Sample)
    /// Runs once everything queued before it has been written and handed to the clients.
    case barrier(@Sendable () -> Void)
    /// What the core has learnt about the sensor, for calibration.json.
    case calibration(CalibrationState)
}

import ThrustCore

/// A mean over the values that are present.
public struct RunningMean: Sendable, Equatable {
    public private(set) var sum = 0.0
    public private(set) var count = 0

    public init() {}

    @inline(__always)
    public mutating func add(_ value: Double?) {
        guard let value, value.isFinite else { return }
        sum += value
        count += 1
    }

    public mutating func add(_ other: RunningMean) {
        sum += other.sum
        count += other.count
    }

    public var mean: Double? { count > 0 ? sum / Double(count) : nil }
}

/// Averages and extremes over a group of reps (a set, a session, everything shown).
public struct RepStats: Sendable, Equatable {
    public var reps = 0
    public var partialReps = 0
    /// Reps with at least one alert.
    public var repsWithAlerts = 0
    public var depthCm = RunningMean()
    public var eccentricS = RunningMean()
    public var bottomS = RunningMean()
    public var concentricS = RunningMean()
    public var holdS = RunningMean()
    public var lockoutCm = RunningMean()
    public var torsoDeg = RunningMean()
    public var tiltDeg = RunningMean()
    public var meanVelocityMps = RunningMean()
    public var peakVelocityMps: Double?
    /// Reps that broke each limit, indexed like `AlertKind.allCases`.
    public var alertCounts = [Int](repeating: 0, count: AlertKind.allCases.count)

    public init() {}

    public mutating func add(_ rep: LoggedRep) {
        reps += 1
        if rep.partial { partialReps += 1 }
        depthCm.add(rep.depthCm)
        eccentricS.add(rep.eccentricS)
        bottomS.add(rep.bottomS)
        concentricS.add(rep.concentricS)
        holdS.add(rep.holdS)
        lockoutCm.add(rep.lockoutCm)
        torsoDeg.add(rep.torsoDeg)
        tiltDeg.add(rep.tiltDeg)
        meanVelocityMps.add(rep.meanVelocityMps)
        if let peak = rep.peakVelocityMps, peak.isFinite { peakVelocityMps = max(peakVelocityMps ?? peak, peak) }
        if !rep.alerts.isEmpty {
            repsWithAlerts += 1
            for (index, kind) in AlertKind.allCases.enumerated() where rep.alerts.contains(kind) {
                alertCounts[index] += 1
            }
        }
    }

    public mutating func add(_ other: RepStats) {
        reps += other.reps
        partialReps += other.partialReps
        repsWithAlerts += other.repsWithAlerts
        depthCm.add(other.depthCm)
        eccentricS.add(other.eccentricS)
        bottomS.add(other.bottomS)
        concentricS.add(other.concentricS)
        holdS.add(other.holdS)
        lockoutCm.add(other.lockoutCm)
        torsoDeg.add(other.torsoDeg)
        tiltDeg.add(other.tiltDeg)
        meanVelocityMps.add(other.meanVelocityMps)
        if let peak = other.peakVelocityMps { peakVelocityMps = max(peakVelocityMps ?? peak, peak) }
        for index in alertCounts.indices { alertCounts[index] += other.alertCounts[index] }
    }

    /// Alerts: a rep that broke two limits counts twice.
    public var alerts: Int { alertCounts.reduce(0, +) }

    /// `(kind, reps)` for the kinds that occurred, in SPEC order.
    public var alertsByKind: [(kind: AlertKind, reps: Int)] {
        AlertKind.allCases.enumerated().compactMap { index, kind in
            alertCounts[index] > 0 ? (kind, alertCounts[index]) : nil
        }
    }
}

/// One set as the log tells it.
public struct LoggedSet: Sendable, Equatable {
    /// 1-based within its session, in time order (what `thrust log --set N` selects).
    public var number: Int
    /// `set` as logged.
    public var loggedNumber: Int
    /// First and last event of the set, seconds since 1970 UTC.
    public var start: Double
    public var end: Double
    public var reps: [LoggedRep]
    /// A `SET_END` closed the set (false: the daemon stopped mid-set, or the log is cut).
    public var ended: Bool
    /// A `set_target` alert fired in this set.
    public var targetReached: Bool
    /// From the last `STATUS` line before the set, if any.
    public var profile: String?
    public var mount: String?
    public var stats: RepStats

    /// Velocity loss over the set: 1 − (last rep's mean concentric velocity / the best), percent
    /// (as `SET_END.velocity_loss_pct`, computed from the reps so cut sets have it too).
    public var velocityLossPct: Double? {
        let velocities = reps.compactMap(\.meanVelocityMps)
        guard velocities.count >= 2, let best = velocities.max(), best > 0, let last = velocities.last else { return nil }
        return (1 - last / best) * 100
    }

    public var bestMeanVelocityMps: Double? { reps.compactMap(\.meanVelocityMps).max() }
}

/// Sets close together in time (gaps under `SessionGrouping.maxGapS`).
public struct TrainingSession: Sendable, Equatable {
    /// 1-based, in time order over what is shown.
    public var number: Int
    public var start: Double
    public var end: Double
    /// Local day number of the start (see `LocalCalendar`).
    public var day: Int
    public var sets: [LoggedSet]
    public var stats: RepStats
}

/// Lines of the log that were skipped, with where the first of each kind was.
public struct SkippedLines: Sendable, Equatable {
    public var torn = 0
    public var unknown = 0
    public var firstTorn: String?
    public var firstUnknown: String?

    public init() {}

    public var total: Int { torn + unknown }
}

/// Everything `thrust log` and `thrust report` show: sessions → sets → reps over a time range.
public struct TrainingLog: Sendable {
    public var sessions: [TrainingSession]
    public var skipped: SkippedLines
    /// Log files read and lines looked at.
    public var filesRead: Int
    public var linesRead: Int
    public var stats: RepStats {
        var total = RepStats()
        for session in sessions { total.add(session.stats) }
        return total
    }

    public var setCount: Int { sessions.reduce(0) { $0 + $1.sets.count } }
}

/// A half-open range of instants, seconds since 1970 UTC; nil bounds are open.
public struct TimeRange: Sendable, Equatable {
    public var since: Double?
    public var until: Double?

    public init(since: Double? = nil, until: Double? = nil) {
        self.since = since
        self.until = until
    }

    public func contains(_ instant: Double) -> Bool {
        if let since, instant < since { return false }
        if let until, instant >= until { return false }
        return true
    }
}

/// Turns the log's records, in order, into sets and sessions.
///
/// A set opens at `SET_START` or at a `REP` that cannot belong to the open set (another set
/// number, or a rep number that does not go up — the daemon restarted), and closes at its
/// `SET_END`, at the next set, or when the records end. Sets whose start lies outside `range`
/// are dropped. Sessions are runs of sets with less than `maxGapS` between one set's end and
/// the next set's start.
public struct SessionGrouping {
    /// Two hours: a long rest inside one workout stays one session; morning and evening are two.
    public static let defaultMaxGapS = 2.0 * 3600

    public let range: TimeRange
    public let maxGapS: Double
    public let calendar: LocalCalendar
    private var sets: [LoggedSet] = []
    private var open: LoggedSet?
    private var lastProfile: String?
    private var lastMount: String?

    public init(range: TimeRange = TimeRange(), calendar: LocalCalendar, maxGapS: Double = defaultMaxGapS) {
        self.range = range
        self.calendar = calendar
        self.maxGapS = maxGapS
    }

    public mutating func consume(_ record: LogRecord) {
        switch record {
        case .rep(let rep):
            if let current = open, current.loggedNumber != rep.loggedSet || (current.reps.last?.rep ?? 0) >= rep.rep {
                close()
            }
            var set = open ?? newSet(number: rep.loggedSet, time: rep.time)
            open = nil  // so the reps array is not shared (appending would copy it)
            set.reps.append(rep)
            set.stats.add(rep)
            set.end = max(set.end, rep.time)
            open = set
        case .setStart(let set, let time):
            close()
            open = newSet(number: set, time: time)
        case .setEnd(let number, let time):
            guard var set = open, set.loggedNumber == number else { return }
            set.end = max(set.end, time)
            set.ended = true
            open = set
            close()
        case .alert(let number, let kind, let time):
            guard kind == .setTarget else { return }
            if open?.loggedNumber != number {
                close()
                open = newSet(number: number, time: time)
            }
            open?.targetReached = true
        case .status(let profile, let mount):
            if let profile { lastProfile = profile }
            if let mount { lastMount = mount }
        case .ignored, .unknown, .torn:
            break
        }
    }

    private func newSet(number: Int, time: Double) -> LoggedSet {
        LoggedSet(number: 0, loggedNumber: number, start: time, end: time, reps: [], ended: false,
                         targetReached: false, profile: lastProfile, mount: lastMount, stats: RepStats())
    }

    private mutating func close() {
        guard let set = open else { return }
        open = nil
        // A SET_START that no rep followed (the lifter racked the bar) is not a set.
        guard !set.reps.isEmpty, range.contains(set.start) else { return }
        sets.append(set)
    }

    /// Closes the open set and groups everything into sessions.
    public mutating func finish() -> [TrainingSession] {
        close()
        sets.sort { $0.start < $1.start }
        var sessions: [TrainingSession] = []
        for var set in sets {
            if let last = sessions.last, set.start - last.end < maxGapS {
                set.number = last.sets.count + 1
                sessions[sessions.count - 1].sets.append(set)
                sessions[sessions.count - 1].end = max(last.end, set.end)
                sessions[sessions.count - 1].stats.add(set.stats)
            } else {
                set.number = 1
                sessions.append(TrainingSession(number: sessions.count + 1, start: set.start, end: set.end,
                                                day: calendar.day(of: set.start), sets: [set], stats: set.stats))
            }
        }
        sets = []
        return sessions
    }
}

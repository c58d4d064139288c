/// Phases of a rep (SPEC §5 `PHASE`).
public enum Phase: String, Sendable, CaseIterable {
    case eccentric, bottom, concentric, lockout
}

/// Alert kinds (SPEC §5).
public enum AlertKind: String, Sendable, CaseIterable {
    case tempoFast = "tempo_fast"
    case overextension
    case tooDeep = "too_deep"
    case shallow
    case shortHold = "short_hold"
    case asymmetry
    case setTarget = "set_target"

    /// The unit of `value` and `limit` in the `ALERT` event (a belt's over-extension is an angle:
    /// `Alert.unit` says "deg" then).
    public var unit: String {
        switch self {
        case .tempoFast, .shortHold: return "s"
        case .overextension, .tooDeep, .shallow: return "cm"
        case .asymmetry: return "deg"
        case .setTarget: return "reps"
        }
    }
}

/// A set of alert kinds without allocation.
public struct AlertSet: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public init(_ kind: AlertKind) {
        switch kind {
        case .tempoFast: self.init(rawValue: 1 << 0)
        case .overextension: self.init(rawValue: 1 << 1)
        case .tooDeep: self.init(rawValue: 1 << 2)
        case .shallow: self.init(rawValue: 1 << 3)
        case .shortHold: self.init(rawValue: 1 << 4)
        case .asymmetry: self.init(rawValue: 1 << 5)
        case .setTarget: self.init(rawValue: 1 << 6)
        }
    }

    public func contains(_ kind: AlertKind) -> Bool { contains(AlertSet(kind)) }
    public mutating func insert(_ kind: AlertKind) { insert(AlertSet(kind)) }

    /// The kinds in SPEC order.
    public var kinds: [AlertKind] { AlertKind.allCases.filter { contains($0) } }
}

/// `ALERT`: the moment a limit is broken.
public struct Alert: Sendable, Equatable {
    public var set: Int
    public var rep: Int
    public var kind: AlertKind
    /// The measured value, in `unit`.
    public var value: Double
    /// The limit it broke, in `unit`.
    public var limit: Double
    /// Seconds on the capture's clock.
    public var t: Double
    /// "s", "cm", "deg" or "reps": the kind's unit unless the mount measures it otherwise.
    public var unit: String

    public init(set: Int, rep: Int, kind: AlertKind, value: Double, limit: Double, t: Double, unit: String? = nil) {
        self.set = set
        self.rep = rep
        self.kind = kind
        self.value = value
        self.limit = limit
        self.t = t
        self.unit = unit ?? kind.unit
    }
}

/// `REP`: one completed rep, anchored at its lockout (SPEC §5).
public struct RepReport: Sendable, Equatable {
    public var set: Int
    public var rep: Int
    /// The instant lockout was reached, s.
    public var t: Double
    /// Bottom to this lockout, cm.
    public var depthCm: Double
    public var eccentricS: Double?
    public var bottomS: Double?
    public var concentricS: Double?
    public var holdS: Double?
    /// This lockout relative to the set's reference lockout, cm (+ = higher).
    public var lockoutCm: Double
    /// Belt: pelvis angle at lockout, degrees (0 = parallel, + = past parallel).
    public var torsoDeg: Double?
    /// Bar: side-to-side tilt at lockout, degrees (magnitude).
    public var tiltDeg: Double?
    public var peakVelocityMps: Double
    public var meanVelocityMps: Double
    /// True when the rep did not reach the profile's minimum depth.
    public var partial: Bool
    /// Alerts of this rep (`set_target` is reported as its own `ALERT` only).
    public var alerts: AlertSet

    public init(set: Int, rep: Int, t: Double, depthCm: Double, eccentricS: Double?, bottomS: Double?,
                concentricS: Double?, holdS: Double?, lockoutCm: Double, torsoDeg: Double?, tiltDeg: Double?,
                peakVelocityMps: Double, meanVelocityMps: Double, partial: Bool, alerts: AlertSet) {
        self.set = set
        self.rep = rep
        self.t = t
        self.depthCm = depthCm
        self.eccentricS = eccentricS
        self.bottomS = bottomS
        self.concentricS = concentricS
        self.holdS = holdS
        self.lockoutCm = lockoutCm
        self.torsoDeg = torsoDeg
        self.tiltDeg = tiltDeg
        self.peakVelocityMps = peakVelocityMps
        self.meanVelocityMps = meanVelocityMps
        self.partial = partial
        self.alerts = alerts
    }
}

/// `SET_END` summary figures.
public struct SetSummary: Sendable, Equatable {
    public var set: Int
    public var t: Double
    public var reps: Int
    public var meanDepthCm: Double?
    public var meanEccentricS: Double?
    public var meanConcentricS: Double?
    public var meanHoldS: Double?
    public var peakVelocityMps: Double?
    /// Velocity loss: 1 − (last rep's mean concentric velocity / best), in percent.
    public var velocityLossPct: Double?
    public var alerts: Int

    public init(set: Int, t: Double, reps: Int, meanDepthCm: Double? = nil, meanEccentricS: Double? = nil,
                meanConcentricS: Double? = nil, meanHoldS: Double? = nil, peakVelocityMps: Double? = nil,
                velocityLossPct: Double? = nil, alerts: Int = 0) {
        self.set = set
        self.t = t
        self.reps = reps
        self.meanDepthCm = meanDepthCm
        self.meanEccentricS = meanEccentricS
        self.meanConcentricS = meanConcentricS
        self.meanHoldS = meanHoldS
        self.peakVelocityMps = peakVelocityMps
        self.velocityLossPct = velocityLossPct
        self.alerts = alerts
    }
}

/// `SENSOR` states the core reports about calibration.
public enum SensorState: String, Sendable {
    case calibrating, calibrated, uprightCalibrated = "upright_calibrated"
    /// An upright pose found automatically (or restored) that the lockouts prove wrong is dropped.
    case uprightDoubted = "upright_doubted"
    case lockoutCalibrated = "lockout_calibrated", accelCalibrated = "accel_calibrated"
    case fault, recovered
}

/// What the core emits (SPEC §5). `VERSION`, `STATUS` and `ERROR` belong to the daemon.
public enum CoreEvent: Sendable, Equatable {
    case setStart(set: Int, t: Double)
    case phase(set: Int, rep: Int, phase: Phase, t: Double)
    case alert(Alert)
    case rep(RepReport)
    case setEnd(SetSummary)
    case sensor(state: SensorState, detail: String, t: Double)

    /// Seconds on the capture's clock.
    public var t: Double {
        switch self {
        case .setStart(_, let t), .phase(_, _, _, let t), .sensor(_, _, let t): return t
        case .alert(let a): return a.t
        case .rep(let r): return r.t
        case .setEnd(let s): return s.t
        }
    }
}

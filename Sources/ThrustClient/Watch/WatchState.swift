import ThrustCore

/// What `thrust watch` shows, updated event by event from the socket (SPEC §5/§6).
public struct WatchState: Sendable {
    public var release: String?
    public var protocolVersion: Int?
    /// The latest `STATUS`.
    public var status: EventObject?
    /// The current set (or the last one, between sets).
    public var set: Int?
    public var inSet = false
    /// Reps completed in `set`.
    public var reps = 0
    /// Sets ended since watching began.
    public var setsEnded = 0
    public var phase: String?
    public var lastRep: EventObject?
    /// `ALERT`s of the rep in progress (they arrive before its `REP`).
    public var pendingAlerts: [EventObject] = []
    /// `ALERT`s of `lastRep`.
    public var lastRepAlerts: [EventObject] = []
    public var targetReached = false
    public var lastSetEnd: EventObject?
    public var sensor: (state: String, detail: String)?
    public var lastError: String?
    /// Set by the command: "connected", "waiting for thrustd…".
    public var connectionNote = ""

    public init() {}

    /// The profile's limits when the daemon runs a built-in profile; nil for `custom`/unknown.
    public var limits: Limits? {
        status?.string("profile").flatMap(Profile.named)?.limits
    }

    public var mount: String? { status?.string("mount") }

    public mutating func apply(_ event: EventObject) {
        switch event.eventClass {
        case "VERSION":
            release = event["release"]?.displayText
            protocolVersion = event.int("proto")
        case "STATUS":
            status = event
        case "SET_START":
            set = event.int("set")
            inSet = true
            reps = 0
            phase = nil
            targetReached = false
            pendingAlerts = []
        case "PHASE":
            if let number = event.int("set"), number != set {
                set = number
                reps = max((event.int("rep") ?? 1) - 1, 0)
            }
            inSet = true
            phase = event.string("phase")
        case "ALERT":
            if event.string("kind") == AlertKind.setTarget.rawValue {
                targetReached = true
            } else {
                pendingAlerts.append(event)
                if pendingAlerts.count > 8 { pendingAlerts.removeFirst() }
            }
        case "REP":
            if let number = event.int("set"), number != set {
                set = number
                targetReached = false
            }
            inSet = true
            reps = event.int("rep") ?? reps + 1
            lastRep = event
            let rep = event.int("rep")
            lastRepAlerts = pendingAlerts.filter { $0.int("rep") == rep && $0.int("set") == set }
            pendingAlerts = []
        case "SET_END":
            inSet = false
            phase = nil
            setsEnded += 1
            lastSetEnd = event
            if let count = event.int("reps") { reps = count }
        case "SENSOR":
            sensor = (event.string("state") ?? "", event.string("detail") ?? "")
        case "ERROR":
            lastError = event.string("message")
        default:
            break
        }
    }
}

/// How one figure of the last rep compares with its limit.
public enum Verdict: Sendable, Equatable {
    case good, bad, unjudged
}

/// The figures of a `REP` event with their limits and verdicts, for the live view.
public struct RepFigure: Sendable, Equatable {
    public var name: String
    public var value: String
    public var limit: String
    public var verdict: Verdict

    /// The rows `thrust watch` shows for `rep` under `limits` (nil = unknown profile: the REP's
    /// own `alerts` decide).
    public static func figures(of rep: EventObject, limits: Limits?, mount: String?) -> [RepFigure] {
        let alerts = Set((rep["alerts"].flatMap { value -> [JSONValue]? in
            if case .array(let items) = value { return items }
            return nil
        } ?? []).compactMap(\.string))
        func verdict(alerted: Bool, broken: Bool?) -> Verdict {
            if alerted || broken == true { return .bad }
            return broken == false ? .good : .unjudged
        }
        var rows: [RepFigure] = []
        let depth = rep.number("depth_cm")
        let minDepth = limits?.minDepthCm, maxDepth = limits?.maxDepthCm
        var depthLimit = "-"
        if let minDepth, let maxDepth { depthLimit = "\(fixed(minDepth, 0))–\(fixed(maxDepth, 0)) cm" }
        else if let minDepth { depthLimit = "≥ \(fixed(minDepth, 0)) cm" }
        else if let maxDepth { depthLimit = "≤ \(fixed(maxDepth, 0)) cm" }
        let depthBroken: Bool? = depth.map { value in
            (minDepth.map { value < $0 } ?? false) || (maxDepth.map { value > $0 } ?? false)
        }
        rows.append(RepFigure(name: "depth", value: fixed(depth, 1) + " cm", limit: depthLimit,
                              verdict: verdict(alerted: alerts.contains("shallow") || alerts.contains("too_deep")
                                                   || rep["partial"]?.bool == true,
                                               broken: minDepth == nil && maxDepth == nil ? nil : depthBroken)))
        let tempoAlert = alerts.contains("tempo_fast")
        for (name, key, minimum) in [("eccentric", "eccentric_s", limits?.minEccentricS),
                                     ("concentric", "concentric_s", limits?.minConcentricS),
                                     ("hold", "hold_s", limits?.minHoldS)] {
            let value = rep.number(key)
            let broken: Bool? = minimum.flatMap { limit in value.map { $0 < limit } }
            let alerted = name == "hold" ? alerts.contains("short_hold") : (tempoAlert && (limits == nil))
            rows.append(RepFigure(name: name, value: fixed(value, 2) + " s",
                                  limit: minimum.map { "≥ \(fixed($0, 0)) s" } ?? "-",
                                  verdict: verdict(alerted: alerted, broken: broken)))
        }
        if mount == "belt" || rep.number("torso_deg") != nil {
            let torso = rep.number("torso_deg")
            let limit = limits?.overextensionDeg
            rows.append(RepFigure(name: "pelvis", value: signed(torso, 1) + "°", limit: limit.map { "≤ +\(fixed($0, 0))°" } ?? "-",
                                  verdict: verdict(alerted: alerts.contains("overextension"),
                                                   broken: limit.flatMap { l in torso.map { $0 > l } })))
        } else {
            let lockout = rep.number("lockout_cm")
            let limit = limits?.overextensionCm
            rows.append(RepFigure(name: "lockout", value: signed(lockout, 1) + " cm",
                                  limit: limit.map { "≤ +\(fixed($0, 0)) cm" } ?? "-",
                                  verdict: verdict(alerted: alerts.contains("overextension"),
                                                   broken: limit.flatMap { l in lockout.map { $0 > l } })))
            let tilt = rep.number("tilt_deg")
            let tiltLimit = limits?.asymmetryDeg
            rows.append(RepFigure(name: "tilt", value: fixed(tilt, 1) + "°", limit: tiltLimit.map { "≤ \(fixed($0, 0))°" } ?? "-",
                                  verdict: verdict(alerted: alerts.contains("asymmetry"),
                                                   broken: tiltLimit.flatMap { l in tilt.map { $0 > l } })))
        }
        rows.append(RepFigure(name: "velocity", value: fixed(rep.number("mean_velocity_mps"), 2) + " m/s mean, "
                                + fixed(rep.number("peak_velocity_mps"), 2) + " peak", limit: "", verdict: .unjudged))
        return rows
    }

    static func fixed(_ value: Double?, _ decimals: Int) -> String { JSONText.fixed(value, decimals: decimals) }
    static func signed(_ value: Double?, _ decimals: Int) -> String { Cell.signed(value, decimals) }
}

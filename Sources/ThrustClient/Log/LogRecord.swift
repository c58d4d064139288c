import ThrustCore

/// One `REP` line of the rep log (SPEC §5), with the daemon's `time`.
public struct LoggedRep: Sendable, Equatable {
    /// `set` as logged (the daemon's counter; numbers can restart when the daemon does).
    public var loggedSet: Int
    public var rep: Int
    /// `time`: when the daemon logged it, seconds since 1970 UTC.
    public var time: Double
    /// `t`: the lockout instant on the sensor's clock, s.
    public var t: Double?
    public var depthCm: Double?
    public var eccentricS: Double?
    public var bottomS: Double?
    public var concentricS: Double?
    public var holdS: Double?
    public var lockoutCm: Double?
    public var torsoDeg: Double?
    public var tiltDeg: Double?
    public var peakVelocityMps: Double?
    public var meanVelocityMps: Double?
    public var partial: Bool
    /// Alert kinds named in the line (kinds this client does not know are left out).
    public var alerts: AlertSet

    public init(loggedSet: Int, rep: Int, time: Double, t: Double? = nil, depthCm: Double? = nil,
                eccentricS: Double? = nil, bottomS: Double? = nil, concentricS: Double? = nil, holdS: Double? = nil,
                lockoutCm: Double? = nil, torsoDeg: Double? = nil, tiltDeg: Double? = nil,
                peakVelocityMps: Double? = nil, meanVelocityMps: Double? = nil, partial: Bool = false,
                alerts: AlertSet = []) {
        self.loggedSet = loggedSet
        self.rep = rep
        self.time = time
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

/// What one line of the rep log says, as far as the summaries need it.
public enum LogRecord: Sendable, Equatable {
    case rep(LoggedRep)
    case setStart(set: Int, time: Double)
    case setEnd(set: Int, time: Double)
    /// Only `set_target` matters to the summaries (the other kinds are in the `REP` too).
    case alert(set: Int, kind: AlertKind?, time: Double)
    /// `STATUS` lines tell which profile and mount the following sets used.
    case status(profile: String?, mount: String?)
    /// A known class the summaries do not use (`VERSION`, `SENSOR`, `ERROR`, `PHASE`, `SAMPLE`, …).
    case ignored
    /// A complete JSON object of an unknown class, or a known class without its required fields.
    case unknown
    /// Not one complete JSON object: cut off by a crash or a full disk.
    case torn
}

/// Parses rep-log lines straight from bytes: one pass per line, numbers converted in place,
/// only `class`, `time` and the fields of `REP`, `SET_*`, `ALERT` and `STATUS` looked at.
/// Unknown fields are skipped, so newer daemons' lines still read.
public enum LogLineParser {
    /// The field names looked at, with their `JSONKey.hash`: written as literals so the
    /// `switch` below compares integers (fast in debug builds too); a test checks each one.
    static let fieldHashes: [(name: String, hash: UInt64)] = [
        ("class", 0xd116_5595_2fcb_ab9f),
        ("time", 0x1e54_85ef_2e9f_9384),
        ("set", 0x823b_8719_5ce2_0e23),
        ("rep", 0x89e9_aa19_60f4_a020),
        ("t", 0xaf63_e94c_8602_02a3),
        ("depth_cm", 0x6626_dc04_7b32_726b),
        ("eccentric_s", 0xebd4_8a8a_635a_5829),
        ("bottom_s", 0x8f52_9763_b05a_9894),
        ("concentric_s", 0xfebf_c852_71d7_860f),
        ("hold_s", 0x632a_52b5_5c8f_2202),
        ("lockout_cm", 0x2b3a_9ef2_69b6_f2cf),
        ("torso_deg", 0x05c9_96c5_63e9_022b),
        ("tilt_deg", 0x780f_e6b2_b8be_170d),
        ("peak_velocity_mps", 0x9e6c_f94c_5485_7949),
        ("mean_velocity_mps", 0xa1ae_2826_7cca_b1bf),
        ("partial", 0xb5d4_3e6c_2878_bc7a),
        ("alerts", 0x4f4c_194a_d1d0_a7fe),
        ("kind", 0xef9c_96d7_2167_3243),
        ("profile", 0x8add_349e_618b_a10e),
        ("mount", 0x0d55_8292_ed4f_dc7a),
    ]

    /// The classes of SPEC §5 (and the daemon's extras) that carry nothing the summaries use.
    static let ignoredClasses: Set<String> = ["VERSION", "PHASE", "SENSOR", "ERROR", "SAMPLE", "STATS"]

    private enum EventClass {
        case rep, setStart, setEnd, alert, status, ignored, unknown
    }

    public static func parse(_ text: String) -> LogRecord {
        var copy = text
        return copy.withUTF8 { parse($0) }
    }

    public static func parse(_ line: UnsafeBufferPointer<UInt8>) -> LogRecord {
        var eventClass = EventClass.unknown
        var time: Double?
        var set: Int?
        var rep = LoggedRep(loggedSet: 0, rep: 0, time: 0)
        var repNumber: Int?
        var kind: AlertKind?
        var profile: String?
        var mount: String?

        let complete = JSONLineScanner.scan(line) { key, token in
            switch key.hash {
            case 0xd116_5595_2fcb_ab9f:  // "class"
                guard case .string(let start, let end, _) = token else { return }
                eventClass = classify(UnsafeBufferPointer(rebasing: line[start..<end]))
            case 0x1e54_85ef_2e9f_9384:  // "time"
                guard case .string(let start, let end, _) = token else { return }
                time = CivilTime.epochSeconds(rfc3339: UnsafeBufferPointer(rebasing: line[start..<end]))
            case 0x823b_8719_5ce2_0e23: set = integer(token)  // "set"
            case 0x89e9_aa19_60f4_a020: repNumber = integer(token)  // "rep"
            case 0xaf63_e94c_8602_02a3: rep.t = number(token)  // "t"
            case 0x6626_dc04_7b32_726b: rep.depthCm = number(token)  // "depth_cm"
            case 0xebd4_8a8a_635a_5829: rep.eccentricS = number(token)  // "eccentric_s"
            case 0x8f52_9763_b05a_9894: rep.bottomS = number(token)  // "bottom_s"
            case 0xfebf_c852_71d7_860f: rep.concentricS = number(token)  // "concentric_s"
            case 0x632a_52b5_5c8f_2202: rep.holdS = number(token)  // "hold_s"
            case 0x2b3a_9ef2_69b6_f2cf: rep.lockoutCm = number(token)  // "lockout_cm"
            case 0x05c9_96c5_63e9_022b: rep.torsoDeg = number(token)  // "torso_deg"
            case 0x780f_e6b2_b8be_170d: rep.tiltDeg = number(token)  // "tilt_deg"
            case 0x9e6c_f94c_5485_7949: rep.peakVelocityMps = number(token)  // "peak_velocity_mps"
            case 0xa1ae_2826_7cca_b1bf: rep.meanVelocityMps = number(token)  // "mean_velocity_mps"
            case 0xb5d4_3e6c_2878_bc7a:  // "partial"
                if case .bool(let value) = token { rep.partial = value }
            case 0x4f4c_194a_d1d0_a7fe:  // "alerts"
                if case .array(let start, let end) = token { rep.alerts = alertSet(line, start: start, end: end) }
            case 0xef9c_96d7_2167_3243:  // "kind"
                if case .string(let start, let end, _) = token {
                    kind = AlertKind(rawValue: String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]),
                                                      as: UTF8.self))
                }
            case 0x8add_349e_618b_a10e:  // "profile"
                if case .string(let start, let end, let escaped) = token {
                    profile = JSONLineScanner.string(line, start: start, end: end, escaped: escaped)
                }
            case 0x0d55_8292_ed4f_dc7a:  // "mount"
                if case .string(let start, let end, let escaped) = token {
                    mount = JSONLineScanner.string(line, start: start, end: end, escaped: escaped)
                }
            default:
                break
            }
        }
        guard complete else { return .torn }

        switch eventClass {
        case .rep:
            guard let time, let set, let repNumber else { return .unknown }
            rep.time = time
            rep.loggedSet = set
            rep.rep = repNumber
            return .rep(rep)
        case .setStart:
            guard let time, let set else { return .unknown }
            return .setStart(set: set, time: time)
        case .setEnd:
            guard let time, let set else { return .unknown }
            return .setEnd(set: set, time: time)
        case .alert:
            guard let time, let set else { return .unknown }
            return .alert(set: set, kind: kind, time: time)
        case .status:
            return .status(profile: profile, mount: mount)
        case .ignored:
            return .ignored
        case .unknown:
            return .unknown
        }
    }

    @inline(__always)
    private static func number(_ token: JSONToken) -> Double? {
        if case .number(let value) = token, value.isFinite { return value }
        return nil
    }

    @inline(__always)
    private static func integer(_ token: JSONToken) -> Int? {
        guard case .number(let value) = token, value.isFinite, value == value.rounded(), abs(value) < 1e15
        else { return nil }
        return Int(value)
    }

    private static func classify(_ name: UnsafeBufferPointer<UInt8>) -> EventClass {
        // Compare by length first: these few names are all distinct in length or first byte.
        switch name.count {
        case 3 where name.elementsEqual("REP".utf8): return .rep
        case 9 where name.elementsEqual("SET_START".utf8): return .setStart
        case 7 where name.elementsEqual("SET_END".utf8): return .setEnd
        case 5 where name.elementsEqual("ALERT".utf8): return .alert
        case 6 where name.elementsEqual("STATUS".utf8): return .status
        default:
            return ignoredClasses.contains(String(decoding: name, as: UTF8.self)) ? .ignored : .unknown
        }
    }

    /// The known alert kinds in a `["tempo_fast","shallow"]` array.
    private static func alertSet(_ line: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> AlertSet {
        var set = AlertSet()
        guard end - start > 2, let base = line.baseAddress else { return set }
        var index = start + 1
        while index < end - 1 {
            guard base[index] == UInt8(ascii: "\""),
                  let (close, _) = JSONLineScanner.stringEnd(base, end, index) else {
                index += 1
                continue
            }
            let name = UnsafeBufferPointer(rebasing: line[(index + 1)..<close])
            for kind in AlertKind.allCases where name.elementsEqual(kind.rawValue.utf8) {
                set.insert(kind)
                break
            }
            index = close + 1
        }
        return set
    }
}

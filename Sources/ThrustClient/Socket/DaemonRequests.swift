import ThrustCapture
import ThrustCore

/// `thrust status`: the daemon's `VERSION` and `STATUS`, plus what the client can see itself.
public struct DaemonStatusReport: Sendable {
    public var socketPath: String
    public var version: EventObject?
    public var status: EventObject
    public var logDir: String
    public var freeBytes: UInt64?

    /// Connects and reads the `VERSION` and `STATUS` the daemon sends on connect; asks with
    /// `{"cmd":"status"}` if no `STATUS` came within half the timeout.
    public static func fetch(socketPath: String, logDir: String, timeoutS: Double = 3) throws(ConnectionError)
        -> DaemonStatusReport {
        let connection = try DaemonConnection(path: socketPath)
        defer { connection.close() }
        var version: EventObject?
        let start = MonotonicClock.seconds()
        var asked = false
        while MonotonicClock.seconds() - start < timeoutS {
            if !asked && MonotonicClock.seconds() - start > timeoutS / 2 {
                try connection.send("{\"cmd\":\"status\"}")
                asked = true
            }
            guard let line = try connection.readLine(timeoutS: 0.1), let event = EventObject(line: line) else { continue }
            switch event.eventClass {
            case "VERSION":
                version = event
            case "STATUS":
                let dir = event.string("log_dir") ?? logDir
                return DaemonStatusReport(socketPath: socketPath, version: version, status: event, logDir: dir,
                                          freeBytes: ClientPaths.freeBytes(at: dir))
            default:
                continue
            }
        }
        throw ConnectionError(.timedOut, "\(socketPath): no STATUS from thrustd within \(JSONText.fixed(timeoutS, decimals: 0)) s")
    }

    /// Field: value lines, SPEC fields first, then whatever else the daemon reports.
    public func text() -> String {
        var rows: [(String, String)] = []
        if let version {
            rows.append(("thrustd", (version["release"]?.displayText ?? "?")
                         + " (protocol \(version.int("proto").map(String.init) ?? "?"))"))
        }
        rows.append(("socket", socketPath))
        let known: [(key: String, label: String, suffix: String)] = [
            ("sensor", "sensor", ""), ("source", "source", ""), ("rate_hz", "rate", " Hz"), ("mount", "mount", ""),
            ("profile", "profile", ""), ("state", "state", ""), ("clients", "clients", ""),
        ]
        for field in known {
            let value = status[field.key] ?? .null
            rows.append((field.label, value == .null ? "-" : value.displayText + field.suffix))
        }
        var log = logDir
        if let health = status.string("log") { log += " (" + health + ")" }
        rows.append(("log", log))
        rows.append(("free disk", freeBytes.map(ClientPaths.byteText) ?? "unknown"))
        let shown: Set<String> = Set(known.map(\.key) + ["class", "log", "log_dir", "time", "seq"])
        for (key, value) in status.fields where !shown.contains(key) {
            rows.append((key, value.displayText))
        }
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { $0.0.padded(to: width) + "  " + $0.1 }.joined(separator: "\n") + "\n"
    }

    /// The daemon's `STATUS` fields, then `release`, `proto`, `socket`, `log_dir`, `free_bytes`.
    public func json() -> String {
        var fields = status.fields.filter { $0.key != "class" }.map { ($0.key, $0.value) }
        fields.insert(("class", .string("STATUS")), at: 0)
        if let version {
            fields.append(("release", version["release"] ?? .null))
            fields.append(("proto", version["proto"] ?? .null))
        }
        fields.append(("socket", .string(socketPath)))
        if status["log_dir"] == nil { fields.append(("log_dir", .string(logDir))) }
        fields.append(("free_bytes", freeBytes.map { .number(Double($0)) } ?? .null))
        return JSONValue.objectText(fields) + "\n"
    }
}

/// `thrust calibrate`: asks the daemon to calibrate and follows its `SENSOR`/`STATUS` events.
public enum Calibration {
    public enum Target: String, CaseIterable, Sendable {
        case gyro, accel, lockout, upright
    }

    public enum Outcome: Sendable, Equatable {
        case calibrated(detail: String)
        /// The daemon refused (`ERROR`) or the sensor failed (`SENSOR` fault).
        case failed(String)
        case timedOut
        case interrupted
    }

    /// What the lifter does while the daemon calibrates.
    public static func instructions(_ target: Target) -> String {
        switch target {
        case .gyro:
            return "Put the bar (or the belt) down and do not touch it: the daemon learns the gyro bias while "
                + "the sensor lies still (a few seconds)."
        case .accel:
            return "Keep the sensor still; the daemon re-learns the accelerometer offsets and scale from still "
                + "poses. Turning it slowly onto another side and holding it still there helps."
        case .lockout:
            return "Lie back, bridge up to lockout (hips parallel to torso and knees) and hold still there "
                + "for about 3 seconds: that height becomes the lockout reference."
        case .upright:
            return "Belt mount: stand upright and still for at least 2 seconds, then lie back as usual: "
                + "pelvis angles are measured from this pose."
        }
    }

    /// Sends `{"cmd":"calibrate","what":…}` and waits for the result: a `SENSOR` `calibrated`
    /// (`upright_calibrated`, `lockout_calibrated`, `accel_calibrated` for those targets), or the
    /// daemon's `STATUS` going from `calibrating` back to `ready`. `onEvent` sees every line that arrives; `shouldStop` is polled every 0.2 s.
    public static func run(_ connection: DaemonConnection, target: Target, timeoutS: Double,
                           onEvent: (EventObject) -> Void, shouldStop: () -> Bool) throws(ConnectionError) -> Outcome {
        try connection.sendCommand(["cmd": .string("calibrate"), "what": .string(target.rawValue)])
        let deadline = MonotonicClock.seconds() + timeoutS
        var sawCalibrating = false
        while MonotonicClock.seconds() < deadline {
            if shouldStop() { return .interrupted }
            guard let line = try connection.readLine(timeoutS: 0.2), let event = EventObject(line: line) else { continue }
            onEvent(event)
            switch event.eventClass {
            case "ERROR":
                return .failed(event.string("message") ?? "thrustd refused the calibration")
            case "SENSOR":
                let state = event.string("state") ?? ""
                let detail = event.string("detail") ?? ""
                switch state {
                case "calibrating": sawCalibrating = true
                case "fault": return .failed("sensor fault" + (detail.isEmpty ? "" : ": " + detail))
                case "upright_calibrated" where target == .upright: return .calibrated(detail: detail)
                case "lockout_calibrated" where target == .lockout: return .calibrated(detail: detail)
                case "accel_calibrated" where target == .accel: return .calibrated(detail: detail)
                case "calibrated" where target == .gyro: return .calibrated(detail: detail)
                default: break
                }
            case "STATUS":
                let state = event.string("state") ?? ""
                if state == "calibrating" { sawCalibrating = true }
                if state == "sensor_fault" { return .failed("sensor fault") }
                if sawCalibrating && state == "ready" && target == .gyro { return .calibrated(detail: "") }
            default:
                break
            }
        }
        return .timedOut
    }
}

/// `thrust record`: raw samples from the daemon (`watch` with `raw`) into a capture file (SPEC §4).
public enum Recording {
    public struct Result: Sendable, Equatable {
        public var samples: Int
        /// Span of the samples' `t`, s.
        public var durationS: Double
        public var rateHz: Double?
        public var interrupted: Bool
    }

    public enum Failure: Error, Sendable, CustomStringConvertible {
        case connection(ConnectionError)
        case capture(CaptureError)
        /// No `SAMPLE` arrived within the wait.
        case noSamples(Double)

        public var description: String {
            switch self {
            case .connection(let error): return error.description
            case .capture(let error): return error.description
            case .noSamples(let seconds):
                return "no samples from thrustd within \(JSONText.fixed(seconds, decimals: 0)) s "
                    + "(is its source running? does it support {\"cmd\":\"watch\",\"raw\":true}?)"
            }
        }
    }

    /// Capture metadata from the daemon's `STATUS`.
    public static func metadata(from status: EventObject?) -> CaptureMetadata {
        var metadata = CaptureMetadata()
        metadata.rateHz = status?.number("rate_hz")
        metadata.sensor = status?.string("sensor")
        metadata.mount = status?.string("mount").flatMap(Mount.init(rawValue:))
        if let profile = status?.string("profile") { metadata.extra.append(("profile", profile)) }
        if let source = status?.string("source") { metadata.extra.append(("source", source)) }
        metadata.extra.append(("recorded_by", "thrust-record"))
        return metadata
    }

    /// A `SAMPLE` line's sample (`t`, `ax`…`gz`), nil when a field is missing.
    public static func sample(_ event: EventObject) -> Sample? {
        guard let t = event.number("t"), let ax = event.number("ax"), let ay = event.number("ay"),
              let az = event.number("az"), let gx = event.number("gx"), let gy = event.number("gy"),
              let gz = event.number("gz") else { return nil }
        return Sample(t: t, ax: ax, ay: ay, az: az, gx: gx, gy: gy, gz: gz)
    }

    /// Records `seconds` of samples (by their `t`) into the writer `open` makes from the
    /// daemon's metadata. Stops early when `shouldStop` says so (the file is still complete).
    public static func run(_ connection: DaemonConnection, seconds: Double, firstSampleTimeoutS: Double = 5,
                           open: (CaptureMetadata) throws(CaptureError) -> CaptureWriter,
                           shouldStop: () -> Bool) throws(Failure) -> Result {
        // VERSION and STATUS come first on connect.
        var status: EventObject?
        let statusDeadline = MonotonicClock.seconds() + 2
        do {
            while status == nil && MonotonicClock.seconds() < statusDeadline {
                if let line = try connection.readLine(timeoutS: 0.2), let event = EventObject(line: line),
                   event.eventClass == "STATUS" {
                    status = event
                }
            }
            try connection.sendCommand(["cmd": .string("watch"), "raw": .bool(true)])
        } catch {
            throw .connection(error)
        }
        let writer: CaptureWriter
        do {
            writer = try open(metadata(from: status))
        } catch {
            throw .capture(error)
        }

        var count = 0
        var firstT: Double?
        var lastT: Double?
        var interrupted = false
        var lastArrival = MonotonicClock.seconds()
        do {
            reading: while true {
                if shouldStop() {
                    interrupted = true
                    break
                }
                guard let line = try connection.readLine(timeoutS: 0.2) else {
                    if MonotonicClock.seconds() - lastArrival > firstSampleTimeoutS {
                        if count == 0 {
                            try? writer.close()
                            throw Failure.noSamples(firstSampleTimeoutS)
                        }
                        break reading  // the source stopped (replay ended): keep what came
                    }
                    continue
                }
                guard let event = EventObject(line: line), event.eventClass == "SAMPLE",
                      let sample = sample(event) else { continue }
                lastArrival = MonotonicClock.seconds()
                let start = firstT ?? sample.t
                firstT = start
                if sample.t - start >= seconds { break }
                try writer.write(sample)
                count += 1
                lastT = sample.t
            }
            try writer.close()
        } catch let error as Failure {
            throw error
        } catch let error as CaptureError {
            throw .capture(error)
        } catch let error as ConnectionError {
            if error.kind == .closed && count > 0 {
                try? writer.close()
                return finished()
            }
            try? writer.close()
            throw .connection(error)
        } catch {
            throw .connection(ConnectionError(.io, "\(error)"))
        }
        try? connection.sendCommand(["cmd": .string("watch"), "raw": .bool(false)])
        return finished()

        func finished() -> Result {
            let duration = (lastT ?? 0) - (firstT ?? 0)
            let rate = count > 1 && duration > 0 ? Double(count - 1) / duration : nil
            return Result(samples: count, durationS: duration, rateHz: rate, interrupted: interrupted)
        }
    }
}

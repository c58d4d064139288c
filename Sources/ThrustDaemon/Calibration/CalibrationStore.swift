#if canImport(Glibc)
import Glibc
#endif
import Logging
import ThrustCore

/// `calibration.json` (SPEC §7): what the core learnt about the sensor (gyro bias, accelerometer
/// offsets and scales) and its mount (upright pose, lockout reference), so a restart does not
/// start from nothing. Kept for `i2c` sources only: a replay or a simulation is another
/// sensor, and replays must stay identical to `thrust analyze --one-pass`.
///
/// Written whole to a temporary file, fsynced and renamed over the old one, so a crash leaves
/// either the old or the new file. Written by the log thread, never by the sampling thread.
public struct CalibrationStore: Sendable {
    public static let formatVersion = 1
    public let path: String
    /// The sensor the file belongs to (the source, e.g. `i2c:/dev/i2c-1@0x68`).
    public let sensor: String

    public init(path: String, sensor: String) {
        self.path = path
        self.sensor = sensor
    }

    // MARK: - Text

    /// One JSON object; numbers in Swift's shortest round-trip form.
    public func encode(_ state: CalibrationState, savedAt: String) -> String {
        var object = JSONObjectWriter()
        object.int("version", Self.formatVersion)
        object.string("sensor", sensor)
        object.string("mount", state.mount.rawValue)
        object.rawFields("\"gyro_bias_rad_s\":" + Self.vector(state.gyroBiasRadS))
        object.rawFields("\"accel_offset_m_s2\":" + Self.vector(state.accelOffsetMS2))
        object.rawFields("\"accel_scale\":" + Self.vector(state.accelScale))
        object.int("accel_poses", state.accelPoses)
        object.rawFields("\"upright_accel_m_s2\":" + Self.vector(state.uprightAccelMS2))
        object.rawFields("\"lockout_angle_rad\":" + (state.lockoutAngleRad.map { String($0) } ?? "null"))
        object.string("saved", savedAt)
        return object.finish() + "\n"
    }

    static func vector(_ v: SIMD3<Double>?) -> String {
        guard let v else { return "null" }
        return "[" + String(v.x) + "," + String(v.y) + "," + String(v.z) + "]"
    }

    /// Parses the file's text. Errors name the file and the key and say what was expected.
    public func decode(_ text: String) throws(DaemonError) -> (sensor: String, state: CalibrationState) {
        let root: JSONValue
        do throws(JSONParseError) { root = try MiniJSON.parse(text) } catch {
            throw DaemonError("\(path): not JSON (\(error)); expected the object thrustd writes")
        }
        guard case .object = root else { throw DaemonError("\(path): expected a JSON object, found \(root.typeName)") }
        func fail(_ key: String, _ expected: String) -> DaemonError {
            DaemonError("\(path): key \"\(key)\": expected \(expected)")
        }
        guard root["version"]?.numberValue == Double(Self.formatVersion) else {
            throw fail("version", "\(Self.formatVersion)")
        }
        guard let sensor = root["sensor"]?.stringValue else { throw fail("sensor", "a string") }
        guard let mount = root["mount"]?.stringValue.flatMap(Mount.init(rawValue:)) else {
            throw fail("mount", "one of " + Mount.allCases.map(\.rawValue).joined(separator: ", "))
        }
        func optionalVector(_ key: String) throws(DaemonError) -> SIMD3<Double>? {
            guard let value = root[key], value != .null else { return nil }
            guard case .array(let items) = value, items.count == 3,
                  let x = items[0].numberValue, let y = items[1].numberValue, let z = items[2].numberValue,
                  x.isFinite, y.isFinite, z.isFinite else {
                throw fail(key, "an array of 3 numbers or null")
            }
            return SIMD3(x, y, z)
        }
        guard let offset = try optionalVector("accel_offset_m_s2") else { throw fail("accel_offset_m_s2", "an array of 3 numbers") }
        guard let scale = try optionalVector("accel_scale"), scale.min() > 0.5, scale.max() < 1.5 else {
            throw fail("accel_scale", "an array of 3 numbers between 0.5 and 1.5")
        }
        guard let poses = root["accel_poses"]?.numberValue, poses >= 0, poses < 1e9, poses == poses.rounded() else {
            throw fail("accel_poses", "a whole number ≥ 0")
        }
        var lockout: Double?
        if let value = root["lockout_angle_rad"], value != .null {
            guard let angle = value.numberValue, angle.isFinite, abs(angle) <= Double.pi else {
                throw fail("lockout_angle_rad", "a number of radians in [-π, π] or null")
            }
            lockout = angle
        }
        let state = CalibrationState(gyroBiasRadS: try optionalVector("gyro_bias_rad_s"), accelOffsetMS2: offset,
                                     accelScale: scale, accelPoses: Int(poses), mount: mount,
                                     uprightAccelMS2: try optionalVector("upright_accel_m_s2"), lockoutAngleRad: lockout)
        return (sensor, state)
    }

    // MARK: - Disk

    /// The stored calibration for this sensor, or nil (no file yet, another sensor's file, or a
    /// bad file: each is logged, and the core learns afresh).
    public func load(logger: Logger) -> CalibrationState? {
        guard LogFileSystem.exists(path) else {
            logger.info("calibration: no \(path) yet; learning at rest")
            return nil
        }
        let bytes = RepLogFiles.readTail(path, maxBytes: 1 << 16)
        guard let text = String(validating: bytes, as: UTF8.self), !bytes.isEmpty else {
            logger.warning("calibration: \(path) is empty, unreadable or not UTF-8; learning at rest (it is rewritten once learnt)")
            return nil
        }
        do {
            let (storedSensor, state) = try decode(text)
            guard storedSensor == sensor else {
                logger.notice("calibration: \(path) is for \(storedSensor), not \(sensor); learning at rest")
                return nil
            }
            logger.info("calibration: restored from \(path) (\(state.accelPoses) accelerometer poses)")
            return state
        } catch {
            logger.warning("calibration: \(error.message); ignoring it and learning at rest (it is rewritten once learnt)")
            return nil
        }
    }

    /// Writes the file atomically; logs and returns false on failure (the next change retries).
    @discardableResult
    public func save(_ state: CalibrationState, savedAt: String, logger: Logger) -> Bool {
        let code = LogFileSystem.replaceFile(path, with: encode(state, savedAt: savedAt))
        if code != 0 {
            logger.warning("calibration: cannot write \(path): \(errnoText(code)); kept in memory, retried at the next change")
            return false
        }
        return true
    }
}

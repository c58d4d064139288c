import ThrustCore

/// A command line from a socket client (SPEC §6).
public enum ClientCommand: Sendable, Equatable {
    case status
    case watch(raw: Bool)
    case calibrate(what: String)
    case profile(name: String)
    case endSet
    case mute(on: Bool)

    public static let names = ["status", "watch", "calibrate", "profile", "end_set", "mute"]
    public static let calibrationTargets = ["gyro", "accel", "lockout", "upright"]

    /// Commands that change what the daemon does: root or the socket's group only.
    public var isControl: Bool {
        switch self {
        case .status, .watch: return false
        case .calibrate, .profile, .endSet, .mute: return true
        }
    }

    /// Parses one line (without its newline). The error text is what the `ERROR` line says.
    public static func parse(_ bytes: [UInt8]) -> Result<ClientCommand, ProtocolError> {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            return .failure(ProtocolError("invalid UTF-8; expected one JSON object per line, like {\"cmd\":\"status\"}"))
        }
        let value: JSONValue
        do {
            value = try MiniJSON.parse(text)
        } catch {
            return .failure(ProtocolError("not JSON (\(error)); expected one JSON object per line, like {\"cmd\":\"status\"}"))
        }
        guard case .object = value else {
            return .failure(ProtocolError("expected a JSON object like {\"cmd\":\"status\"}, got \(value.typeName)"))
        }
        guard let field = value["cmd"] else {
            return .failure(ProtocolError("missing \"cmd\"; expected one of: " + names.joined(separator: ", ")))
        }
        guard let name = field.stringValue else {
            return .failure(ProtocolError("\"cmd\" is \(field.typeName); expected a string, one of: " + names.joined(separator: ", ")))
        }
        switch name {
        case "status":
            return .success(.status)
        case "watch":
            switch value["raw"] {
            case nil: return .success(.watch(raw: false))
            case .bool(let raw)?: return .success(.watch(raw: raw))
            case let other?: return .failure(ProtocolError("watch: \"raw\" is \(other.typeName); expected true or false"))
            }
        case "calibrate":
            guard let what = value["what"]?.stringValue, calibrationTargets.contains(what) else {
                return .failure(ProtocolError("calibrate: expected \"what\": one of " + calibrationTargets.joined(separator: ", ")))
            }
            return .success(.calibrate(what: what))
        case "profile":
            guard let profile = value["name"]?.stringValue, DaemonConfig.profileNames.contains(profile) else {
                return .failure(ProtocolError("profile: expected \"name\": one of " + DaemonConfig.profileNames.joined(separator: ", ")))
            }
            return .success(.profile(name: profile))
        case "end_set":
            return .success(.endSet)
        case "mute":
            switch value["on"] {
            case nil: return .success(.mute(on: true))
            case .bool(let on)?: return .success(.mute(on: on))
            case let other?: return .failure(ProtocolError("mute: \"on\" is \(other.typeName); expected true or false"))
            }
        default:
            return .failure(ProtocolError("unknown command \(JSONText.quoted(name)); expected one of: " + names.joined(separator: ", ")))
        }
    }
}

/// What an `ERROR` line says.
public struct ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// `{"class":"ERROR","message":"…"}`.
    public var jsonLine: String {
        var object = JSONObjectWriter(className: "ERROR")
        object.string("message", message)
        return object.finish()
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where thrustd keeps its files (SPEC §7), resolved one way for the daemon and its clients:
/// as root `/var/lib/thrustd` and `/run/thrustd`; otherwise `$XDG_STATE_HOME/thrustd` (else
/// `~/.local/state/thrustd`) and `$XDG_RUNTIME_DIR/thrustd` (else `/tmp/thrustd-UID`). systemd's
/// `STATE_DIRECTORY` / `RUNTIME_DIRECTORY` win when set; explicit directories win over everything.
public struct StandardPaths: Sendable, Equatable {
    public var stateDir: String
    public var runtimeDir: String
    public var socketPath: String
    public var logDir: String { stateDir + "/log" }
    public var calibrationPath: String { stateDir + "/calibration.json" }

    public init(stateDir: String? = nil, runtimeDir: String? = nil, socket: String? = nil,
                environment: [String: String], uid: UInt32) {
        let isRoot = uid == 0
        let state = stateDir
            ?? environment["STATE_DIRECTORY"].flatMap(Self.firstPath)
            ?? (isRoot ? "/var/lib/thrustd" : Self.userStateDir(environment, uid: uid))
        let runtime = runtimeDir
            ?? environment["RUNTIME_DIRECTORY"].flatMap(Self.firstPath)
            ?? (isRoot ? "/run/thrustd" : Self.userRuntimeDir(environment, uid: uid))
        self.stateDir = Self.trimmed(state)
        self.runtimeDir = Self.trimmed(runtime)
        socketPath = socket ?? self.runtimeDir + "/thrustd.sock"
    }

    static func userStateDir(_ environment: [String: String], uid: UInt32) -> String {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/thrustd" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/thrustd" }
        return "/tmp/thrustd-state-\(uid)"
    }

    static func userRuntimeDir(_ environment: [String: String], uid: UInt32) -> String {
        if let xdg = environment["XDG_RUNTIME_DIR"], xdg.hasPrefix("/") { return xdg + "/thrustd" }
        return "/tmp/thrustd-\(uid)"
    }

    /// systemd passes colon-separated lists in *_DIRECTORY.
    static func firstPath(_ list: String) -> String? {
        list.split(separator: ":").first.map(String.init).flatMap { $0.hasPrefix("/") ? $0 : nil }
    }

    /// Without trailing slashes (but "/" stays).
    public static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The process environment (no Foundation).
    public static func processEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return result
    }
}

import ThrustCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the daemon keeps its files (SPEC §7), resolved the way `thrustd` resolves them:
/// as root `/var/lib/thrustd` and `/run/thrustd`; otherwise `$XDG_STATE_HOME/thrustd` (else
/// `~/.local/state/thrustd`) and `$XDG_RUNTIME_DIR/thrustd` (else `/tmp/thrustd-UID`). systemd's
/// `STATE_DIRECTORY` / `RUNTIME_DIRECTORY` win when set. Explicit options win over everything.
public struct ClientPaths: Sendable, Equatable {
    public var stateDir: String
    public var runtimeDir: String
    public var socketPath: String
    public var logDir: String

    public init(stateDir: String? = nil, runtimeDir: String? = nil, socket: String? = nil, logDir: String? = nil,
                environment: [String: String] = ClientPaths.environment(), uid: UInt32 = getuid()) {
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
        self.logDir = logDir.map(Self.trimmed) ?? self.stateDir + "/log"
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

    private static func firstPath(_ list: String) -> String? {
        list.split(separator: ":").first.map(String.init).flatMap { $0.hasPrefix("/") ? $0 : nil }
    }

    private static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The process environment.
    public static func environment() -> [String: String] {
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

    /// Free bytes for an unprivileged writer on the file system holding `path` (or its nearest
    /// existing parent); nil when none can be examined.
    public static func freeBytes(at path: String) -> UInt64? {
        var candidate = path
        while true {
            var info = statvfs()
            if statvfs(candidate, &info) == 0 { return UInt64(info.f_bavail) * UInt64(info.f_frsize) }
            guard let slash = candidate.lastIndex(of: "/"), candidate != "/" else { return nil }
            candidate = slash == candidate.startIndex ? "/" : String(candidate[..<slash])
        }
    }

    /// `12.3 GiB`, `512 MiB`, `800 KiB`.
    public static func byteText(_ bytes: UInt64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return (unit == 0 ? String(bytes) : JSONText.fixed(value, decimals: value < 10 ? 1 : 0)) + " " + units[unit]
    }
}

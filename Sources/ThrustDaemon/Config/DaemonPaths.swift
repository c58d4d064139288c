#if canImport(Glibc)
import Glibc
#endif

/// The daemon's directories and files (SPEC §7): system paths as root, per-user paths otherwise.
public struct DaemonPaths: Sendable, Equatable {
    public var stateDir: String
    public var runtimeDir: String
    public var socketPath: String
    public var logDir: String { stateDir + "/log" }
    public var calibrationPath: String { stateDir + "/calibration.json" }

    public init(stateDir: String, runtimeDir: String, socketPath: String) {
        self.stateDir = stateDir
        self.runtimeDir = runtimeDir
        self.socketPath = socketPath
    }

    /// Resolves the config's directories against the environment.
    ///
    /// Root (or systemd's `STATE_DIRECTORY`/`RUNTIME_DIRECTORY`): /var/lib/thrustd and
    /// /run/thrustd. Others: `$XDG_STATE_HOME/thrustd` (else ~/.local/state/thrustd) and
    /// `$XDG_RUNTIME_DIR/thrustd` (else /tmp/thrustd-UID).
    public static func resolve(_ config: DaemonConfig, environment: [String: String] = DaemonPaths.environment(),
                               uid: UInt32 = getuid()) -> DaemonPaths {
        let isRoot = uid == 0
        let state = config.stateDir
            ?? environment["STATE_DIRECTORY"].flatMap(firstPath)
            ?? (isRoot ? "/var/lib/thrustd" : userStateDir(environment))
        let runtime = config.runtimeDir
            ?? environment["RUNTIME_DIRECTORY"].flatMap(firstPath)
            ?? (isRoot ? "/run/thrustd" : userRuntimeDir(environment, uid: uid))
        let socket = config.socketPath ?? runtime + "/thrustd.sock"
        return DaemonPaths(stateDir: trimmed(state), runtimeDir: trimmed(runtime), socketPath: socket)
    }

    static func userStateDir(_ environment: [String: String]) -> String {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/thrustd" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.local/state/thrustd" }
        return "/tmp/thrustd-state-\(getuid())"
    }

    static func userRuntimeDir(_ environment: [String: String], uid: UInt32) -> String {
        if let xdg = environment["XDG_RUNTIME_DIR"], xdg.hasPrefix("/") { return xdg + "/thrustd" }
        return "/tmp/thrustd-\(uid)"
    }

    /// systemd passes colon-separated lists in *_DIRECTORY.
    private static func firstPath(_ list: String) -> String? {
        list.split(separator: ":").first.map(String.init).flatMap { $0.hasPrefix("/") ? $0 : nil }
    }

    private static func trimmed(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The process environment (no Foundation).
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

    /// Creates `path` and its parents with `mode` (existing directories are left as they are).
    public static func makeDirectories(_ path: String, mode: mode_t) throws(DaemonError) {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/" + part
            if mkdir(built, mode) != 0 {
                let code = errno
                if code == EEXIST {
                    var info = stat()
                    if stat(built, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { continue }
                    throw DaemonError("\(built): exists and is not a directory")
                }
                throw DaemonError("\(built): cannot create the directory: \(errnoText(code))")
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import ThrustPaths

/// The daemon's directories and files (SPEC §7): system paths as root, per-user paths otherwise —
/// the same `StandardPaths` the client resolves, from the config's directories.
public typealias DaemonPaths = StandardPaths

extension StandardPaths {
    /// Resolves the config's directories against the environment (see `StandardPaths`).
    public static func resolve(_ config: DaemonConfig, environment: [String: String] = processEnvironment(),
                               uid: UInt32 = getuid()) -> StandardPaths {
        StandardPaths(stateDir: config.stateDir, runtimeDir: config.runtimeDir, socket: config.socketPath,
                      environment: environment, uid: uid)
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

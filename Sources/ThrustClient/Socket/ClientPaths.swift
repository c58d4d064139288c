import ThrustCore
import ThrustPaths

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the daemon keeps its files (SPEC §7), resolved exactly as `thrustd` resolves them
/// (`StandardPaths`); `--log-dir` may point the log commands elsewhere.
public struct ClientPaths: Sendable, Equatable {
    public var stateDir: String
    public var runtimeDir: String
    public var socketPath: String
    public var logDir: String

    public init(stateDir: String? = nil, runtimeDir: String? = nil, socket: String? = nil, logDir: String? = nil,
                environment: [String: String] = ClientPaths.environment(), uid: UInt32 = getuid()) {
        let standard = StandardPaths(stateDir: stateDir, runtimeDir: runtimeDir, socket: socket,
                                     environment: environment, uid: uid)
        self.stateDir = standard.stateDir
        self.runtimeDir = standard.runtimeDir
        socketPath = standard.socketPath
        self.logDir = logDir.map(StandardPaths.trimmed) ?? standard.logDir
    }

    /// The process environment.
    public static func environment() -> [String: String] { StandardPaths.processEnvironment() }

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

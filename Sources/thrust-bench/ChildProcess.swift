#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a program to completion and reports its wall time and peak memory (`wait4` rusage).
struct ChildRun {
    var exitStatus: Int32
    var wallS: Double
    /// Peak resident set size of the child, KiB (Linux `ru_maxrss`).
    var maxRSSKiB: Int
}

enum ChildProcess {
    /// Starts `argv` with stdout (and stderr when `quiet`) sent to /dev/null, waits for it.
    static func run(_ argv: [String], quiet: Bool = false) -> Result<ChildRun, BenchError> {
        guard let program = argv.first else { return .failure(BenchError("no program to run")) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        if quiet { posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0) }

        var cArguments: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) }
        cArguments.append(nil)
        defer { for pointer in cArguments { free(pointer) } }

        let start = monotonicSeconds()
        var pid: pid_t = 0
        let spawnError = posix_spawn(&pid, program, &actions, nil, cArguments, environ)
        guard spawnError == 0 else {
            return .failure(BenchError("cannot start \(program): \(String(cString: strerror(spawnError)))"))
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { return .failure(BenchError("wait4 failed: \(String(cString: strerror(errno)))")) }
        }
        let wall = monotonicSeconds() - start
        // WIFEXITED / WEXITSTATUS by hand (macros are not imported into Swift).
        let exited = status & 0x7F == 0
        let code = exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return .success(ChildRun(exitStatus: code, wallS: wall, maxRSSKiB: Int(usage.ru_maxrss)))
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}

import Foundation
import TestProcessSupport

// Finding and running the programs comes from TestProcessSupport; what only the client tests need:

/// Runs `thrust ARGS` through bash and returns the output with the child's CPU time (user + system,
/// from bash's `times`), which is steadier than wall time on a busy machine.
func runTimed(_ arguments: [String], environment: [String: String]? = nil) throws -> (ProcessOutput, cpuS: Double) {
    let thrust = try Binaries.path("thrust")
    let quoted = ([thrust] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        .joined(separator: " ")
    let output = try runBinary("/bin/bash", ["-c", quoted + " >/dev/null; status=$?; times >&2; exit $status"],
                               environment: environment)
    // `times` prints two lines: the shell's, then its children's: "0m0.512s 0m0.020s".
    let childLine = output.stderr.split(separator: "\n").last.map(String.init) ?? ""
    var total = 0.0
    for part in childLine.split(separator: " ") {
        guard let m = part.firstIndex(of: "m"), let minutes = Double(part[..<m]),
              let seconds = Double(part[part.index(after: m)...].dropLast()) else { continue }
        total += minutes * 60 + seconds
    }
    return (output, total)
}

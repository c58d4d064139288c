// log-bench: how fast `thrust log` summarises a year of daily rep logs (issue: ≤ 1 s for
// ≈ 100 000 reps). Writes the year (365 files, a session on two days of three, 20 sets × 20
// reps each) to a temporary directory, runs the real `thrust` binary (next to this one) on it
// several times and prints wall and CPU time per run.
//
//   swift build -c release --product thrust && swift build -c release --product log-bench
//   .build/release/log-bench                  # --runs 5
//   .build/release/log-bench --generate DIR   # only write the year to DIR; prints the rep count
import Foundation
import ThrustClient
import ThrustCore

/// Writes the year; returns the number of reps. Lines are the daemon's own encoding.
func writeYear(in directory: String, startDay: Int = CivilTime.daysFromCivil(year: 2024, month: 1, day: 1)) throws -> Int {
    var text = ""
    var line = ""
    var seq = 0
    var reps = 0
    for dayOffset in 0..<365 {
        let day = startDay + dayOffset
        text.removeAll(keepingCapacity: true)
        if dayOffset % 3 != 2 {
            var time = Double(day) * 86_400 + 18 * 3600
            for set in 1...20 {
                func emit(_ event: CoreEvent) {
                    seq += 1
                    line.removeAll(keepingCapacity: true)
                    event.appendJSON(to: &line, extraFields: "\"time\":\"" + CivilTime.rfc3339(time) + "\",\"seq\":\(seq)")
                    text += line
                    text += "\n"
                }
                emit(.setStart(set: set, t: time))
                for rep in 1...20 {
                    time += 3.5
                    let kinds: AlertSet = rep % 7 == 0 ? AlertSet(.tempoFast) : []
                    if !kinds.isEmpty {
                        emit(.alert(Alert(set: set, rep: rep, kind: .tempoFast, value: 0.8, limit: 1, t: time)))
                    }
                    emit(.rep(RepReport(set: set, rep: rep, t: time, depthCm: 14 + Double(rep % 7), eccentricS: 1.234,
                                        bottomS: 0.25, concentricS: 1.05, holdS: 2.125, lockoutCm: 0.31,
                                        torsoDeg: nil, tiltDeg: 0.8, peakVelocityMps: 0.812,
                                        meanVelocityMps: 0.5 - Double(rep) * 0.01, partial: false, alerts: kinds)))
                    reps += 1
                }
                time += 5
                emit(.setEnd(SetSummary(set: set, t: time, reps: 20, meanDepthCm: 17, velocityLossPct: 20, alerts: 2)))
                time += 120
            }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + CivilTime.dateText(ofDay: day) + ".jsonl"))
    }
    return reps
}

/// CPU seconds (user + system) of all waited-for children so far.
func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("log-bench: " + message + "\n").utf8))
    exit(1)
}

var arguments = Array(CommandLine.arguments.dropFirst())
var runs = 5
var generateOnly: String?
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--runs":
        guard let value = arguments.first.flatMap(Int.init), value > 0 else { fail("--runs: expected a positive whole number") }
        arguments.removeFirst()
        runs = value
    case "--generate":
        guard let value = arguments.first else { fail("--generate: expected a directory") }
        arguments.removeFirst()
        generateOnly = value
    default:
        fail("unknown argument '\(argument)'; expected --runs N or --generate DIR")
    }
}

if let directory = generateOnly {
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        print(try writeYear(in: directory))
    } catch {
        fail("\(directory): \(error)")
    }
    exit(0)
}

let own = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
let thrust = own.deletingLastPathComponent().appendingPathComponent("thrust").path
guard FileManager.default.isExecutableFile(atPath: thrust) else { fail("\(thrust): not built (swift build --product thrust)") }
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("log-bench-\(getpid())").path
do {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
} catch {
    fail("\(directory): \(error)")
}
defer { try? FileManager.default.removeItem(atPath: directory) }
let reps: Int
do { reps = try writeYear(in: directory) } catch { fail("\(directory): \(error)") }
let bytes = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).reduce(0) { sum, name in
    sum + (((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name))?[.size] as? Int) ?? 0)
}
print("a year of logs: 365 files, \(reps) reps, \(bytes / 1_000_000) MB; thrust = \(thrust)")
print("run  wall s  cpu s")
for run in 1...runs {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: thrust)
    process.arguments = ["log", "--log-dir", directory]
    process.standardOutput = FileHandle.nullDevice
    let cpuBefore = childrenCPUSeconds()
    let start = DispatchTime.now().uptimeNanoseconds
    do { try process.run() } catch { fail("cannot run \(thrust): \(error)") }
    process.waitUntilExit()
    let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    let cpu = childrenCPUSeconds() - cpuBefore
    guard process.terminationStatus == 0 else { fail("thrust log exited with \(process.terminationStatus)") }
    print(String(format: "%3d  %6.3f  %5.3f", run, wall, cpu))
}

import Foundation
import TestProcessSupport
import Testing
import ThrustCapture
import ThrustCore
@testable import ThrustClient

/// The client commands against the real `thrustd` (replaying a simulated capture, or its built-in
/// simulated lifter), so the two programs are checked against each other, not just against the SPEC.
/// The replay test covers watch (JSON and plain, across a daemon restart), status, record, log and
/// report; the simulator test covers record and calibrate (the simulated lifter rests, so the
/// daemon can calibrate).
@Suite(.serialized) struct RealDaemonTests {
    /// A short simulated session (about 40 s, one set) written with `thrust simulate`.
    static func capture(in dir: ScratchDirectory) throws -> String {
        let path = dir.path + "/quick.csv"
        let simulate = try runBinary("thrust", ["simulate", "--scenario", "quick", "--seed", "2", "--out", path])
        try #require(simulate.status == 0, "thrust simulate failed: \(simulate.stderr)")
        return path
    }

    static func daemon(_ arguments: [String], state: String, runtime: String) throws -> RunningProcess {
        try RunningProcess("thrustd", arguments + ["--state-dir", state, "--runtime-dir", runtime, "--no-print-events"])
    }

    @Test func watchStatusLogAndReportFollowAReplay() throws {
        let dir = try ScratchDirectory()
        let capture = try Self.capture(in: dir)
        let state = dir.path + "/state", runtime = dir.path + "/run"
        let socket = runtime + "/thrustd.sock"
        let recorded = dir.path + "/recorded.csv"

        // Watchers start before the daemon: they wait for it, and follow it through a restart.
        let json = try RunningProcess("thrust", ["watch", "--json", "--runtime-dir", runtime, "--seconds", "60"])
        let plain = try RunningProcess("thrust", ["watch", "--runtime-dir", runtime, "--seconds", "60"])
        var statusSeen: EventObject?
        for run in 0..<2 {
            let daemon = try Self.daemon(["--source", "replay:" + capture, "--speed", "10", "--exit-at-end"],
                                         state: state, runtime: runtime)
            #expect(daemon.waitUntil(timeoutS: 20) { FileManager.default.fileExists(atPath: socket) })
            if run == 0 {
                let status = try runBinary("thrust", ["status", "--runtime-dir", runtime, "--state-dir", state, "--json"])
                #expect(status.status == 0, "\(status.stderr)")
                statusSeen = EventObject(line: status.stdoutLines.first ?? "")
                let record = try runBinary("thrust", ["record", "--seconds", "1", "--out", recorded, "--runtime-dir", runtime])
                #expect(record.status == 0, "\(record.stderr)")
            }
            let exit = daemon.wait(timeoutS: 60)
            #expect(exit.status == 0, "thrustd: \(exit.stderr.suffix(1000))")
            // Both watchers are connected again before the next run's samples start.
            usleep(700_000)
        }
        let jsonOutput = json.stop(signal: SIGINT)
        let plainOutput = plain.stop(signal: SIGINT)
        #expect(jsonOutput.status == 0)
        #expect(plainOutput.status == 0)

        let status = try #require(statusSeen)
        #expect(status.string("source") == "replay:" + capture)
        #expect(status.string("log_dir") == state + "/log")
        #expect(status.number("rate_hz") != nil)
        #expect(status.string("release") != nil)

        // The raw stream: VERSION and STATUS on each connect, then events of SPEC §5.
        let events = jsonOutput.stdoutLines.compactMap(EventObject.init(line:))
        #expect(events.count == jsonOutput.stdoutLines.count, "a line that is not JSON")
        #expect(events.filter { $0.eventClass == "VERSION" }.count >= 2)
        let streamedReps = events.filter { $0.eventClass == "REP" }
        #expect(!streamedReps.isEmpty)
        #expect(plainOutput.stdout.contains(" rep 1: depth "))
        #expect(plainOutput.stderr.components(separatedBy: "connected to").count - 1 >= 2)

        // The log, read by `thrust log`, has every REP the daemon wrote; the stream's REPs are among them.
        let logText = try FileManager.default.contentsOfDirectory(atPath: state + "/log").sorted()
            .map { try String(contentsOfFile: state + "/log/" + $0, encoding: .utf8) }.joined()
        let loggedReps = logText.split(separator: "\n").filter { $0.contains("\"class\":\"REP\"") }
        let log = try runBinary("thrust", ["log", "--state-dir", state, "--json"])
        #expect(log.status == 0, "\(log.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(log.stdout.utf8)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["reps"] as? Int == loggedReps.count)
        #expect((object["skipped"] as? [String: Int])?["torn"] == 0)
        let loggedSeqs = Set(loggedReps.compactMap { EventObject(line: String($0))?.int("seq") })
        #expect(streamedReps.allSatisfy { loggedSeqs.contains($0.int("seq") ?? -1) })
        // Two replays of one capture: the same reps twice.
        #expect(loggedReps.count == 2 * (loggedReps.count / 2))

        // `record` wrote a second of the replayed capture: the same rows (to the SAMPLE line's decimals).
        var original: [Int64: Sample] = [:]
        var source = try CaptureReader(path: capture)
        while let sample = try source.next() { original[Int64((sample.t * 1e6).rounded())] = sample }
        var copy = try CaptureReader(path: recorded)
        var copied: [Sample] = []
        while let sample = try copy.next() { copied.append(sample) }
        let rate = try #require(copy.metadata.rateHz)
        #expect(Double(copied.count) > rate * 0.9 && Double(copied.count) < rate * 1.1)
        #expect(copied.allSatisfy { sample in
            guard let row = original[Int64((sample.t * 1e6).rounded())] else { return false }
            func largest(_ difference: SIMD3<Double>) -> Double {
                max(abs(difference.x), abs(difference.y), abs(difference.z))
            }
            return largest(row.accel - sample.accel) < 1e-3 && largest(row.gyro - sample.gyro) < 1e-4
        })

        let report = try runBinary("thrust", ["report", "--state-dir", state, "--out", dir.path + "/r.html"])
        #expect(report.status == 0, "\(report.stderr)")
        let html = try String(contentsOfFile: dir.path + "/r.html", encoding: .utf8)
        #expect(html.contains("data-chart=\"depth\""))
        #expect(html.contains("data-chart=\"velocity\""))
    }

    /// accel: the core relearns offsets and scales from the simulated lifter's next still poses
    /// (fast-forwarded: they are minutes apart); lockout: the pose held now is the reference.
    @Test func calibrateAccelAndLockoutThroughTheSimulator() throws {
        let dir = try ScratchDirectory()
        let state = dir.path + "/state", runtime = dir.path + "/run"
        let daemon = try Self.daemon(["--source", "sim", "--speed", "25"], state: state, runtime: runtime)
        defer { _ = daemon.stop() }
        #expect(daemon.waitUntil(timeoutS: 20) { FileManager.default.fileExists(atPath: runtime + "/thrustd.sock") })
        let accel = try runBinary("thrust", ["calibrate", "accel", "--yes", "--json", "--timeout", "90",
                                             "--runtime-dir", runtime], timeoutS: 120)
        #expect(accel.status == 0, "calibrate accel: \(accel.stdout) \(accel.stderr)")
        let result = EventObject(line: accel.stdoutLines.last ?? "")
        #expect(result?.eventClass == "CALIBRATE")
        #expect(accel.stdout.contains("accel_calibrated"))
        let lockout = try runBinary("thrust", ["calibrate", "lockout", "--yes", "--timeout", "30", "--runtime-dir", runtime])
        #expect(lockout.status == 0, "calibrate lockout: \(lockout.stdout) \(lockout.stderr)")
    }

    @Test func recordAndCalibrateThroughTheSimulator() throws {
        let dir = try ScratchDirectory()
        let state = dir.path + "/state", runtime = dir.path + "/run"
        let daemon = try Self.daemon(["--source", "sim", "--speed", "4"], state: state, runtime: runtime)
        defer { _ = daemon.stop() }
        #expect(daemon.waitUntil(timeoutS: 20) { FileManager.default.fileExists(atPath: runtime + "/thrustd.sock") })

        let out = dir.path + "/recorded.csv"
        let record = try runBinary("thrust", ["record", "--seconds", "2", "--out", out, "--json", "--runtime-dir", runtime])
        #expect(record.status == 0, "\(record.stderr)")
        var reader = try CaptureReader(path: out)
        #expect(reader.metadata.rateHz != nil)
        #expect(reader.metadata["source"] == "sim")
        var samples: [Sample] = []
        while let sample = try reader.next() { samples.append(sample) }
        let rate = try #require(reader.metadata.rateHz)
        #expect(Double(samples.count) > 2 * rate * 0.9)
        #expect(((samples.last?.t ?? 0) - (samples.first?.t ?? 0)) < 2)
        // At rest or moving, the accelerometer reads about one g.
        let meanAccel = samples.map { ($0.accel * $0.accel).sum().squareRoot() }.reduce(0, +) / Double(samples.count)
        #expect(meanAccel > 5 && meanAccel < 15)

        let gyro = try runBinary("thrust", ["calibrate", "gyro", "--yes", "--timeout", "60", "--runtime-dir", runtime])
        #expect(gyro.status == 0, "calibrate gyro: \(gyro.stdout) \(gyro.stderr)")
        #expect(gyro.stdout.contains("Calibrated gyro"))

        let status = try runBinary("thrust", ["status", "--runtime-dir", runtime, "--state-dir", state])
        #expect(status.status == 0)
        #expect(status.stdout.split(separator: "\n").contains { $0.hasPrefix("source ") && $0.hasSuffix(" sim") })
    }
}

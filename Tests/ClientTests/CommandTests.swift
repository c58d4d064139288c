import Foundation
import TestProcessSupport
import Testing
import ThrustCapture
import ThrustCore
@testable import ThrustClient

/// The `thrust` binary's client commands against log fixtures and a fake daemon.
@Suite struct LogCommandTests {
    @Test func logPrintsTablesJSONAndCSV() throws {
        let (dir, _) = try weekOfTraining()
        try dir.file("2024-05-09.jsonl", (try String(contentsOfFile: dir.path + "/2024-05-09.jsonl", encoding: .utf8))
                     + #"{"class":"REP","time":"2024-05-09T18:00:00.000Z","seq":1,"set":9,"rep":1,"dep"#)
        let env = ["TZ": "UTC"]
        let text = try runBinary("thrust", ["log", "--log-dir", dir.path], environment: env)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Session 3 · Thu 2024-05-09 17:30–"))
        #expect(text.stdout.contains("Total: 3 sessions, 9 sets, 90 reps"))
        #expect(text.stdout.contains("warning: sessions on consecutive days"))
        #expect(text.stderr.contains("thrust: warning: skipped 1 torn line (first: \(dir.path)/2024-05-09.jsonl:"))

        let json = try runBinary("thrust", ["log", "--log-dir", dir.path, "--json", "--since", "2024-05-07"],
                                 environment: env)
        #expect(json.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["sessions"] as? [Any])?.count == 2)
        #expect((object["skipped"] as? [String: Int])?["torn"] == 1)

        let csv = try runBinary("thrust", ["log", "--log-dir", dir.path, "--csv", "--set", "3", "--until", "2024-05-06"],
                                environment: env)
        #expect(csv.status == 0)
        #expect(csv.stdoutLines.count == 1 + 11)
        #expect(csv.stdoutLines.dropFirst().allSatisfy { $0.hasPrefix("1,2024-05-06,3,3,") })

        let oneSet = try runBinary("thrust", ["log", "--log-dir", dir.path, "--set", "2"], environment: env)
        #expect(oneSet.stdout.contains("set 2 (17:"))
        #expect(oneSet.stdout.contains("rep  time"))
        #expect(!oneSet.stdout.contains("set 3 ("))
    }

    @Test func logExitCodes() throws {
        let dir = try ScratchDirectory()
        let missing = try runBinary("thrust", ["log", "--log-dir", dir.path + "/nope"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains(dir.path + "/nope: cannot open the log directory"))
        let empty = try runBinary("thrust", ["log", "--log-dir", dir.path])
        #expect(empty.status == 0)
        #expect(empty.stdout.contains("No sets in the log for this range."))
        for bad in [["--since", "soon"], ["--json", "--csv"], ["--set", "0"], ["--since", "2024-05-02", "--until", "2024-05-01"]] {
            let result = try runBinary("thrust", ["log", "--log-dir", dir.path] + bad)
            #expect(result.status == 64, "\(bad): \(result.stderr)")
        }
        let sinceError = try runBinary("thrust", ["log", "--log-dir", dir.path, "--since", "soon"])
        #expect(sinceError.stderr.contains("'soon': expected a duration back from now"))
    }

    /// Sessions are local: the machine's TZ decides dates and consecutive days.
    @Test func logUsesTheMachinesTimeZone() throws {
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        // Sun 2024-10-27 03:30Z (Sat 23:30 in New York, Sun 04:30 in Berlin, after the change to CET)
        // and Mon 2024-10-28 02:00Z (Sun 22:00 in New York, Mon 03:00 in Berlin).
        log.set(1, at: utc(2024, 10, 27, 3, 30), reps: 2)
        log.set(1, at: utc(2024, 10, 28, 2, 0), reps: 2)
        try log.write()
        func dates(_ zone: String) throws -> ([String], [String]) {
            let result = try runBinary("thrust", ["log", "--log-dir", dir.path, "--json"], environment: ["TZ": zone])
            let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let sessions = try #require(object["sessions"] as? [[String: Any]])
            let advice = try #require(object["advice"] as? [[String: Any]])
            return (sessions.compactMap { $0["start"] as? String }, advice.compactMap { $0["kind"] as? String })
        }
        let berlin = try dates("Europe/Berlin")
        #expect(berlin.0 == ["2024-10-27T04:30:00+01:00", "2024-10-28T03:00:00+01:00"])
        #expect(berlin.1 == ["consecutive_days"])
        let newYork = try dates("America/New_York")
        #expect(newYork.0 == ["2024-10-26T23:30:00-04:00", "2024-10-27T22:00:00-04:00"])
        #expect(newYork.1 == ["consecutive_days"])
        let tokyo = try dates("Asia/Tokyo")
        #expect(tokyo.0 == ["2024-10-27T12:30:00+09:00", "2024-10-28T11:00:00+09:00"])
        let text = try runBinary("thrust", ["log", "--log-dir", dir.path], environment: ["TZ": "America/New_York"])
        #expect(text.stdout.contains("Session 1 · Sat 2024-10-26 23:30–"))
    }

    /// A year of daily logs (≈ 100 000 reps, 33 MB, written by `log-bench --generate`, the same
    /// year the benchmark times): every rep is counted. Speed is log-bench's job, not a test's.
    @Test func aYearOfLogsIsSummarised() throws {
        let dir = try ScratchDirectory()
        let generated = try runBinary("log-bench", ["--generate", dir.path])
        #expect(generated.status == 0, "\(generated.stderr)")
        let reps = try #require(Int(generated.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(reps >= 97_000)
        let text = try runBinary("thrust", ["log", "--log-dir", dir.path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Total: 244 sessions, 4880 sets, \(reps) reps"), "\(text.stdout.suffix(400))")
        let json = try runBinary("thrust", ["log", "--log-dir", dir.path, "--json", "--since", "2024-12-01"])
        #expect(json.status == 0)
        #expect(json.stdout.contains("\"reps\":"))
    }

    @Test func reportCommand() throws {
        let (dir, _) = try weekOfTraining()
        let out = dir.path + "/report.html"
        let written = try runBinary("thrust", ["report", "--log-dir", dir.path, "--out", out, "--json"],
                                    environment: ["TZ": "UTC"])
        #expect(written.status == 0, "\(written.stderr)")
        let summary = try #require(EventObject(line: written.stdoutLines.first ?? ""))
        #expect(summary.eventClass == "REPORT")
        #expect(summary.int("reps") == 90)
        #expect(summary.int("sessions") == 3)
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(summary.int("bytes") == html.utf8.count)
        #expect(html.contains("data-chart=\"sessions-per-week\""))

        let toStdout = try runBinary("thrust", ["report", "--log-dir", dir.path, "--out", "-", "--since", "2024-05-09"])
        #expect(toStdout.status == 0)
        #expect(toStdout.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(ReportTests.count("data-chart=\"depth\"", in: toStdout.stdout) == 1)

        let unwritable = try runBinary("thrust", ["report", "--log-dir", dir.path, "--out", dir.path + "/no/such/dir/r.html"])
        #expect(unwritable.status == 1)
        let unreadable = try runBinary("thrust", ["report", "--log-dir", dir.path + "/missing", "--out", out])
        #expect(unreadable.status == 2)
        let noOut = try runBinary("thrust", ["report", "--log-dir", dir.path])
        #expect(noOut.status == 64)
    }

    @Test func helpDocumentsEveryCommand() throws {
        for command in ["watch", "status", "log", "report", "calibrate", "record"] {
            let help = try runBinary("thrust", [command, "--help"])
            #expect(help.status == 0)
            #expect(help.stdout.contains("Exit status:"), "\(command)")
            #expect(help.stdout.contains("--json"), "\(command)")
        }
        let top = try runBinary("thrust", ["--help"])
        for command in ["watch", "status", "log", "report", "calibrate", "record", "probe", "beep"] {
            #expect(top.stdout.contains("  \(command)"), "\(command)")
        }
    }
}

@Suite struct DaemonCommandTests {
    @Test func statusCommand() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version, FakeLines.status(clients: 2))
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let text = try runBinary("thrust", ["status", "--socket", place.path, "--state-dir", place.directory.path])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("0.9-test (protocol 1)"))
        #expect(text.stdout.contains(place.directory.path + "/log (ok)"))
        #expect(text.stdout.contains("free disk"))
        let json = try runBinary("thrust", ["status", "--socket", place.path, "--json"])
        let object = try #require(EventObject(line: json.stdoutLines.first ?? ""))
        #expect(object.int("clients") == 2)
        #expect(object.string("state") == "ready")

        let none = try runBinary("thrust", ["status", "--runtime-dir", place.directory.path + "/none"])
        #expect(none.status == 3)
        #expect(none.stderr.contains("cannot connect to " + place.directory.path + "/none/thrustd.sock"))

        let quiet = try SocketPlace()
        let mute = try FakeDaemon(path: quiet.path) { peer, _ in _ = peer.waitForHangUp() }
        defer { mute.stop() }
        let timedOut = try runBinary("thrust", ["status", "--socket", quiet.path, "--timeout", "0.5"])
        #expect(timedOut.status == 4)
    }

    @Test func watchPrintsLinesAndReconnects() throws {
        let place = try SocketPlace()
        // Start watching before the daemon exists: it waits.
        let watch = try RunningProcess("thrust", ["watch", "--socket", place.path, "--seconds", "8"])
        usleep(600_000)
        let daemon = try FakeDaemon(path: place.path) { peer, index in
            peer.send(FakeLines.version, FakeLines.status(),
                      #"{"class":"SET_START","set":\#(index + 1),"t":1}"#,
                      #"{"class":"PHASE","set":\#(index + 1),"rep":1,"phase":"eccentric","t":1.2}"#,
                      FakeLines.rep(set: index + 1, rep: 1))
            if index == 0 { usleep(200_000) } else { _ = peer.waitForHangUp(timeoutS: 10) }
            // The first connection ends: the daemon "restarts".
        }
        defer { daemon.stop() }
        #expect(watch.waitUntil(timeoutS: 8) { watch.stdoutSoFar.contains("set 2 rep 1:") })
        let output = watch.stop(signal: SIGINT)
        #expect(output.status == 0)
        #expect(output.stdout.contains("thrustd 0.9-test (protocol 1)"))
        #expect(output.stdout.contains("set 1 started"))
        #expect(output.stdout.contains("set 1 rep 1: depth 17.2 cm"))
        #expect(output.stdout.contains("set 2 rep 1:"))
        #expect(!output.stdout.contains("PHASE"))
        #expect(output.stderr.contains("waiting for thrustd"))
        #expect(output.stderr.contains("connection lost"))
        #expect(daemon.acceptedCount >= 2)
    }

    @Test func watchJSONPassesLinesThrough() throws {
        let place = try SocketPlace()
        let lines = [FakeLines.version, FakeLines.status(), #"{"class":"PHASE","set":1,"rep":1,"phase":"bottom","t":1}"#,
                     FakeLines.alert(set: 1, rep: 1, kind: "shallow", value: 12, limit: 15, unit: "cm"),
                     FakeLines.rep(set: 1, rep: 1, depth: 12, alerts: ["shallow"])]
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            if peer.readLine() == #"{"cmd":"watch","raw":true}"# {
                for line in lines { peer.send(line) }
                peer.send(FakeLines.sample(t: 1))
            }
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let watch = try runBinary("thrust", ["watch", "--json", "--raw", "--bell", "--socket", place.path, "--seconds", "1.5"])
        #expect(watch.status == 0)
        #expect(watch.stderr.contains("\u{07}"))  // the bell, kept out of the JSON
        #expect(watch.stdoutLines == lines + [FakeLines.sample(t: 1)])

        let noDaemon = try runBinary("thrust", ["watch", "--no-reconnect", "--socket", place.path + ".none"])
        #expect(noDaemon.status == 3)
        let badUsage = try runBinary("thrust", ["watch", "--raw"])
        #expect(badUsage.status == 64)
    }

    @Test func watchScreenOnATerminal() throws {
        // `script` gives the command a pseudo-terminal (util-linux, in every Debian).
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { return }
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version, FakeLines.status(), #"{"class":"SET_START","set":3,"t":1}"#,
                      FakeLines.alert(set: 3, rep: 12, kind: "tempo_fast", value: 0.7, limit: 1, unit: "s"),
                      FakeLines.rep(set: 3, rep: 12, eccentric: 0.7, alerts: ["tempo_fast"]))
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let thrust = try Binaries.path("thrust")
        // NO_COLOR may be set by the test runner; a lifter's terminal has colours.
        let result = try runBinary("/usr/bin/env", ["-u", "NO_COLOR", "TERM=xterm", "/usr/bin/script", "-q", "-e", "-c",
                                                    "\(thrust) watch --socket \(place.path) --seconds 1.5", "/dev/null"])
        #expect(result.status == 0, "\(result.stdout.suffix(500))")
        #expect(result.stdout.contains("\u{1B}[H\u{1B}[2J"))  // redrawn in place
        #expect(result.stdout.contains("██"))  // large digits
        #expect(result.stdout.contains("\u{1B}[31m0.70 s"))  // the short eccentric in red
        #expect(result.stdout.contains("ALERT tempo_fast"))
    }

    @Test func calibrateCommand() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version, FakeLines.status())
            guard let command = peer.readLine() else { return }
            if command.contains("\"gyro\"") {
                peer.send(FakeLines.status(state: "calibrating"),
                          #"{"class":"SENSOR","state":"calibrated","detail":"gyro bias learnt at rest","t":3}"#)
            } else {
                peer.send(#"{"class":"ERROR","message":"calibrate: expected \"what\": one of gyro, lockout, upright"}"#)
            }
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let gyro = try runBinary("thrust", ["calibrate", "gyro", "--socket", place.path, "--timeout", "5"])
        #expect(gyro.status == 0, "\(gyro.stderr)")
        #expect(gyro.stdout.contains("Put the bar (or the belt) down"))
        #expect(gyro.stdout.contains("Calibrated gyro: gyro bias learnt at rest."))
        let accel = try runBinary("thrust", ["calibrate", "accel", "--yes", "--json", "--socket", place.path])
        #expect(accel.status == 1)
        let result = try #require(EventObject(line: accel.stdoutLines.last ?? ""))
        #expect(result.eventClass == "CALIBRATE")
        #expect(result["ok"] == .bool(false))
        let unknown = try runBinary("thrust", ["calibrate", "elbow", "--socket", place.path])
        #expect(unknown.status == 64)
        let none = try runBinary("thrust", ["calibrate", "gyro", "--socket", place.path + ".none"])
        #expect(none.status == 3)
    }

    @Test func recordCommand() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version, FakeLines.status())
            guard peer.readLine() == #"{"cmd":"watch","raw":true}"# else { return }
            for index in 0..<400 { peer.send(FakeLines.sample(t: Double(index) / 200)) }
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let out = place.directory.path + "/raw.csv"
        let record = try runBinary("thrust", ["record", "--seconds", "0.5", "--out", out, "--json", "--socket", place.path])
        #expect(record.status == 0, "\(record.stderr)")
        let summary = try #require(EventObject(line: record.stdoutLines.first ?? ""))
        #expect(summary.int("samples") == 100)
        var reader = try CaptureReader(path: out)
        var count = 0
        while try reader.next() != nil { count += 1 }
        #expect(count == 100)
        // The capture is what `thrust analyze` reads.
        let analyze = try runBinary("thrust", ["analyze", out, "--json"])
        #expect(analyze.status == 0, "\(analyze.stderr)")

        let silent = try SocketPlace()
        let mute = try FakeDaemon(path: silent.path) { peer, _ in _ = peer.waitForHangUp(timeoutS: 10) }
        defer { mute.stop() }
        let noSamples = try runBinary("thrust", ["record", "--seconds", "1", "--out", out, "--socket", silent.path])
        #expect(noSamples.status == 4)
        #expect(noSamples.stderr.contains("no samples from thrustd"))
        let badUsage = try runBinary("thrust", ["record", "--seconds", "0", "--out", out])
        #expect(badUsage.status == 64)
    }
}

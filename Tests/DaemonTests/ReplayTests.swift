import Foundation
import TestProcessSupport
import Testing
import ThrustDaemon
#if canImport(Glibc)
import Glibc
#endif

extension ThrustdProcessTests {
    /// The real `thrustd` replaying captures: what it streams and logs is what `thrust analyze
    /// --one-pass` finds in the same file (a replay starts with no stored calibration).
    @Suite struct ReplayTests {
        @Test func replayStreamsAndLogsTheSameRepsAsAnalyze() throws {
            let capture = try Captures.simulated(scenario: "barbell", seed: 4)
            let expected = try Captures.analyze(capture).filter { $0.className == "REP" }.map(\.withoutStamps)
            #expect(!expected.isEmpty, "the capture should contain reps")

            let scratch = try ScratchDirectory()
            let daemon = try DaemonUnderTest(scratch, ["--source", "replay:" + capture, "--speed", "40", "--exit-at-end"])
            let client = try daemon.connect()
            #expect(JSONObject(client.readLine() ?? "")?.className == "VERSION")
            let status = JSONObject(client.readLine() ?? "")
            #expect(status?.className == "STATUS")
            #expect(status?.string("source") == "replay:" + capture)
            for key in ["sensor", "source", "rate_hz", "mount", "profile", "state"] {
                #expect(status?[key] != nil, "STATUS lacks \(key)")
            }

            var streamed: [JSONObject] = []
            while let line = client.readLine(timeoutS: 60) {
                if let object = JSONObject(line) { streamed.append(object) }
            }
            let output = daemon.process.wait(timeoutS: 60)
            #expect(output.status == 0, "\(output.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.socketPath), "the socket is removed at exit")

            let streamedReps = streamed.filter { $0.className == "REP" }
            #expect(streamedReps.map(\.withoutStamps) == expected)
            let (logged, bad) = try readLog(scratch.logDir)
            #expect(bad.isEmpty)
            #expect(logged.filter { $0.className == "REP" }.map(\.withoutStamps) == expected)

            // Stamps: time is RFC 3339 UTC, seq strictly increases; the log has no PHASE lines.
            let seqs = streamed.compactMap { $0.int("seq") }
            #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
            for object in streamedReps {
                let time = object.string("time") ?? ""
                #expect(time.hasSuffix("Z") && time.count == 24, "time \(time)")
            }
            #expect(!logged.contains { $0.className == "PHASE" })
            #expect(streamed.contains { $0.className == "PHASE" }, "clients get PHASE events live")
            // Every logged event since the client connected was streamed with the same seq.
            let streamedSeqs = Set(seqs)
            let firstStreamed = seqs.min() ?? 0
            let loggedSince = logged.compactMap { $0.int("seq") }.filter { $0 >= firstStreamed }
            #expect(!loggedSince.isEmpty && loggedSince.allSatisfy(streamedSeqs.contains))
        }

        @Test func killDashNineDuringASetLosesNothingAndARestartGoesOn() throws {
            let capture = try Captures.simulated(scenario: "barbell", seed: 4)
            let scratch = try ScratchDirectory()
            var seenBeforeKill: [JSONObject] = []
            do {
                let daemon = try DaemonUnderTest(scratch, ["--source", "replay:" + capture, "--speed", "10"])
                let client = try daemon.connect()
                // Wait for the second rep of a set: the set is open when the daemon dies.
                guard let lines = client.readUntil(timeoutS: 90, { $0.className == "REP" && ($0.int("rep") ?? 0) >= 2 }) else {
                    Issue.record("no second rep streamed: \(daemon.process.stderrSoFar)")
                    return
                }
                seenBeforeKill = lines
                kill(daemon.process.pid, SIGKILL)
                _ = daemon.process.wait(timeoutS: 10)
            }
            let (logged, bad) = try readLog(scratch.logDir)
            #expect(bad.isEmpty, "every complete line parses")
            let loggedSeqs = Set(logged.compactMap { $0.int("seq") })
            for event in seenBeforeKill where ["REP", "ALERT", "SET_START", "SET_END", "SENSOR"].contains(event.className) {
                #expect(loggedSeqs.contains(event.int("seq") ?? -1), "streamed before the kill but not in the log: \(event.line)")
            }
            let lastSeq = loggedSeqs.max() ?? 0
            let lastSet = logged.compactMap { $0.int("set") }.max() ?? 0
            #expect(lastSet >= 1)

            // A torn last line, as a power cut mid-write would leave it.
            let logPath = scratch.logDir + "/" + todayLogName()
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
            handle.seekToEndOfFile()
            handle.write(Data("{\"class\":\"REP\",\"time\":\"2026-".utf8))
            try handle.close()
            let torn = RepLogFiles.read(path: logPath)
            #expect(torn.warnings.count == 1 && torn.warnings[0].contains("torn last line"), "\(torn.warnings)")

            // Restart: seq and set numbers go on; the torn fragment is closed off.
            let daemon = try DaemonUnderTest(scratch, ["--source", "replay:" + capture, "--speed", "40", "--exit-at-end"])
            let output = daemon.process.wait(timeoutS: 90)
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stderr.contains("torn"), "\(output.stderr)")
            let after = RepLogFiles.read(path: logPath)
            #expect(after.warnings.count == 1 && after.warnings[0].contains("invalid line"), "\(after.warnings)")
            let (relogged, _) = try readLog(scratch.logDir)
            let newEvents = relogged.filter { ($0.int("seq") ?? 0) > lastSeq }
            #expect(!newEvents.isEmpty)
            let newSets = newEvents.compactMap { $0.int("set") }
            #expect(newSets.allSatisfy { $0 > lastSet }, "sets \(newSets) should continue after \(lastSet)")
            let allSeqs = relogged.compactMap { $0.int("seq") }
            #expect(allSeqs == allSeqs.sorted())
        }

        @Test func sixtyFourClientsAndOneThatNeverReadsDropNoSample() throws {
            let capture = try Captures.simulated(scenario: "quick", seed: 3, rateHz: 1000)
            let sampleCount = try String(contentsOfFile: capture, encoding: .utf8)
                .split(separator: "\n").filter { $0.first.map { $0 == "-" || $0.isNumber } ?? false }.count
            let scratch = try ScratchDirectory()
            let daemon = try DaemonUnderTest(scratch, ["--source", "replay:" + capture, "--speed", "5", "--exit-at-end",
                                                       "--no-print-events"])
            // The stalled client asks for raw samples (≈ 5000 lines/s) and never reads.
            let stalled = try LineClient(path: scratch.socketPath, receiveBufferBytes: 4096)
            stalled.send("{\"cmd\":\"watch\",\"raw\":true}\n")
            var readers: [LineClient] = []
            for _ in 0..<64 { readers.append(try daemon.connect()) }

            // Read all 64 until the daemon exits (poll over every socket).
            var received = [[String]](repeating: [], count: readers.count)
            var partial = [[UInt8]](repeating: [], count: readers.count)
            var open = Set(readers.indices)
            let deadline = Date().addingTimeInterval(120)
            while !open.isEmpty && Date() < deadline {
                var fds = open.sorted().map { pollfd(fd: readers[$0].fd, events: Int16(POLLIN), revents: 0) }
                if poll(&fds, nfds_t(fds.count), 500) <= 0 { continue }
                for entry in fds where entry.revents != 0 {
                    guard let index = readers.firstIndex(where: { $0.fd == entry.fd }) else { continue }
                    var chunk = [UInt8](repeating: 0, count: 65_536)
                    let count = chunk.withUnsafeMutableBytes { recv(entry.fd, $0.baseAddress, $0.count, 0) }
                    if count <= 0 {
                        open.remove(index)
                        continue
                    }
                    partial[index].append(contentsOf: chunk[0..<count])
                    while let newline = partial[index].firstIndex(of: 0x0A) {
                        received[index].append(String(decoding: partial[index][..<newline], as: UTF8.self))
                        partial[index].removeSubrange(...newline)
                    }
                }
            }
            let output = daemon.process.wait(timeoutS: 60)
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stderr.contains("stopped: \(sampleCount) samples"), "every sample reached the core: \(output.stderr)")
            #expect(output.stderr.contains("0 events dropped"))
            #expect(output.stderr.contains("1 clients dropped"), "\(output.stderr)")
            #expect(output.stderr.contains("dropped: not reading"))

            let (logged, _) = try readLog(scratch.logDir)
            let loggedReps = logged.filter { $0.className == "REP" }.map(\.line)
            #expect(!loggedReps.isEmpty)
            for lines in received {
                #expect(lines.filter { $0.hasPrefix("{\"class\":\"REP\"") } == loggedReps)
            }
            // The stalled client's connection was closed by the daemon.
            var drained = 0
            while stalled.readLine(timeoutS: 5) != nil { drained += 1 }
            #expect(stalled.closedByPeer)
        }
    }
}

import Foundation
import TestProcessSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ThrustdProcessTests {
    /// A full disk, systemd's notification socket.
    @Suite struct RobustnessTests {
        /// Today's log file is a link to /dev/full (every write: ENOSPC). The daemon keeps counting,
        /// reports `log: disk_full`, and writes the queued events, in order, once space returns.
        @Test func aFullDiskIsReportedAndTheQueueIsWrittenWhenSpaceReturns() throws {
            let capture = try Captures.simulated(scenario: "barbell", seed: 4)
            let scratch = try ScratchDirectory()
            try FileManager.default.createDirectory(atPath: scratch.logDir, withIntermediateDirectories: true)
            let logPath = scratch.logDir + "/" + todayLogName()
            try FileManager.default.createSymbolicLink(atPath: logPath, withDestinationPath: "/dev/full")

            let daemon = try DaemonUnderTest(scratch, ["--source", "replay:" + capture, "--speed", "20", "--no-print-events"])
            let client = try daemon.connect()
            let full = client.readUntil(timeoutS: 30) { $0.className == "STATUS" && $0.string("log") == "disk_full" }
            #expect(full != nil, "\(daemon.process.stderrSoFar)")
            #expect(daemon.process.stderrSoFar.contains("rep log cannot be written"))
            // Counting goes on: reps still reach the client while the disk is full.
            let reps = client.readUntil(timeoutS: 60) { $0.className == "REP" }
            #expect(reps != nil)
            var streamed = reps ?? []

            try FileManager.default.removeItem(atPath: logPath)
            let recovered = client.readUntil(timeoutS: 20) { $0.className == "STATUS" && $0.string("log") == "ok" }
            #expect(recovered != nil, "\(daemon.process.stderrSoFar)")
            streamed += recovered ?? []
            _ = daemon.process.stop()

            let (logged, bad) = try readLog(scratch.logDir)
            #expect(bad.isEmpty)
            let loggedSeqs = logged.compactMap { $0.int("seq") }
            #expect(loggedSeqs == loggedSeqs.sorted(), "queued lines are written in order")
            let loggedSet = Set(loggedSeqs)
            for event in streamed where ["REP", "ALERT", "SET_START", "SET_END", "SENSOR"].contains(event.className) {
                #expect(loggedSet.contains(event.int("seq") ?? -1), "lost while the disk was full: \(event.line)")
            }
        }

        /// READY, STATUS, WATCHDOG and STOPPING reach $NOTIFY_SOCKET.
        @Test func notifiesSystemd() throws {
            let scratch = try ScratchDirectory()
            let notifyPath = scratch.path + "/notify.sock"
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in notifyPath.utf8.enumerated() { raw[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(bound == 0)
            let daemon = try RunningProcess("thrustd", ["--state-dir", scratch.stateDir, "--runtime-dir", scratch.runtimeDir,
                                                        "--source", "sim", "--speed", "5"],
                                            environment: ["NOTIFY_SOCKET": notifyPath, "WATCHDOG_USEC": "400000"])
            var messages: [String] = []
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&entry, 1, 200) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count > 0 { messages.append(String(decoding: buffer[0..<count], as: UTF8.self)) }
                if messages.filter({ $0 == "WATCHDOG=1" }).count >= 2 { break }
            }
            #expect(messages.first?.hasPrefix("READY=1\nSTATUS=") ?? false, "\(messages)")
            #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 2, "\(messages)")
            // Under systemd (NOTIFY_SOCKET set) nothing is printed on standard output by default.
            #expect(daemon.stdoutSoFar.isEmpty)
            let output = daemon.stop()
            #expect(output.status == 0)
            var sawStopping = false
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while poll(&entry, 1, 500) > 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
                if String(decoding: buffer[0..<count], as: UTF8.self) == "STOPPING=1" { sawStopping = true }
            }
            #expect(sawStopping)
        }

        /// `--record FILE` writes every sample the core saw; analysing the recording gives the same reps.
        @Test func recordWritesEverySample() throws {
            let capture = try Captures.simulated(scenario: "quick", seed: 3)
            let scratch = try ScratchDirectory()
            let recording = scratch.path + "/recorded.csv"
            let daemon = try DaemonUnderTest(scratch, ["--source", "replay:" + capture, "--speed", "40", "--exit-at-end",
                                                       "--record", recording, "--no-print-events"])
            let output = daemon.process.wait(timeoutS: 60)
            #expect(output.status == 0, "\(output.stderr)")
            func rows(_ path: String) throws -> Int {
                try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
                    .filter { $0.first.map { $0 == "-" || $0.isNumber } ?? false }.count
            }
            #expect(try rows(recording) == rows(capture))
            let original = try Captures.analyze(capture).filter { $0.className == "REP" }.map(\.withoutStamps)
            let recorded = try Captures.analyze(recording).filter { $0.className == "REP" }.map(\.withoutStamps)
            #expect(recorded.count == original.count)
        }

        /// The foreground view: reps, alerts and beeps on the terminal with the default source.
        @Test func foregroundShowsRepsAndBeeps() throws {
            let scratch = try ScratchDirectory()
            let daemon = try DaemonUnderTest(scratch, ["--speed", "20"])
            let shown = daemon.process.waitUntil(timeoutS: 60) {
                let out = daemon.process.stdoutSoFar
                return out.contains(" rep 2  depth") && out.contains("BEEP ")
            }
            #expect(shown, "\(daemon.process.stdoutSoFar)")
            let output = daemon.process.stop()
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("sensor calibrated"))
        }
    }
}

import Foundation
import Logging
import Synchronization
import Testing
import ThrustCore
import ThrustDaemon
import ThrustHardware
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's parts in-process.
@Suite struct UnitTests {
    @Test func rfc3339() {
        #expect(RFC3339.timestamp(wallNs: 0) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.timestamp(wallNs: 1_714_557_600_123_456_789) == "2024-05-01T10:00:00.123Z")
        #expect(RFC3339.utcDate(wallNs: 1_714_607_999_999_000_000) == "2024-05-01")
        #expect(RFC3339.utcDate(wallNs: 1_714_608_000_000_000_000) == "2024-05-02")
    }

    @Test func miniJSON() throws {
        let value = try MiniJSON.parse(#" {"cmd":"watch","raw":true,"n":-1.5e2,"s":"a\"\u00e9\ud83d\ude00","x":[null,{}]} "#)
        #expect(value["cmd"]?.stringValue == "watch")
        #expect(value["raw"]?.boolValue == true)
        #expect(value["n"]?.numberValue == -150)
        #expect(value["s"]?.stringValue == "a\"é😀")
        for bad in ["", "{", "{\"a\":}", "[1,]", "01", "1.", "\"\\x\"", "\"\\ud800\"", "{\"a\" 1}", "tru", "\"a\nb\""] {
            #expect(throws: JSONParseError.self) { try MiniJSON.parse(bad) }
        }
    }

    @Test func clientCommands() throws {
        func parse(_ text: String) -> Result<ClientCommand, ProtocolError> { ClientCommand.parse(Array(text.utf8)) }
        #expect(try parse(#"{"cmd":"status"}"#).get() == .status)
        #expect(try parse(#"{"cmd":"watch"}"#).get() == .watch(raw: false))
        #expect(try parse(#"{"cmd":"watch","raw":true}"#).get() == .watch(raw: true))
        #expect(try parse(#"{"cmd":"calibrate","what":"gyro"}"#).get() == .calibrate(what: "gyro"))
        #expect(try parse(#"{"cmd":"profile","name":"banded"}"#).get() == .profile(name: "banded"))
        #expect(try parse(#"{"cmd":"end_set"}"#).get() == .endSet)
        #expect(try parse(#"{"cmd":"mute","on":false}"#).get() == .mute(on: false))
        #expect(ClientCommand.mute(on: true).isControl && !ClientCommand.watch(raw: true).isControl)
        let error = ProtocolError("bad \"x\"")
        #expect(error.jsonLine == #"{"class":"ERROR","message":"bad \"x\""}"#)
    }

    @Test func configLinesAndKeys() throws {
        var config = DaemonConfig()
        try ConfigLoader.apply(toml: "profile = \"custom\"\n[custom]\nmin_hold_s = 2.5\ntarget_reps = false\n", path: "t.toml",
                               to: &config)
        #expect(config.resolvedProfile(fromSource: nil).limits.minHoldS == 2.5)
        #expect(config.resolvedProfile(fromSource: nil).limits.targetReps == nil)
        // Dotted keys and inline tables get the right line.
        var other = DaemonConfig()
        #expect(throws: DaemonError.self) {
            try ConfigLoader.apply(toml: "a = 1\nbuzzer.patterns.shallow = \"x\"\n", path: "t.toml", to: &other)
        }
        do {
            try ConfigLoader.apply(toml: "\n\nbuzzer = { line = \"\", muted = 3 }\n", path: "t.toml", to: &other)
            Issue.record("muted = 3 should be refused")
        } catch {
            #expect(error.message.hasPrefix("t.toml:3: key 'buzzer.muted' = 3: expected true or false"), "\(error.message)")
        }
        // Every key has a unit where it is a quantity, and a doc line.
        for key in ConfigKeys.all where key.kind == .limit || key.kind == .number {
            let units = ["_s", "_cm", "_deg", "_hz", "_reps", "speed"]
            #expect(units.contains { key.name.hasSuffix($0) }, "\(key.name) has no unit in its name")
        }
        #expect(ConfigReference.markdown().contains("`custom.max_depth_cm`"))
    }

    @Test func theShippedExampleConfigIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let config = try ConfigLoader.load(path: root.appendingPathComponent("systemd/thrustd.toml").path,
                                           required: true, flags: [])
        #expect(config.source == (try SourceSpec(parsing: "i2c:/dev/i2c-1")))
        #expect(config.buzzerLine == "gpiochip0:17")
        #expect(config.patterns[.tempoFast]?.steps_ms == [100, 100, 100])
    }

    @Test func sourceSpecs() throws {
        #expect(try SourceSpec(parsing: "sim") == .sim(scenario: nil))
        #expect(try SourceSpec(parsing: "sim:banded") == .sim(scenario: "banded"))
        #expect(try SourceSpec(parsing: "replay:/x.csv") == .replay(path: "/x.csv"))
        if case .i2c(let spec) = try SourceSpec(parsing: "i2c:/dev/i2c-1@0x68") {
            #expect(spec.busPath == "/dev/i2c-1" && spec.address == 0x68)
        } else {
            Issue.record("i2c source not parsed")
        }
        #expect(throws: DaemonError.self) { try SourceSpec(parsing: "replay:") }
    }

    @Test func pathsFollowXDGWithoutRoot() {
        let config = DaemonConfig()
        let user = DaemonPaths.resolve(config, environment: ["XDG_STATE_HOME": "/h/s", "XDG_RUNTIME_DIR": "/run/user/7"], uid: 7)
        #expect(user.stateDir == "/h/s/thrustd" && user.socketPath == "/run/user/7/thrustd/thrustd.sock")
        let bare = DaemonPaths.resolve(config, environment: ["HOME": "/home/x"], uid: 7)
        #expect(bare.stateDir == "/home/x/.local/state/thrustd" && bare.runtimeDir == "/tmp/thrustd-7")
        let root = DaemonPaths.resolve(config, environment: [:], uid: 0)
        #expect(root.logDir == "/var/lib/thrustd/log" && root.socketPath == "/run/thrustd/thrustd.sock")
        let systemd = DaemonPaths.resolve(config, environment: ["STATE_DIRECTORY": "/var/lib/thrustd",
                                                                "RUNTIME_DIRECTORY": "/run/thrustd"], uid: 999)
        #expect(systemd.stateDir == "/var/lib/thrustd" && systemd.runtimeDir == "/run/thrustd")
    }

    /// A disk that fails on demand: writes give `failure` (an errno) while it is set.
    final class FlakyDisk: Sendable {
        let failure = Mutex<Int32?>(nil)
        let partialOnce = Mutex(false)
        let syncs = Mutex(0)

        var fs: LogFileSystem {
            LogFileSystem(
                openAppend: { path in LogFileSystem.live.openAppend(path) },
                write: { fd, bytes in
                    if let code = self.failure.withLock({ $0 }) { return -Int(code) }
                    if self.partialOnce.withLock({ value in defer { value = false }; return value }) {
                        // Half the line gets out, then the disk fills.
                        let half = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)])
                        _ = LogFileSystem.live.write(fd, half)
                        self.failure.withLock { $0 = ENOSPC }
                        return half.count
                    }
                    return LogFileSystem.live.write(fd, bytes)
                },
                fsync: { fd in
                    self.syncs.withLock { $0 += 1 }
                    return LogFileSystem.live.fsync(fd)
                },
                close: { fd in LogFileSystem.live.close(fd) },
                dup: { fd in LogFileSystem.live.dup(fd) })
        }
    }

    @Test func logWriterQueuesOnAFullOrReadOnlyDiskAndCatchesUp() throws {
        let directory = "/tmp/tdt-unit-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let disk = FlakyDisk()
        let writer = try RepLogWriter(directory: directory, fsyncIntervalS: 5, queueLines: 3, retryIntervalS: 1,
                                      fs: disk.fs, logger: Logger(label: "test"), now: 0)
        #expect(writer.append("{\"seq\":1}", date: "2024-05-01", isSetEnd: false, now: 0))
        disk.partialOnce.withLock { $0 = true }
        #expect(!writer.append("{\"seq\":2,\"long\":\"xxxxxxxxxxxx\"}", date: "2024-05-01", isSetEnd: false, now: 0.1))
        #expect(writer.health == .diskFull)
        disk.failure.withLock { $0 = EROFS }
        #expect(!writer.append("{\"seq\":3}", date: "2024-05-01", isSetEnd: false, now: 1.5))
        #expect(writer.health == .readOnly)
        #expect(!writer.append("{\"seq\":4}", date: "2024-05-01", isSetEnd: false, now: 1.6))
        #expect(!writer.append("{\"seq\":5}", date: "2024-05-01", isSetEnd: true, now: 1.7))
        #expect(writer.pendingCount == 3 && writer.droppedLines == 1, "bounded: the oldest line went")
        disk.failure.withLock { $0 = nil }
        writer.tick(now: 1.8)
        #expect(writer.pendingCount == 3, "no retry before the retry interval")
        writer.tick(now: 3.0)
        #expect(writer.pendingCount == 0 && writer.health == .ok)
        writer.close(now: 4)
        let read = RepLogFiles.read(path: directory + "/2024-05-01.jsonl")
        #expect(read.events.compactMap { $0["seq"]?.numberValue } == [1, 3, 4, 5])
        #expect(read.warnings.count == 1 && read.warnings[0].contains(":2: skipping an invalid line"), "\(read.warnings)")
        #expect(disk.syncs.withLock { $0 } >= 1, "SET_END was fsynced")
    }

    @Test func logWriterFsyncsAtSetEndAndEveryInterval() throws {
        let directory = "/tmp/tdt-unit-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let disk = FlakyDisk()
        let writer = try RepLogWriter(directory: directory, fsyncIntervalS: 5, fs: disk.fs, logger: Logger(label: "test"), now: 0)
        writer.append("{\"class\":\"REP\"}", date: "2024-05-01", isSetEnd: false, now: 1)
        writer.tick(now: 4.9)
        #expect(writer.syncs == 0)
        #expect(writer.secondsUntilDue(now: 4.9).map { abs($0 - 0.1) < 1e-9 } == true)
        writer.tick(now: 5.0)
        #expect(writer.syncs == 1)
        writer.append("{\"class\":\"SET_END\"}", date: "2024-05-01", isSetEnd: true, now: 6)
        #expect(writer.syncs == 2)
        writer.append("{\"class\":\"REP\"}", date: "2024-05-02", isSetEnd: false, now: 7)
        writer.close(now: 8)
        #expect(FileManager.default.fileExists(atPath: directory + "/2024-05-02.jsonl"), "a new UTC day, a new file")
        let resume = RepLogFiles.resume(directory: directory, today: "2024-05-02")
        #expect(resume.lastSeq == 0 && !resume.repairedTornLine)
    }

    @Test func resumeFindsTheLastSeqAndSetAndClosesATornLine() throws {
        let directory = "/tmp/tdt-unit-" + String(UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let text = """
            {"class":"SET_START","seq":10,"set":3,"t":1}
            {"class":"REP","seq":11,"set":3,"rep":1,"t":2}
            {"class":"STATUS","seq":12,"state":"ready"}
            {"class":"REP","seq":13,"se
            """
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/2024-05-01.jsonl"))
        try Data("{\"seq\":2}\n".utf8).write(to: URL(fileURLWithPath: directory + "/2024-04-30.jsonl"))
        let resume = RepLogFiles.resume(directory: directory, today: "2024-05-01")
        #expect(resume == { var r = RepLogFiles.Resume(); r.lastSeq = 12; r.lastSet = 3; r.repairedTornLine = true; return r }())
        let content = try String(contentsOfFile: directory + "/2024-05-01.jsonl", encoding: .utf8)
        #expect(content.hasSuffix("\"se\n"))
        #expect(RepLogFiles.resume(directory: directory, today: "2024-05-02").lastSet == 0, "set numbers restart on a new day")
        #expect(RepLogFiles.logFiles(in: directory) == ["2024-04-30.jsonl", "2024-05-01.jsonl"])
    }

    @Test func peerCredentialsRules() {
        let me = PeerCredentials(pid: getpid(), uid: 1000, gid: 1000)
        #expect(PeerCredentials(pid: 1, uid: 0, gid: 0).mayControl(groupID: nil, daemonUID: 999))
        #expect(me.mayControl(groupID: nil, daemonUID: 1000))
        #expect(!me.mayControl(groupID: nil, daemonUID: 999))
        #expect(me.mayControl(groupID: 1000, daemonUID: 999))
        #expect(!PeerCredentials(pid: -1, uid: 1000, gid: 1000).mayControl(groupID: 4242, daemonUID: 999))
    }

    @Test func statusJSON() throws {
        var status = DaemonStatus()
        status.source = "sim"
        status.rateHz = 200
        let line = status.jsonLine(extraFields: "\"seq\":3")
        #expect(line.hasPrefix(#"{"class":"STATUS","seq":3,"sensor":"none","source":"sim","rate_hz":200,"mount":"bar","profile":"generic","state":"starting""#))
        #expect((try MiniJSON.parse(line))["log"]?.stringValue == "ok")
    }
}

/// The buzzer service on a fake GPIO line.
@Suite struct BuzzerServiceTests {
    private func rep(alerts: AlertSet) -> CoreEvent {
        .rep(RepReport(set: 1, rep: 1, t: 1, depthCm: 16, eccentricS: 1, bottomS: 0, concentricS: 1, holdS: 2,
                       lockoutCm: 0, torsoDeg: nil, tiltDeg: 0, peakVelocityMps: 0.5, meanVelocityMps: 0.3,
                       partial: false, alerts: alerts))
    }

    private func waitForChanges(_ line: FakeGPIOLine, atLeast count: Int) async -> [FakeGPIOLine.Change] {
        // Generous: other suites' blocking waits can hold the concurrency pool the player runs on.
        for _ in 0..<3000 {
            if line.changes.count >= count { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return line.changes
    }

    @Test func alertsPlayTheirPatternsTicksAndMute() async throws {
        let start = DaemonClock.monotonicS()
        let line = FakeGPIOLine(name: "fake:17") { DaemonClock.monotonicS() - start }
        var config = DaemonConfig()
        config.repTick = true
        config.patterns[.overextension] = try BuzzerPattern(parsing: "40,30,40")
        let buzzer = BuzzerService(config: config, console: nil, logger: Logger(label: "test"), line: line)
        #expect(buzzer.hasBuzzer)

        buzzer.handle(.alert(Alert(set: 1, rep: 1, kind: .overextension, value: 7, limit: 5, t: 1)))
        let changes = await waitForChanges(line, atLeast: 4)
        #expect(changes.map(\.on) == [true, false, true, false], "on 40, off 30, on 40, then off: \(changes)")
        if changes.count == 4 {
            // Absolute deadlines: a step never ends early (late is possible on a busy machine).
            #expect(changes[1].time - changes[0].time >= 0.039)
            #expect(changes[3].time - changes[0].time >= 0.109)
        }

        // A rep with alerts does not tick (it would cut the alert's pattern short); one without does.
        buzzer.handle(rep(alerts: AlertSet(.overextension)))
        try await Task.sleep(for: .milliseconds(100))
        #expect(line.changes.count == 4)
        buzzer.handle(rep(alerts: []))
        #expect(await waitForChanges(line, atLeast: 6).count == 6, "the 30 ms tick")

        buzzer.setMuted(true)
        buzzer.handle(.alert(Alert(set: 1, rep: 2, kind: .tempoFast, value: 0.5, limit: 1, t: 2)))
        try await Task.sleep(for: .milliseconds(150))
        #expect(line.changes.count == 6, "muted")
        await buzzer.shutdown()
        #expect(!line.level && line.isClosed, "off and released at shutdown")
    }

    @Test func withoutALineBeepsArePrintedInTheForeground() async throws {
        // No line and no terminal printer (a service): nothing happens, nothing blocks.
        let silent = BuzzerService(config: DaemonConfig(), console: nil, logger: Logger(label: "test"))
        #expect(!silent.hasBuzzer)
        silent.handle(.alert(Alert(set: 1, rep: 1, kind: .shallow, value: 10, limit: 15, t: 1)))
        await silent.shutdown()
    }
}

import Foundation
import TestProcessSupport
import Testing
import ThrustCapture
import ThrustCore
@testable import ThrustClient

/// A short socket path (sun_path holds 108 bytes) in a fresh directory.
final class SocketPlace {
    let directory: ScratchDirectory
    var path: String { directory.path + "/thrustd.sock" }
    init() throws { directory = try ScratchDirectory() }
}

/// The library's socket client against a fake daemon (SPEC §6).
@Suite struct SocketClientTests {
    @Test func readsLinesAndSendsCommands() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version, FakeLines.status())
            if let command = peer.readLine() { peer.send(#"{"class":"ERROR","message":"got \#(command.count) bytes"}"#) }
            // A line split over two writes, then CRLF.
            peer.sendRaw("{\"class\":\"SET_START\",")
            usleep(50_000)
            peer.sendRaw("\"set\":1,\"t\":2}\r\n")
        }
        defer { daemon.stop() }
        let connection = try DaemonConnection(path: place.path)
        #expect(try connection.readLine(timeoutS: 5).flatMap(EventObject.init(line:))?.eventClass == "VERSION")
        #expect(try connection.readLine(timeoutS: 5).flatMap(EventObject.init(line:))?.string("profile") == "banded")
        try connection.sendCommand(["cmd": .string("status")])
        #expect(try connection.readLine(timeoutS: 5) == #"{"class":"ERROR","message":"got 16 bytes"}"#)
        #expect(try connection.readLine(timeoutS: 5) == #"{"class":"SET_START","set":1,"t":2}"#)
        #expect(throws: ConnectionError.self) { try connection.readLine(timeoutS: 5) }
        #expect(daemon.receivedLines == [#"{"cmd":"status"}"#])
    }

    @Test func timesOutAndFailsToConnectClearly() throws {
        let place = try SocketPlace()
        do {
            _ = try DaemonConnection(path: place.path)
            Issue.record("connected to nothing")
        } catch {
            #expect(error.kind == .cannotConnect)
            #expect(error.message.contains(place.path))
            #expect(error.message.contains("is thrustd running"))
        }
        let daemon = try FakeDaemon(path: place.path) { peer, _ in _ = peer.waitForHangUp(timeoutS: 5) }
        defer { daemon.stop() }
        let connection = try DaemonConnection(path: place.path)
        let started = MonotonicClock.seconds()
        #expect(try connection.readLine(timeoutS: 0.2) == nil)
        #expect(MonotonicClock.seconds() - started >= 0.19)
    }

    @Test func statusReportCombinesDaemonAndDisk() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version, FakeLines.status(clients: 3))
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let report = try DaemonStatusReport.fetch(socketPath: place.path, logDir: place.directory.path + "/log")
        // "field   value" lines: the value of each field.
        var values: [String: String] = [:]
        for line in report.text().split(separator: "\n") {
            guard let gap = line.range(of: "  ") else { continue }
            values[String(line[..<gap.lowerBound])] = line[gap.upperBound...].trimmingCharacters(in: .whitespaces)
        }
        #expect(values["thrustd"] == "0.9-test (protocol 1)")
        #expect(values["socket"] == place.path)
        #expect(values["rate"] == "200 Hz")
        #expect(values["profile"] == "banded")
        #expect(values["clients"] == "3")
        #expect(values["log"] == place.directory.path + "/log (ok)")
        #expect(values["samples"] == "1234")
        #expect(values["free disk"]?.hasSuffix("iB") == true)
        let json = try #require(EventObject(line: String(report.json().dropLast())))
        #expect(json.eventClass == "STATUS")
        #expect(json.string("release") == "0.9-test")
        #expect(json.int("clients") == 3)
        #expect(json.string("socket") == place.path)
        #expect((json.number("free_bytes") ?? 0) > 0)
    }

    @Test func statusAsksWhenNoStatusComes() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version)
            if peer.readLine() == #"{"cmd":"status"}"# { peer.send(FakeLines.status(state: "in_set")) }
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let report = try DaemonStatusReport.fetch(socketPath: place.path, logDir: "/nonexistent/log", timeoutS: 2)
        #expect(report.status.string("state") == "in_set")

        let silent = try SocketPlace()
        let mute = try FakeDaemon(path: silent.path) { peer, _ in _ = peer.waitForHangUp() }
        defer { mute.stop() }
        do {
            _ = try DaemonStatusReport.fetch(socketPath: silent.path, logDir: "/tmp", timeoutS: 0.5)
            Issue.record("a STATUS from nowhere")
        } catch {
            #expect(error.kind == .timedOut)
        }
    }

    @Test func calibrationFollowsTheDaemon() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, index in
            peer.send(FakeLines.version, FakeLines.status())
            guard let command = peer.readLine() else { return }
            switch index {
            case 0:  // gyro: the core restarts, calibrates, is ready
                peer.send(FakeLines.status(state: "calibrating"),
                          #"{"class":"SENSOR","state":"calibrating","detail":"keep still","t":0}"#,
                          #"{"class":"SENSOR","state":"calibrated","detail":"gyro bias 0.002 rad/s","t":2}"#,
                          FakeLines.status(state: "ready"))
            case 1:  // an older daemon that does not know accel
                peer.send(#"{"class":"ERROR","message":"calibrate: expected \"what\": one of gyro, lockout, upright"}"#)
            case 2:  // lockout: the pose held now is the reference
                peer.send(#"{"class":"SENSOR","state":"lockout_calibrated","detail":"lockout reference taken","t":9}"#)
            default:  // upright: nothing happens
                _ = command
            }
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        func run(_ target: Calibration.Target, timeoutS: Double = 5) throws -> (Calibration.Outcome, [String]) {
            let connection = try DaemonConnection(path: place.path)
            var seen: [String] = []
            let outcome = try Calibration.run(connection, target: target, timeoutS: timeoutS,
                                              onEvent: { seen.append($0.eventClass) }, shouldStop: { false })
            connection.close()
            return (outcome, seen)
        }
        let gyro = try run(.gyro)
        #expect(gyro.0 == .calibrated(detail: "gyro bias 0.002 rad/s"))
        #expect(gyro.1.contains("SENSOR"))
        #expect(try run(.accel).0 == .failed("calibrate: expected \"what\": one of gyro, lockout, upright"))
        #expect(try run(.lockout).0 == .calibrated(detail: "lockout reference taken"))
        #expect(try run(.upright, timeoutS: 0.5).0 == .timedOut)
        #expect(daemon.receivedLines == [#"{"cmd":"calibrate","what":"gyro"}"#, #"{"cmd":"calibrate","what":"accel"}"#,
                                         #"{"cmd":"calibrate","what":"lockout"}"#, #"{"cmd":"calibrate","what":"upright"}"#])
    }

    @Test func recordingWritesACapture() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version, FakeLines.status())
            guard peer.readLine() == #"{"cmd":"watch","raw":true}"# else { return }
            // 200 Hz for 1.5 s, with other events in between.
            for index in 0..<300 {
                peer.send(FakeLines.sample(t: 100 + Double(index) * 0.005))
                if index == 50 { peer.send(FakeLines.rep(set: 1, rep: 1)) }
            }
            _ = peer.readLine()  // watch raw false
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let out = place.directory.path + "/rec.csv"
        let connection = try DaemonConnection(path: place.path)
        let result = try Recording.run(connection, seconds: 1, open: { metadata throws(CaptureError) in
            try CaptureWriter(path: out, metadata: metadata)
        }, shouldStop: { false })
        connection.close()
        #expect(result.samples == 200)
        #expect(abs(result.durationS - 0.995) < 1e-9)
        #expect(abs((result.rateHz ?? 0) - 200) < 1e-6)
        #expect(!result.interrupted)

        var reader = try CaptureReader(path: out)
        #expect(reader.metadata.rateHz == 200)
        #expect(reader.metadata.sensor == "mpu6050")
        #expect(reader.metadata.mount == .bar)
        #expect(reader.metadata["profile"] == "banded")
        var count = 0
        var first: Sample?
        while let sample = try reader.next() {
            if first == nil { first = sample }
            count += 1
        }
        #expect(count == 200)
        #expect(first?.t == 100)
        #expect(first?.accel.z == 9.81)
        let deadline = Date().addingTimeInterval(5)
        while daemon.receivedLines.count < 2 && Date() < deadline { usleep(10_000) }
        #expect(daemon.receivedLines.last == #"{"cmd":"watch","raw":false}"#)
    }

    @Test func recordingWithoutSamplesFails() throws {
        let place = try SocketPlace()
        let daemon = try FakeDaemon(path: place.path) { peer, _ in
            peer.send(FakeLines.version, FakeLines.status())
            _ = peer.waitForHangUp()
        }
        defer { daemon.stop() }
        let connection = try DaemonConnection(path: place.path)
        #expect(throws: Recording.Failure.self) {
            try Recording.run(connection, seconds: 1, firstSampleTimeoutS: 0.3, open: { metadata throws(CaptureError) in
                try CaptureWriter(path: place.directory.path + "/none.csv", metadata: metadata)
            }, shouldStop: { false })
        }
    }
}

@Suite struct WatchStateTests {
    func event(_ line: String) throws -> EventObject { try #require(EventObject(line: line)) }

    @Test func followsASet() throws {
        var state = WatchState()
        for line in [FakeLines.version, FakeLines.status(state: "in_set"), #"{"class":"SET_START","set":2,"t":1}"#,
                     #"{"class":"PHASE","set":2,"rep":1,"phase":"concentric","t":1.5}"#,
                     FakeLines.alert(set: 2, rep: 1, kind: "tempo_fast", value: 0.8, limit: 1, unit: "s"),
                     FakeLines.rep(set: 2, rep: 1, concentric: 0.8, alerts: ["tempo_fast"]),
                     #"{"class":"PHASE","set":2,"rep":2,"phase":"eccentric","t":3}"#] {
            state.apply(try event(line))
        }
        #expect(state.release == "0.9-test")
        #expect(state.set == 2)
        #expect(state.reps == 1)
        #expect(state.phase == "eccentric")
        #expect(state.lastRepAlerts.count == 1)
        #expect(state.limits == Profile.banded.limits)

        let figures = RepFigure.figures(of: try #require(state.lastRep), limits: state.limits, mount: "bar")
        #expect(figures.map(\.name) == ["depth", "eccentric", "concentric", "hold", "lockout", "tilt", "velocity"])
        #expect(figures.first { $0.name == "concentric" }?.verdict == .bad)
        #expect(figures.first { $0.name == "eccentric" }?.verdict == .good)
        #expect(figures.first { $0.name == "depth" }?.limit == "≥ 15 cm")

        let screen = WatchScreen.screen(state, style: WatchScreen.Style(color: true))
        #expect(screen.contains("\u{1B}[31m0.80 s"))  // concentric in red
        #expect(screen.contains("\u{1B}[32m1.30 s"))  // eccentric in green
        #expect(screen.contains("ALERT tempo_fast 0.80 s (limit 1.00 s)") || screen.contains("ALERT tempo_fast 0.8"))
        #expect(screen.contains("ECCENTRIC"))
        #expect(screen.contains("██"))
        let plain = WatchScreen.screen(state, style: WatchScreen.Style(color: false))
        #expect(!plain.contains("\u{1B}"))

        state.apply(try event(#"{"class":"SET_END","set":2,"t":9,"reps":1,"mean_depth_cm":17.2,"velocity_loss_pct":0,"alerts":1}"#))
        #expect(!state.inSet)
        #expect(state.setsEnded == 1)
        #expect(WatchScreen.screen(state, style: WatchScreen.Style(color: false)).contains("last set: set 2: 1 reps"))
    }

    @Test func plainLines() throws {
        let state = WatchState()
        #expect(WatchScreen.plainLine(try event(FakeLines.version), state: state) == "thrustd 0.9-test (protocol 1)")
        #expect(WatchScreen.plainLine(try event(#"{"class":"PHASE","set":1,"rep":1,"phase":"bottom","t":1}"#), state: state) == nil)
        let rep = WatchScreen.plainLine(try event(FakeLines.rep(set: 1, rep: 3, depth: 13, alerts: ["shallow"])), state: state)
        #expect(rep?.hasPrefix("set 1 rep 3: depth 13.0 cm (!)") == true)
        #expect(rep?.hasSuffix("[shallow]") == true)
        #expect(WatchScreen.plainLine(try event(FakeLines.alert(set: 1, rep: 8, kind: "set_target", value: 8, limit: 8, unit: "reps")),
                                      state: state) == "set 1: target of 8 reps reached")
    }

    @Test func bigDigits() {
        let rows = WatchScreen.bigNumber(10)
        #expect(rows.count == 5)
        #expect(rows[0] == "  ██    ██████")
        #expect(Set(rows.map(\.count)).count == 1)
    }
}

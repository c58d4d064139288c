import TestProcessSupport
import Testing
import ThrustCore
@testable import ThrustCapture

private func rep(set: Int = 1, _ number: Int, t: Double, depth: Double = 17.42, alerts: [AlertKind] = [],
                 partial: Bool = false, torso: Double? = nil, tilt: Double? = 1.2) -> RepReport {
    var alertSet = AlertSet()
    for kind in alerts { alertSet.insert(kind) }
    return RepReport(set: set, rep: number, t: t, depthCm: depth, eccentricS: 1.53, bottomS: 0.41, concentricS: 1.12,
                     holdS: nil, lockoutCm: -0.04, torsoDeg: torso, tiltDeg: tilt, peakVelocityMps: 0.412,
                     meanVelocityMps: 0.201, partial: partial, alerts: alertSet)
}

private func render(_ events: [CoreEvent], mount: Mount = .bar) -> (text: String, report: SessionReport) {
    var report = SessionReport(mount: mount)
    var text = ""
    for event in events { text += report.consume(event) }
    text += report.summary()
    return (text, report)
}

@Suite struct SessionReportTests {
    @Test func tablePerSetWithSummaries() {
        let events: [CoreEvent] = [
            .sensor(state: .calibrated, detail: "gyro bias 0.01 rad/s", t: 2),
            .setStart(set: 1, t: 10.5),
            .phase(set: 1, rep: 1, phase: .eccentric, t: 10.5),
            .alert(Alert(set: 1, rep: 1, kind: .tempoFast, value: 0.62, limit: 1, t: 11.2)),
            .rep(rep(1, t: 12.345, alerts: [.tempoFast])),
            .rep(rep(2, t: 16.0, depth: 9.5, alerts: [.shallow], partial: true)),
            .setEnd(SetSummary(set: 1, t: 20, reps: 2, meanDepthCm: 13.46, meanEccentricS: 1.53, meanConcentricS: 1.12,
                               meanHoldS: nil, peakVelocityMps: 0.412, velocityLossPct: 3.25, alerts: 2)),
        ]
        let (text, report) = render(events)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("sensor calibrated at 2.000 s: gyro bias 0.01 rad/s"))
        #expect(lines.contains("Set 1 (starts at 10.500 s)"))
        let header = lines.first { $0.contains("depth cm") } ?? ""
        for title in ["rep", "t s", "depth cm", "ecc s", "bottom s", "con s", "hold s", "lockout cm", "tilt deg",
                      "peak m/s", "mean m/s", "alerts"] {
            #expect(header.contains(title), "\(title)")
        }
        #expect(!header.contains("torso"))
        let first = lines.first { $0.hasPrefix("     1 ") } ?? ""
        #expect(first.split(separator: " ") == ["1", "12.345", "17.4", "1.53", "0.41", "1.12", "-", "0.0", "1.2",
                                               "0.41", "0.20", "tempo_fast"])
        let second = lines.first { $0.hasPrefix("     2 ") } ?? ""
        #expect(second.hasSuffix("  shallow, partial"))
        #expect(lines.contains("  Set 1 summary (ended at 20.000 s): 2 reps, depth 13.5 cm, ecc 1.53 s, con 1.12 s, "
                               + "peak 0.41 m/s, velocity loss 3.3 %, 2 alerts"))
        #expect(lines.contains("Session: 1 set, 2 reps (1 partial); alerts: tempo_fast 1, shallow 1"))
        #expect(report.sets == 1 && report.reps == 2 && report.partialReps == 1)
        // The ALERT and the REP's list name the same tempo_fast once.
        #expect(report.alertCounts == [.tempoFast: 1, .shallow: 1])
        #expect(!text.contains("PHASE") && !text.contains("eccentric"))
    }

    @Test func columnsLineUpWithTheHeader() {
        let (text, _) = render([.setStart(set: 1, t: 0), .rep(rep(1, t: 1)), .rep(rep(12, t: 123.456, depth: 123.4))])
        let lines = text.split(separator: "\n").map(String.init)
        let header = lines.first { $0.contains("depth cm") } ?? ""
        let rows = lines.filter { $0.hasPrefix("     1 ") || $0.hasPrefix("    12 ") }
        #expect(rows.count == 2)
        let alertsColumn = header.range(of: "alerts")?.lowerBound.utf16Offset(in: header)
        for row in rows {
            #expect(row.range(of: "-", options: .backwards)?.lowerBound.utf16Offset(in: row) == alertsColumn)
        }
    }

    @Test func beltShowsTorsoAngle() {
        let (text, _) = render([.setStart(set: 1, t: 0), .rep(rep(1, t: 1, torso: 12.345, tilt: nil))], mount: .belt)
        #expect(text.contains("torso deg"))
        #expect(!text.contains("tilt deg"))
        #expect(text.contains(" 12.3 "))
    }

    @Test func setTargetAndAlertsWithoutRepsAreCounted() {
        let events: [CoreEvent] = [
            .setStart(set: 2, t: 0),
            .rep(rep(set: 2, 1, t: 1, alerts: [.overextension, .asymmetry])),
            .alert(Alert(set: 2, rep: 1, kind: .overextension, value: 7.1, limit: 5, t: 1)),
            .alert(Alert(set: 2, rep: 8, kind: .setTarget, value: 8, limit: 8, t: 30)),
            .setEnd(SetSummary(set: 2, t: 40, reps: 8)),
            .setStart(set: 3, t: 50),
            .alert(Alert(set: 3, rep: 1, kind: .overextension, value: 6, limit: 5, t: 51)),
            .rep(rep(set: 3, 1, t: 51, alerts: [.overextension])),
            .setEnd(SetSummary(set: 3, t: 60, reps: 1)),
        ]
        let (text, report) = render(events)
        #expect(text.contains("  set target reached: 8 reps at 30.000 s"))
        #expect(text.contains("  Set 2 summary (ended at 40.000 s): 8 reps, no alerts"))
        #expect(report.alertCounts == [.overextension: 2, .asymmetry: 1, .setTarget: 1])
        #expect(text.hasSuffix("Session: 2 sets, 2 reps; alerts: overextension 2, asymmetry 1, set_target 1\n"))
    }

    @Test func repsWithoutASetStartGetAHeading() {
        let (text, report) = render([.rep(rep(set: 4, 1, t: 3))])
        #expect(text.contains("\nSet 4\n"))
        #expect(text.contains("depth cm"))
        #expect(report.reps == 1 && report.sets == 0)
    }

    @Test func nothingHappened() {
        let (text, _) = render([])
        #expect(text == "\nSession: 0 sets, 0 reps; no alerts\n")
    }
}

@Suite struct CaptureAnalysisSettings {
    @Test func defaultsAreBarGenericAuto() throws {
        let resolved = try CaptureAnalysis.settings(metadata: CaptureMetadata(), mount: nil, profile: nil, style: nil).get()
        #expect(resolved.settings == CoreSettings(mount: .bar, profile: .generic, style: .auto))
        #expect(resolved.warnings.isEmpty)
    }

    @Test func metadataThenFlags() throws {
        let metadata = CaptureMetadata(mount: .belt, extra: [("profile", "banded")])
        let fromCapture = try CaptureAnalysis.settings(metadata: metadata, mount: nil, profile: nil, style: nil).get()
        #expect(fromCapture.settings.mount == .belt)
        #expect(fromCapture.settings.profile == .banded)
        let fromFlags = try CaptureAnalysis.settings(metadata: metadata, mount: "bar", profile: "barbell", style: "top").get()
        #expect(fromFlags.settings == CoreSettings(mount: .bar, profile: .barbell, style: .topStart))
    }

    @Test func unknownNamesListTheValidOnes() {
        let metadata = CaptureMetadata()
        #expect(throws: CaptureAnalysis.SettingsError(message: "unknown mount 'hip'; expected one of: bar, belt")) {
            try CaptureAnalysis.settings(metadata: metadata, mount: "hip", profile: nil, style: nil).get()
        }
        #expect(throws: CaptureAnalysis.SettingsError(message: "unknown profile 'x'; expected one of: banded, barbell, generic")) {
            try CaptureAnalysis.settings(metadata: metadata, mount: nil, profile: "x", style: nil).get()
        }
        #expect(throws: CaptureAnalysis.SettingsError(message: "unknown style 'up'; expected one of: auto, top, bottom")) {
            try CaptureAnalysis.settings(metadata: metadata, mount: nil, profile: nil, style: "up").get()
        }
    }

    @Test func unknownProfileInTheCaptureFallsBackWithAWarning() throws {
        let metadata = CaptureMetadata(extra: [("profile", "custom")])
        let resolved = try CaptureAnalysis.settings(metadata: metadata, mount: nil, profile: nil, style: nil).get()
        #expect(resolved.settings.profile == .generic)
        #expect(resolved.warnings == ["profile=custom in the capture is not one of banded, barbell, generic; using generic"])
    }
}

@Suite struct CaptureAnalysisRun {
    /// The first pass keeps what belongs to the sensor (gyro bias, accelerometer model), not the
    /// mount references a lifter sets at the start of each session; a capture error ends it
    /// quietly with what it learnt so far.
    @Test func theFirstPassLearnsTheSensorOnly() throws {
        let directory = try ScratchDirectory()
        let bad = try directory.file("still.csv", canonicalHeader + "\n" + stillRows(500) + "9,0,0,9.8,0,0\n")
        let learnt = try #require(CaptureAnalysis.learnCalibration(path: bad, settings: CoreSettings(mount: .belt)))
        #expect(learnt.gyroBiasRadS != nil)
        #expect(learnt.accelPoses > 0)
        #expect(learnt.uprightAccelMS2 == nil && learnt.lockoutAngleRad == nil)
        // What was left out: the same samples give a belt its upright pose.
        var live = RepAnalyzer(settings: CoreSettings(mount: .belt))
        var again = try CaptureReader(path: bad)
        while let sample = try? again.next() { live.update(sample) { _ in } }
        live.finish { _ in }
        #expect(live.calibration.uprightAccelMS2 != nil)
    }

    @Test func streamsEverySampleAndStopsAtTheFirstBadLine() throws {
        let directory = try ScratchDirectory()
        let good = try directory.file("good.csv", canonicalHeader + "\n" + stillRows(500))
        var reader = try CaptureReader(path: good)
        let totals = try CaptureAnalysis.run(&reader, settings: CoreSettings()) { _ in }
        #expect(totals.samples == 500)
        #expect(totals.firstT == 0)
        #expect(abs(totals.durationS - 4.99) < 1e-9)

        let bad = try directory.file("bad.csv", canonicalHeader + "\n" + stillRows(500) + "9,0,0,9.8,0,0\n")
        var badReader = try CaptureReader(path: bad)
        do {
            _ = try CaptureAnalysis.run(&badReader, settings: CoreSettings()) { _ in }
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 502)
        }
    }
}

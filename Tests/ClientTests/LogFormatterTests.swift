import Foundation
import TestProcessSupport
import Testing
import ThrustCore
@testable import ThrustClient

/// Three sessions in one week (Mon, Tue, Thu) with alerts, read back from fixture files.
func weekOfTraining() throws -> (ScratchDirectory, TrainingLog) {
    let dir = try ScratchDirectory()
    let log = LogFixture(directory: dir.path)
    for (index, day) in [6, 7, 9].enumerated() {
        var time = utc(2024, 5, day, 17, 30)
        log.log(.sensor(state: .calibrated, detail: "gyro bias learnt", t: 0), at: time - 60)
        for set in 1...3 {
            time = log.set(index * 3 + set, at: time, reps: 8 + set, depthCm: { 14 + Double($0 % 8) },
                           concentricS: 1.1 - 0.05 * Double(index),
                           velocity: { 0.5 - 0.01 * Double($0) - 0.03 * Double(index) },
                           alerts: { rep in rep % 8 == 0 ? [.shallow] : rep == 5 ? [.tempoFast, .overextension] : [] }) + 150
        }
    }
    try log.write()
    return (dir, try LogReader.read(directory: dir.path, calendar: utcCalendar))
}

@Suite struct LogFormatterTests {
    @Test func tablesShowSessionsSetsTotalsAndAdvice() throws {
        let (_, log) = try weekOfTraining()
        let formatter = LogFormatter(log: log, calendar: utcCalendar, showReps: false, warnings: log.frequencyWarnings)
        let text = formatter.text()
        #expect(text.contains("Session 1 · Mon 2024-05-06 17:30–"))
        #expect(text.contains("Session 3 · Thu 2024-05-09"))
        #expect(text.contains("3 sets · 30 reps"))
        #expect(text.contains("depth cm"))
        #expect(text.contains("  all "))
        #expect(text.contains("Total: 3 sessions, 9 sets, 90 reps; alerts: tempo_fast ×9, overextension ×9, shallow ×9"))
        #expect(text.contains("Per set: 10.0 reps"))
        #expect(text.contains("Mean concentric velocity, first → last session:"))
        #expect(text.contains("warning: sessions on consecutive days: Mon 2024-05-06 – Tue 2024-05-07"))
        #expect(!text.contains("rep  time"))

        let withReps = LogFormatter(log: log, calendar: utcCalendar, showReps: true, warnings: []).text()
        #expect(withReps.contains("rep  time"))
        #expect(withReps.contains("tempo_fast,overextension"))
        #expect(withReps.contains("ok: no more than 4 sessions in any 7 days"))
    }

    @Test func selectingASetKeepsOnlyIt() throws {
        let (_, log) = try weekOfTraining()
        let selected = log.selectingSet(2)
        #expect(selected.sessions.count == 3)
        #expect(selected.sessions.allSatisfy { $0.sets.count == 1 && $0.sets[0].number == 2 })
        #expect(selected.stats.reps == 30)
        #expect(log.selectingSet(4).sessions.isEmpty)
    }

    @Test func jsonHasEverythingScriptsNeed() throws {
        let (_, log) = try weekOfTraining()
        let formatter = LogFormatter(log: log, calendar: utcCalendar, showReps: false, warnings: log.frequencyWarnings)
        let text = formatter.json(range: TimeRange(since: utc(2024, 5, 1)))
        #expect(text.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(object["class"] as? String == "LOG")
        #expect(object["since"] as? String == "2024-05-01T00:00:00+00:00")
        let sessions = try #require(object["sessions"] as? [[String: Any]])
        #expect(sessions.count == 3)
        #expect(sessions[0]["date"] as? String == "2024-05-06")
        let sets = try #require(sessions[0]["sets"] as? [[String: Any]])
        #expect(sets.count == 3)
        let reps = try #require(sets[0]["reps"] as? [[String: Any]])
        #expect(reps.count == 9)
        #expect(reps[4]["alerts"] as? [String] == ["tempo_fast", "overextension"])
        #expect(reps[0]["depth_cm"] as? Double == 15)
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["reps"] as? Int == 90)
        #expect(totals["sessions"] as? Int == 3)
        #expect((totals["alerts"] as? [String: Int])?["shallow"] == 9)
        let advice = try #require(object["advice"] as? [[String: Any]])
        #expect(advice.first?["kind"] as? String == "consecutive_days")
        #expect((object["skipped"] as? [String: Int])?["torn"] == 0)
    }

    @Test func csvHasOneRowPerRep() throws {
        let (_, log) = try weekOfTraining()
        let lines = LogFormatter(log: log, calendar: utcCalendar, showReps: false, warnings: []).csv()
            .split(separator: "\n").map(String.init)
        #expect(lines.first == LogFormatter.csvHeader)
        #expect(lines.count == 91)
        let columns = LogFormatter.csvHeader.split(separator: ",").count
        #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == columns })
        let fifth = lines[5].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(fifth[0] == "1")
        #expect(fifth[1] == "2024-05-06")
        #expect(fifth[4] == "5")
        #expect(fifth[14] == "")  // torso_deg: bar mount
        #expect(fifth.last == "tempo_fast;overextension")
    }

    @Test func textTableAlignsColumns() {
        var table = TextTable([("n", .right), ("name", .left), ("x", .right)])
        table.add(["1", "a", "10.5"])
        table.add(["100", "long name", "-"])
        #expect(table.render(indent: "") == "  n  name          x\n  1  a          10.5\n100  long name     -\n")
    }
}

import Foundation
import TestProcessSupport
import Testing
import ThrustCore
@testable import ThrustClient

/// Seconds since 1970 of a UTC date and time.
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Double = 0) -> Double {
    Double(CivilTime.daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60) + second
}

let utcCalendar = LocalCalendar(timeZone: TimeZone(identifier: "UTC") ?? .current)

func calendar(_ identifier: String) throws -> LocalCalendar {
    LocalCalendar(timeZone: try #require(TimeZone(identifier: identifier)))
}

@Suite struct LogReaderTests {
    @Test func groupsSetsIntoSessionsWithAverages() throws {
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        let morning = utc(2024, 5, 6, 7, 0)
        var end = log.set(1, at: morning, reps: 3, depthCm: { [16, 18, 20][$0 - 1] },
                          velocity: { [0.5, 0.45, 0.4][$0 - 1] }, alerts: { $0 == 2 ? [.tempoFast, .shortHold] : [] })
        end = log.set(2, at: end + 120, reps: 2)
        // Evening: more than 2 h later → a second session; set numbers go on as the daemon counts.
        log.set(3, at: utc(2024, 5, 6, 18, 0), reps: 4)
        try log.write()

        let read = try LogReader.read(directory: dir.path, calendar: utcCalendar)
        #expect(read.sessions.count == 2)
        #expect(read.skipped.total == 0)
        let first = read.sessions[0]
        #expect(first.sets.map(\.number) == [1, 2])
        #expect(first.sets.map(\.loggedNumber) == [1, 2])
        #expect(first.sets.allSatisfy { $0.ended })
        let set1 = first.sets[0]
        #expect(set1.stats.reps == 3)
        #expect(set1.stats.depthCm.mean == 18)
        #expect(abs((set1.velocityLossPct ?? 0) - 20) < 1e-9)  // 1 − 0.4 / 0.5
        #expect(set1.stats.alertsByKind.map(\.kind) == [.tempoFast, .shortHold])
        #expect(set1.stats.repsWithAlerts == 1)
        #expect(set1.stats.alerts == 2)
        #expect(first.stats.reps == 5)
        #expect(read.sessions[1].sets.map(\.number) == [1])
        #expect(read.sessions[1].sets[0].loggedNumber == 3)
        #expect(read.stats.reps == 9)
        #expect(read.setCount == 3)
    }

    @Test func skipsTornAndUnknownLinesAndKeepsUnknownFields() throws {
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        let start = utc(2024, 5, 6, 18, 0)
        log.set(1, at: start, reps: 2)
        // A newer daemon's REP with extra fields of every kind still counts.
        log.raw(#"{"class":"REP","time":"2024-05-06T18:01:00.000Z","seq":50,"future":{"x":[1,{"y":2}]},"set":2,"rep":1,"t":5,"depth_cm":16,"eccentric_s":1.2,"bottom_s":null,"concentric_s":1.1,"hold_s":2,"lockout_cm":0,"torso_deg":null,"tilt_deg":null,"peak_velocity_mps":0.8,"mean_velocity_mps":0.4,"partial":false,"alerts":["tempo_fast","kind_from_the_future"],"note":"é \"quoted\""}"#, at: start + 60)
        log.raw(#"{"class":"WEATHER","time":"2024-05-06T18:01:01.000Z","seq":51,"temp_c":21}"#, at: start + 61)
        log.raw(#"{"class":"REP","set":2,"rep":2}"#, at: start + 62)  // no time: unusable
        log.raw(#"{"class":"REP","time":"2024-05-06T18:01:03.000Z","seq":53,"set":2,"rep":2,"depth_c"#, at: start + 63)
        log.raw(#"{"class":"SENSOR","time":"2024-05-06T18:01:04.000Z","seq":54,"state":"calibrated","detail":"ok","t":1}"#,
                at: start + 64)
        log.raw("", at: start + 65)  // a blank line is neither
        log.raw(#"{"class":"REP","time":"2024-05-06T18:01:06.000Z","seq":55,"set":2,"rep":3,"t":7,"depth_cm":18,"alerts":[]}"#,
                at: start + 66)
        log.raw(#"{"class":"SET_END","time":"2024-05-06T18:01:10.000Z","seq":56,"set":2,"t":9,"reps":3}"#, at: start + 70)
        log.raw(#"{"class":"REP","time":"2024-05-06T18:02:00.000Z","seq":57,"set":3,"rep":1,"t":"#, at: start + 120)
        try log.write()

        let read = try LogReader.read(directory: dir.path, calendar: utcCalendar)
        #expect(read.skipped.torn == 2)
        #expect(read.skipped.unknown == 2)
        #expect(read.skipped.firstTorn?.hasSuffix("2024-05-06.jsonl:8") == true)
        #expect(read.skipped.firstUnknown?.hasSuffix("2024-05-06.jsonl:6") == true)
        let sets = read.sessions.flatMap(\.sets)
        #expect(sets.count == 2)
        #expect(sets[1].reps.map(\.rep) == [1, 3])
        #expect(sets[1].reps[0].alerts == AlertSet(.tempoFast))
        #expect(sets[1].reps[0].bottomS == nil)
        #expect(sets[1].reps[1].eccentricS == nil)
        #expect(sets[1].ended)
    }

    @Test func emptyDaysMissingDaysAndOtherFilesAreFine() throws {
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        log.set(1, at: utc(2024, 5, 6, 18), reps: 3)
        log.emptyDay("2024-05-07")
        log.emptyDay("2024-05-08")
        log.set(2, at: utc(2024, 5, 10, 18), reps: 3)
        try log.write()
        try dir.file("notes.txt", "not a log\n")
        try dir.file("2024-13-01.jsonl", "{\"class\":\"REP\"}\n")  // not a date: not a log file
        try dir.file("2024-05-09.jsonl.gz", "binary")

        let files = try LogReader.logFiles(in: dir.path)
        #expect(files.map { String($0.path.split(separator: "/").last ?? "") }
                    == ["2024-05-06.jsonl", "2024-05-07.jsonl", "2024-05-08.jsonl", "2024-05-10.jsonl"])
        let read = try LogReader.read(directory: dir.path, calendar: utcCalendar)
        #expect(read.sessions.count == 2)
        #expect(read.skipped.total == 0)

        let empty = try ScratchDirectory()
        #expect(try LogReader.read(directory: empty.path, calendar: utcCalendar).sessions.isEmpty)
        #expect(throws: LogReadError.self) { try LogReader.read(directory: empty.path + "/missing", calendar: utcCalendar) }
    }

    @Test func aSetRunsOverMidnightIntoTheNextFile() throws {
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        log.set(7, at: utc(2024, 5, 6, 23, 59, 50), reps: 6)  // reps at +4 s each: three after midnight
        try log.write()
        #expect(try LogReader.logFiles(in: dir.path).count == 2)
        let read = try LogReader.read(directory: dir.path, calendar: utcCalendar)
        #expect(read.sessions.count == 1)
        #expect(read.sessions[0].sets.count == 1)
        #expect(read.sessions[0].sets[0].stats.reps == 6)
        #expect(read.sessions[0].sets[0].ended)
    }

    @Test func aDaemonRestartMidSetStartsANewSet() throws {
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        let start = utc(2024, 5, 6, 18)
        log.set(1, at: start, reps: 3, end: false)  // killed before SET_END
        // After the restart the daemon counts from set 1 rep 1 again, here without a SET_START.
        for rep in 1...2 { log.log(.rep(repReport(set: 1, rep: rep)), at: start + 60 + Double(rep)) }
        log.log(.setEnd(SetSummary(set: 1, t: 0, reps: 2)), at: start + 70)
        log.log(.setStart(set: 2, t: 0), at: start + 200)  // racked without a rep: not a set
        log.log(.setStart(set: 3, t: 0), at: start + 300)
        log.log(.alert(Alert(set: 3, rep: 8, kind: .setTarget, value: 8, limit: 8, t: 0)), at: start + 301)
        log.set(4, at: start + 400, reps: 1)
        try log.write()

        let read = try LogReader.read(directory: dir.path, calendar: utcCalendar)
        let sets = read.sessions.flatMap(\.sets)
        #expect(sets.map(\.stats.reps) == [3, 2, 1])
        #expect(sets.map(\.ended) == [false, true, true])
        #expect(sets.map(\.number) == [1, 2, 3])
        #expect(sets.map(\.loggedNumber) == [1, 1, 4])
        // The set_target of a set without reps is dropped with it.
        #expect(sets.allSatisfy { !$0.targetReached })
    }

    func repReport(set: Int, rep: Int) -> RepReport {
        RepReport(set: set, rep: rep, t: Double(rep), depthCm: 16, eccentricS: 1, bottomS: 0, concentricS: 1, holdS: 2,
                  lockoutCm: 0, torsoDeg: nil, tiltDeg: nil, peakVelocityMps: 1, meanVelocityMps: 0.5, partial: false,
                  alerts: [])
    }

    @Test func setTargetIsNoted() throws {
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        let start = utc(2024, 5, 6, 18)
        log.log(.setStart(set: 1, t: 0), at: start)
        for rep in 1...8 { log.log(.rep(repReport(set: 1, rep: rep)), at: start + Double(rep)) }
        log.log(.alert(Alert(set: 1, rep: 8, kind: .setTarget, value: 8, limit: 8, t: 8)), at: start + 8)
        log.log(.setEnd(SetSummary(set: 1, t: 9, reps: 8)), at: start + 9)
        try log.write()
        let set = try #require(try LogReader.read(directory: dir.path, calendar: utcCalendar).sessions.first?.sets.first)
        #expect(set.targetReached)
        #expect(set.stats.reps == 8)
    }

    @Test func rangesSelectSetsByTheirStart() throws {
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        for day in 1...20 { log.set(day, at: utc(2024, 5, day, 18), reps: 2) }
        try log.write()
        let range = TimeRange(since: utc(2024, 5, 5), until: utc(2024, 5, 10))
        let read = try LogReader.read(directory: dir.path, range: range, calendar: utcCalendar)
        #expect(read.sessions.map(\.day) == (5...9).map { CivilTime.daysFromCivil(year: 2024, month: 5, day: $0) })
        // Only the files that can hold those sets are read.
        #expect(read.filesRead == 7)
        #expect(LogReader.files(try LogReader.logFiles(in: dir.path), covering: TimeRange()).count == 20)
    }

    @Test func sessionsUseLocalDatesAcrossDST() throws {
        let berlin = try calendar("Europe/Berlin")
        let dir = try ScratchDirectory()
        let log = LogFixture(directory: dir.path)
        // Sat 2024-03-30 23:30 CET (22:30Z) and Mon 2024-04-01 00:15 CEST (Sun 22:15Z): 23¾ h apart,
        // on local days two apart — not consecutive.
        log.set(1, at: utc(2024, 3, 30, 22, 30), reps: 3)
        log.set(1, at: utc(2024, 3, 31, 22, 15), reps: 3)
        // Sat 2024-10-26 18:00 CEST (16:00Z) and Sun 2024-10-27 18:00 CET (17:00Z): 25 h apart,
        // on consecutive local days.
        log.set(1, at: utc(2024, 10, 26, 16), reps: 3)
        log.set(1, at: utc(2024, 10, 27, 17), reps: 3)
        try log.write()

        let read = try LogReader.read(directory: dir.path, calendar: berlin)
        #expect(read.sessions.map { CivilTime.dateText(ofDay: $0.day) }
                    == ["2024-03-30", "2024-04-01", "2024-10-26", "2024-10-27"])
        #expect(read.sessions.map { berlin.clockText($0.start) } == ["23:30", "00:15", "18:00", "18:00"])
        #expect(read.frequencyWarnings == [.consecutiveDays(fromDay: read.sessions[2].day, toDay: read.sessions[3].day)])

        // Local midnight of a 23-hour and a 25-hour day.
        let spring = CivilTime.daysFromCivil(year: 2024, month: 3, day: 31)
        #expect(berlin.startOfDay(spring) == utc(2024, 3, 30, 23))
        #expect(berlin.startOfDay(spring + 1) == utc(2024, 3, 31, 22))
        let autumn = CivilTime.daysFromCivil(year: 2024, month: 10, day: 27)
        #expect(berlin.startOfDay(autumn) == utc(2024, 10, 26, 22))
        #expect(berlin.startOfDay(autumn + 1) == utc(2024, 10, 27, 23))
        // Where clocks jump from 00:00 to 01:00 (Chile, 2024-09-08), the day starts at 01:00.
        let santiago = try calendar("America/Santiago")
        let jump = CivilTime.daysFromCivil(year: 2024, month: 9, day: 8)
        #expect(santiago.startOfDay(jump) == utc(2024, 9, 8, 4))
        #expect(santiago.clockText(santiago.startOfDay(jump)) == "01:00")
        // A date in --since is local midnight, in --until the end of that local day.
        let range = try TimeSpec.range(since: "2024-03-31", until: "2024-03-31", now: 0, calendar: berlin)
        #expect(range == TimeRange(since: utc(2024, 3, 30, 23), until: utc(2024, 3, 31, 22)))
    }

    @Test func timeSpecs() throws {
        let now = utc(2024, 5, 10, 12)
        #expect(try TimeSpec.instant("7d", now: now, calendar: utcCalendar) == now - 7 * 86_400)
        #expect(try TimeSpec.instant("12h", now: now, calendar: utcCalendar) == now - 12 * 3600)
        #expect(try TimeSpec.instant("2w", now: now, calendar: utcCalendar) == now - 14 * 86_400)
        #expect(try TimeSpec.instant("today", now: now, calendar: utcCalendar) == utc(2024, 5, 10))
        #expect(try TimeSpec.instant("yesterday", now: now, calendar: utcCalendar) == utc(2024, 5, 9))
        #expect(try TimeSpec.instant("2024-05-01T18:00:00+02:00", now: now, calendar: utcCalendar) == utc(2024, 5, 1, 16))
        for bad in ["", "7x", "-3d", "2024-5-1", "last week", "2024-02-30"] {
            #expect(throws: TimeSpec.ParseError.self) { try TimeSpec.instant(bad, now: now, calendar: utcCalendar) }
        }
        #expect(throws: TimeSpec.ParseError.self) {
            try TimeSpec.range(since: "2024-05-02", until: "2024-05-01", now: now, calendar: utcCalendar)
        }
    }
}

@Suite struct FrequencyAdviceTests {
    let monday = CivilTime.daysFromCivil(year: 2024, month: 5, day: 6)

    @Test func everyOtherDayIsFine() {
        #expect(FrequencyAdvice.warnings(sessionDays: [monday, monday + 2, monday + 4, monday + 7, monday + 9]).isEmpty)
    }

    @Test func moreThanFourInSevenDays() {
        let days = [monday, monday + 2, monday + 3, monday + 5, monday + 6, monday + 20]
        let warnings = FrequencyAdvice.warnings(sessionDays: days)
        #expect(warnings.contains(.tooManySessions(fromDay: monday, toDay: monday + 6, sessions: 5)))
        #expect(warnings.contains(.consecutiveDays(fromDay: monday + 2, toDay: monday + 3)))
        #expect(warnings.contains(.consecutiveDays(fromDay: monday + 5, toDay: monday + 6)))
        #expect(warnings.count == 3)
        #expect(warnings.first?.kind == "too_many_sessions")
        #expect(warnings[0].message.contains("5 sessions in the 7 days Mon 2024-05-06 – Sun 2024-05-12"))
    }

    @Test func runsAndSameDay() {
        let warnings = FrequencyAdvice.warnings(sessionDays: [monday + 2, monday, monday + 1, monday + 2])
        #expect(warnings == [.consecutiveDays(fromDay: monday, toDay: monday + 2),
                             .sameDay(day: monday + 2, sessions: 2)])
        #expect(warnings[0].message.contains("3 days in a row"))
        #expect(FrequencyAdvice.warnings(sessionDays: []).isEmpty)
    }

    @Test func sessionsPerWeekIncludesEmptyWeeks() {
        let weeks = FrequencyAdvice.sessionsPerWeek(sessionDays: [monday + 1, monday + 3, monday + 22])
        #expect(weeks.map(\.weekStart) == [monday, monday + 7, monday + 14, monday + 21])
        #expect(weeks.map(\.sessions) == [2, 0, 0, 1])
    }
}

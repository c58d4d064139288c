import Foundation
import ThrustClient
import ThrustCore

/// Writes rep-log fixtures (SPEC §7): daily `YYYY-MM-DD.jsonl` files of event lines with `time`
/// and `seq`, encoded by the same `CoreEvent.jsonLine` the daemon uses.
final class LogFixture {
    let directory: String
    private var seq = 0
    /// Lines per file name, in the order written.
    private var files: [String: String] = [:]

    init(directory: String) {
        self.directory = directory
    }

    /// Appends `event` logged at `time` (seconds since 1970 UTC) to that UTC day's file.
    func log(_ event: CoreEvent, at time: Double) {
        seq += 1
        let extra = "\"time\":" + JSONText.quoted(CivilTime.rfc3339(time)) + ",\"seq\":\(seq)"
        append(event.jsonLine(extraFields: extra), at: time)
    }

    /// Appends a raw line (torn, unknown, …) to the file of `time`'s UTC day.
    func raw(_ line: String, at time: Double) {
        append(line, at: time)
    }

    /// Creates an empty file for that UTC day (an "empty day").
    func emptyDay(_ date: String) {
        files[date + ".jsonl", default: ""] += ""
    }

    private func append(_ line: String, at time: Double) {
        let name = CivilTime.dateText(ofDay: Int((time / 86_400).rounded(.down))) + ".jsonl"
        files[name, default: ""] += line + "\n"
    }

    /// Logs a whole set: SET_START, then per rep (ALERTs then REP), then SET_END. Reps are
    /// `repSpacingS` apart starting `repSpacingS` after `start`. Returns the time of SET_END.
    @discardableResult
    func set(_ number: Int, at start: Double, reps: Int, repSpacingS: Double = 4,
             depthCm: (Int) -> Double = { 15.5 + Double($0 % 4) },
             eccentricS: Double = 1.3, concentricS: Double = 1.1, holdS: Double? = 2.2,
             velocity: (Int) -> Double = { 0.45 - 0.01 * Double($0) },
             alerts: (Int) -> [AlertKind] = { _ in [] }, end: Bool = true) -> Double {
        log(.setStart(set: number, t: start), at: start)
        for rep in 1...max(reps, 1) where reps > 0 {
            let time = start + Double(rep) * repSpacingS
            var set = AlertSet()
            for kind in alerts(rep) {
                set.insert(kind)
                log(.alert(Alert(set: number, rep: rep, kind: kind, value: 1, limit: 2, t: time)), at: time)
            }
            log(.rep(RepReport(set: number, rep: rep, t: time, depthCm: depthCm(rep), eccentricS: eccentricS,
                               bottomS: 0.3, concentricS: concentricS, holdS: holdS, lockoutCm: 0.2 * Double(rep % 3),
                               torsoDeg: nil, tiltDeg: 1.1, peakVelocityMps: velocity(rep) * 1.8,
                               meanVelocityMps: velocity(rep), partial: false, alerts: set)), at: time)
        }
        let endTime = start + Double(reps) * repSpacingS + 5
        if end {
            log(.setEnd(SetSummary(set: number, t: endTime, reps: reps)), at: endTime)
        }
        return endTime
    }

    /// Writes every file (replacing earlier contents).
    func write() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/" + name))
        }
    }
}


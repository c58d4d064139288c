import ThrustCore

extension TrainingLog {
    /// Only set `number` (as numbered within its session) of each session; sessions without one
    /// are left out. Session numbers stay as they were.
    public func selectingSet(_ number: Int) -> TrainingLog {
        var copy = self
        copy.sessions = sessions.compactMap { session in
            guard let set = session.sets.first(where: { $0.number == number }) else { return nil }
            var selected = session
            selected.sets = [set]
            selected.start = set.start
            selected.end = set.end
            selected.stats = set.stats
            return selected
        }
        return copy
    }

    /// Frequency warnings over the sessions in the log.
    public var frequencyWarnings: [FrequencyAdvice.Warning] {
        FrequencyAdvice.warnings(sessionDays: sessions.map(\.day))
    }
}

/// `thrust log` output: tables, JSON and CSV.
public struct LogFormatter {
    public var log: TrainingLog
    public var calendar: LocalCalendar
    /// Show every rep of every set (always on for `--set N`).
    public var showReps: Bool
    /// Frequency warnings (computed before any `--set` selection).
    public var warnings: [FrequencyAdvice.Warning]

    public init(log: TrainingLog, calendar: LocalCalendar, showReps: Bool, warnings: [FrequencyAdvice.Warning]) {
        self.log = log
        self.calendar = calendar
        self.showReps = showReps
        self.warnings = warnings
    }

    // MARK: Tables

    /// Sessions → sets (→ reps), per-set averages, totals and frequency advice.
    public func text() -> String {
        var out = ""
        if log.sessions.isEmpty {
            out += "No sets in the log for this range.\n"
        }
        for session in log.sessions {
            out += sessionHeading(session) + "\n"
            var sets = TextTable([
                ("set", .right), ("start", .left), ("reps", .right), ("depth cm", .right), ("ecc s", .right),
                ("bottom s", .right), ("conc s", .right), ("hold s", .right), ("lockout cm", .right),
                ("mean m/s", .right), ("peak m/s", .right), ("v-loss %", .right), ("alerts", .left),
            ])
            for set in session.sets {
                sets.add(averageRow(label: String(set.number), start: calendar.clockText(set.start), stats: set.stats,
                                    velocityLossPct: set.velocityLossPct, note: setNote(set)))
            }
            if session.sets.count > 1 {
                sets.add(averageRow(label: "all", start: "", stats: session.stats, velocityLossPct: nil,
                                    note: alertText(session.stats)))
            }
            out += sets.render()
            if showReps {
                for set in session.sets {
                    out += "\n  set \(set.number) (\(calendar.clockText(set.start)), \(set.stats.reps) reps"
                        + (set.ended ? "" : ", not ended in the log") + ")\n"
                    out += repTable(set).render(indent: "    ")
                }
            }
            out += "\n"
        }
        out += totalsText()
        out += adviceText()
        return out
    }

    func sessionHeading(_ session: TrainingSession) -> String {
        var heading = "Session \(session.number) · " + FrequencyAdvice.dayText(session.day) + " "
            + calendar.clockText(session.start) + "–" + calendar.clockText(session.end)
        heading += " · \(session.sets.count) set" + (session.sets.count == 1 ? "" : "s")
        heading += " · \(session.stats.reps) rep" + (session.stats.reps == 1 ? "" : "s")
        heading += " · \(session.stats.alerts) alert" + (session.stats.alerts == 1 ? "" : "s")
        if let profile = session.sets.first?.profile { heading += " · " + profile }
        return heading
    }

    func averageRow(label: String, start: String, stats: RepStats, velocityLossPct: Double?, note: String) -> [String] {
        [label, start, String(stats.reps), Cell.fixed(stats.depthCm.mean, 1), Cell.fixed(stats.eccentricS.mean, 2),
         Cell.fixed(stats.bottomS.mean, 2), Cell.fixed(stats.concentricS.mean, 2), Cell.fixed(stats.holdS.mean, 2),
         Cell.signed(stats.lockoutCm.mean, 1), Cell.fixed(stats.meanVelocityMps.mean, 3),
         Cell.fixed(stats.peakVelocityMps, 3), Cell.fixed(velocityLossPct, 1), note.isEmpty ? "-" : note]
    }

    func setNote(_ set: LoggedSet) -> String {
        var parts: [String] = []
        let alerts = alertText(set.stats)
        if !alerts.isEmpty { parts.append(alerts) }
        if set.stats.partialReps > 0 { parts.append("partial ×\(set.stats.partialReps)") }
        if set.targetReached { parts.append("target reached") }
        if !set.ended { parts.append("not ended") }
        return parts.joined(separator: ", ")
    }

    /// `tempo_fast ×3, shallow ×1` (reps per kind; `set_target` is noted separately).
    func alertText(_ stats: RepStats) -> String {
        stats.alertsByKind.filter { $0.kind != .setTarget }.map { "\($0.kind.rawValue) ×\($0.reps)" }
            .joined(separator: ", ")
    }

    func repTable(_ set: LoggedSet) -> TextTable {
        var table = TextTable([
            ("rep", .right), ("time", .left), ("depth cm", .right), ("ecc s", .right), ("bottom s", .right),
            ("conc s", .right), ("hold s", .right), ("lockout cm", .right), ("tilt deg", .right),
            ("torso deg", .right), ("mean m/s", .right), ("peak m/s", .right), ("alerts", .left),
        ])
        for rep in set.reps {
            var notes = rep.alerts.kinds.map(\.rawValue)
            if rep.partial { notes.append("partial") }
            table.add([String(rep.rep), calendar.clockText(rep.time, seconds: true), Cell.fixed(rep.depthCm, 1),
                       Cell.fixed(rep.eccentricS, 2), Cell.fixed(rep.bottomS, 2), Cell.fixed(rep.concentricS, 2),
                       Cell.fixed(rep.holdS, 2), Cell.signed(rep.lockoutCm, 1), Cell.fixed(rep.tiltDeg, 1),
                       Cell.fixed(rep.torsoDeg, 1), Cell.fixed(rep.meanVelocityMps, 3),
                       Cell.fixed(rep.peakVelocityMps, 3), notes.isEmpty ? "-" : notes.joined(separator: ",")])
        }
        return table
    }

    func totalsText() -> String {
        let stats = log.stats
        let sets = log.setCount
        var out = "Total: \(log.sessions.count) session" + (log.sessions.count == 1 ? "" : "s")
            + ", \(sets) set" + (sets == 1 ? "" : "s") + ", \(stats.reps) rep" + (stats.reps == 1 ? "" : "s")
        let alerts = alertText(stats)
        out += alerts.isEmpty ? ", no alerts\n" : "; alerts: " + alerts + "\n"
        if sets > 0 {
            out += "Per set: " + Cell.fixed(Double(stats.reps) / Double(sets), 1) + " reps"
                + ", depth " + Cell.fixed(stats.depthCm.mean, 1) + " cm"
                + ", eccentric " + Cell.fixed(stats.eccentricS.mean, 2) + " s"
                + ", concentric " + Cell.fixed(stats.concentricS.mean, 2) + " s"
                + ", hold " + Cell.fixed(stats.holdS.mean, 2) + " s"
                + ", mean velocity " + Cell.fixed(stats.meanVelocityMps.mean, 3) + " m/s\n"
        }
        if let trend = velocityTrend() {
            out += "Mean concentric velocity, first → last session: " + Cell.fixed(trend.first, 3) + " → "
                + Cell.fixed(trend.last, 3) + " m/s (" + Cell.signed(trend.changePct, 1) + " %)\n"
        }
        return out
    }

    /// First and last session's mean concentric velocity ("am I getting slower").
    public func velocityTrend() -> (first: Double, last: Double, changePct: Double)? {
        guard log.sessions.count >= 2, let first = log.sessions.first?.stats.meanVelocityMps.mean,
              let last = log.sessions.last?.stats.meanVelocityMps.mean, first > 0 else { return nil }
        return (first, last, (last / first - 1) * 100)
    }

    func adviceText() -> String {
        guard !log.sessions.isEmpty else { return "" }
        var out = "\nTraining frequency (SPEC: at most 3–4 sessions a week, a rest day between):\n"
        if warnings.isEmpty {
            out += "  ok: no more than \(FrequencyAdvice.maxSessionsPer7Days) sessions in any 7 days, "
                + "and a rest day between sessions\n"
        }
        for warning in warnings { out += "  warning: " + warning.message + "\n" }
        return out
    }

    // MARK: JSON

    /// One JSON object: sessions → sets → reps, totals, advice and skipped-line counts.
    public func json(range: TimeRange) -> String {
        var object = JSONObjectWriter(className: "LOG")
        object.string("since", range.since.map(calendar.localTimestamp))
        object.string("until", range.until.map(calendar.localTimestamp))
        var sessions = "\"sessions\":["
        for (index, session) in log.sessions.enumerated() {
            if index > 0 { sessions += "," }
            sessions += sessionJSON(session)
        }
        sessions += "]"
        object.rawFields(sessions)
        object.rawFields("\"totals\":" + statsJSON(log.stats, extra: { writer in
            writer.int("sessions", log.sessions.count)
            writer.int("sets", log.setCount)
        }))
        var advice = "\"advice\":["
        for (index, warning) in warnings.enumerated() {
            if index > 0 { advice += "," }
            var item = JSONObjectWriter()
            item.string("kind", warning.kind)
            item.string("from", CivilTime.dateText(ofDay: warning.days.lowerBound))
            item.string("to", CivilTime.dateText(ofDay: warning.days.upperBound))
            if case .tooManySessions(_, _, let count) = warning { item.int("sessions", count) }
            if case .sameDay(_, let count) = warning { item.int("sessions", count) }
            item.string("message", warning.message)
            advice += item.finish()
        }
        advice += "]"
        object.rawFields(advice)
        var skipped = JSONObjectWriter()
        skipped.int("torn", log.skipped.torn)
        skipped.int("unknown", log.skipped.unknown)
        object.rawFields("\"skipped\":" + skipped.finish())
        return object.finish() + "\n"
    }

    func sessionJSON(_ session: TrainingSession) -> String {
        var object = JSONObjectWriter()
        object.int("session", session.number)
        object.string("date", CivilTime.dateText(ofDay: session.day))
        object.string("start", calendar.localTimestamp(session.start))
        object.string("end", calendar.localTimestamp(session.end))
        var sets = "\"sets\":["
        for (index, set) in session.sets.enumerated() {
            if index > 0 { sets += "," }
            sets += setJSON(set)
        }
        sets += "]"
        object.rawFields(sets)
        object.rawFields("\"totals\":" + statsJSON(session.stats, extra: { $0.int("sets", session.sets.count) }))
        return object.finish()
    }

    func setJSON(_ set: LoggedSet) -> String {
        var object = JSONObjectWriter()
        object.int("set", set.number)
        object.int("logged_set", set.loggedNumber)
        object.string("start", calendar.localTimestamp(set.start))
        object.string("end", calendar.localTimestamp(set.end))
        object.bool("ended", set.ended)
        object.bool("target_reached", set.targetReached)
        object.string("profile", set.profile)
        object.string("mount", set.mount)
        object.number("velocity_loss_pct", set.velocityLossPct, decimals: JSONDecimals.percent)
        object.rawFields("\"totals\":" + statsJSON(set.stats, extra: { _ in }))
        var reps = "\"reps\":["
        for (index, rep) in set.reps.enumerated() {
            if index > 0 { reps += "," }
            reps += Self.repJSON(rep)
        }
        reps += "]"
        object.rawFields(reps)
        return object.finish()
    }

    /// A logged rep with the field names of SPEC §5 `REP` (and `time`).
    public static func repJSON(_ rep: LoggedRep) -> String {
        var object = JSONObjectWriter()
        object.int("set", rep.loggedSet)
        object.int("rep", rep.rep)
        object.string("time", CivilTime.rfc3339(rep.time))
        object.number("t", rep.t, decimals: JSONDecimals.time)
        object.repMeasures(depthCm: rep.depthCm, eccentricS: rep.eccentricS, bottomS: rep.bottomS,
                           concentricS: rep.concentricS, holdS: rep.holdS, lockoutCm: rep.lockoutCm,
                           torsoDeg: rep.torsoDeg, tiltDeg: rep.tiltDeg, peakVelocityMps: rep.peakVelocityMps,
                           meanVelocityMps: rep.meanVelocityMps, partial: rep.partial, alerts: rep.alerts)
        return object.finish()
    }

    func statsJSON(_ stats: RepStats, extra: (inout JSONObjectWriter) -> Void) -> String {
        var object = JSONObjectWriter()
        extra(&object)
        object.int("reps", stats.reps)
        object.int("partial_reps", stats.partialReps)
        object.int("reps_with_alerts", stats.repsWithAlerts)
        object.number("mean_depth_cm", stats.depthCm.mean, decimals: JSONDecimals.cm)
        object.number("mean_eccentric_s", stats.eccentricS.mean, decimals: JSONDecimals.seconds)
        object.number("mean_bottom_s", stats.bottomS.mean, decimals: JSONDecimals.seconds)
        object.number("mean_concentric_s", stats.concentricS.mean, decimals: JSONDecimals.seconds)
        object.number("mean_hold_s", stats.holdS.mean, decimals: JSONDecimals.seconds)
        object.number("mean_lockout_cm", stats.lockoutCm.mean, decimals: JSONDecimals.cm)
        object.number("mean_velocity_mps", stats.meanVelocityMps.mean, decimals: JSONDecimals.mps)
        object.number("peak_velocity_mps", stats.peakVelocityMps, decimals: JSONDecimals.mps)
        var alerts = JSONObjectWriter()
        for (kind, reps) in stats.alertsByKind { alerts.int(kind.rawValue, reps) }
        object.rawFields("\"alerts\":" + alerts.finish())
        return object.finish()
    }

    // MARK: CSV

    public static let csvHeader = "session,date,set,logged_set,rep,time,local_time,t,depth_cm,eccentric_s,bottom_s,"
        + "concentric_s,hold_s,lockout_cm,torso_deg,tilt_deg,peak_velocity_mps,mean_velocity_mps,partial,alerts"

    /// One row per rep (empty cells for missing values; alerts joined with `;`).
    public func csv() -> String {
        var out = Self.csvHeader + "\n"
        func number(_ value: Double?, _ decimals: Int) -> String {
            guard value != nil else { return "" }
            return JSONText.number(value, decimals: decimals)
        }
        for session in log.sessions {
            let date = CivilTime.dateText(ofDay: session.day)
            for set in session.sets {
                for rep in set.reps {
                    let fields: [String] = [
                        String(session.number), date, String(set.number), String(set.loggedNumber), String(rep.rep),
                        CivilTime.rfc3339(rep.time), calendar.localTimestamp(rep.time),
                        number(rep.t, JSONDecimals.time), number(rep.depthCm, JSONDecimals.cm),
                        number(rep.eccentricS, JSONDecimals.seconds), number(rep.bottomS, JSONDecimals.seconds),
                        number(rep.concentricS, JSONDecimals.seconds), number(rep.holdS, JSONDecimals.seconds),
                        number(rep.lockoutCm, JSONDecimals.cm), number(rep.torsoDeg, JSONDecimals.deg),
                        number(rep.tiltDeg, JSONDecimals.deg), number(rep.peakVelocityMps, JSONDecimals.mps),
                        number(rep.meanVelocityMps, JSONDecimals.mps), rep.partial ? "true" : "false",
                        rep.alerts.kinds.map(\.rawValue).joined(separator: ";"),
                    ]
                    out += fields.joined(separator: ",") + "\n"
                }
            }
        }
        return out
    }
}

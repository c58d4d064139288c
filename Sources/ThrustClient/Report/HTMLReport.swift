import ThrustCore

/// The reference limits the report draws (SPEC §3 defaults). Whether a rep was judged against
/// them is the daemon's call (its `alerts`); the lines show the coaching literature's values.
public struct ReportLimits: Sendable, Equatable {
    public var depthMinCm = 15.0
    public var depthMaxCm = 20.0
    public var minEccentricS = 1.0
    public var minConcentricS = 1.0
    public var minHoldS = 2.0
    public var overextensionCm = 5.0
    public var overextensionDeg = 10.0
    public var maxSessionsPerWeek = FrequencyAdvice.maxSessionsPer7Days
    public var recommendedSessionsPerWeek = FrequencyAdvice.recommendedSessionsPerWeek

    public init() {}
}

/// `thrust report`: one self-contained HTML page (inline CSS and SVG, no script, no network)
/// that answers the lifter's questions: how many reps and sets, which reps broke which limit,
/// are depth and tempo consistent, am I getting slower, am I training too often.
public struct HTMLReport {
    public var log: TrainingLog
    public var calendar: LocalCalendar
    public var range: TimeRange
    /// The most recent sessions get per-rep charts; older ones are in the trend charts only.
    public var detailedSessions: Int
    /// When the report was made, seconds since 1970 UTC.
    public var generatedAt: Double
    public var limits = ReportLimits()

    static let green = "#2e7d32"
    static let red = "#c62828"
    static let amber = "#ef8f00"
    static let blue = "#1565c0"
    static let orange = "#e65100"
    static let purple = "#6a1b9a"
    static let grey = "#757575"
    /// Frequency warnings shown before the rest are folded into a <details>.
    static let warningsShown = 4

    public init(log: TrainingLog, calendar: LocalCalendar, range: TimeRange, detailedSessions: Int = 7,
                generatedAt: Double) {
        self.log = log
        self.calendar = calendar
        self.range = range
        self.detailedSessions = detailedSessions
        self.generatedAt = generatedAt
    }

    public func render() -> String {
        let warnings = log.frequencyWarnings
        var html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        html += "<title>Hip-thrust report \(htmlEscaped(rangeText()))</title>\n"
        html += "<style>\(Self.css)</style>\n</head>\n<body>\n<main>\n"
        html += "<h1>Hip-thrust report</h1>\n"
        html += "<p class=\"meta\">\(htmlEscaped(rangeText())) · made \(htmlEscaped(calendar.dateText(generatedAt))) "
            + "\(htmlEscaped(calendar.clockText(generatedAt))) · times are local (UTC"
            + "\(htmlEscaped(offsetText(calendar.utcOffsetSeconds(at: generatedAt)))))</p>\n"
        html += summarySection(warnings: warnings)
        if log.sessions.isEmpty {
            html += "<p class=\"empty\">No sets in the log for this range.</p>\n"
        } else {
            html += frequencySection(warnings: warnings)
            if log.sessions.count >= 2 { html += trendSection() }
            for session in log.sessions.suffix(max(detailedSessions, 0)).reversed() {
                html += sessionSection(session)
            }
            let older = log.sessions.count - max(detailedSessions, 0)
            if older > 0 {
                html += "<p class=\"meta\">\(older) older session\(older == 1 ? " appears" : "s appear") in the trend "
                    + "charts only (thrust report --sessions N shows more).</p>\n"
            }
        }
        html += "<footer>Limits drawn: depth \(fmt(limits.depthMinCm, 0))–\(fmt(limits.depthMaxCm, 0)) cm, "
            + "eccentric and concentric ≥ \(fmt(limits.minEccentricS, 0)) s, hold ≥ \(fmt(limits.minHoldS, 0)) s, "
            + "over-extension \(fmt(limits.overextensionCm, 0)) cm above the set's lockout (belt: "
            + "\(fmt(limits.overextensionDeg, 0))° past parallel), at most \(limits.recommendedSessionsPerWeek)–"
            + "\(limits.maxSessionsPerWeek) sessions a week with a rest day between (SPEC §3). Red marks are reps "
            + "the daemon flagged; amber marks are outside the drawn range without an alert (a profile that "
            + "does not judge that limit)."
        if log.skipped.total > 0 {
            html += " Skipped log lines: \(log.skipped.torn) torn, \(log.skipped.unknown) unknown."
        }
        html += " Made by thrust report.</footer>\n</main>\n</body>\n</html>\n"
        return html
    }

    static let css = """
        body{margin:0;background:#fafafa;color:#212121;font:16px/1.45 -apple-system,"Segoe UI",Roboto,\
        "DejaVu Sans",sans-serif}main{max-width:960px;margin:0 auto;padding:12px}h1{font-size:1.5em;margin:.3em 0}\
        h2{font-size:1.2em;margin:1.2em 0 .4em;border-bottom:2px solid #e0e0e0}h3{font-size:1em;margin:.8em 0 .3em}\
        .meta{color:#616161;font-size:.9em}.cards{display:flex;flex-wrap:wrap;gap:8px}\
        .card{background:#fff;border:1px solid #e0e0e0;border-radius:8px;padding:8px 12px;min-width:96px}\
        .card b{display:block;font-size:1.4em}.warn{background:#ffebee;border-left:4px solid #c62828;\
        padding:6px 10px;margin:4px 0}.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:6px 10px;\
        margin:4px 0}.chart-wrap{overflow-x:auto;margin:6px 0 12px;background:#fff;border:1px solid #e0e0e0;\
        border-radius:6px}.chart-wrap svg{display:block;width:100%;height:auto}\
        table{border-collapse:collapse;font-size:.85em;background:#fff}.table-wrap{overflow-x:auto}\
        th,td{padding:3px 7px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}\
        th:last-child,td:last-child{text-align:left}.bad{color:#c62828;font-weight:bold}\
        .legend span{display:inline-block;margin-right:12px;font-size:.85em}\
        .legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}\
        footer{color:#757575;font-size:.8em;margin:24px 0}
        """

    // MARK: Sections

    func summarySection(warnings: [FrequencyAdvice.Warning]) -> String {
        let stats = log.stats
        var html = "<section id=\"summary\">\n<div class=\"cards\">"
        let cards: [(String, String)] = [
            ("sessions", String(log.sessions.count)), ("sets", String(log.setCount)), ("reps", String(stats.reps)),
            ("reps with alerts", String(stats.repsWithAlerts)), ("mean depth", fmt(stats.depthCm.mean, 1) + " cm"),
            ("mean concentric velocity", fmt(stats.meanVelocityMps.mean, 2) + " m/s"),
        ]
        for (label, value) in cards {
            html += "<div class=\"card\"><b>\(htmlEscaped(value))</b>\(htmlEscaped(label))</div>"
        }
        html += "</div>\n"
        let kinds = stats.alertsByKind.filter { $0.kind != .setTarget }
        if !kinds.isEmpty {
            html += "<p>Limits broken: " + kinds.map { "<b>\($0.kind.rawValue)</b> \($0.reps)×" }
                .joined(separator: ", ") + "</p>\n"
        }
        html += "</section>\n"
        return html
    }

    func frequencySection(warnings: [FrequencyAdvice.Warning]) -> String {
        var html = "<section id=\"frequency\">\n<h2>Training frequency</h2>\n"
        let weeks = FrequencyAdvice.sessionsPerWeek(sessionDays: log.sessions.map(\.day))
        let axis = ValueAxis(values: weeks.map { Double($0.sessions) },
                             include: [Double(limits.maxSessionsPerWeek) + 1], minimumSpan: 5, tickCount: 5)
        var chart = SVGChart(id: "sessions-per-week", kind: "sessions-per-week", title: "Sessions per week",
                             slots: weeks.count, axis: axis, unit: "sessions")
        chart.band(from: Double(limits.recommendedSessionsPerWeek), to: Double(limits.maxSessionsPerWeek),
                   color: Self.green, label: "\(limits.recommendedSessionsPerWeek)–\(limits.maxSessionsPerWeek) a week")
        let warnedDays = warnings.map(\.days)
        let labelEvery = max(1, weeks.count / 10)
        for (index, week) in weeks.enumerated() {
            let over = week.sessions > limits.maxSessionsPerWeek
            let warned = warnedDays.contains { $0.overlaps(week.weekStart...(week.weekStart + 6)) }
            let date = CivilTime.dateText(ofDay: week.weekStart)
            chart.bar(index, Double(week.sessions), color: over ? Self.red : warned ? Self.amber : Self.blue,
                      title: "week of \(date): \(week.sessions) session\(week.sessions == 1 ? "" : "s")")
            if warned { chart.note(index, Double(week.sessions), "!", color: Self.red) }
            if index % labelEvery == 0 { chart.xLabel(index, String(date.dropFirst(5))) }
        }
        html += wrap(chart.render(xCaption: "week (Monday)"), slots: weeks.count)
        if warnings.isEmpty {
            html += "<p class=\"ok\">No more than \(limits.maxSessionsPerWeek) sessions in any 7 days, and a rest "
                + "day between sessions.</p>\n"
        }
        // Newest first; the first few in full, a busy year's worth folded away.
        let warnings = Array(warnings.reversed())
        for warning in warnings.prefix(Self.warningsShown) {
            html += "<p class=\"warn\">\(htmlEscaped(warning.message))</p>\n"
        }
        if warnings.count > Self.warningsShown {
            html += "<details><summary>\(warnings.count - Self.warningsShown) more warnings</summary>\n"
            for warning in warnings.dropFirst(Self.warningsShown) {
                html += "<p class=\"warn\">\(htmlEscaped(warning.message))</p>\n"
            }
            html += "</details>\n"
        }
        html += "</section>\n"
        return html
    }

    func trendSection() -> String {
        var html = "<section id=\"trend\">\n<h2>From session to session</h2>\n"
        let sessions = log.sessions
        let velocities = sessions.map(\.stats.meanVelocityMps.mean)
        var velocityChart = SVGChart(
            id: "trend-velocity", kind: "trend-velocity", title: "Mean concentric velocity per session",
            slots: sessions.count, axis: ValueAxis(values: velocities.compactMap { $0 }, minimumSpan: 0.2),
            unit: "m/s")
        let depths = sessions.map(\.stats.depthCm.mean)
        var depthChart = SVGChart(
            id: "trend-depth", kind: "trend-depth", title: "Mean depth per session", slots: sessions.count,
            axis: ValueAxis(values: depths.compactMap { $0 }, include: [limits.depthMaxCm + 2], minimumSpan: 5),
            unit: "cm")
        depthChart.band(from: limits.depthMinCm, to: limits.depthMaxCm, color: Self.green,
                        label: "\(fmt(limits.depthMinCm, 0))–\(fmt(limits.depthMaxCm, 0)) cm")
        let labelEvery = max(1, sessions.count / 10)
        for (index, session) in sessions.enumerated() {
            let date = CivilTime.dateText(ofDay: session.day)
            if let velocity = velocities[index] {
                velocityChart.dot(index, velocity, color: Self.blue, radius: 3.5,
                                  title: "\(date): \(fmt(velocity, 3)) m/s")
            }
            if let depth = depths[index] {
                let inBand = depth >= limits.depthMinCm && depth <= limits.depthMaxCm
                depthChart.dot(index, depth, color: inBand ? Self.green : Self.amber, radius: 3.5,
                               title: "\(date): \(fmt(depth, 1)) cm")
            }
            if index % labelEvery == 0 {
                velocityChart.xLabel(index, String(date.dropFirst(5)))
                depthChart.xLabel(index, String(date.dropFirst(5)))
            }
        }
        velocityChart.line(velocities.enumerated().compactMap { index, value in value.map { (index, $0) } },
                           color: Self.blue)
        depthChart.line(depths.enumerated().compactMap { index, value in value.map { (index, $0) } }, color: Self.grey,
                        width: 1)
        html += wrap(velocityChart.render(xCaption: "session"), slots: sessions.count)
        html += wrap(depthChart.render(xCaption: "session"), slots: sessions.count)
        if let first = velocities.first ?? nil, let last = velocities.last ?? nil, first > 0 {
            let change = (last / first - 1) * 100
            html += "<p>Mean concentric velocity, first → last session: \(fmt(first, 3)) → \(fmt(last, 3)) m/s "
                + "(<span class=\"\(change < -10 ? "bad" : "")\">\(Cell.signed(change, 1)) %</span>).</p>\n"
        }
        html += "</section>\n"
        return html
    }

    func sessionSection(_ session: TrainingSession) -> String {
        let anchor = "session-\(session.number)"
        var html = "<section class=\"session\" id=\"\(anchor)\">\n"
        html += "<h2>Session \(session.number) · \(htmlEscaped(FrequencyAdvice.dayText(session.day))) "
            + "\(calendar.clockText(session.start))–\(calendar.clockText(session.end))</h2>\n"
        html += "<p class=\"meta\">\(session.sets.count) set\(session.sets.count == 1 ? "" : "s") · "
            + "\(session.stats.reps) reps · \(session.stats.repsWithAlerts) with alerts"
            + (session.sets.first?.profile.map { " · profile " + htmlEscaped($0) } ?? "")
            + (session.sets.first?.mount.map { " · " + htmlEscaped($0) + " mount" } ?? "") + "</p>\n"
        html += setTable(session)

        // Reps in order across the session's sets.
        var reps: [(set: LoggedSet, rep: LoggedRep)] = []
        for set in session.sets { for rep in set.reps { reps.append((set, rep)) } }
        html += wrap(depthChart(session, reps: reps, id: anchor + "-depth"), slots: reps.count)
        html += "<div class=\"legend\"><span><i style=\"background:\(Self.blue)\"></i>eccentric</span>"
            + "<span><i style=\"background:\(Self.orange)\"></i>concentric</span>"
            + "<span><i style=\"background:\(Self.purple)\"></i>hold</span>"
            + "<span><i style=\"background:#fff;border:2px solid \(Self.red)\"></i>below its minimum</span></div>\n"
        html += wrap(tempoChart(session, reps: reps, id: anchor + "-tempo"), slots: reps.count)
        html += wrap(lockoutChart(session, reps: reps, id: anchor + "-lockout"), slots: reps.count)
        html += wrap(velocityChart(session, reps: reps, id: anchor + "-velocity"), slots: reps.count)
        html += "</section>\n"
        return html
    }

    func setTable(_ session: TrainingSession) -> String {
        var html = "<div class=\"table-wrap\"><table><thead><tr><th>set</th><th>start</th><th>reps</th>"
            + "<th>depth cm</th><th>ecc s</th><th>conc s</th><th>hold s</th><th>lockout cm</th><th>mean m/s</th>"
            + "<th>v-loss %</th><th>alerts</th></tr></thead><tbody>"
        for set in session.sets {
            let stats = set.stats
            let alerts = stats.alertsByKind.filter { $0.kind != .setTarget }
                .map { "\($0.kind.rawValue) ×\($0.reps)" }.joined(separator: ", ")
            html += "<tr><td>\(set.number)</td><td>\(calendar.clockText(set.start))</td><td>\(stats.reps)</td>"
                + "<td>\(fmt(stats.depthCm.mean, 1))</td><td>\(fmt(stats.eccentricS.mean, 2))</td>"
                + "<td>\(fmt(stats.concentricS.mean, 2))</td><td>\(fmt(stats.holdS.mean, 2))</td>"
                + "<td>\(Cell.signed(stats.lockoutCm.mean, 1))</td><td>\(fmt(stats.meanVelocityMps.mean, 3))</td>"
                + "<td>\(fmt(set.velocityLossPct, 1))</td>"
                + "<td class=\"\(alerts.isEmpty ? "" : "bad")\">\(alerts.isEmpty ? "-" : htmlEscaped(alerts))</td></tr>"
        }
        html += "</tbody></table></div>\n"
        return html
    }

    // MARK: Per-rep charts

    /// Set separators and rep numbers along x.
    func markSets(_ chart: inout SVGChart, reps: [(set: LoggedSet, rep: LoggedRep)]) {
        var previous: Int?
        // Two-digit numbers need about 14 units; narrower slots label rep 1 and every 5th.
        let labelAll = chart.slotWidth >= 14
        for (index, entry) in reps.enumerated() {
            if entry.set.number != previous {
                chart.separator(before: index, label: "set \(entry.set.number)")
                previous = entry.set.number
            }
            if labelAll || entry.rep.rep == 1 || entry.rep.rep % 5 == 0 { chart.xLabel(index, String(entry.rep.rep)) }
        }
    }

    func depthChart(_ session: TrainingSession, reps: [(set: LoggedSet, rep: LoggedRep)], id: String) -> String {
        let axis = ValueAxis(values: reps.compactMap(\.rep.depthCm), include: [limits.depthMaxCm + 5],
                             minimumSpan: 10)
        var chart = SVGChart(id: id, kind: "depth", title: "Depth per rep", slots: reps.count, axis: axis, unit: "cm")
        chart.band(from: limits.depthMinCm, to: limits.depthMaxCm, color: Self.green,
                   label: "\(fmt(limits.depthMinCm, 0))–\(fmt(limits.depthMaxCm, 0)) cm")
        markSets(&chart, reps: reps)
        for (index, entry) in reps.enumerated() {
            guard let depth = entry.rep.depthCm else { continue }
            let flagged = entry.rep.alerts.contains(.shallow) || entry.rep.alerts.contains(.tooDeep) || entry.rep.partial
            let inBand = depth >= limits.depthMinCm && depth <= limits.depthMaxCm
            chart.bar(index, depth, color: flagged ? Self.red : inBand ? Self.green : Self.amber, share: 0.6,
                      title: "set \(entry.set.number) rep \(entry.rep.rep): \(fmt(depth, 1)) cm"
                        + (flagged ? " (" + alertNames(entry.rep) + ")" : ""))
        }
        return chart.render(xCaption: "rep")
    }

    func tempoChart(_ session: TrainingSession, reps: [(set: LoggedSet, rep: LoggedRep)], id: String) -> String {
        let values = reps.flatMap { [$0.rep.eccentricS, $0.rep.concentricS, $0.rep.holdS].compactMap { $0 } }
        let axis = ValueAxis(values: values, include: [limits.minHoldS + 0.5], minimumSpan: 3)
        var chart = SVGChart(id: id, kind: "tempo", title: "Eccentric, concentric and hold per rep",
                             slots: reps.count, axis: axis, unit: "s")
        chart.limitLine(at: limits.minEccentricS, color: Self.red, label: "≥ \(fmt(limits.minEccentricS, 0)) s each way")
        chart.limitLine(at: limits.minHoldS, color: Self.purple, label: "hold ≥ \(fmt(limits.minHoldS, 0)) s")
        markSets(&chart, reps: reps)
        for (index, entry) in reps.enumerated() {
            let rep = entry.rep
            let label = "set \(entry.set.number) rep \(rep.rep): "
            let phases: [(Double?, Double, String, String, Double)] = [
                (rep.eccentricS, limits.minEccentricS, Self.blue, "eccentric", -0.28),
                (rep.concentricS, limits.minConcentricS, Self.orange, "concentric", 0),
                (rep.holdS, limits.minHoldS, Self.purple, "hold", 0.28),
            ]
            for (value, minimum, color, name, offset) in phases {
                guard let value else { continue }
                let short = value < minimum
                chart.bar(index, value, color: color, share: 0.26, offset: offset, outline: short ? Self.red : nil,
                          title: label + "\(name) \(fmt(value, 2)) s" + (short ? " (under \(fmt(minimum, 0)) s)" : ""))
            }
        }
        return chart.render(xCaption: "rep")
    }

    func lockoutChart(_ session: TrainingSession, reps: [(set: LoggedSet, rep: LoggedRep)], id: String) -> String {
        let belt = reps.contains { $0.rep.torsoDeg != nil }
        let values = reps.compactMap { belt ? $0.rep.torsoDeg : $0.rep.lockoutCm }
        let limit = belt ? limits.overextensionDeg : limits.overextensionCm
        let axis = ValueAxis(values: values, include: [limit + 2, -2], minimumSpan: 8, floorAtZero: false)
        var chart = SVGChart(id: id, kind: "lockout",
                             title: belt ? "Pelvis angle at lockout (0 = parallel)" : "Lockout height vs the set's lockout",
                             slots: reps.count, axis: axis, unit: belt ? "deg" : "cm")
        chart.limitLine(at: 0, color: Self.grey, label: belt ? "parallel" : "reference lockout")
        chart.limitLine(at: limit, color: Self.red, label: "over-extension > \(fmt(limit, 0)) \(belt ? "°" : "cm")")
        markSets(&chart, reps: reps)
        for (index, entry) in reps.enumerated() {
            guard let value = belt ? entry.rep.torsoDeg : entry.rep.lockoutCm else { continue }
            let flagged = entry.rep.alerts.contains(.overextension)
            chart.dot(index, value, color: flagged ? Self.red : value > limit ? Self.amber : Self.green,
                      title: "set \(entry.set.number) rep \(entry.rep.rep): \(Cell.signed(value, 1)) \(belt ? "°" : "cm")")
        }
        return chart.render(xCaption: "rep")
    }

    func velocityChart(_ session: TrainingSession, reps: [(set: LoggedSet, rep: LoggedRep)], id: String) -> String {
        let values = reps.flatMap { [$0.rep.meanVelocityMps, $0.rep.peakVelocityMps].compactMap { $0 } }
        let axis = ValueAxis(values: values, minimumSpan: 0.3)
        var chart = SVGChart(id: id, kind: "velocity", title: "Concentric velocity: mean ●, peak ○, loss per set",
                             slots: reps.count, axis: axis, unit: "m/s")
        markSets(&chart, reps: reps)
        var start = 0
        for set in session.sets {
            var points: [(Int, Double)] = []
            for (offset, rep) in set.reps.enumerated() {
                let index = start + offset
                if let peak = rep.peakVelocityMps {
                    chart.raw("<circle cx=\"\(svgNumber(chart.x(index)))\" cy=\"\(svgNumber(chart.y(peak)))\" r=\"3\" "
                              + "fill=\"none\" stroke=\"\(Self.grey)\"><title>set \(set.number) rep \(rep.rep): peak "
                              + "\(fmt(peak, 3)) m/s</title></circle>")
                }
                if let mean = rep.meanVelocityMps {
                    chart.dot(index, mean, color: Self.blue, radius: 3.5,
                              title: "set \(set.number) rep \(rep.rep): mean \(fmt(mean, 3)) m/s")
                    points.append((index, mean))
                }
            }
            chart.line(points, color: Self.blue, width: 1.5)
            if let loss = set.velocityLossPct, let top = set.reps.compactMap(\.peakVelocityMps).max()
                ?? set.bestMeanVelocityMps {
                let middle = start + max(set.reps.count - 1, 0) / 2
                chart.note(middle, min(top, axis.high), "−\(fmt(loss, 0)) %", color: loss >= 20 ? Self.red : Self.grey)
            }
            start += set.reps.count
        }
        return chart.render(xCaption: "rep")
    }

    // MARK: Helpers

    func wrap(_ svg: String, slots: Int) -> String {
        // Few slots: the chart takes the page width. Many: it keeps about 10 px a slot and the
        // box scrolls sideways, so bars and labels stay legible on a phone.
        guard slots > SVGChart.scrollAboveSlots else { return "<div class=\"chart-wrap\">" + svg + "</div>\n" }
        let width = 56 + slots * 10
        return "<div class=\"chart-wrap\"><div style=\"min-width:\(width)px\">" + svg + "</div></div>\n"
    }

    func alertNames(_ rep: LoggedRep) -> String {
        var names = rep.alerts.kinds.map(\.rawValue)
        if rep.partial { names.append("partial") }
        return names.joined(separator: ", ")
    }

    func fmt(_ value: Double?, _ decimals: Int) -> String { JSONText.fixed(value, decimals: decimals) }

    func rangeText() -> String {
        switch (range.since, range.until) {
        case (nil, nil):
            guard let first = log.sessions.first, let last = log.sessions.last else { return "whole log" }
            return CivilTime.dateText(ofDay: first.day) + " – " + CivilTime.dateText(ofDay: last.day)
        case (let since?, nil): return "since " + calendar.dateText(since) + " " + calendar.clockText(since)
        case (nil, let until?): return "until " + calendar.dateText(until) + " " + calendar.clockText(until)
        case (let since?, let until?):
            return calendar.dateText(since) + " " + calendar.clockText(since) + " – " + calendar.dateText(until) + " "
                + calendar.clockText(until)
        }
    }

    func offsetText(_ seconds: Int) -> String {
        let sign = seconds < 0 ? "-" : "+"
        let magnitude = abs(seconds)
        return sign + CivilTime.pad(magnitude / 3600, 2) + ":" + CivilTime.pad(magnitude / 60 % 60, 2)
    }
}

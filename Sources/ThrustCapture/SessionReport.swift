import ThrustCore

/// The human-readable report of `thrust analyze` (without `--json`), built from events alone.
///
/// Feed events in order with `consume`, which returns the text to print now (whole lines, each
/// ending in `\n`, or ""); `summary()` gives the closing session summary. Per set: a heading, a
/// table row per REP, a note when the set target is reached, and a one-line set summary at
/// SET_END. PHASE events are not shown; other ALERT events show up in their rep's `alerts` column.
/// Memory: the alert bookkeeping of the current set only.
public struct SessionReport: Sendable {
    public let mount: Mount
    public private(set) var sets = 0
    public private(set) var reps = 0
    public private(set) var partialReps = 0
    /// Alerts by kind, each (set, rep, kind) counted once whether it came as ALERT, in a REP, or both.
    public private(set) var alertCounts: [AlertKind: Int] = [:]

    private var currentSet: Int?
    private var tableHeaderShown = false
    /// Kinds already counted per rep of the current set.
    private var countedKinds: [Int: AlertSet] = [:]

    public init(mount: Mount) {
        self.mount = mount
    }

    private struct Column {
        var title: String
        var width: Int
    }

    private var columns: [Column] {
        [Column(title: "rep", width: 4), Column(title: "t s", width: 10), Column(title: "depth cm", width: 9),
         Column(title: "ecc s", width: 6), Column(title: "bottom s", width: 9), Column(title: "con s", width: 6),
         Column(title: "hold s", width: 7), Column(title: "lockout cm", width: 11),
         Column(title: mount == .belt ? "torso deg" : "tilt deg", width: 10),
         Column(title: "peak m/s", width: 9), Column(title: "mean m/s", width: 9)]
    }

    /// Text to print for `event` (may be empty).
    public mutating func consume(_ event: CoreEvent) -> String {
        switch event {
        case .setStart(let set, let t):
            sets += 1
            currentSet = set
            countedKinds = [:]
            tableHeaderShown = false
            return "\nSet \(set) (starts at \(JSONText.fixed(t, decimals: 3)) s)\n"
        case .phase:
            return ""
        case .alert(let alert):
            count([alert.kind], set: alert.set, rep: alert.rep)
            if alert.kind == .setTarget {
                return "  set target reached: \(JSONText.fixed(alert.value, decimals: 0)) reps at "
                    + "\(JSONText.fixed(alert.t, decimals: 3)) s\n"
            }
            return ""
        case .rep(let rep):
            reps += 1
            if rep.partial { partialReps += 1 }
            count(rep.alerts.kinds, set: rep.set, rep: rep.rep)
            var text = ""
            if currentSet != rep.set {
                // A rep outside any announced set: give it a heading of its own.
                currentSet = rep.set
                countedKinds = [:]
                tableHeaderShown = false
                text += "\nSet \(rep.set)\n"
            }
            if !tableHeaderShown {
                tableHeaderShown = true
                text += tableHeader()
            }
            text += row(rep)
            return text
        case .setEnd(let summary):
            currentSet = nil
            countedKinds = [:]
            return Self.setSummaryLine(summary)
        case .sensor(let state, let detail, let t):
            return "sensor \(state.rawValue) at \(JSONText.fixed(t, decimals: 3)) s"
                + (detail.isEmpty ? "" : ": \(detail)") + "\n"
        }
    }

    /// The closing lines: sets, reps, alerts by kind.
    public func summary() -> String {
        var text = "\nSession: \(sets) set\(sets == 1 ? "" : "s"), \(reps) rep\(reps == 1 ? "" : "s")"
        if partialReps > 0 { text += " (\(partialReps) partial)" }
        let kinds = AlertKind.allCases.filter { (alertCounts[$0] ?? 0) > 0 }
        if kinds.isEmpty {
            text += "; no alerts\n"
        } else {
            text += "; alerts: " + kinds.map { "\($0.rawValue) \(alertCounts[$0] ?? 0)" }.joined(separator: ", ") + "\n"
        }
        return text
    }

    private mutating func count(_ kinds: [AlertKind], set: Int, rep: Int) {
        var counted = set == currentSet ? countedKinds[rep] ?? [] : []
        for kind in kinds where !counted.contains(kind) {
            counted.insert(kind)
            alertCounts[kind, default: 0] += 1
        }
        if set == currentSet { countedKinds[rep] = counted }
    }

    private func tableHeader() -> String {
        "  " + columns.map { Self.padLeft($0.title, $0.width) }.joined(separator: " ") + "  alerts\n"
    }

    private func row(_ rep: RepReport) -> String {
        let cells: [String] = [
            String(rep.rep),
            JSONText.fixed(rep.t, decimals: 3),
            JSONText.fixed(rep.depthCm, decimals: 1),
            JSONText.fixed(rep.eccentricS, decimals: 2),
            JSONText.fixed(rep.bottomS, decimals: 2),
            JSONText.fixed(rep.concentricS, decimals: 2),
            JSONText.fixed(rep.holdS, decimals: 2),
            JSONText.fixed(rep.lockoutCm, decimals: 1),
            JSONText.fixed(mount == .belt ? rep.torsoDeg : rep.tiltDeg, decimals: 1),
            JSONText.fixed(rep.peakVelocityMps, decimals: 2),
            JSONText.fixed(rep.meanVelocityMps, decimals: 2),
        ]
        var notes = rep.alerts.kinds.map(\.rawValue)
        if rep.partial { notes.append("partial") }
        let columns = self.columns
        var text = "  "
        for (index, cell) in cells.enumerated() {
            if index > 0 { text += " " }
            text += Self.padLeft(cell, columns[index].width)
        }
        text += "  " + (notes.isEmpty ? "-" : notes.joined(separator: ", ")) + "\n"
        return text
    }

    static func setSummaryLine(_ summary: SetSummary) -> String {
        var parts = ["\(summary.reps) rep\(summary.reps == 1 ? "" : "s")"]
        if let depth = summary.meanDepthCm { parts.append("depth \(JSONText.fixed(depth, decimals: 1)) cm") }
        if let ecc = summary.meanEccentricS { parts.append("ecc \(JSONText.fixed(ecc, decimals: 2)) s") }
        if let con = summary.meanConcentricS { parts.append("con \(JSONText.fixed(con, decimals: 2)) s") }
        if let hold = summary.meanHoldS { parts.append("hold \(JSONText.fixed(hold, decimals: 2)) s") }
        if let peak = summary.peakVelocityMps { parts.append("peak \(JSONText.fixed(peak, decimals: 2)) m/s") }
        if let loss = summary.velocityLossPct { parts.append("velocity loss \(JSONText.fixed(loss, decimals: 1)) %") }
        parts.append(summary.alerts == 0 ? "no alerts" : "\(summary.alerts) alert\(summary.alerts == 1 ? "" : "s")")
        return "  Set \(summary.set) summary (ended at \(JSONText.fixed(summary.t, decimals: 3)) s): "
            + parts.joined(separator: ", ") + "\n"
    }

    private static func padLeft(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }
}

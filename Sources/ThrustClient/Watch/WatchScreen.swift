import ThrustCore

/// The terminal renderings of `thrust watch`: a full screen for a TTY, one plain line per
/// event otherwise.
public enum WatchScreen {
    /// ANSI styles (empty strings when colour is off).
    public struct Style: Sendable {
        public var reset = "", bold = "", dim = "", green = "", red = "", alert = "", target = ""

        public init(color: Bool) {
            guard color else { return }
            reset = "\u{1B}[0m"
            bold = "\u{1B}[1m"
            dim = "\u{1B}[2m"
            green = "\u{1B}[32m"
            red = "\u{1B}[31m"
            alert = "\u{1B}[1;97;41m"
            target = "\u{1B}[1;30;42m"
        }
    }

    /// Clears the screen and moves the cursor home.
    public static let clear = "\u{1B}[H\u{1B}[2J"

    /// 3×5 glyphs of the digits, drawn with two characters per cell.
    static let glyphs: [[String]] = [
        ["###", "# #", "# #", "# #", "###"], [" # ", "## ", " # ", " # ", "###"],
        ["###", "  #", "###", "#  ", "###"], ["###", "  #", "###", "  #", "###"],
        ["# #", "# #", "###", "  #", "  #"], ["###", "#  ", "###", "  #", "###"],
        ["###", "#  ", "###", "# #", "###"], ["###", "  #", "  #", "  #", "  #"],
        ["###", "# #", "###", "# #", "###"], ["###", "# #", "###", "  #", "###"],
    ]

    /// Five lines of `number` in large digits.
    public static func bigNumber(_ number: Int) -> [String] {
        let digits = String(max(number, 0)).compactMap { $0.wholeNumberValue }
        return (0..<5).map { row in
            digits.map { digit in
                glyphs[digit][row].map { $0 == "#" ? "██" : "  " }.joined()
            }.joined(separator: "  ")
        }
    }

    /// The whole screen (without the clear sequence).
    public static func screen(_ state: WatchState, style: Style) -> String {
        var lines: [String] = []
        var header = style.bold + "thrust watch" + style.reset
        if let release = state.release { header += " · thrustd " + release }
        if let status = state.status {
            let fields = ["sensor", "source", "rate_hz", "mount", "profile", "state"].compactMap { key -> String? in
                guard let value = status[key], value != .null else { return nil }
                return key == "rate_hz" ? value.displayText + " Hz" : value.displayText
            }
            header += " · " + fields.joined(separator: " · ")
            if status["muted"]?.bool == true { header += " · muted" }
        }
        lines.append(header)
        lines.append(style.dim + state.connectionNote + style.reset)
        lines.append("")

        let setNumber = state.set ?? 0
        let setDigits = bigNumber(setNumber)
        let repDigits = bigNumber(state.reps)
        let setWidth = setDigits[0].count
        lines.append(style.bold + "SET".padded(to: setWidth + 6) + "REPS" + style.reset)
        for row in 0..<5 {
            let color = state.targetReached ? style.green : ""
            lines.append(setDigits[row] + "      " + color + repDigits[row] + style.reset)
        }
        lines.append("")

        var phaseLine = "phase: "
        if let phase = state.phase {
            let arrow = ["eccentric": "▼", "concentric": "▲", "bottom": "·", "lockout": "■"][phase] ?? ""
            phaseLine += style.bold + phase.uppercased() + " " + arrow + style.reset
        } else {
            phaseLine += state.inSet ? "-" : "resting"
        }
        if state.targetReached { phaseLine += "   " + style.target + " TARGET REACHED " + style.reset }
        lines.append(phaseLine)
        lines.append("")

        if let rep = state.lastRep {
            lines.append(style.bold + "last rep" + style.reset + " (set \(rep.int("set") ?? 0) rep \(rep.int("rep") ?? 0))")
            for figure in RepFigure.figures(of: rep, limits: state.limits, mount: state.mount) {
                let color = figure.verdict == .good ? style.green : figure.verdict == .bad ? style.red : ""
                let mark = figure.verdict == .good ? "ok" : figure.verdict == .bad ? "!!" : "  "
                lines.append("  " + figure.name.padded(to: 11) + color
                             + figure.value.padded(to: 26) + mark + style.reset
                             + (figure.limit.isEmpty ? "" : "  " + style.dim + figure.limit + style.reset))
            }
        } else {
            lines.append(style.dim + "no rep yet" + style.reset)
        }
        lines.append("")
        for alert in state.lastRepAlerts + state.pendingAlerts {
            lines.append(style.alert + " ALERT " + alertText(alert) + " " + style.reset)
        }
        if let end = state.lastSetEnd {
            lines.append("last set: " + setEndText(end))
        }
        if let sensor = state.sensor {
            lines.append("sensor: " + sensor.state + (sensor.detail.isEmpty ? "" : " (" + sensor.detail + ")"))
        }
        if let error = state.lastError { lines.append(style.red + "error: " + error + style.reset) }
        lines.append(style.dim + "Ctrl-C to quit" + style.reset)
        return lines.joined(separator: "\n") + "\n"
    }

    /// `tempo_fast 0.82 s (limit 1 s), set 2 rep 3`.
    public static func alertText(_ alert: EventObject) -> String {
        let unit = alert.string("unit") ?? ""
        let decimals = JSONDecimals.forUnit(unit) > 2 ? 2 : JSONDecimals.forUnit(unit)
        return (alert.string("kind") ?? "?") + " " + JSONText.fixed(alert.number("value"), decimals: decimals) + " " + unit
            + " (limit " + JSONText.fixed(alert.number("limit"), decimals: decimals) + " " + unit + ")"
            + ", set \(alert.int("set") ?? 0) rep \(alert.int("rep") ?? 0)"
    }

    static func setEndText(_ end: EventObject) -> String {
        var text = "set \(end.int("set") ?? 0): \(end.int("reps") ?? 0) reps"
        if let depth = end.number("mean_depth_cm") { text += ", depth " + JSONText.fixed(depth, decimals: 1) + " cm" }
        if let loss = end.number("velocity_loss_pct") { text += ", velocity loss " + JSONText.fixed(loss, decimals: 0) + " %" }
        if let alerts = end.int("alerts") { text += ", \(alerts) alert" + (alerts == 1 ? "" : "s") }
        return text
    }

    /// One plain line for an event (not a TTY), nil for events not worth a line (`PHASE`, `SAMPLE`).
    public static func plainLine(_ event: EventObject, state: WatchState) -> String? {
        switch event.eventClass {
        case "VERSION":
            return "thrustd \(event["release"]?.displayText ?? "?") (protocol \(event.int("proto").map(String.init) ?? "?"))"
        case "STATUS":
            let keys = ["sensor", "source", "rate_hz", "mount", "profile", "state"]
            return "status: " + keys.map { "\($0)=\(event[$0]?.displayText ?? "-")" }.joined(separator: " ")
        case "SET_START":
            return "set \(event.int("set") ?? 0) started"
        case "ALERT":
            if event.string("kind") == AlertKind.setTarget.rawValue {
                return "set \(event.int("set") ?? 0): target of \(JSONText.fixed(event.number("value"), decimals: 0)) reps reached"
            }
            return "ALERT " + alertText(event)
        case "REP":
            var text = "set \(event.int("set") ?? 0) rep \(event.int("rep") ?? 0):"
            let figures = RepFigure.figures(of: event, limits: state.limits, mount: state.mount)
            text += " " + figures.map { figure in
                figure.name + " " + figure.value + (figure.verdict == .bad ? " (!)" : "")
            }.joined(separator: ", ")
            if case .array(let kinds)? = event["alerts"], !kinds.isEmpty {
                text += " [" + kinds.map(\.displayText).joined(separator: ",") + "]"
            }
            return text
        case "SET_END":
            return "set ended: " + setEndText(event)
        case "SENSOR":
            return "sensor: \(event.string("state") ?? "?")" + (event.string("detail").map { " (\($0))" } ?? "")
        case "ERROR":
            return "error: " + (event.string("message") ?? "")
        default:
            return nil
        }
    }
}

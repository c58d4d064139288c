/// `--since` / `--until` values: a duration back from now (`7d`, `12h`, `2w`, `30m`), `today`,
/// `yesterday`, a local date (`2024-05-01`), or an RFC 3339 date-time (`2024-05-01T18:00:00Z`,
/// `2024-05-01T18:00:00+02:00`).
public enum TimeSpec {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The instant `text` names. A bare date is that day's local midnight; as an `--until`
    /// (`endOfDay`) it means the end of that day, so `--until 2024-05-01` includes May 1st.
    public static func instant(_ text: String, now: Double, calendar: LocalCalendar, endOfDay: Bool = false)
        throws(ParseError) -> Double {
        let trimmed = text.trimmingSpaces
        let today = calendar.day(of: now)
        switch trimmed.lowercased() {
        case "now": return now
        case "today": return calendar.startOfDay(endOfDay ? today + 1 : today)
        case "yesterday": return calendar.startOfDay(endOfDay ? today : today - 1)
        default: break
        }
        if let last = trimmed.last, let unit = Self.unitSeconds[last], let count = Double(trimmed.dropLast()),
           count.isFinite, count >= 0 {
            return now - count * unit
        }
        if let day = CivilTime.day(parsingDate: Substring(trimmed)) {
            return calendar.startOfDay(endOfDay ? day + 1 : day)
        }
        if let instant = CivilTime.epochSeconds(rfc3339: trimmed) {
            return instant
        }
        throw ParseError(description: "'\(text)': expected a duration back from now (7d, 12h, 2w, 30m), today, "
                         + "yesterday, a date (2024-05-01) or a date-time (2024-05-01T18:00:00Z)")
    }

    static let unitSeconds: [Character: Double] = ["m": 60, "h": 3600, "d": 86_400, "w": 7 * 86_400]

    /// The range `--since` … `--until` (either may be absent).
    public static func range(since: String?, until: String?, now: Double, calendar: LocalCalendar)
        throws(ParseError) -> TimeRange {
        var range = TimeRange()
        if let since { range.since = try instant(since, now: now, calendar: calendar) }
        if let until { range.until = try instant(until, now: now, calendar: calendar, endOfDay: true) }
        if let from = range.since, let to = range.until, from >= to {
            throw ParseError(description: "--since must be before --until")
        }
        return range
    }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }
}

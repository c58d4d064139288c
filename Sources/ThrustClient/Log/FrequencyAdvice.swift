/// Training-frequency advice (SPEC §3: at most 3–4 sessions a week, at least one rest day
/// between sessions), on local calendar days.
public enum FrequencyAdvice {
    /// More sessions than this in any 7 consecutive days is too many.
    public static let maxSessionsPer7Days = 4
    /// The low end of the SPEC's 3–4, drawn as the band's bottom in the report.
    public static let recommendedSessionsPerWeek = 3

    public enum Warning: Sendable, Equatable {
        /// `sessions` sessions between local days `fromDay` and `toDay` (7 days, inclusive).
        case tooManySessions(fromDay: Int, toDay: Int, sessions: Int)
        /// Sessions on every day from `fromDay` to `toDay` (≥ 2 days): no rest day between.
        case consecutiveDays(fromDay: Int, toDay: Int)
        /// More than one session on one day.
        case sameDay(day: Int, sessions: Int)

        public var kind: String {
            switch self {
            case .tooManySessions: return "too_many_sessions"
            case .consecutiveDays: return "consecutive_days"
            case .sameDay: return "same_day"
            }
        }

        public var message: String {
            switch self {
            case .tooManySessions(let from, let to, let sessions):
                return "\(sessions) sessions in the 7 days \(dayText(from)) – \(dayText(to)) "
                    + "(more than \(maxSessionsPer7Days); SPEC: 3–4 a week)"
            case .consecutiveDays(let from, let to):
                let days = to - from + 1
                return (days == 2 ? "sessions on consecutive days: " : "sessions on \(days) days in a row: ")
                    + "\(dayText(from)) – \(dayText(to)) (take a rest day between sessions)"
            case .sameDay(let day, let sessions):
                return "\(sessions) sessions on \(dayText(day)) (take a rest day between sessions)"
            }
        }

        /// The local days the warning is about (for marking charts).
        public var days: ClosedRange<Int> {
            switch self {
            case .tooManySessions(let from, let to, _), .consecutiveDays(let from, let to): return from...to
            case .sameDay(let day, _): return day...day
            }
        }
    }

    /// `Wed 2024-05-01`.
    public static func dayText(_ day: Int) -> String {
        CivilTime.weekdayNames[CivilTime.weekday(ofDay: day)] + " " + CivilTime.dateText(ofDay: day)
    }

    /// Warnings for sessions starting on these local days (any order), in time order.
    public static func warnings(sessionDays: [Int]) -> [Warning] {
        let days = sessionDays.sorted()
        guard !days.isEmpty else { return [] }
        var warnings: [(order: Int, warning: Warning)] = []

        // Too many in 7 days: slide a window starting at each session; after a warning, the next
        // window starts after the flagged one so one busy week gives one warning.
        var first = 0
        var windowEnd = 0
        var flaggedUntil = Int.min
        for (index, day) in days.enumerated() where day > flaggedUntil {
            first = index
            windowEnd = max(windowEnd, first)
            while windowEnd + 1 < days.count && days[windowEnd + 1] <= day + 6 { windowEnd += 1 }
            let count = windowEnd - first + 1
            if count > maxSessionsPer7Days {
                warnings.append((day, .tooManySessions(fromDay: day, toDay: day + 6, sessions: count)))
                flaggedUntil = day + 6
            }
        }

        // Same day, and runs of consecutive days.
        var distinct: [(day: Int, sessions: Int)] = []
        for day in days {
            if let last = distinct.last, last.day == day {
                distinct[distinct.count - 1].sessions += 1
            } else {
                distinct.append((day, 1))
            }
        }
        for entry in distinct where entry.sessions > 1 {
            warnings.append((entry.day, .sameDay(day: entry.day, sessions: entry.sessions)))
        }
        var runStart = 0
        for index in 1...distinct.count {
            let continues = index < distinct.count && distinct[index].day == distinct[index - 1].day + 1
            if continues { continue }
            if index - 1 > runStart {
                warnings.append((distinct[runStart].day,
                                 .consecutiveDays(fromDay: distinct[runStart].day, toDay: distinct[index - 1].day)))
            }
            runStart = index
        }
        return warnings.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }
            .map(\.element.warning)
    }

    /// Sessions per ISO week (Monday-based, local), every week from the first to the last session
    /// (weeks without sessions included): `(monday, sessions)`.
    public static func sessionsPerWeek(sessionDays: [Int]) -> [(weekStart: Int, sessions: Int)] {
        guard let firstDay = sessionDays.min(), let lastDay = sessionDays.max() else { return [] }
        let firstWeek = LocalCalendar.weekStart(ofDay: firstDay)
        let lastWeek = LocalCalendar.weekStart(ofDay: lastDay)
        var counts = [Int](repeating: 0, count: (lastWeek - firstWeek) / 7 + 1)
        for day in sessionDays { counts[(LocalCalendar.weekStart(ofDay: day) - firstWeek) / 7] += 1 }
        return counts.enumerated().map { (firstWeek + $0.offset * 7, $0.element) }
    }
}

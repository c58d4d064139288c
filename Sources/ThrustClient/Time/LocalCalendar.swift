import Foundation

/// Local dates and times of the lifter (the machine's time zone by default): sessions, days and
/// weeks are local, so a session at 23:30 belongs to that evening's date, and a 23- or 25-hour
/// day at a DST change is still one day.
public struct LocalCalendar: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone = .current) {
        self.timeZone = timeZone
    }

    /// Offset from UTC at that instant, s.
    public func utcOffsetSeconds(at epochSeconds: Double) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: epochSeconds))
    }

    /// Local day number (days since 1970-01-01 in local dates) of an instant.
    public func day(of epochSeconds: Double) -> Int {
        let local = epochSeconds + Double(utcOffsetSeconds(at: epochSeconds))
        return Int((local / 86_400).rounded(.down))
    }

    /// Seconds since local midnight of an instant.
    public func secondsIntoDay(_ epochSeconds: Double) -> Double {
        let local = epochSeconds + Double(utcOffsetSeconds(at: epochSeconds))
        return local - (local / 86_400).rounded(.down) * 86_400
    }

    /// The instant local day `day` begins (its first local midnight; DST changes in this world
    /// happen at night, never skipping midnight, but a skipped midnight gives the first instant after).
    public func startOfDay(_ day: Int) -> Double {
        let midnightAsUTC = Double(day) * 86_400
        // The offset at local midnight is the offset at (midnight − offset); two rounds settle it.
        var offset = Double(utcOffsetSeconds(at: midnightAsUTC))
        offset = Double(utcOffsetSeconds(at: midnightAsUTC - offset))
        var instant = midnightAsUTC - offset
        if self.day(of: instant) < day { instant += 3600 }  // midnight skipped by a spring-forward
        return instant
    }

    /// `HH:MM` local.
    public func clockText(_ epochSeconds: Double, seconds: Bool = false) -> String {
        let inDay = Int(secondsIntoDay(epochSeconds).rounded(.down))
        var text = CivilTime.pad(inDay / 3600, 2) + ":" + CivilTime.pad(inDay / 60 % 60, 2)
        if seconds { text += ":" + CivilTime.pad(inDay % 60, 2) }
        return text
    }

    /// `YYYY-MM-DD` local.
    public func dateText(_ epochSeconds: Double) -> String {
        CivilTime.dateText(ofDay: day(of: epochSeconds))
    }

    /// RFC 3339 with the local offset (`2024-05-01T20:15:03+02:00`), for CSV and JSON output.
    public func localTimestamp(_ epochSeconds: Double) -> String {
        let offset = utcOffsetSeconds(at: epochSeconds)
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return dateText(epochSeconds) + "T" + clockText(epochSeconds, seconds: true) + sign
            + CivilTime.pad(magnitude / 3600, 2) + ":" + CivilTime.pad(magnitude / 60 % 60, 2)
    }

    /// The Monday that starts the (ISO) week of `day`.
    public static func weekStart(ofDay day: Int) -> Int {
        day - CivilTime.weekday(ofDay: day)
    }
}

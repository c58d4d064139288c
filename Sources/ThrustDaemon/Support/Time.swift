#if canImport(Glibc)
import Glibc
#endif

/// Clock readings in integer nanoseconds (no Foundation).
public enum DaemonClock {
    /// CLOCK_MONOTONIC, ns: comparable between processes on one machine (the benchmark uses that).
    public static func monotonicNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// CLOCK_REALTIME, ns since the Unix epoch.
    public static func wallNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// CLOCK_MONOTONIC, s.
    public static func monotonicS() -> Double { Double(monotonicNs()) * 1e-9 }
}

/// RFC 3339 UTC timestamps with milliseconds: `2024-05-01T10:00:00.123Z`.
public enum RFC3339 {
    /// Broken-down UTC time of `wallNs`.
    static func utc(_ wallNs: Int64) -> (tm: tm, millis: Int) {
        let seconds = wallNs >= 0 ? wallNs / 1_000_000_000 : (wallNs - 999_999_999) / 1_000_000_000
        let millis = Int((wallNs - seconds * 1_000_000_000) / 1_000_000)
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return (parts, millis)
    }

    /// `2024-05-01T10:00:00.123Z`.
    public static func timestamp(wallNs: Int64) -> String {
        let (parts, millis) = utc(wallNs)
        var text = date(parts)
        text.append("T")
        append(Int(parts.tm_hour), digits: 2, to: &text)
        text.append(":")
        append(Int(parts.tm_min), digits: 2, to: &text)
        text.append(":")
        append(Int(parts.tm_sec), digits: 2, to: &text)
        text.append(".")
        append(millis, digits: 3, to: &text)
        text.append("Z")
        return text
    }

    /// The UTC date `2024-05-01` (the rep log's file name).
    public static func utcDate(wallNs: Int64) -> String {
        date(utc(wallNs).tm)
    }

    private static func date(_ parts: tm) -> String {
        var text = ""
        append(Int(parts.tm_year) + 1900, digits: 4, to: &text)
        text.append("-")
        append(Int(parts.tm_mon) + 1, digits: 2, to: &text)
        text.append("-")
        append(Int(parts.tm_mday), digits: 2, to: &text)
        return text
    }

    private static func append(_ value: Int, digits: Int, to text: inout String) {
        let digitsText = String(value)
        if digitsText.count < digits { text.append(String(repeating: "0", count: digits - digitsText.count)) }
        text.append(digitsText)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Monotonic time in nanoseconds and absolute-deadline sleeping (no drift accumulates).
enum MonotonicClock {
    static func nowNs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// Sleeps until `deadlineNs` on the monotonic clock; returns early only when a signal
    /// interrupts (the caller's loop re-checks its deadlines anyway).
    static func sleep(untilNs deadlineNs: Int64) {
        var ts = timespec()
        ts.tv_sec = Int(deadlineNs / 1_000_000_000)
        ts.tv_nsec = Int(deadlineNs % 1_000_000_000)
        _ = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
    }

    static func seconds(_ ns: Int64) -> Double { Double(ns) / 1e9 }
}

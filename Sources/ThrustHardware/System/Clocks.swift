import Synchronization

/// A monotonic time source in seconds with absolute-deadline sleeps.
///
/// Readers sleep *until* a deadline (never *for* a duration), so scheduling delays do not
/// accumulate into drift.
public protocol HardwareClock: Sendable {
    /// Seconds on a monotonic clock (arbitrary origin).
    func now() -> Double
    /// Returns at or after `deadline` (immediately when it has passed). A signal may end the
    /// sleep early; callers re-check their deadline.
    func sleep(until deadline: Double)
}

/// CLOCK_MONOTONIC with clock_nanosleep(TIMER_ABSTIME), through the `SystemCalls` seam.
public struct MonotonicClock: HardwareClock {
    let sys: SystemCalls

    public init(sys: SystemCalls = .live) {
        self.sys = sys
    }

    public func now() -> Double { sys.monotonicNow() }

    public func sleep(until deadline: Double) {
        _ = sys.sleepUntil(deadline)
    }
}

/// A clock for tests and benchmarks: time moves only when someone sleeps or calls `advance`.
/// A sleep jumps straight to its deadline, so simulated hours pass in milliseconds.
public final class VirtualClock: HardwareClock {
    private let state: Mutex<Double>

    public init(start: Double = 1000) {
        state = Mutex(start)
    }

    public func now() -> Double { state.withLock { $0 } }

    public func sleep(until deadline: Double) {
        state.withLock { if deadline > $0 { $0 = deadline } }
    }

    public func advance(by seconds: Double) {
        state.withLock { $0 += max(0, seconds) }
    }
}

import Synchronization

/// A buzzer pattern: alternating on/off durations in milliseconds, starting with on.
///
/// Syntax (`thrust beep PATTERN`, the daemon's config):
/// - a name: `short` (100 ms), `long` (600 ms), `double` (100 on, 100 off, 100 on),
///   `triple` (three 100 ms beeps 100 ms apart);
/// - or a list of milliseconds `on,off,on,…`, e.g. `200,100,200`; each 1…10000 ms, at most 64
///   entries. The line is always left off at the end.
public struct BuzzerPattern: Sendable, Equatable, CustomStringConvertible {
    public var steps_ms: [Int]

    public static let named: [(name: String, steps_ms: [Int])] = [
        ("short", [100]),
        ("long", [600]),
        ("double", [100, 100, 100]),
        ("triple", [100, 100, 100, 100, 100]),
    ]
    public static let maxSteps = 64
    public static let maxStep_ms = 10_000

    public init(steps_ms: [Int]) throws(HardwareError) {
        guard !steps_ms.isEmpty, steps_ms.count <= BuzzerPattern.maxSteps else {
            throw HardwareError(.invalidConfiguration, "buzzer pattern: expected 1…\(BuzzerPattern.maxSteps) durations")
        }
        for ms in steps_ms where !(1...BuzzerPattern.maxStep_ms).contains(ms) {
            throw HardwareError(.invalidConfiguration,
                                "buzzer pattern: \(ms) ms out of range; each duration must be 1…\(BuzzerPattern.maxStep_ms) ms")
        }
        self.steps_ms = steps_ms
    }

    public init(parsing text: String) throws(HardwareError) {
        let trimmed = text.trimmingSpaces.lowercased()
        if let named = BuzzerPattern.named.first(where: { $0.name == trimmed }) {
            try self.init(steps_ms: named.steps_ms)
            return
        }
        var steps: [Int] = []
        for (i, part) in trimmed.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            guard let ms = Int(String(part).trimmingSpaces) else {
                let names = BuzzerPattern.named.map(\.name).joined(separator: ", ")
                throw HardwareError(.invalidConfiguration,
                                    "buzzer pattern '\(text)': item \(i + 1) ('\(part)') is not a number of milliseconds; "
                                    + "expected a name (\(names)) or on,off,on… in ms like 200,100,200")
            }
            steps.append(ms)
        }
        try self.init(steps_ms: steps)
    }

    /// Total length, s.
    public var duration_s: Double { Double(steps_ms.reduce(0, +)) / 1000 }

    public var description: String { steps_ms.map(String.init).joined(separator: ",") }
}

/// Plays buzzer patterns on a GPIO line without ever blocking its caller.
///
/// `play` returns at once; the pattern runs in its own task against absolute deadlines of
/// `clock` (start + cumulative offsets, so late wake-ups do not stretch the pattern). A new
/// `play` replaces the one playing (the newest alert matters most); `mute` silences at once.
/// Line errors stop the pattern and go to `onError`.
public final class BuzzerPlayer<C: Clock>: Sendable where C.Duration == Duration {
    private struct State {
        var task: Task<Void, Never>?
        var muted = false
        var lastError: HardwareError?
    }

    public let line: any GPIOLine
    private let clock: C
    private let onError: @Sendable (HardwareError) -> Void
    private let state = Mutex(State())

    public init(line: any GPIOLine, clock: C, onError: @escaping @Sendable (HardwareError) -> Void = { _ in }) {
        self.line = line
        self.clock = clock
        self.onError = onError
    }

    public var isMuted: Bool { state.withLock { $0.muted } }
    /// The last line error, if any.
    public var lastError: HardwareError? { state.withLock { $0.lastError } }

    /// Starts `pattern` now (replacing one in progress). Ignored while muted.
    public func play(_ pattern: BuzzerPattern) {
        state.withLock { s in
            guard !s.muted else { return }
            let previous = s.task
            previous?.cancel()
            let line = self.line
            let clock = self.clock
            s.task = Task { [weak self] in
                // One task drives the line at a time: let the cancelled one switch it off first.
                await previous?.value
                let error = await BuzzerPlayer.perform(pattern, line: line, clock: clock)
                if let error, let self {
                    self.state.withLock { $0.lastError = error }
                    self.onError(error)
                }
            }
        }
    }

    /// Stops what is playing (line off).
    public func stop() {
        state.withLock { $0.task?.cancel() }
    }

    /// Mute: stops at once and ignores `play` until unmuted.
    public func setMuted(_ muted: Bool) {
        state.withLock { s in
            s.muted = muted
            if muted { s.task?.cancel() }
        }
    }

    /// Waits until nothing is playing.
    public func waitUntilIdle() async {
        while true {
            guard let task = state.withLock({ $0.task }) else { return }
            await task.value
            let current = state.withLock { $0.task }
            if current == nil || current == task {
                state.withLock { s in if s.task == task { s.task = nil } }
                return
            }
        }
    }

    /// Drives the line through the pattern; returns the line error that stopped it, if any.
    private static func perform(_ pattern: BuzzerPattern, line: any GPIOLine, clock: C) async -> HardwareError? {
        let start = clock.now
        var offset = Duration.zero
        var on = true
        var lineIsOn = false
        var failure: HardwareError?
        for ms in pattern.steps_ms {
            if Task.isCancelled { break }
            do {
                try line.set(on)
                lineIsOn = on
            } catch {
                failure = error
                break
            }
            offset += .milliseconds(ms)
            do {
                try await clock.sleep(until: start.advanced(by: offset), tolerance: nil)
            } catch {
                break // cancelled: replaced, stopped or muted
            }
            on.toggle()
        }
        if lineIsOn || failure != nil {
            do { try line.set(false) } catch { if failure == nil { failure = error } }
        }
        return failure
    }
}

/// A `Clock` for tests: sleeping jumps straight to the deadline, so patterns play instantly
/// with exact times.
public final class InstantClock: Clock {
    public struct Instant: InstantProtocol {
        public var offset: Duration
        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (a: Instant, b: Instant) -> Bool { a.offset < b.offset }
    }

    private let current = Mutex(Instant(offset: .zero))

    public init() {}

    public var now: Instant { current.withLock { $0 } }
    public var minimumResolution: Duration { .nanoseconds(1) }

    /// Seconds since the clock was made.
    public var seconds: Double {
        let c = now.offset.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    public func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        try Task.checkCancellation()
        current.withLock { if deadline > $0 { $0 = deadline } }
        await Task.yield()
        try Task.checkCancellation()
    }

    public func advance(by duration: Duration) {
        current.withLock { $0 = $0.advanced(by: duration) }
    }
}

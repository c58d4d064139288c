import Synchronization
import Testing
@testable import ThrustHardware

#if canImport(Glibc)
import Glibc
#endif

@Suite struct BuzzerPatternTests {
    @Test func namedPatterns() throws {
        #expect(try BuzzerPattern(parsing: "short").steps_ms == [100])
        #expect(try BuzzerPattern(parsing: "long").steps_ms == [600])
        #expect(try BuzzerPattern(parsing: "Double").steps_ms == [100, 100, 100])
        #expect(try BuzzerPattern(parsing: " triple ").steps_ms == [100, 100, 100, 100, 100])
    }

    @Test func millisecondLists() throws {
        #expect(try BuzzerPattern(parsing: "200,100,200").steps_ms == [200, 100, 200])
        #expect(try BuzzerPattern(parsing: "50, 25").steps_ms == [50, 25])
        #expect(try BuzzerPattern(parsing: "200,100,200").duration_s == 0.5)
    }

    @Test func badPatternsSayWhatIsExpected() {
        for bad in ["", "beep", "200,,100", "0", "10001", "-5", "100,x",
                    Array(repeating: "10", count: 65).joined(separator: ",")] {
            let error = #expect(throws: HardwareError.self) { try BuzzerPattern(parsing: bad) }
            #expect(error?.kind == .invalidConfiguration)
        }
        let error = #expect(throws: HardwareError.self) { try BuzzerPattern(parsing: "200,x") }
        #expect(error?.context.contains("200,100,200") == true)
    }

    @Test func lineSpecs() throws {
        #expect(try GPIOLineSpec(parsing: "gpiochip0:17") == .offset(chip: "gpiochip0", offset: 17))
        #expect(try GPIOLineSpec(parsing: "/dev/gpiochip1:4") == .offset(chip: "/dev/gpiochip1", offset: 4))
        #expect(try GPIOLineSpec(parsing: "17") == .offset(chip: "gpiochip0", offset: 17))
        #expect(try GPIOLineSpec(parsing: "GPIO17") == .named("GPIO17"))
        for bad in ["", "gpiochip0:", ":3", "gpiochip0:-1", "gpiochip0:x"] {
            #expect(throws: HardwareError.self) { try GPIOLineSpec(parsing: bad) }
        }
    }
}

@Suite struct BuzzerPlayerTests {
    @Test func patternTimingOnAFakeLine() async throws {
        let clock = InstantClock()
        let line = FakeGPIOLine(now: { clock.seconds })
        let player = BuzzerPlayer(line: line, clock: clock)
        player.play(try BuzzerPattern(parsing: "200,100,200"))
        await player.waitUntilIdle()
        let changes = line.changes
        #expect(changes.map(\.on) == [true, false, true, false])
        for (change, t) in zip(changes, [0, 0.2, 0.3, 0.5]) { #expect(abs(change.time - t) < 1e-9) }
        #expect(line.level == false)
    }

    @Test func patternEndingOffLeavesTheLineOff() async throws {
        let clock = InstantClock()
        let line = FakeGPIOLine(now: { clock.seconds })
        let player = BuzzerPlayer(line: line, clock: clock)
        player.play(try BuzzerPattern(steps_ms: [100, 400]))
        await player.waitUntilIdle()
        #expect(line.changes == [.init(time: 0, on: true), .init(time: 0.1, on: false)])
    }

    // The real-clock tests below allow for a loaded machine (other suites keep the cooperative
    // threads busy); exact timing is checked with `InstantClock` above.

    @Test func playNeverBlocksTheCaller() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let line = FakeGPIOLine(now: { (ContinuousClock.now - start).seconds })
        let player = BuzzerPlayer(line: line, clock: clock)
        let pattern = try BuzzerPattern(parsing: "long")
        let before = clock.now
        player.play(pattern)
        let callTime = clock.now - before
        #expect(callTime < .milliseconds(20), "play took \(callTime)")
        await player.waitUntilIdle()
        let changes = line.changes
        #expect(changes.map(\.on) == [true, false])
        if changes.count == 2 {
            let length = changes[1].time - changes[0].time
            // Only a lower bound: on a loaded CI machine the suites running alongside can hold
            // the cooperative threads for many seconds (exact timing: `InstantClock` above).
            #expect(length >= 0.6, "on for \(length) s")
        }
    }

    @Test func aNewPatternReplacesTheOnePlaying() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let line = FakeGPIOLine(now: { (ContinuousClock.now - start).seconds })
        let player = BuzzerPlayer(line: line, clock: clock)
        player.play(try BuzzerPattern(steps_ms: [10_000]))
        try await Task.sleep(for: .milliseconds(50))
        let replacedAt = (clock.now - start).seconds
        player.play(try BuzzerPattern(parsing: "short"))
        await player.waitUntilIdle()
        let changes = line.changes
        #expect(changes.map(\.on) == [true, false, true, false])
        if changes.count == 4 {
            #expect(changes[1].time - replacedAt < 9.5, "the 10 s pattern was cut short")
            #expect(changes[3].time - changes[2].time >= 0.1)
        }
        #expect(line.level == false)
    }

    @Test func muteSilencesAtOnceAndIgnoresPlay() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let line = FakeGPIOLine(now: { (ContinuousClock.now - start).seconds })
        let player = BuzzerPlayer(line: line, clock: clock)
        player.play(try BuzzerPattern(steps_ms: [10_000]))
        try await Task.sleep(for: .milliseconds(50))
        let mutedAt = (clock.now - start).seconds
        player.setMuted(true)
        #expect(player.isMuted)
        await player.waitUntilIdle()
        #expect(line.level == false)
        #expect(line.changes.count == 2)
        if line.changes.count == 2 { #expect(line.changes[1].time - mutedAt < 9.5) }  // before the 10 s pattern would end
        player.play(try BuzzerPattern(parsing: "short"))
        await player.waitUntilIdle()
        #expect(line.changes.count == 2) // nothing played while muted
        player.setMuted(false)
        player.play(try BuzzerPattern(parsing: "short"))
        await player.waitUntilIdle()
        #expect(line.changes.count == 4)
    }

    @Test func lineErrorsStopThePatternAndAreReported() async throws {
        let clock = InstantClock()
        let line = FakeGPIOLine(now: { clock.seconds })
        let reported = Mutex<[HardwareError]>([])
        let player = BuzzerPlayer(line: line, clock: clock, onError: { e in reported.withLock { $0.append(e) } })
        line.fail(with: HardwareError(.noDevice, "gpiochip0 gone"))
        player.play(try BuzzerPattern(parsing: "triple"))
        await player.waitUntilIdle()
        #expect(reported.withLock { $0.map(\.kind) } == [.noDevice])
        #expect(player.lastError?.kind == .noDevice)
        #expect(line.setCalls <= 2) // stopped at the first failure (plus the final off)
    }
}

/// libgpiod errors through the seam: missing chip, missing line, busy line, no permission.
@Suite struct LibgpiodLineTests {
    static func seam(lines: Int = 54, requestResult: Int32 = 0, consumer: String? = nil) -> (SystemCalls, GPIOCalls) {
        let calls = GPIOCalls()
        var sys = SystemCalls.live
        sys.groupOwning = { _ in "gpio" }
        sys.gpioChipOpen = { name in
            calls.log("open \(name)")
            return (fakePointer(0x1000), 0)
        }
        sys.gpioChipClose = { _ in calls.log("close chip") }
        sys.gpioChipNumLines = { _ in lines }
        sys.gpioChipGetLine = { _, offset in
            calls.log("line \(offset)")
            return (fakePointer(0x2000), 0)
        }
        sys.gpioLineFind = { name in name == "GPIO17" ? (fakePointer(0x3000), 0) : (nil, ENOENT) }
        sys.gpioLineCloseChip = { _ in calls.log("close line chip") }
        sys.gpioLineConsumer = { _ in consumer }
        sys.gpioLineRequestOutput = { _, c, initial in
            calls.log("request \(c) \(initial)")
            return requestResult
        }
        sys.gpioLineSetValue = { _, v in
            calls.log("set \(v)")
            return 0
        }
        sys.gpioLineRelease = { _ in calls.log("release") }
        return (sys, calls)
    }

    @Test func opensRequestsSetsAndReleases() throws {
        let (sys, calls) = LibgpiodLineTests.seam()
        let line = try LibgpiodLine(spec: .offset(chip: "gpiochip0", offset: 17), consumer: "thrust", sys: sys)
        try line.set(true)
        try line.set(false)
        line.close()
        #expect(calls.entries == ["open gpiochip0", "line 17", "request thrust 0", "set 1", "set 0", "set 0",
                                  "release", "close chip"])
    }

    @Test func missingChip() {
        var (sys, _) = LibgpiodLineTests.seam()
        sys.gpioChipOpen = { _ in (nil, ENOENT) }
        let error = #expect(throws: HardwareError.self) {
            try LibgpiodLine(spec: .offset(chip: "gpiochip0", offset: 17), sys: sys)
        }
        #expect(error?.kind == .notFound)
        #expect(error?.context.contains("GPIO chip 'gpiochip0' not found") == true)
    }

    @Test func chipWithoutPermission() {
        var (sys, _) = LibgpiodLineTests.seam()
        sys.gpioChipOpen = { _ in (nil, EACCES) }
        let error = #expect(throws: HardwareError.self) {
            try LibgpiodLine(spec: .offset(chip: "gpiochip0", offset: 17), sys: sys)
        }
        #expect(error?.kind == .permissionDenied(group: "gpio"))
    }

    @Test func missingLine() {
        let (sys, calls) = LibgpiodLineTests.seam(lines: 8)
        let error = #expect(throws: HardwareError.self) {
            try LibgpiodLine(spec: .offset(chip: "gpiochip0", offset: 17), sys: sys)
        }
        #expect(error?.kind == .notFound)
        #expect(error?.context.contains("has 8 lines") == true)
        #expect(calls.entries.last == "close chip")
        let named = #expect(throws: HardwareError.self) { try LibgpiodLine(spec: .named("BUZZER"), sys: sys) }
        #expect(named?.kind == .notFound)
        #expect(named?.context.contains("no GPIO line named 'BUZZER'") == true)
    }

    @Test func busyLineNamesItsHolder() {
        let (sys, calls) = LibgpiodLineTests.seam(requestResult: -EBUSY, consumer: "gpio-beeper")
        let error = #expect(throws: HardwareError.self) {
            try LibgpiodLine(spec: .offset(chip: "gpiochip0", offset: 17), sys: sys)
        }
        #expect(error?.kind == .busy)
        #expect(error?.context.contains("in use by 'gpio-beeper'") == true)
        #expect(!calls.entries.contains("release")) // never requested, so not released
        #expect(calls.entries.last == "close chip")
    }

    @Test func namedLine() throws {
        let (sys, calls) = LibgpiodLineTests.seam()
        let line = try LibgpiodLine(spec: .named("GPIO17"), sys: sys)
        #expect(line.name == "GPIO17")
        line.close()
        #expect(calls.entries.suffix(3) == ["set 0", "release", "close line chip"])
    }

    @Test func setErrorsAreTyped() throws {
        var (sys, _) = LibgpiodLineTests.seam()
        sys.gpioLineSetValue = { _, _ in -EIO }
        let line = try LibgpiodLine(spec: .offset(chip: "gpiochip0", offset: 17), sys: sys)
        let error = #expect(throws: HardwareError.self) { try line.set(true) }
        #expect(error?.kind == .io)
    }

    @Test func noGPIOOnThisMachineIsAClearError() {
        // This machine has no /dev/gpiochip0; the real libgpiod must say so plainly.
        guard listGPIOChips().isEmpty else { return }
        let error = #expect(throws: HardwareError.self) {
            try LibgpiodLine(spec: .offset(chip: "gpiochip0", offset: 17))
        }
        #expect(error?.kind == .notFound)
    }
}

/// Seam call log.
final class GPIOCalls: Sendable {
    private let store = Mutex<[String]>([])
    func log(_ entry: String) { store.withLock { $0.append(entry) } }
    var entries: [String] { store.withLock { $0 } }
}

func listGPIOChips() -> [String] {
    (SystemCalls.live.listDirectory("/dev") ?? []).filter { $0.hasPrefix("gpiochip") }
}

extension Duration {
    var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }
}

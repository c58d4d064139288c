import Synchronization

/// One GPIO output line (the buzzer).
public protocol GPIOLine: AnyObject, Sendable {
    /// "gpiochip0:17" or the line's name.
    var name: String { get }
    /// Drives the line high (`true`) or low.
    func set(_ on: Bool) throws(HardwareError)
    /// Releases the line (driven low first).
    func close()
}

/// Which line: `gpiochip0:17`, `/dev/gpiochip0:17`, a bare offset `17` (on gpiochip0), or a
/// line name such as `GPIO17` (as `gpioinfo` lists them).
public enum GPIOLineSpec: Sendable, Equatable, CustomStringConvertible {
    case offset(chip: String, offset: Int)
    case named(String)

    public static let defaultChip = "gpiochip0"

    public init(parsing text: String) throws(HardwareError) {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else {
            throw HardwareError(.invalidConfiguration, "GPIO line '': expected CHIP:OFFSET (gpiochip0:17) or a line name")
        }
        if let colon = trimmed.lastIndex(of: ":") {
            let chip = String(trimmed[..<colon])
            let offsetText = trimmed[trimmed.index(after: colon)...]
            guard !chip.isEmpty, let offset = Int(offsetText), offset >= 0 else {
                throw HardwareError(.invalidConfiguration,
                                    "GPIO line '\(text)': expected CHIP:OFFSET like gpiochip0:17 (offset a number ≥ 0)")
            }
            self = .offset(chip: chip, offset: offset)
        } else if let offset = Int(trimmed) {
            guard offset >= 0 else {
                throw HardwareError(.invalidConfiguration, "GPIO line '\(text)': offset must be ≥ 0")
            }
            self = .offset(chip: GPIOLineSpec.defaultChip, offset: offset)
        } else {
            self = .named(trimmed)
        }
    }

    public var description: String {
        switch self {
        case .offset(let chip, let offset): return "\(chip):\(offset)"
        case .named(let name): return name
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s.removeLast() }
        return String(s)
    }
}

/// A line through libgpiod 1.6 (`gpiod_chip_open_lookup`, `gpiod_line_request_output`,
/// `gpiod_line_set_value`), every call through the `SystemCalls` seam.
public final class LibgpiodLine: GPIOLine, @unchecked Sendable {
    // The pointers are only touched under `lock`.
    private let lock = Mutex(())
    private var chip: OpaquePointer?
    private var line: OpaquePointer?
    private let ownsChipViaLine: Bool
    private let sys: SystemCalls
    public let name: String

    /// Opens and requests the line as an output driven low. Errors say what is missing: the
    /// chip, the line (with the chip's line count), or who holds it.
    public init(spec: GPIOLineSpec, consumer: String = "thrust", sys: SystemCalls = .live) throws(HardwareError) {
        self.sys = sys
        name = spec.description
        switch spec {
        case .offset(let chipName, let offset):
            let devicePath = chipName.hasPrefix("/") ? chipName : "/dev/\(chipName)"
            let group = sys.groupOwning(devicePath) ?? "gpio"
            let (openedChip, openErrno) = sys.gpioChipOpen(chipName)
            guard let openedChip else {
                var error = HardwareError.fromErrno(openErrno == 0 ? 2 : openErrno, "open GPIO chip '\(chipName)'",
                                                    group: group)
                if error.kind == .notFound || error.kind == .noDevice {
                    error = HardwareError(.notFound, "GPIO chip '\(chipName)' not found (no \(devicePath); "
                                          + "list chips with gpiodetect)", errno: openErrno)
                }
                throw error
            }
            let lines = sys.gpioChipNumLines(openedChip)
            guard offset < lines else {
                sys.gpioChipClose(openedChip)
                throw HardwareError(.notFound, "GPIO chip '\(chipName)' has \(lines) lines (0…\(max(0, lines - 1))); "
                                    + "no line \(offset)")
            }
            let (foundLine, lineErrno) = sys.gpioChipGetLine(openedChip, offset)
            guard let foundLine else {
                sys.gpioChipClose(openedChip)
                throw HardwareError.fromErrno(lineErrno == 0 ? 22 : lineErrno, "line \(offset) of '\(chipName)'",
                                              group: group)
            }
            chip = openedChip
            line = foundLine
            ownsChipViaLine = false
        case .named(let lineName):
            let (foundLine, findErrno) = sys.gpioLineFind(lineName)
            guard let foundLine else {
                if findErrno == 2 || findErrno == 0 {
                    throw HardwareError(.notFound, "no GPIO line named '\(lineName)' (list names with gpioinfo)",
                                        errno: findErrno)
                }
                throw HardwareError.fromErrno(findErrno, "find GPIO line '\(lineName)'", group: "gpio")
            }
            chip = nil
            line = foundLine
            ownsChipViaLine = true
        }
        guard let requested = line else { return }
        let r = sys.retryingEINTR { sys.gpioLineRequestOutput(requested, consumer, 0) }
        if r < 0 {
            var error = HardwareError.fromErrno(-r, "request GPIO line \(name) as output", group: "gpio")
            if error.kind == .busy {
                let holder = sys.gpioLineConsumer(requested).map { " by '\($0)'" } ?? ""
                error.context = "GPIO line \(name) is in use\(holder)"
            }
            releaseHandles(released: false)
            throw error
        }
    }

    deinit {
        releaseHandles(released: true)
    }

    public func set(_ on: Bool) throws(HardwareError) {
        let result: Int32 = lock.withLock { _ in
            guard let line else { return -19 /* ENODEV */ }
            return sys.retryingEINTR { sys.gpioLineSetValue(line, on ? 1 : 0) }
        }
        if result < 0 {
            throw HardwareError.fromErrno(-result, "set GPIO line \(name)", group: "gpio")
        }
    }

    public func close() {
        if let line = lock.withLock({ _ in self.line }) {
            _ = sys.gpioLineSetValue(line, 0)
        }
        releaseHandles(released: true)
    }

    private func releaseHandles(released requested: Bool) {
        lock.withLock { _ in
            if let line {
                if requested { sys.gpioLineRelease(line) }
                if ownsChipViaLine { sys.gpioLineCloseChip(line) }
            }
            if let chip { sys.gpioChipClose(chip) }
            line = nil
            chip = nil
        }
    }
}

/// A line for tests: records every change with the time `now` gives, can fail on demand.
public final class FakeGPIOLine: GPIOLine {
    public struct Change: Sendable, Equatable {
        public var time: Double
        public var on: Bool
    }

    private struct State {
        var changes: [Change] = []
        var level = false
        var failure: HardwareError?
        var closed = false
        var setCalls = 0
    }

    public let name: String
    private let now: @Sendable () -> Double
    private let state = Mutex(State())

    public init(name: String = "fake:0", now: @escaping @Sendable () -> Double) {
        self.name = name
        self.now = now
    }

    /// Level changes (repeated writes of the same level are not changes).
    public var changes: [Change] { state.withLock { $0.changes } }
    public var level: Bool { state.withLock { $0.level } }
    public var isClosed: Bool { state.withLock { $0.closed } }
    public var setCalls: Int { state.withLock { $0.setCalls } }

    /// Every `set` fails with this until cleared.
    public func fail(with error: HardwareError?) {
        state.withLock { $0.failure = error }
    }

    public func set(_ on: Bool) throws(HardwareError) {
        let t = now()
        let failure: HardwareError? = state.withLock { s in
            s.setCalls += 1
            if let f = s.failure { return f }
            if s.closed { return HardwareError(.noDevice, "\(name) is closed") }
            if s.level != on {
                s.level = on
                s.changes.append(Change(time: t, on: on))
            }
            return nil
        }
        if let failure { throw failure }
    }

    public func close() {
        let t = now()
        state.withLock { s in
            if s.level { s.changes.append(Change(time: t, on: false)) }
            s.level = false
            s.closed = true
        }
    }
}

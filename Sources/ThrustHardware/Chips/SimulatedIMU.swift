#if canImport(Glibc)
import Glibc
#endif
import ThrustCore

/// Data faults a simulated chip can be told to show.
public enum SimulatedDataFault: Sendable, Equatable {
    /// Data-ready keeps coming, every axis reads 0.
    case allZeros
    /// Every register reads 0xFF (SDA stuck high / chip unpowered with pull-ups).
    case allOnes
    /// Data-ready keeps coming with the same values.
    case frozen
    /// Every axis pinned at +full scale.
    case saturated
}

/// What a simulated chip produced, for comparing with what the driver delivered.
public struct ProducedSample: Sendable, Equatable {
    /// Clock time the chip produced it, s.
    public var time: Double
    /// The counts it put in its data registers / FIFO.
    public var raw: RawSample
    /// The SI sample it was made from.
    public var source: Sample
}

/// The base of the register-level chip simulations: a register file plus an output-data-rate
/// clock that pulls SI samples from `source`, converts them to counts at the configured ranges
/// and latches them into the data registers (and FIFO) as time passes.
///
/// Time is the `clock`'s: with a `VirtualClock` a whole session runs in milliseconds. Each
/// output period takes the next sample from `source` (its `t` is ignored; the chip's own
/// oscillator sets the pace, `rateErrorPpm` off nominal).
open class SimulatedIMU: RegisterFileDevice {
    public let chip: IMUChip
    public let clock: any HardwareClock
    /// The next SI sample in sensor axes; nil = no more motion (the chip stops signalling data).
    public var source: () -> Sample?
    /// Oscillator error: the chip runs at ODR × (1 + ppm·10⁻⁶).
    public var rateErrorPpm: Double = 0
    /// Forced data fault.
    public var dataFault: SimulatedDataFault?
    /// How long a reset takes, s.
    public var resetDuration_s: Double = 0.001
    /// A reset that never finishes (a broken chip), to test the bounded wait.
    public var resetNeverCompletes = false
    /// Keep every produced sample in `produced`.
    public var recordProduced = false
    public private(set) var produced: [ProducedSample] = []
    public private(set) var producedCount = 0
    /// True once `source` returned nil.
    public private(set) var sourceExhausted = false

    /// Clock time the current reset finishes, if one is in progress.
    var resetUntil: Double?
    /// Clock time of the next output sample while running.
    private var nextSampleTime: Double?
    private var frozenRaw: RawSample?

    public init(chip: IMUChip, clock: any HardwareClock, source: @escaping () -> Sample?) {
        self.chip = chip
        self.clock = clock
        self.source = source
        super.init()
        resetRegisters()
    }

    /// Power cycle: the chip forgets its configuration, FIFO and data.
    public func powerCycle() {
        resetRegisters()
        resetUntil = nil
        nextSampleTime = nil
        frozenRaw = nil
    }

    // MARK: Chip specifics (override)

    /// Power-on register values (and FIFO cleared).
    open func resetRegisters() {}
    /// The output period from the current configuration; nil while not producing.
    open var outputPeriod: Double? { nil }
    /// Sensitivities of the configured ranges.
    open var accelLSBPerG: Double { 8192 }
    open var gyroLSBPerDps: Double { 65.5 }
    /// Put a new sample into the data registers, set data-ready, append to the FIFO if enabled.
    open func latch(_ raw: RawSample) {}
    /// A sample while the sensor is still starting up (ICM: invalid marker); false = none.
    open func latchStartup(at time: Double) -> Bool { false }
    /// Per-chip register semantics.
    open func chipRead(_ register: UInt8) -> UInt8 { registers[Int(register)] }
    open func chipWrite(_ register: UInt8, _ value: UInt8) { registers[Int(register)] = value }
    open func chipNext(after register: UInt8) -> UInt8 { register &+ 1 }

    // MARK: Register file hooks

    open override func willAccess() throws(HardwareError) {
        if let until = resetUntil, clock.now() >= until, !resetNeverCompletes {
            resetUntil = nil
            resetFinished()
        }
        advance()
    }

    /// Called when a reset in progress completes.
    open func resetFinished() {}

    public final override func readRegister(_ register: UInt8) -> UInt8 {
        if dataFault == .allOnes { return 0xFF }
        return chipRead(register)
    }

    public final override func writeRegister(_ register: UInt8, _ value: UInt8) {
        chipWrite(register, value)
    }

    public final override func nextRegister(after register: UInt8) -> UInt8 {
        chipNext(after: register)
    }

    /// Produces every sample due by now.
    public func advance() {
        guard let period = outputPeriod, resetUntil == nil else {
            nextSampleTime = nil
            return
        }
        let now = clock.now()
        guard var next = nextSampleTime else {
            // Just switched on: the first sample comes one period later.
            nextSampleTime = now + period * (1 + rateErrorPpm * 1e-6)
            onPowerUp(at: now)
            return
        }
        let step = period * (1 + rateErrorPpm * 1e-6)
        var produced = 0
        while next <= now && produced < 1_000_000 {
            produce(at: next)
            next += step
            produced += 1
        }
        nextSampleTime = next
    }

    /// Called when the sensor starts producing.
    open func onPowerUp(at time: Double) {}

    private func produce(at time: Double) {
        if latchStartup(at: time) { return }
        guard let sample = source() else {
            sourceExhausted = true
            return
        }
        var raw = counts(sample)
        switch dataFault {
        case .allZeros: raw = .zero
        case .saturated: raw = RawSample(ax: .max, ay: .max, az: .max, gx: .max, gy: .max, gz: .max)
        case .frozen:
            if let frozenRaw { raw = frozenRaw } else { frozenRaw = raw }
        case .allOnes, nil: break
        }
        if dataFault != .frozen { frozenRaw = nil }
        producedCount += 1
        if recordProduced { self.produced.append(ProducedSample(time: time, raw: raw, source: sample)) }
        latch(raw)
    }

    /// SI → counts at the configured ranges, rounded and clipped to int16 (saturation).
    public func counts(_ s: Sample) -> RawSample {
        let a = accelLSBPerG / standardGravity
        let g = gyroLSBPerDps * 180 / Double.pi
        return RawSample(ax: clip(s.accel.x * a), ay: clip(s.accel.y * a), az: clip(s.accel.z * a),
                         gx: clip(s.gyro.x * g), gy: clip(s.gyro.y * g), gz: clip(s.gyro.z * g))
    }

    @inline(__always)
    private func clip(_ v: Double) -> Int16 {
        guard v.isFinite else { return 0 }
        let r = v.rounded()
        if r >= 32767 { return .max }
        if r <= -32768 { return .min }
        return Int16(r)
    }
}

// MARK: - Byte helpers for the simulations

extension RegisterFileDevice {
    func putBE(_ value: Int16, at register: Int) {
        let u = UInt16(bitPattern: value)
        registers[register] = UInt8(u >> 8)
        registers[register + 1] = UInt8(u & 0xFF)
    }

    func putLE(_ value: Int16, at register: Int) {
        let u = UInt16(bitPattern: value)
        registers[register] = UInt8(u & 0xFF)
        registers[register + 1] = UInt8(u >> 8)
    }
}

/// A byte queue with a fixed capacity (the simulated FIFOs).
struct ByteFIFO {
    private var storage: [UInt8]
    private var head = 0
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        storage = [UInt8](repeating: 0, count: capacity)
    }

    var free: Int { capacity - count }

    mutating func removeAll() {
        head = 0
        count = 0
    }

    mutating func push(_ byte: UInt8) {
        storage[(head + count) % capacity] = byte
        count += 1
    }

    mutating func pop() -> UInt8? {
        guard count > 0 else { return nil }
        let byte = storage[head]
        head = (head + 1) % capacity
        count -= 1
        return byte
    }

    /// Drops the `n` oldest bytes.
    mutating func drop(_ n: Int) {
        let k = min(n, count)
        head = (head + k) % capacity
        count -= k
    }
}

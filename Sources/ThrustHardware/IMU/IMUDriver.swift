#if canImport(Glibc)
import Glibc
#endif
import ThrustCore

/// The IMUs the drivers support (SPEC §8).
public enum IMUChip: String, Sendable, CaseIterable, Equatable {
    case mpu6050, mpu6500, lsm6ds3, lsm6dso, icm42688

    public var displayName: String {
        switch self {
        case .mpu6050: return "MPU-6050"
        case .mpu6500: return "MPU-6500"
        case .lsm6ds3: return "LSM6DS3"
        case .lsm6dso: return "LSM6DSO/LSM6DSOX"
        case .icm42688: return "ICM-42688-P"
        }
    }

    /// The register holding the chip's identity.
    public var whoAmIRegister: UInt8 {
        switch self {
        case .mpu6050, .mpu6500: return MPU6050Reg.whoAmI
        case .lsm6ds3, .lsm6dso: return LSM6DSReg.whoAmI
        case .icm42688: return ICM42688Reg.whoAmI
        }
    }

    /// The identity it reads.
    public var whoAmI: UInt8 {
        switch self {
        case .mpu6050: return MPU6050Reg.whoAmIMPU6050
        case .mpu6500: return MPU6050Reg.whoAmIMPU6500
        case .lsm6ds3: return LSM6DSReg.whoAmILSM6DS3
        case .lsm6dso: return LSM6DSReg.whoAmILSM6DSO
        case .icm42688: return ICM42688Reg.whoAmIICM42688
        }
    }

    /// The I2C addresses its address pin selects.
    public var addresses: [UInt8] {
        switch self {
        case .mpu6050, .mpu6500, .icm42688: return [0x68, 0x69]
        case .lsm6ds3, .lsm6dso: return [0x6A, 0x6B]
        }
    }
}

/// Data-ready polling or the chip's FIFO.
public enum ReadMode: String, Sendable, CaseIterable {
    case poll, fifo
}

/// What the user asks of the chip. Drivers pick the nearest setting the chip offers and report
/// it in `ChipSettings`.
public struct IMUConfig: Sendable, Equatable {
    /// Output data rate, Hz (50–1000).
    public var rateHz: Double
    /// Accelerometer full scale, ±g (2, 4, 8, 16).
    public var accelRangeG: Int
    /// Gyro full scale, ±°/s (250, 500, 1000, 2000).
    public var gyroRangeDps: Int
    /// On-chip low-pass bandwidth, Hz; nil = the widest setting below the Nyquist rate (rate/2).
    public var lowPassHz: Double?
    public var mode: ReadMode

    public init(rateHz: Double = 100, accelRangeG: Int = 4, gyroRangeDps: Int = 500, lowPassHz: Double? = nil,
                mode: ReadMode = .poll) {
        self.rateHz = rateHz
        self.accelRangeG = accelRangeG
        self.gyroRangeDps = gyroRangeDps
        self.lowPassHz = lowPassHz
        self.mode = mode
    }

    public static let supportedRates: ClosedRange<Double> = 50...1000
    public static let supportedAccelRanges = [2, 4, 8, 16]
    public static let supportedGyroRanges = [250, 500, 1000, 2000]

    /// Throws `.invalidConfiguration` naming the bad value and what is allowed.
    public func validate() throws(HardwareError) {
        guard rateHz.isFinite, IMUConfig.supportedRates.contains(rateHz) else {
            throw HardwareError(.invalidConfiguration, "rate \(rateHz) Hz: expected 50…1000 Hz")
        }
        guard IMUConfig.supportedAccelRanges.contains(accelRangeG) else {
            throw HardwareError(.invalidConfiguration, "accelerometer range ±\(accelRangeG) g: expected 2, 4, 8 or 16")
        }
        guard IMUConfig.supportedGyroRanges.contains(gyroRangeDps) else {
            throw HardwareError(.invalidConfiguration,
                                "gyro range ±\(gyroRangeDps) °/s: expected 250, 500, 1000 or 2000")
        }
        if let lowPassHz, !(lowPassHz.isFinite && lowPassHz > 0) {
            throw HardwareError(.invalidConfiguration, "low-pass \(lowPassHz) Hz: expected a positive number")
        }
    }

    /// The low-pass bandwidth to aim for: the request, never above Nyquist.
    var lowPassTargetHz: Double { min(lowPassHz ?? rateHz / 2, rateHz / 2) }
}

/// What a driver actually configured.
public struct ChipSettings: Sendable, Equatable {
    /// The chip's nominal output data rate, Hz.
    public var outputRateHz: Double
    public var accelRangeG: Int
    public var gyroRangeDps: Int
    public var accelLSBPerG: Double
    public var gyroLSBPerDps: Double
    public var accelBandwidthHz: Double
    public var gyroBandwidthHz: Double
    public var mode: ReadMode
    /// Whole samples the FIFO holds.
    public var fifoCapacitySamples: Int

    /// m/s² per LSB.
    public var accelScale: Double { standardGravity / accelLSBPerG }
    /// rad/s per LSB.
    public var gyroScale: Double { Double.pi / 180 / gyroLSBPerDps }

    /// Raw counts → SI units (capture format, SPEC §4).
    @inline(__always)
    public func sample(from raw: RawSample, t: Double) -> Sample {
        let a = accelScale
        let g = gyroScale
        return Sample(t: t,
                      ax: Double(raw.ax) * a, ay: Double(raw.ay) * a, az: Double(raw.az) * a,
                      gx: Double(raw.gx) * g, gy: Double(raw.gy) * g, gz: Double(raw.gz) * g)
    }
}

/// One reading in chip counts, sensor axes.
public struct RawSample: Sendable, Equatable {
    public var ax: Int16, ay: Int16, az: Int16
    public var gx: Int16, gy: Int16, gz: Int16

    public init(ax: Int16, ay: Int16, az: Int16, gx: Int16, gy: Int16, gz: Int16) {
        self.ax = ax; self.ay = ay; self.az = az
        self.gx = gx; self.gy = gy; self.gz = gz
    }

    public static let zero = RawSample(ax: 0, ay: 0, az: 0, gx: 0, gy: 0, gz: 0)
}

/// The result of one FIFO read.
public struct FIFOStatus: Sendable, Equatable {
    /// The FIFO had overflowed: its contents were discarded and it was reset.
    public var overflowed: Bool
    /// Whole samples appended to the output.
    public var samplesRead: Int
    /// Whole samples still in the FIFO after the read.
    public var samplesLeft: Int

    public init(overflowed: Bool = false, samplesRead: Int = 0, samplesLeft: Int = 0) {
        self.overflowed = overflowed
        self.samplesRead = samplesRead
        self.samplesLeft = samplesLeft
    }
}

/// One chip family's driver, bound to a bus and an address.
public protocol IMUDriver: AnyObject {
    var chip: IMUChip { get }
    var address: UInt8 { get }
    var settings: ChipSettings { get }
    /// The configuration writes after reset, in order, as (register, value).
    var initSequence: [(register: UInt8, value: UInt8)] { get }
    /// Resets the chip (bounded wait) and writes `initSequence`.
    func initialize() throws(HardwareError)
    /// Data-ready polling: the new sample if one is ready, else nil.
    func pollSample() throws(HardwareError) -> RawSample?
    /// Appends up to `maxSamples` whole samples from the FIFO to `output`.
    func readFIFO(into output: inout [RawSample], maxSamples: Int) throws(HardwareError) -> FIFOStatus
    /// Reads configuration registers back; throws `.configurationLost` if the chip forgot them.
    func verifyConfiguration() throws(HardwareError)
}

/// Makes the driver for a detected chip.
public func makeDriver(chip: IMUChip, bus: any I2CBus, address: UInt8, config: IMUConfig,
                       clock: any HardwareClock) throws(HardwareError) -> any IMUDriver {
    try config.validate()
    switch chip {
    case .mpu6050, .mpu6500:
        return MPU6050Driver(chip: chip, bus: bus, address: address, config: config, clock: clock)
    case .lsm6ds3, .lsm6dso:
        return LSM6DSDriver(chip: chip, bus: bus, address: address, config: config, clock: clock)
    case .icm42688:
        return ICM42688Driver(bus: bus, address: address, config: config, clock: clock)
    }
}

// MARK: - Shared driver plumbing

/// Register access for one chip with a preallocated scratch buffer (no allocation per sample).
final class ChipIO {
    let bus: any I2CBus
    let address: UInt8
    let clock: any HardwareClock
    /// Scratch for bursts; 64 bytes covers the longest single transfer (32) twice over.
    let scratch: UnsafeMutableBufferPointer<UInt8>

    init(bus: any I2CBus, address: UInt8, clock: any HardwareClock) {
        self.bus = bus
        self.address = address
        self.clock = clock
        scratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 64)
        scratch.initialize(repeating: 0)
    }

    deinit {
        scratch.deallocate()
    }

    @inline(__always)
    func write(_ register: UInt8, _ value: UInt8) throws(HardwareError) {
        try bus.writeByte(address, register, value)
    }

    @inline(__always)
    func read(_ register: UInt8) throws(HardwareError) -> UInt8 {
        try bus.readByte(address, register)
    }

    /// Burst read of `count` (≤ 32) bytes into `scratch[offset...]`.
    @inline(__always)
    func readBlock(_ register: UInt8, count: Int, offset: Int = 0) throws(HardwareError) {
        try bus.readBlock(address, register, into: UnsafeMutableBufferPointer(rebasing: scratch[offset..<(offset + count)]))
    }

    /// Polls `isDone` every `interval_s` until it returns true or `timeout_s` passes.
    /// Bus errors while the chip is resetting are tolerated until the deadline.
    func waitFor(timeout_s: Double, interval_s: Double, what: String,
                 _ isDone: () throws(HardwareError) -> Bool) throws(HardwareError) {
        let start = clock.now()
        let deadline = start + timeout_s
        var next = start + interval_s
        var lastError: HardwareError?
        while true {
            clock.sleep(until: next)
            do {
                if try isDone() { return }
                lastError = nil
            } catch {
                lastError = error
            }
            if clock.now() >= deadline { break }
            next += interval_s
        }
        var context = "\(what) at 0x\(hex(address)) on \(bus.path): not done after \(Int(timeout_s * 1000)) ms"
        if let lastError { context += " (last error: \(lastError))" }
        throw HardwareError(.resetTimeout, context)
    }

    /// Writes a sequence of registers.
    func writeAll(_ sequence: [(register: UInt8, value: UInt8)]) throws(HardwareError) {
        for (register, value) in sequence { try write(register, value) }
    }

    /// Compares registers read back with what was written.
    func verify(_ expected: [(register: UInt8, value: UInt8)], chip: IMUChip) throws(HardwareError) {
        for (register, value) in expected {
            let actual = try read(register)
            if actual != value {
                throw HardwareError(.configurationLost,
                                    "\(chip.displayName) at 0x\(hex(address)) on \(bus.path): register 0x\(hex(register)) "
                                    + "reads 0x\(hex(actual)), expected 0x\(hex(value))")
            }
        }
    }
}

@inline(__always)
func int16BE(_ p: UnsafeMutableBufferPointer<UInt8>, _ i: Int) -> Int16 {
    Int16(bitPattern: UInt16(p[i]) << 8 | UInt16(p[i + 1]))
}

@inline(__always)
func int16LE(_ p: UnsafeMutableBufferPointer<UInt8>, _ i: Int) -> Int16 {
    Int16(bitPattern: UInt16(p[i + 1]) << 8 | UInt16(p[i]))
}

/// Picks the table entry for a range value; the config was validated, so a miss is a bug in a table.
func rangeEntry<T>(_ table: [T], _ matches: (T) -> Bool, _ what: String) throws(HardwareError) -> T {
    guard let entry = table.first(where: matches) else {
        throw HardwareError(.invalidConfiguration, "\(what) not supported by this chip")
    }
    return entry
}

/// The entry whose rate is nearest to `hz` on a log scale.
func nearestRate<T>(_ table: [T], _ hz: Double, _ rate: (T) -> Double) -> T? {
    table.min { a, b in abs(log(rate(a) / hz)) < abs(log(rate(b) / hz)) }
}

import Synchronization
import ThrustCore
@testable import ThrustHardware

#if canImport(Glibc)
import Glibc
#endif

/// A counter closures can share.
final class Counter: Sendable {
    private let value = Mutex(0)
    /// Increments and returns the new value.
    @discardableResult
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
    var count: Int { value.withLock { $0 } }
}

/// A deterministic still sensor: gravity on z plus a little noise (so it never looks frozen).
struct StillMotion {
    private var state: UInt64
    var gravityAxis = SIMD3<Double>(0, 0, 1)

    init(seed: UInt64 = 1) { state = seed &* 0x9E37_79B9_7F4A_7C15 | 1 }

    /// Uniform in [-1, 1).
    mutating func noise() -> Double {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Double(state >> 11) / Double(1 << 52) - 1
    }

    mutating func next() -> Sample {
        let a = gravityAxis * standardGravity + SIMD3(noise(), noise(), noise()) * 0.02
        let g = SIMD3(noise(), noise(), noise()) * 0.002
        return Sample(t: 0, accel: a, gyro: g)
    }
}

/// A source closure over a still sensor.
func stillSource(seed: UInt64 = 1) -> () -> Sample? {
    var motion = StillMotion(seed: seed)
    return { motion.next() }
}

/// A simulated chip of `chip`'s family.
func makeChip(_ chip: IMUChip, clock: any HardwareClock, source: @escaping () -> Sample? = stillSource())
    -> SimulatedIMU {
    switch chip {
    case .mpu6050, .mpu6500: return SimulatedMPU6050(chip: chip, clock: clock, source: source)
    case .lsm6ds3, .lsm6dso: return SimulatedLSM6DS(chip: chip, clock: clock, source: source)
    case .icm42688: return SimulatedICM42688(clock: clock, source: source)
    }
}

/// A fake bus with one simulated chip at its first address.
func makeRig(_ chip: IMUChip, address: UInt8? = nil, source: @escaping () -> Sample? = stillSource())
    -> (bus: FakeI2CBus, sim: SimulatedIMU, clock: VirtualClock, address: UInt8) {
    let clock = VirtualClock()
    let sim = makeChip(chip, clock: clock, source: source)
    let bus = FakeI2CBus(path: "/dev/i2c-fake")
    let at = address ?? chip.addresses[0]
    bus.attach(sim, at: at)
    return (bus, sim, clock, at)
}

/// Records what a reader reports.
final class ReaderLog {
    var samples: [Sample] = []
    var events: [ReaderEvent] = []
    /// Clock time of each event.
    var eventTimes: [Double] = []

    var faults: [HardwareError] {
        events.compactMap { if case .fault(let e) = $0 { return e } else { return nil } }
    }

    var recoveries: Int {
        events.filter { if case .recovered = $0 { return true } else { return false } }.count
    }

    var overflows: [Int] {
        events.compactMap { if case .overflow(let n) = $0 { return n } else { return nil } }
    }
}

extension IMUReader {
    /// Runs `seconds` of clock time, logging into `log`.
    func run(seconds: Double, clock: any HardwareClock, into log: ReaderLog) {
        run(seconds: seconds, onSample: { log.samples.append($0) }, onEvent: {
            log.events.append($0)
            log.eventTimes.append(clock.now())
        })
    }
}

/// A seam whose calls all succeed trivially (fd 3, every adapter function, zeros), for tests to
/// override one call at a time.
func fakeSystemCalls() -> SystemCalls {
    var sys = SystemCalls.live
    sys.open = { _, _ in 3 }
    sys.close = { _ in 0 }
    sys.setSlaveAddress = { _, _, _ in 0 }
    sys.adapterFunctions = { _ in 0x0FFF_FFFF }
    sys.smbusReadByteData = { _, _ in 0 }
    sys.smbusWriteByteData = { _, _, _ in 0 }
    sys.smbusReadI2CBlock = { _, _, buffer in Int32(buffer.count) }
    sys.smbusWriteI2CBlock = { _, _, _ in 0 }
    sys.listDirectory = { _ in [] }
    sys.groupOwning = { _ in "i2c" }
    return sys
}

/// A fake non-nil pointer for the libgpiod seam.
func fakePointer(_ value: Int) -> OpaquePointer? { OpaquePointer(bitPattern: value) }

// hw-bench: figures for the hardware layer (not a test).
//
// 1. Driver overhead per sample at 1 kHz through the fake bus: the whole read path (reader,
//    driver, fake bus, register-level chip simulation) on a virtual clock, CPU time per sample.
//    The chip simulation is included, so this is an upper bound of the driver's own cost.
// 2. Sustained 1 kHz in real time: the same path against CLOCK_MONOTONIC with absolute
//    deadlines; samples, misses, achieved rate and how late the poller woke up.
//
// Usage: hw-bench [--seconds N] [--realtime-seconds N] [--rt-priority 1…99]
//        (build with -c release for figures)

#if canImport(Glibc)
import Glibc
#endif
import ThrustCore
import ThrustHardware
import ThrustSim

/// CPU time of this thread, s.
func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func fixed(_ value: Double, _ decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    var fraction = String(Int(scaled) - whole * Int(scale))
    while fraction.count < decimals { fraction = "0" + fraction }
    return (value < 0 ? "-" : "") + String(whole) + (decimals > 0 ? "." + fraction : "")
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
}

/// Samples of a simulated session, generated up front so the benchmark does not time the simulator.
func motion(count: Int, rateHz: Double) -> [Sample] {
    var samples: [Sample] = []
    samples.reserveCapacity(count)
    do {
        var session = try SimulatedSession(scenario: "demo", seed: 7,
                                           options: SimOptions(endless: true, chip: .mpu6050, rateHz: rateHz))
        while samples.count < count, let s = session.next() { samples.append(s) }
    } catch {
        print("hw-bench: simulator failed: \(error)")
    }
    return samples
}

func makeChip(_ chip: IMUChip, clock: any HardwareClock, source: @escaping () -> Sample?) -> SimulatedIMU {
    switch chip {
    case .mpu6050, .mpu6500: return SimulatedMPU6050(chip: chip, clock: clock, source: source)
    case .lsm6ds3, .lsm6dso: return SimulatedLSM6DS(chip: chip, clock: clock, source: source)
    case .icm42688: return SimulatedICM42688(clock: clock, source: source)
    }
}

/// A clock wrapper recording how late each sleep returned.
final class MeasuringClock: HardwareClock, @unchecked Sendable {
    let inner = MonotonicClock()
    var lateness: [Double] = []

    init() { lateness.reserveCapacity(100_000) }

    func now() -> Double { inner.now() }

    func sleep(until deadline: Double) {
        inner.sleep(until: deadline)
        let late = inner.now() - deadline
        if late >= 0 { lateness.append(late) }
    }
}

struct OverheadResult {
    var chip: IMUChip
    var mode: ReadMode
    var outputRateHz: Double
    var samples: Int
    var microsPerSample: Double
    var transactionsPerSample: Double
    var missed: Int
}

/// Runs `seconds` of simulated time at 1 kHz on a virtual clock; CPU time per delivered sample.
func overhead(_ chip: IMUChip, _ mode: ReadMode, seconds: Double, motion: [Sample]) -> OverheadResult? {
    let clock = VirtualClock()
    var index = 0
    let sim = makeChip(chip, clock: clock) {
        index += 1
        return motion[index % motion.count]
    }
    let bus = FakeI2CBus(path: "fake")
    bus.logWrites = false
    bus.attach(sim, at: chip.addresses[0])
    let reader: IMUReader
    do {
        reader = try IMUReader(options: ReaderOptions(busPath: "fake", config: IMUConfig(rateHz: 1000, mode: mode)),
                               clock: clock, openBus: bus.opener())
    } catch {
        print("hw-bench: \(error)")
        return nil
    }
    // Warm up (connect, first samples), then measure.
    var checksum = 0.0
    reader.run(seconds: 0.5, onSample: { checksum += $0.accel.x }, onEvent: { _ in })
    let samplesBefore = reader.stats.samples
    let transactionsBefore = bus.transactionCount
    let start = threadCPUSeconds()
    reader.run(seconds: seconds, onSample: { checksum += $0.accel.x }, onEvent: { _ in })
    let cpu = threadCPUSeconds() - start
    let samples = reader.stats.samples - samplesBefore
    if checksum.isNaN { print("") } // keep the work observable
    return OverheadResult(chip: chip, mode: mode, outputRateHz: reader.device?.settings.outputRateHz ?? 0,
                          samples: samples, microsPerSample: cpu / Double(max(1, samples)) * 1e6,
                          transactionsPerSample: Double(bus.transactionCount - transactionsBefore) / Double(max(1, samples)),
                          missed: reader.stats.missed)
}

/// Real time: the fake chip and the reader both on CLOCK_MONOTONIC.
func realtime(seconds: Double, motion: [Sample], mode: ReadMode) {
    let clock = MeasuringClock()
    var index = 0
    let sim = makeChip(.mpu6050, clock: clock) {
        index += 1
        return motion[index % motion.count]
    }
    sim.recordProduced = false
    let bus = FakeI2CBus(path: "fake")
    bus.logWrites = false
    bus.attach(sim, at: 0x68)
    guard let reader = try? IMUReader(options: ReaderOptions(busPath: "fake", config: IMUConfig(rateHz: 1000, mode: mode)),
                                      clock: clock, openBus: bus.opener()) else { return }
    var count = 0
    let cpuStart = threadCPUSeconds()
    let wallStart = clock.now()
    reader.run(seconds: seconds, onSample: { _ in count += 1 }, onEvent: { _ in })
    let wall = clock.now() - wallStart
    let cpu = threadCPUSeconds() - cpuStart
    var late = clock.lateness.sorted()
    if late.isEmpty { late = [0] }
    func percentile(_ p: Double) -> Double { late[min(late.count - 1, Int(Double(late.count - 1) * p))] }
    let s = reader.stats
    print("")
    print(mode == .poll
          ? "Sustained 1 kHz in real time: MPU-6050 data-ready polling at 2 kHz, fake bus, CLOCK_MONOTONIC deadlines:"
          : "Sustained 1 kHz in real time: MPU-6050 FIFO read every 20 ms, fake bus, CLOCK_MONOTONIC deadlines:")
    print("  \(fixed(wall, 2)) s: \(s.samples) samples, \(s.missed) missed, \(s.duplicates) duplicates, "
          + "achieved \(fixed(s.achievedRateHz, 2)) Hz, \(s.faults) faults")
    print("  wake-up lateness: p50 \(fixed(percentile(0.5) * 1e6, 0)) µs, p99 \(fixed(percentile(0.99) * 1e6, 0)) µs, "
          + "max \(fixed(percentile(1) * 1e6, 0)) µs over \(clock.lateness.count) wake-ups, "
          + "\(clock.lateness.filter { $0 > 0.001 }.count) later than 1 ms")
    print("  CPU: \(fixed(cpu / wall * 100, 1)) % of one core")
}

var seconds = 60.0
var realtimeSeconds = 5.0
var realtimePriority: Int32?
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    switch argument {
    case "--seconds": seconds = Double(arguments.popFirst() ?? "") ?? seconds
    case "--realtime-seconds": realtimeSeconds = Double(arguments.popFirst() ?? "") ?? realtimeSeconds
    case "--rt-priority": realtimePriority = Int32(arguments.popFirst() ?? "")
    default:
        print("usage: hw-bench [--seconds N] [--realtime-seconds N] [--rt-priority 1…99]")
        exit(64)
    }
}

#if DEBUG
print("hw-bench: debug build; build with -c release for meaningful figures")
#endif
let samples = motion(count: 20_000, rateHz: 1000)
guard !samples.isEmpty else { exit(1) }
print("Driver overhead per sample at 1 kHz through the fake bus (\(fixed(seconds, 0)) s of simulated time each;")
print("reader + driver + fake bus + register-level chip simulation, CPU time; limit 5 µs):")
print("  " + pad("chip", 18) + pad("mode", 6) + pad("ODR Hz", 9) + pad("samples", 9) + pad("µs/sample", 11)
      + pad("bus ops/sample", 16) + "missed")
var worst = 0.0
for chip in IMUChip.allCases {
    for mode in ReadMode.allCases {
        guard let r = overhead(chip, mode, seconds: seconds, motion: samples) else { continue }
        worst = max(worst, r.microsPerSample)
        print("  " + pad(chip.displayName, 18) + pad(mode.rawValue, 6) + pad(fixed(r.outputRateHz, 1), 9)
              + pad(String(r.samples), 9) + pad(fixed(r.microsPerSample, 2), 11)
              + pad(fixed(r.transactionsPerSample, 2), 16) + String(r.missed))
    }
}
print("  worst: \(fixed(worst, 2)) µs/sample (\(worst <= 5 ? "within" : "OVER") the 5 µs budget)")
if realtimeSeconds > 0 {
    if let priority = realtimePriority {
        var parameters = sched_param()
        parameters.sched_priority = priority
        let ok = sched_setscheduler(0, SCHED_FIFO, &parameters) == 0
        print("")
        print(ok ? "SCHED_FIFO priority \(priority)" : "SCHED_FIFO refused (errno \(errno)); normal priority")
    }
    realtime(seconds: realtimeSeconds, motion: samples, mode: .poll)
    realtime(seconds: realtimeSeconds, motion: samples, mode: .fifo)
}

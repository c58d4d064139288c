#if canImport(Glibc)
import Glibc
#endif
import ThrustCore

/// A short look at a chip's data: is it a working IMU lying still?
public struct PlausibilityCheck: Sendable, Equatable {
    public var seconds: Double
    public var samples: Int
    /// Samples per second achieved / the chip's output rate, Hz.
    public var rateHz: Double
    public var outputRateHz: Double
    public var missed: Int
    /// Mean |accel|, m/s² (≈ 9.81 when still).
    public var gravityMps2: Double
    /// Standard deviation of |accel|, m/s² (noise, or movement).
    public var accelNoiseMps2: Double
    /// Mean over axes of the gyro standard deviation, °/s.
    public var gyroNoiseDps: Double
    /// What is wrong, in words; empty = plausible.
    public var problems: [String]
    /// A fault the reader reported during the check.
    public var fault: HardwareError?

    public var ok: Bool { problems.isEmpty && fault == nil }
}

/// One IMU found by the probe.
public struct ProbedIMU: Sendable, Equatable {
    public var detected: DetectedIMU
    public var check: PlausibilityCheck?
}

/// One bus as the probe saw it.
public struct ProbedBus: Sendable, Equatable {
    public var path: String
    /// Opening the bus failed (permission, missing).
    public var error: HardwareError?
    public var imus: [ProbedIMU]
    /// Answers that were not a supported chip, or bus errors at an address.
    public var problems: [HardwareError]
}

/// `thrust probe`: list the buses, find the IMUs, check each for a couple of seconds.
public enum HardwareProbe {
    public static let noBusMessage = """
        no I2C bus: /dev has no i2c-* device. Enable I2C and load i2c-dev \
        (Raspberry Pi: dtparam=i2c_arm=on in /boot/firmware/config.txt, then reboot; \
        elsewhere: sudo modprobe i2c-dev), and check with i2cdetect -l.
        """

    /// Probes `buses` (default: every /dev/i2c-N). `checkSeconds` 0 skips the data check.
    public static func run(buses: [String]? = nil, checkSeconds: Double = 2, config: IMUConfig = IMUConfig(),
                           sys: SystemCalls = .live, clock: any HardwareClock = MonotonicClock(),
                           openBus: ((String) throws(HardwareError) -> any I2CBus)? = nil) -> [ProbedBus] {
        let paths = buses ?? listI2CBuses(sys: sys)
        let open: (String) throws(HardwareError) -> any I2CBus
        if let openBus {
            open = openBus
        } else {
            open = { (path: String) throws(HardwareError) -> any I2CBus in try LinuxI2CBus(path: path, sys: sys) }
        }
        var results: [ProbedBus] = []
        for path in paths {
            let bus: any I2CBus
            do {
                bus = try open(path)
            } catch {
                results.append(ProbedBus(path: path, error: error, imus: [], problems: []))
                continue
            }
            let found = IMUDetector.scan(bus)
            bus.close()
            var imus: [ProbedIMU] = []
            for imu in found.found {
                var probed = ProbedIMU(detected: imu, check: nil)
                if checkSeconds > 0 {
                    probed.check = check(path: path, imu: imu, seconds: checkSeconds, config: config,
                                         clock: clock, openBus: open)
                }
                imus.append(probed)
            }
            results.append(ProbedBus(path: path, error: nil, imus: imus, problems: found.problems))
        }
        return results
    }

    /// Reads one chip for `seconds` and judges the data.
    public static func check(path: String, imu: DetectedIMU, seconds: Double, config: IMUConfig,
                             clock: any HardwareClock,
                             openBus: @escaping (String) throws(HardwareError) -> any I2CBus) -> PlausibilityCheck {
        var stats = RunningStats()
        var fault: HardwareError?
        var outputRate = config.rateHz
        var reader: IMUReader?
        do {
            reader = try IMUReader(options: ReaderOptions(busPath: path, address: imu.address, config: config,
                                                          firstDataTimeout_s: max(0.5, seconds)),
                                   clock: clock, openBus: openBus)
        } catch {
            fault = error
        }
        if let reader {
            reader.run(seconds: seconds, shouldStop: { fault != nil }, onSample: { stats.add($0) }, onEvent: { event in
                switch event {
                case .connected(let info), .recovered(let info, _): outputRate = info.settings.outputRateHz
                case .fault(let error): if fault == nil { fault = error }
                case .overflow: break
                }
            })
            reader.close()
        }
        let rate = stats.count > 1 ? Double(stats.count) / seconds : 0
        var problems: [String] = []
        if stats.count == 0 {
            problems.append("no data")
        } else {
            if abs(stats.gravity - standardGravity) > 1.5 {
                problems.append("|accel| averages \(formatHz(stats.gravity)) m/s²; expected ≈ 9.81 at rest "
                                + "(wrong range, broken accelerometer, or moving)")
            }
            if stats.accelNoise > 0.3 {
                problems.append("|accel| varies by \(formatHz(stats.accelNoise)) m/s² (moving or noisy; keep it still)")
            }
            if stats.gyroNoise > 2 {
                problems.append("gyro varies by \(formatHz(stats.gyroNoise)) °/s (moving or noisy)")
            }
            if rate < outputRate * 0.9 {
                problems.append("rate \(formatHz(rate)) Hz is below the chip's \(formatHz(outputRate)) Hz")
            }
        }
        return PlausibilityCheck(seconds: seconds, samples: stats.count, rateHz: rate, outputRateHz: outputRate,
                                 missed: reader?.stats.missed ?? 0, gravityMps2: stats.gravity,
                                 accelNoiseMps2: stats.accelNoise, gyroNoiseDps: stats.gyroNoise,
                                 problems: problems, fault: fault)
    }
}

/// Mean and standard deviation of |a| and of each gyro axis (Welford).
struct RunningStats {
    private(set) var count = 0
    private var meanA = 0.0, m2A = 0.0
    private var meanG = SIMD3<Double>(repeating: 0), m2G = SIMD3<Double>(repeating: 0)

    mutating func add(_ s: Sample) {
        count += 1
        let n = Double(count)
        let a = (s.accel * s.accel).sum().squareRoot()
        let dA = a - meanA
        meanA += dA / n
        m2A += dA * (a - meanA)
        let g = s.gyro * (180 / Double.pi)
        let dG = g - meanG
        meanG += dG / n
        m2G += dG * (g - meanG)
    }

    var gravity: Double { meanA }
    var accelNoise: Double { count > 1 ? (m2A / Double(count - 1)).squareRoot() : 0 }
    var gyroNoise: Double {
        guard count > 1 else { return 0 }
        let v = m2G / Double(count - 1)
        return (v.x.squareRoot() + v.y.squareRoot() + v.z.squareRoot()) / 3
    }
}

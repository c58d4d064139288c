#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// IMU noise models (datasheet noise densities). `ideal` has no noise, offsets, filter or
/// quantization (jitter and drops still apply unless `SimOptions.idealSensor`).
public enum ChipModel: String, Sendable, CaseIterable {
    case ideal
    case mpu6050
    case mpu6500
    case lsm6ds3
    case lsm6dso
    case icm42688

    /// Accelerometer noise density, µg/√Hz.
    public var accelNoiseMicroGPerRootHz: Double {
        switch self {
        case .ideal: return 0
        case .mpu6050: return 400
        case .mpu6500: return 300
        case .lsm6ds3: return 90
        case .lsm6dso: return 80
        case .icm42688: return 70
        }
    }

    /// Gyroscope noise density, °/s/√Hz.
    public var gyroNoiseDegPerSecPerRootHz: Double {
        switch self {
        case .ideal: return 0
        case .mpu6050: return 0.005
        case .mpu6500: return 0.01
        case .lsm6ds3: return 0.007
        case .lsm6dso: return 0.0038
        case .icm42688: return 0.0028
        }
    }

    /// Full scale used by the simulator (the drivers' default): ±4 g, ±500 °/s, 16 bits.
    public static let accelRangeG = 4.0
    public static let gyroRangeDegPerSec = 500.0

    /// Accelerometer resolution, m/s² per LSB.
    public static let accelLsbMps2 = 2 * accelRangeG * 9.80665 / 65536
    /// Gyroscope resolution, rad/s per LSB.
    public static let gyroLsbRadPerSec = 2 * gyroRangeDegPerSec * Double.pi / 180 / 65536

    /// Chip low-pass cutoff for an output rate: 0.4 × rate, at most 100 Hz.
    public static func cutoffHz(outputRateHz: Double) -> Double { min(0.4 * outputRateHz, 100) }
}

/// 2nd-order Butterworth low-pass (bilinear transform), six lanes at once
/// (ax, ay, az, gx, gy, gz; lanes 6 and 7 unused). Transposed direct form II.
struct LowPass: Sendable {
    var b0 = 1.0, b1 = 0.0, b2 = 0.0, a1 = 0.0, a2 = 0.0
    var s1 = SIMD8<Double>.zero
    var s2 = SIMD8<Double>.zero

    init(cutoffHz: Double, sampleRateHz: Double) {
        let k = tan(Double.pi * cutoffHz / sampleRateHz)
        let q = 1 / 2.0.squareRoot()
        let norm = 1 / (1 + k / q + k * k)
        b0 = k * k * norm
        b1 = 2 * b0
        b2 = b0
        a1 = 2 * (k * k - 1) * norm
        a2 = (1 - k / q + k * k) * norm
    }

    /// Starts in the steady state of a constant input (no start-up transient).
    mutating func settle(at x: SIMD8<Double>) {
        s2 = (b2 - a2) * x
        s1 = (b1 - a1) * x + s2
    }

    @inline(__always)
    mutating func step(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let y = b0 * x + s1
        s1 = b1 * x - a1 * y + s2
        s2 = b2 * x - a2 * y
        return y
    }

    /// Equivalent noise bandwidth of the analog prototype, Hz (π/(2√2) × cutoff).
    static func noiseBandwidthHz(cutoffHz: Double) -> Double { Double.pi / (2 * 2.0.squareRoot()) * cutoffHz }
}

/// Per-session imperfections of one chip, drawn once.
struct ChipErrors: Sendable {
    /// Scale (diagonal, ±3 %) and cross-axis (≤ 0.5 %) errors: measured = m · true.
    var accelMatrix: Mat3
    var gyroMatrix: Mat3
    /// m/s², ±0.5 per axis.
    var accelOffset: SIMD3<Double>
    /// rad/s, ±3 °/s per axis.
    var gyroBias: SIMD3<Double>
    /// Slow bias drift: amplitude per axis (rad/s, peak-to-peak ≤ 0.1 °/s) × sin(2π t / period + phase).
    var gyroDriftAmplitude: SIMD3<Double>
    var gyroDriftPeriodS: Double
    var gyroDriftPhase: Double

    static let none = ChipErrors(accelMatrix: .identity, gyroMatrix: .identity, accelOffset: .zero, gyroBias: .zero,
                                 gyroDriftAmplitude: .zero, gyroDriftPeriodS: 1000, gyroDriftPhase: 0)

    static func random(_ rng: inout SimRandom) -> ChipErrors {
        func matrix(_ rng: inout SimRandom) -> Mat3 {
            var m = Mat3.identity
            m.c0 = SIMD3(1 + rng.uniform(-0.03, 0.03), rng.uniform(-0.005, 0.005), rng.uniform(-0.005, 0.005))
            m.c1 = SIMD3(rng.uniform(-0.005, 0.005), 1 + rng.uniform(-0.03, 0.03), rng.uniform(-0.005, 0.005))
            m.c2 = SIMD3(rng.uniform(-0.005, 0.005), rng.uniform(-0.005, 0.005), 1 + rng.uniform(-0.03, 0.03))
            return m
        }
        let deg = Double.pi / 180
        let accelMatrix = matrix(&rng), gyroMatrix = matrix(&rng)
        let offset = SIMD3(rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5))
        let bias = SIMD3(rng.uniform(-3, 3), rng.uniform(-3, 3), rng.uniform(-3, 3)) * deg
        let drift = SIMD3(rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05), rng.uniform(-0.05, 0.05)) * deg
        return ChipErrors(accelMatrix: accelMatrix, gyroMatrix: gyroMatrix, accelOffset: offset, gyroBias: bias,
                          gyroDriftAmplitude: drift, gyroDriftPeriodS: rng.uniform(900, 3600),
                          gyroDriftPhase: rng.uniform(0, 2 * Double.pi))
    }
}

/// How samples are taken and delivered: clock, timestamp jitter, drops.
struct SamplingErrors: Sendable {
    /// Actual output rate = nominal × (1 + clockError).
    var clockError: Double
    /// Timestamp jitter σ, s.
    var jitterSigmaS: Double
    /// Probability that a sample starts a drop burst.
    var dropStartProbability: Double
    /// Probability that a burst is longer than one sample (2…10).
    var burstProbability: Double

    static let none = SamplingErrors(clockError: 0, jitterSigmaS: 0, dropStartProbability: 0, burstProbability: 0)

    static func random(_ rng: inout SimRandom, rateHz: Double) -> SamplingErrors {
        let dropRate = rng.chance(0.25) ? 0 : rng.uniform(0, 0.02)
        let bursty = rng.chance(0.4)
        let burstProbability = bursty ? rng.uniform(0.05, 0.2) : 0
        // Mean burst length: 1 − p + p × 6 (bursts of 2…10 average 6).
        let meanLength = 1 + 5 * burstProbability
        return SamplingErrors(clockError: rng.uniform(-0.003, 0.003),
                              jitterSigmaS: rng.uniform(0, 0.02) / rateHz,
                              dropStartProbability: dropRate / meanLength,
                              burstProbability: burstProbability)
    }
}

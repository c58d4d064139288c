import Testing
import ThrustCore
@testable import ThrustSim

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// While the bar lies untouched on the floor (the first ≥ 2 s of a bar session), the chip's
/// output is its offsets plus noise: σ ≈ density × √(noise bandwidth of the low-pass), plus the
/// quantization step; offsets and biases stay within their bounds.
@Test(arguments: [(ChipModel.mpu6050, 1000.0), (.lsm6dso, 1000), (.icm42688, 400), (.mpu6500, 100)])
func noiseMatchesTheDatasheet(chip: ChipModel, rateHz: Double) throws {
    var sigmasA: [Double] = [], sigmasG: [Double] = []
    for seed in UInt64(1)...3 {
        let session = try SimulatedSession(scenario: "barbell", seed: seed, options: SimOptions(chip: chip, rateHz: rateHz))
        let ideal = try SimulatedSession(scenario: "barbell", seed: seed, options: SimOptions(rateHz: rateHz, idealSensor: true))
        let start = session.info.startS
        let still = render(session, limit: Int(2 * rateHz)).filter { $0.t - start > 0.1 && $0.t - start < 1.9 }
        let truth = render(ideal, limit: 1)[0]
        #expect(still.count > Int(1.5 * rateHz))
        let bandwidth = LowPass.noiseBandwidthHz(cutoffHz: ChipModel.cutoffHz(outputRateHz: rateHz))
        let expectedA = (pow(chip.accelNoiseMicroGPerRootHz * 1e-6 * 9.80665, 2) * bandwidth
            + pow(ChipModel.accelLsbMps2, 2) / 12).squareRoot()
        let expectedG = (pow(chip.gyroNoiseDegPerSecPerRootHz * degree, 2) * bandwidth
            + pow(ChipModel.gyroLsbRadPerSec, 2) / 12).squareRoot()
        for axis in 0..<3 {
            let a = still.map { $0.accel[axis] }, g = still.map { $0.gyro[axis] }
            sigmasA.append(sigma(a) / expectedA)
            sigmasG.append(sigma(g) / expectedG)
            // Offset ±0.5 m/s², scale ±3 %, cross-axis ±0.5 % of the other axes.
            let meanA = a.reduce(0, +) / Double(a.count)
            #expect(abs(meanA - truth.accel[axis]) < 0.5 + 0.03 * abs(truth.accel[axis]) + 0.01 * standardGravity + 0.01)
            #expect(abs(meanA - truth.accel[axis]) > 1e-6, "offsets are applied")
            // Bias ±3 °/s plus drift ≤ 0.05 °/s.
            let meanG = g.reduce(0, +) / Double(g.count)
            #expect(abs(meanG) < 3.06 * degree)
        }
    }
    // Averaged over 9 axis-sessions: within 15 % of the datasheet figure.
    let ratioA = sigmasA.reduce(0, +) / Double(sigmasA.count), ratioG = sigmasG.reduce(0, +) / Double(sigmasG.count)
    #expect(abs(ratioA - 1) < 0.15, "accel σ / expected = \(ratioA)")
    #expect(abs(ratioG - 1) < 0.15, "gyro σ / expected = \(ratioG)")
}

/// Readings are whole multiples of the 16-bit step and saturate at full scale.
@Test func readingsAreQuantized() throws {
    let session = try SimulatedSession(scenario: "power", seed: 2, options: SimOptions(chip: .mpu6050, rateHz: 200))
    for s in render(session, limit: 5000) {
        for axis in 0..<3 {
            let a = s.accel[axis] / ChipModel.accelLsbMps2, g = s.gyro[axis] / ChipModel.gyroLsbRadPerSec
            #expect(abs(a - a.rounded()) < 1e-6 && abs(g - g.rounded()) < 1e-6)
            #expect(abs(s.accel[axis]) <= 4 * 9.80665 + 1e-9)
        }
    }
}

/// Timestamps: strictly increasing, the nominal period (± the clock error), jitter σ ≤ 2 % of
/// the period, drops 0–2 % with bursts of up to 10.
@Test func timestampsJitterAndDrops() throws {
    var dropShares: [Double] = []
    var longestGap = 0
    var sawBurst = false
    for seed in UInt64(1)...12 {
        let rate = 100.0
        let session = try SimulatedSession(scenario: "quick", seed: seed, options: SimOptions(rateHz: rate))
        let samples = render(session)
        let period = 1 / rate
        var single: [Double] = []
        var missing = 0
        for k in 1..<samples.count {
            let dt = samples[k].t - samples[k - 1].t
            #expect(dt > 0)
            let periods = Int((dt / period).rounded())
            if periods == 1 { single.append(dt) }
            missing += periods - 1
            longestGap = max(longestGap, periods - 1)
            if periods - 1 >= 2 { sawBurst = true }
        }
        let mean = single.reduce(0, +) / Double(single.count)
        #expect(abs(mean / period - 1) < 0.004, "mean period \(mean)")
        // Jitter σ ≤ 2 % of the period: differences of two jittered stamps, ≤ √2 × that.
        #expect(sigma(single) <= 0.02 * 2.0.squareRoot() * period + 1e-7)
        dropShares.append(Double(missing) / Double(samples.count + missing))
        // Ideal sensors: exactly every 1/rate s, nothing dropped.
        let ideal = render(try SimulatedSession(scenario: "quick", seed: seed, options: SimOptions(rateHz: rate, idealSensor: true)))
        for k in stride(from: 1, to: ideal.count, by: 7) {
            #expect(abs(ideal[k].t - ideal[k - 1].t - period) < 1e-9)
        }
        #expect(abs(Double(ideal.count) - (session.info.durationS ?? 0) * rate) <= 2)
    }
    #expect(dropShares.allSatisfy { $0 <= 0.03 })
    #expect(dropShares.contains { $0 == 0 })
    #expect(dropShares.contains { $0 > 0.005 })
    #expect(longestGap <= 10)
    #expect(sawBurst)
}

/// The chip's low-pass removes what the output rate cannot carry: at 10 Hz, 8 Hz tremor is gone.
@Test func lowRatesAreAntiAliased() {
    var filter = LowPass(cutoffHz: ChipModel.cutoffHz(outputRateHz: 10), sampleRateHz: 1000)
    filter.settle(at: .zero)
    var peak = 0.0
    for n in 0..<20_000 {
        let x = sin(2 * Double.pi * 8 * Double(n) / 1000)
        let y = filter.step(SIMD8(repeating: x))[0]
        if n > 5000 { peak = max(peak, abs(y)) }
    }
    #expect(peak < 0.3)  // 2nd order at 2× the 4 Hz cutoff: ≈ 0.24
    #expect(ChipModel.cutoffHz(outputRateHz: 1000) == 100)
}

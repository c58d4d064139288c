#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ThrustCore

/// A cheap, deterministic rep-like IMU signal for benchmarks: a bar-mounted sensor (z up) doing
/// sets of hip thrusts — 10 reps of 17 cm (1.5 s down, 0.3 s bottom, 1.0 s up, 1.0 s hold) —
/// with 30 s rests, plus a little noise. Not physics-grade; it only has to look like lifting.
struct SyntheticLifter {
    let rateHz: Double
    let durationS: Double
    private var index = 0
    private var noiseState: UInt64 = 0x9E37_79B9_7F4A_7C15

    private static let depthM = 0.17
    private static let eccentricS = 1.5, bottomS = 0.3, concentricS = 1.0, holdS = 1.0
    private static let repsPerSet = 10
    private static let restS = 30.0
    private static var repS: Double { eccentricS + bottomS + concentricS + holdS }
    private static var cycleS: Double { restS + Double(repsPerSet) * repS }

    init(rateHz: Double, durationS: Double) {
        self.rateHz = rateHz
        self.durationS = durationS
    }

    var sampleCount: Int { Int(durationS * rateHz) }

    mutating func next() -> Sample? {
        guard index < sampleCount else { return nil }
        let t = Double(index) / rateHz
        index += 1
        let (accelZ, velocity) = Self.vertical(at: t)
        // Bar roll follows hip height: about 1 °/cm → 1.75 rad/m.
        let rollRate = velocity * 1.75
        return Sample(t: t,
                      ax: noise(0.02), ay: noise(0.02), az: standardGravity + accelZ + noise(0.02),
                      gx: noise(0.002), gy: rollRate + noise(0.002), gz: noise(0.002))
    }

    /// Vertical acceleration (m/s²) and velocity (m/s) of the hips at `t`.
    private static func vertical(at t: Double) -> (Double, Double) {
        let inCycle = t.truncatingRemainder(dividingBy: cycleS)
        guard inCycle >= restS else { return (0, 0) }
        let inRep = (inCycle - restS).truncatingRemainder(dividingBy: repS)
        // Half-cosine strokes: x = ∓d/2 (1 − cos(π τ/T)).
        func stroke(_ tau: Double, _ duration: Double, _ sign: Double) -> (Double, Double) {
            let omega = Double.pi / duration
            let half = depthM / 2
            return (sign * half * omega * omega * cos(omega * tau), sign * half * omega * sin(omega * tau))
        }
        if inRep < eccentricS { return stroke(inRep, eccentricS, -1) }
        if inRep < eccentricS + bottomS { return (0, 0) }
        if inRep < eccentricS + bottomS + concentricS { return stroke(inRep - eccentricS - bottomS, concentricS, 1) }
        return (0, 0)
    }

    /// Uniform noise in ±amplitude (xorshift64*).
    private mutating func noise(_ amplitude: Double) -> Double {
        noiseState ^= noiseState >> 12
        noiseState ^= noiseState << 25
        noiseState ^= noiseState >> 27
        let bits = noiseState &* 0x2545_F491_4F6C_DD1D
        return (Double(bits >> 11) / Double(1 << 53) * 2 - 1) * amplitude
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// SplitMix64: turns one seed into well-mixed seeds for the streams below.
struct SplitMix64: Sendable {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256**. Our own implementation (not `Double.random(in:)`), so a seed gives the same
/// session on every platform and Swift version.
struct SimRandom: Sendable {
    private var s0, s1, s2, s3: UInt64

    /// `stream` separates independent sequences drawn from one seed (plan, hardware, noise).
    init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(state: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    @inline(__always)
    mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, 45)
        return result
    }

    @inline(__always)
    private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// Uniform in [0, 1).
    @inline(__always)
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [a, b).
    mutating func uniform(_ a: Double, _ b: Double) -> Double { a + (b - a) * unit() }

    mutating func uniform(_ range: ClosedRange<Double>) -> Double { uniform(range.lowerBound, range.upperBound) }

    /// Uniform integer in the range (both ends included).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) + 1
        // Multiply-high: no modulo bias worth mentioning for the small spans used here.
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }

    mutating func chance(_ probability: Double) -> Bool { unit() < probability }

    /// +1 or −1.
    mutating func sign() -> Double { next() >> 63 == 0 ? 1 : -1 }

    /// Standard normal (Box–Muller). Used for planning and per-sample jitter, not per internal step.
    mutating func normal() -> Double {
        let u1 = 1 - unit()  // (0, 1]
        let u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// Normal, clipped to ±`clip` standard deviations, scaled.
    mutating func normal(sigma: Double, clip: Double = 3) -> Double {
        sigma * max(-clip, min(clip, normal()))
    }

    /// Zero-mean, unit-variance triangular variable from one 64-bit draw: cheap per-step sensor
    /// noise. The chip low-pass sums many of them, so its output is Gaussian to within a hair.
    @inline(__always)
    mutating func triangular() -> Double {
        let bits = next()
        let a = Double(bits >> 32), b = Double(bits & 0xFFFF_FFFF)
        // (a + b) / 2^32 − 1 has variance 1/6.
        return ((a + b) * 0x1.0p-32 - 1) * 2.449_489_742_783_178
    }

    mutating func pick<T>(_ items: [T], default fallback: T) -> T {
        items.isEmpty ? fallback : items[int(0...(items.count - 1))]
    }

    /// Index drawn with the given (non-negative) weights.
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0 else { return 0 }
        var x = unit() * total
        for (i, w) in weights.enumerated() {
            if x < w { return i }
            x -= w
        }
        return weights.count - 1
    }
}

/// FNV-1a of a string: a stable hash (Swift's `hashValue` changes per process).
func stableHash(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x100_0000_01B3
    }
    return hash
}

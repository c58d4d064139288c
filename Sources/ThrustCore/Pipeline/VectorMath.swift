// Pure math from the C library only (sin, cos, asin…): no I/O.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Small vector helpers on SIMD3<Double>; inlined so the per-sample path stays allocation-free.

@inlinable func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double {
    (a * b).sum()
}

@inlinable func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

@inlinable func length(_ a: SIMD3<Double>) -> Double {
    dot(a, a).squareRoot()
}

@inlinable func normalized(_ a: SIMD3<Double>) -> SIMD3<Double> {
    let n = length(a)
    return n > 0 ? a / n : a
}

/// Rotates `v` by the angle |θ| (rad) about the axis θ/|θ| (Rodrigues).
@inlinable func rotate(_ v: SIMD3<Double>, by theta: SIMD3<Double>) -> SIMD3<Double> {
    let angle2 = dot(theta, theta)
    if angle2 < 1e-4 {
        // Below 0.01 rad (every sample at ≥ 100 Hz) the series to third order is exact to
        // 1e-10 and saves the trigonometry.
        let tv = cross(theta, v)
        return v * (1 - angle2 / 2) + tv * (1 - angle2 / 6) + theta * (dot(theta, v) / 2)
    }
    let angle = angle2.squareRoot()
    let k = theta / angle
    let c = cos(angle), s = sin(angle)
    return v * c + cross(k, v) * s + k * (dot(k, v) * (1 - c))
}

/// Step of a first-order low-pass with time constant `tau` over an interval `dt` (same units):
/// 1 − e^(−dt/τ), exact for any interval (the linear dt/τ is no filter at all once dt ≥ τ).
/// Below 0.2 (every sample at ≥ 100 Hz for τ ≥ 0.05 s) the cubic series is exact to 1e-4
/// and saves the exponential.
@inlinable func smoothingStep(dt: Double, tau: Double) -> Double {
    let x = dt / tau
    if x < 0.2 { return x * (1 - x * (0.5 - x / 6)) }
    return -expm1(-x)
}

@usableFromInline let radiansToDegrees = 180.0 / Double.pi

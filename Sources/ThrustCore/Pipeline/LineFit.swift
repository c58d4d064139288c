/// Least-squares line through points added (and removed) one at a time.
struct LineFit: Sendable {
    var origin = 0.0
    var n = 0.0, st = 0.0, stt = 0.0, sv = 0.0, stv = 0.0, svv = 0.0

    init(origin: Double = 0) { self.origin = origin }

    mutating func add(_ t: Double, _ v: Double) {
        let x = t - origin
        n += 1; st += x; stt += x * x; sv += v; stv += x * v; svv += v * v
    }

    mutating func remove(_ t: Double, _ v: Double) {
        let x = t - origin
        n -= 1; st -= x; stt -= x * x; sv -= v; stv -= x * v; svv -= v * v
    }

    var slope: Double {
        let d = stt - st * st / n
        return d > 1e-12 ? (stv - st * sv / n) / d : 0
    }

    func value(at t: Double) -> Double {
        guard n > 0 else { return 0 }
        return sv / n + slope * ((t - origin) - st / n)
    }

    var residual: Double {
        let d = stt - st * st / n
        let dv = svv - sv * sv / n
        let c = stv - st * sv / n
        let rss = d > 1e-12 ? dv - c * c / d : dv
        return (max(rss, 0) / n).squareRoot()
    }
}

/// A tremor-robust mean of a vector signal over a still period: the slope of a least-squares line
/// through its running integral. A plain mean of a trembling hold over T is off by the tremor's
/// velocity difference over T (2 m/s² of tremor at 3–4 Hz: up to 0.2 m/s² for a second), while
/// the integral's tremor stays bounded and the line's slope errs like T^-1.5.
struct IntegralSlope: Sendable, Equatable {
    var integral = SIMD3<Double>(repeating: 0)
    var origin: Double?
    var n = 0.0, st = 0.0, stt = 0.0
    var si = SIMD3<Double>(repeating: 0), sti = SIMD3<Double>(repeating: 0)
    /// Plain sum and count, for spans too short for a line.
    var sum = SIMD3<Double>(repeating: 0)

    mutating func add(t: Double, dt: Double, value: SIMD3<Double>) {
        let t0 = origin ?? t
        origin = t0
        sum += value
        integral += value * dt
        let x = t - t0
        n += 1; st += x; stt += x * x
        si += integral; sti += integral * x
    }

    /// The mean: the integral's slope with enough points (`minPoints`), else the plain mean; nil
    /// when empty.
    func mean(minPoints: Double = 8) -> SIMD3<Double>? {
        guard n > 0 else { return nil }
        let d = stt - st * st / n
        guard n >= minPoints, d > 1e-12 else { return sum / n }
        return (sti - si * (st / n)) / d
    }
}

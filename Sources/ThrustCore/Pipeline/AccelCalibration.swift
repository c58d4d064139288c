/// Learns the accelerometer's offsets and per-axis scale from still poses.
///
/// At rest the calibrated specific force must have the magnitude of gravity:
/// |(m − b) ⊘ s| = g for every still pose m. Each still period adds one such equation; a
/// regularised Gauss–Newton fit (prior: b = 0 ± 0.35 m/s², s = 1 ± 2.5 %) solves for b and s.
/// Poses on a single arc (the bar turning about its axis, the pelvis about the hips) leave some
/// directions unobserved; the prior keeps those at their defaults, and they are exactly the
/// directions the vertical projection is insensitive to.
public struct AccelCalibration: Sendable {
    public struct Pose: Sendable {
        /// Mean raw specific force over the still period, m/s².
        public var mean: SIMD3<Double>
        /// Weight (longer still periods weigh more, capped).
        public var weight: Double
    }

    /// Offsets b, m/s².
    public private(set) var offset = SIMD3<Double>(repeating: 0)
    /// Scale s (measured = true × s + b).
    public private(set) var scale = SIMD3<Double>(repeating: 1)
    public private(set) var poses: FixedRing<Pose>
    let gravity: Double

    /// Prior standard deviations.
    let offsetPriorSigma = 0.35   // m/s²
    let scalePriorSigma = 0.025
    /// Residual noise of one still pose's magnitude, m/s².
    let poseSigma = 0.03

    public init(gravity: Double = standardGravity, capacity: Int = 48) {
        self.gravity = gravity
        poses = FixedRing(capacity: capacity, filler: Pose(mean: .zero, weight: 0))
    }

    @inlinable
    public func apply(_ raw: SIMD3<Double>) -> SIMD3<Double> {
        (raw - offset) / scale
    }

    /// Adds a still pose. Poses closer than ~6° to an existing one replace it (keeps diversity).
    public mutating func addPose(mean: SIMD3<Double>, durationS: Double) {
        let n = length(mean)
        guard n > 0.5 * gravity, n < 1.5 * gravity else { return }
        let w = min(max(durationS, 0.1), 2.0)
        let dir = mean / n
        for i in 0..<poses.count {
            let p = poses[i]
            if dot(normalized(p.mean), dir) > 0.9945 {  // within ~6°
                let total = p.weight + w
                poses[i] = Pose(mean: (p.mean * p.weight + mean * w) / total, weight: min(total, 4))
                return
            }
        }
        poses.append(Pose(mean: mean, weight: w))
    }

    /// Re-fits offsets and scales to the poses held. Cost: a 6×6 solve per iteration.
    public mutating func refit(iterations: Int = 4) {
        guard poses.count >= 2 else { return }
        var b = offset, s = scale
        for _ in 0..<iterations {
            var h = Matrix6()
            var g = Vector6()
            let ib = 1 / (offsetPriorSigma * offsetPriorSigma)
            let iss = 1 / (scalePriorSigma * scalePriorSigma)
            for k in 0..<3 {
                h[k, k] += ib
                g[k] -= ib * b[k]
                h[k + 3, k + 3] += iss
                g[k + 3] -= iss * (s[k] - 1)
            }
            let iw = 1 / (poseSigma * poseSigma)
            for i in 0..<poses.count {
                let p = poses[i]
                let r = (p.mean - b) / s
                let n = length(r)
                guard n > 0 else { continue }
                let f = n - gravity
                var j = Vector6()
                for k in 0..<3 {
                    j[k] = -(r[k] / n) / s[k]
                    j[k + 3] = -(r[k] / n) * r[k] / s[k]
                }
                let w = p.weight * iw
                for a in 0..<6 {
                    g[a] -= w * j[a] * f
                    for c in 0..<6 { h[a, c] += w * j[a] * j[c] }
                }
            }
            guard let delta = h.solve(g) else { return }
            b += SIMD3(delta[0], delta[1], delta[2])
            s += SIMD3(delta[3], delta[4], delta[5])
        }
        // Keep within physically plausible bounds.
        offset = simdClamp(b, -1.5, 1.5)
        scale = simdClamp(s, 0.9, 1.1)
    }
}

@inlinable func simdClamp(_ v: SIMD3<Double>, _ lo: Double, _ hi: Double) -> SIMD3<Double> {
    SIMD3(min(max(v.x, lo), hi), min(max(v.y, lo), hi), min(max(v.z, lo), hi))
}

/// A 6-vector on the stack.
struct Vector6: Sendable {
    var v: (Double, Double, Double, Double, Double, Double) = (0, 0, 0, 0, 0, 0)
    subscript(i: Int) -> Double {
        get {
            switch i {
            case 0: return v.0
            case 1: return v.1
            case 2: return v.2
            case 3: return v.3
            case 4: return v.4
            default: return v.5
            }
        }
        set {
            switch i {
            case 0: v.0 = newValue
            case 1: v.1 = newValue
            case 2: v.2 = newValue
            case 3: v.3 = newValue
            case 4: v.4 = newValue
            default: v.5 = newValue
            }
        }
    }
}

/// A symmetric positive-definite 6×6 system, solved by Cholesky.
struct Matrix6: Sendable {
    var rows = (Vector6(), Vector6(), Vector6(), Vector6(), Vector6(), Vector6())
    subscript(r: Int, c: Int) -> Double {
        get {
            switch r {
            case 0: return rows.0[c]
            case 1: return rows.1[c]
            case 2: return rows.2[c]
            case 3: return rows.3[c]
            case 4: return rows.4[c]
            default: return rows.5[c]
            }
        }
        set {
            switch r {
            case 0: rows.0[c] = newValue
            case 1: rows.1[c] = newValue
            case 2: rows.2[c] = newValue
            case 3: rows.3[c] = newValue
            case 4: rows.4[c] = newValue
            default: rows.5[c] = newValue
            }
        }
    }

    /// Solves H x = g; nil when H is not positive definite.
    func solve(_ g: Vector6) -> Vector6? {
        var l = Matrix6()
        for i in 0..<6 {
            for j in 0...i {
                var sum = self[i, j]
                for k in 0..<j { sum -= l[i, k] * l[j, k] }
                if i == j {
                    guard sum > 1e-12 else { return nil }
                    l[i, i] = sum.squareRoot()
                } else {
                    l[i, j] = sum / l[j, j]
                }
            }
        }
        var y = Vector6()
        for i in 0..<6 {
            var sum = g[i]
            for k in 0..<i { sum -= l[i, k] * y[k] }
            y[i] = sum / l[i, i]
        }
        var x = Vector6()
        for i in stride(from: 5, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<6 { sum -= l[k, i] * x[k] }
            x[i] = sum / l[i, i]
        }
        return x
    }
}

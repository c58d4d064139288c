/// Learns the accelerometer's offsets and per-axis scale errors while the lifter trains.
///
/// The raw reading is m = (1 + e) ⊙ a + b. To first order a wrong calibration adds
/// ℓ(u) = b·u + g Σ eᵢuᵢ² to the vertical specific force when the world-up direction in
/// sensor axes is u: linear in θ = (b, e) with the basis φ(u) = (u, g u²). Two kinds of
/// equations pin θ down:
/// - each still pose: |â| − g = φ(u)·θ (the magnitude of gravity);
/// - each movement between two zero-velocity instants: the velocity it ends with, which must
///   be zero, equals θ·∫(φ(u(t)) − φ(u₀)) dt.
/// The second kind is what makes the bar turning about its own axis observable within a few
/// reps. A prior (b = 0 ± 0.35 m/s², e = 0 ± 2.5 %) keeps unobserved directions at zero; they
/// are the directions the vertical projection does not see anyway.
public struct AccelCalibration: Sendable {
    /// Offsets b, m/s².
    public private(set) var offset = SIMD3<Double>(repeating: 0)
    /// Scale errors e (measured = true × (1 + e) + b).
    public private(set) var scaleError = SIMD3<Double>(repeating: 0)
    public let gravity: Double
    var information: Matrix6
    var vector = Vector6()
    /// Where the prior is centred (lanes 0–5): zero, or a calibration restored from disk.
    var priorCentre = SIMD8<Double>(repeating: 0)
    public private(set) var equations = 0
    /// Still poses taken in.
    public private(set) var poses = 0

    /// Prior standard deviations.
    static let offsetPriorSigma = 0.35   // m/s²
    static let scalePriorSigma = 0.025
    /// One still pose's magnitude error, m/s², on a sensor that does not tremble (the caller
    /// passes more where tremor leaves its mean in the reading).
    public static let poseSigma = 0.02
    /// One movement's closing velocity error, m/s (likewise).
    public static let closureSigma = 0.05
    /// Plausible bounds (a consumer accelerometer: ±0.5 m/s², ±3 %, with margin).
    static let offsetLimit = 0.8
    static let scaleLimit = 0.06
    /// Older equations fade (the offsets drift with temperature): weight kept per equation.
    static let forgetting = 0.995

    public init(gravity: Double = standardGravity) {
        self.gravity = gravity
        information = Matrix6()
        for k in 0..<3 {
            information[k, k] = 1 / (Self.offsetPriorSigma * Self.offsetPriorSigma)
            information[k + 3, k + 3] = 1 / (Self.scalePriorSigma * Self.scalePriorSigma)
        }
    }

    /// A calibration learnt before (restored from disk): it is the prior, so the next poses
    /// refine it instead of starting from zero. Values outside the plausible bounds are clamped.
    public init(gravity: Double = standardGravity, restoringOffset offset: SIMD3<Double>,
                scale: SIMD3<Double>, poses: Int) {
        self.init(gravity: gravity)
        let o = simdClamp(offset, -Self.offsetLimit, Self.offsetLimit)
        let e = simdClamp(scale - 1, -Self.scaleLimit, Self.scaleLimit)
        priorCentre = SIMD8(o.x, o.y, o.z, e.x, e.y, e.z, 0, 0)
        for a in 0..<6 { vector[a] = information[a, a] * priorCentre[a] }
        self.offset = o
        scaleError = e
        inverseScale = 1 / (1 + e)
        self.poses = max(0, poses)
    }

    public var scale: SIMD3<Double> { 1 + scaleError }

    /// 1 / (1 + e), kept so the per-sample correction multiplies.
    public private(set) var inverseScale = SIMD3<Double>(repeating: 1)

    @inlinable
    public func apply(_ raw: SIMD3<Double>) -> SIMD3<Double> {
        (raw - offset) * inverseScale
    }

    /// The basis φ(u), lanes 0–5.
    @inlinable
    public func basis(_ up: SIMD3<Double>) -> SIMD8<Double> {
        let g = gravity
        return SIMD8(up.x, up.y, up.z, g * up.x * up.x, g * up.y * up.y, g * up.z * up.z, 0, 0)
    }

    var theta: SIMD8<Double> {
        SIMD8(offset.x, offset.y, offset.z, scaleError.x, scaleError.y, scaleError.z, 0, 0)
    }

    /// Adds a still pose (mean raw specific force over the still period); `sigma`: its magnitude
    /// error, m/s².
    public mutating func addPose(mean raw: SIMD3<Double>, weight: Double = 1, sigma: Double = poseSigma) {
        let a = apply(raw)
        let n = length(a)
        guard n > 0.5 * gravity, n < 1.5 * gravity else { return }
        let phi = basis(a / n)
        let y = n - gravity + (theta * phi).sum()
        add(phi, y, weight: weight / (sigma * sigma))
        poses += 1
    }

    /// Adds a movement between zero-velocity instants: `integral` = ∫(φ(u) − φ(u₀)) dt (s),
    /// `endVelocity` = the velocity it ended with under the current calibration (m/s), `sigma` its
    /// error (m/s).
    public mutating func addMovement(integral: SIMD8<Double>, endVelocity: Double, sigma: Double = closureSigma) {
        // A movement whose end velocity the leak model cannot come near explaining had another
        // error (a rest that was not one, aliasing at a low rate): it must not drag the fit.
        let capacity = Self.offsetPriorSigma * (integral[0].magnitude + integral[1].magnitude + integral[2].magnitude)
            + Self.scalePriorSigma * (integral[3].magnitude + integral[4].magnitude + integral[5].magnitude)
        guard endVelocity.magnitude <= 3 * capacity + 3 * sigma else { return }
        let y = endVelocity + (theta * integral).sum()
        add(integral, y, weight: 1 / (sigma * sigma))
    }

    mutating func add(_ phi: SIMD8<Double>, _ y: Double, weight w: Double) {
        // Fade old equations, never the prior.
        let f = Self.forgetting
        for a in 0..<6 {
            let prior = a < 3 ? 1 / (Self.offsetPriorSigma * Self.offsetPriorSigma)
                              : 1 / (Self.scalePriorSigma * Self.scalePriorSigma)
            for c in 0..<6 {
                let p = a == c ? prior : 0
                information[a, c] = p + (information[a, c] - p) * f
            }
            let centre = prior * priorCentre[a]
            vector[a] = centre + (vector[a] - centre) * f
        }
        for a in 0..<6 {
            vector[a] += w * y * phi[a]
            for c in 0..<6 { information[a, c] += w * phi[a] * phi[c] }
        }
        equations += 1
    }

    /// Solves for the calibration; returns the change of θ (lanes 0–5) it made.
    @discardableResult
    public mutating func solve() -> SIMD8<Double> {
        guard let x = information.solve(vector) else { return SIMD8(repeating: 0) }
        let old = theta
        offset = simdClamp(SIMD3(x[0], x[1], x[2]), -Self.offsetLimit, Self.offsetLimit)
        scaleError = simdClamp(SIMD3(x[3], x[4], x[5]), -Self.scaleLimit, Self.scaleLimit)
        inverseScale = 1 / (1 + scaleError)
        return theta - old
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

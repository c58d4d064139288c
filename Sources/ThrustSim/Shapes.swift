#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The normalized displacement profile of a stroke over s ∈ [0, 1]: P(0) = 0, P(1) = 1, and the
/// velocity P′ is zero at both ends. Drawn at random per stroke so the core cannot fit one shape.
enum StrokeShape: Sendable, Equatable {
    /// Minimum jerk: P = 10s³ − 15s⁴ + 6s⁵ (velocity and acceleration zero at both ends).
    case minimumJerk
    /// P = (1 − cos πs)/2, velocity ∝ sin πs (acceleration jumps at the ends).
    case halfCosine
    /// Asymmetric bell: velocity ∝ sᵃ(1 − s)ᵇ, peak at a/(a + b). Index into `BetaPolynomials.bells`.
    case bell(Int)
    /// Heavy concentric with a sticking region: an early and a late bell mixed, velocity dips between.
    case sticking(earlyWeight: Double)
    /// Walking: speed ramps up over the first `ramp` of the stroke (smoothstep), cruises, ramps down.
    case cruise(ramp: Double)
    /// Trapezoid: speed ramps up linearly over the first `ramp` of the stroke (constant
    /// acceleration), cruises, ramps down linearly.
    case trapezoid(ramp: Double)

    /// (P, dP/ds, d²P/ds²) at s, clamped to [0, 1].
    @inline(__always)
    func evaluate(_ s: Double) -> (p: Double, dp: Double, ddp: Double) {
        if s <= 0 { return (0, 0, 0) }
        if s >= 1 { return (1, 0, 0) }
        switch self {
        case .minimumJerk:
            let s2 = s * s, s3 = s2 * s
            return (s3 * (10 + s * (-15 + 6 * s)), s2 * (30 + s * (-60 + 30 * s)), s * (60 + s * (-180 + 120 * s)))
        case .halfCosine:
            let x = Double.pi * s
            return ((1 - cos(x)) / 2, Double.pi / 2 * sin(x), Double.pi * Double.pi / 2 * cos(x))
        case .bell(let index):
            return BetaPolynomials.table[index].evaluate(s)
        case .sticking(let w):
            let early = BetaPolynomials.table[BetaPolynomials.stickingEarly].evaluate(s)
            let late = BetaPolynomials.table[BetaPolynomials.stickingLate].evaluate(s)
            return (w * early.p + (1 - w) * late.p, w * early.dp + (1 - w) * late.dp, w * early.ddp + (1 - w) * late.ddp)
        case .cruise(let r):
            // Speed h(s): 3u² − 2u³ on the ramps (u = s/r), 1 between; ∫h = 1 − r.
            let area = 1 - r
            func ramp(_ u: Double) -> (p: Double, h: Double, dh: Double) {
                (r * (u * u * u - u * u * u * u / 2), u * u * (3 - 2 * u), 6 * u * (1 - u) / r)
            }
            if s < r {
                let a = ramp(s / r)
                return (a.p / area, a.h / area, a.dh / area)
            } else if s > 1 - r {
                let a = ramp((1 - s) / r)
                return (1 - a.p / area, a.h / area, -a.dh / area)
            }
            return ((r / 2 + s - r) / area, 1 / area, 0)
        case .trapezoid(let r):
            let area = 1 - r
            if s < r {
                let u = s / r
                return (r * u * u / 2 / area, u / area, 1 / r / area)
            } else if s > 1 - r {
                let u = (1 - s) / r
                return (1 - r * u * u / 2 / area, u / area, -1 / r / area)
            }
            return ((r / 2 + s - r) / area, 1 / area, 0)
        }
    }

    /// The largest dP/ds over the stroke (peak velocity = this × distance / duration).
    var peakSlope: Double {
        var best = 0.0
        for i in 0...400 { best = max(best, evaluate(Double(i) / 400).dp) }
        return best
    }

    /// Largest d²P/ds² of each sign over the stroke: acceleration = factor × distance / duration².
    var accelerationFactors: (speedingUp: Double, slowingDown: Double) {
        var high = 0.0, low = 0.0
        for i in 0...200 {
            // Ends included (several shapes peak there), just inside so `evaluate` does not clamp.
            let ddp = evaluate(max(1e-12, min(1 - 1e-12, Double(i) / 200))).ddp
            high = max(high, ddp)
            low = min(low, ddp)
        }
        return (high, -low)
    }

    /// Every shape the planner draws from (for choosing a gentler one).
    static let catalogue: [StrokeShape] = [.minimumJerk, .halfCosine] + BetaPolynomials.bells.map { .bell($0) }

    /// Draws a shape: minimum-jerk, half-cosine or an asymmetric bell (peak early or late).
    static func random(_ rng: inout SimRandom) -> StrokeShape {
        switch rng.weighted([0.3, 0.2, 0.5]) {
        case 0: return .minimumJerk
        case 1: return .halfCosine
        default: return .bell(rng.pick(BetaPolynomials.bells, default: 0))
        }
    }

    /// A heavy concentric: a sticking region half the time, else any shape.
    static func randomHeavy(_ rng: inout SimRandom) -> StrokeShape {
        rng.chance(0.5) ? .sticking(earlyWeight: rng.uniform(0.35, 0.6)) : random(&rng)
    }
}

/// Normalized incomplete-beta polynomials: P(s) = ∫₀ˢ uᵃ(1 − u)ᵇ du / B(a + 1, b + 1).
struct BetaPolynomial: Sendable {
    /// Monomial coefficients of P, lowest power first.
    let coefficients: [Double]

    init(a: Int, b: Int) {
        // uᵃ(1 − u)ᵇ = Σⱼ C(b, j)(−1)ʲ u^(a+j); integrate term by term.
        var c = [Double](repeating: 0, count: a + b + 2)
        var binomial = 1.0
        for j in 0...b {
            if j > 0 { binomial = binomial * Double(b - j + 1) / Double(j) }
            let sign: Double = j % 2 == 0 ? 1 : -1
            c[a + j + 1] = sign * binomial / Double(a + j + 1)
        }
        let total = c.reduce(0, +)  // P(1) before normalizing
        coefficients = c.map { $0 / total }
    }

    /// (P, P′, P″) by Horner's scheme.
    @inline(__always)
    func evaluate(_ s: Double) -> (p: Double, dp: Double, ddp: Double) {
        var p = 0.0, dp = 0.0, ddp = 0.0
        var i = coefficients.count - 1
        while i >= 0 {
            ddp = ddp * s + 2 * dp
            dp = dp * s + p
            p = p * s + coefficients[i]
            i -= 1
        }
        return (p, dp, ddp)
    }
}

enum BetaPolynomials {
    /// (a, b): velocity ∝ sᵃ(1 − s)ᵇ.
    static let exponents: [(Int, Int)] = [
        (2, 3), (3, 2), (2, 4), (4, 2), (3, 5), (5, 3), (1, 2), (2, 1), (3, 6), (6, 3), (2, 7), (6, 2),
    ]
    static let table: [BetaPolynomial] = exponents.map { BetaPolynomial(a: $0.0, b: $0.1) }
    /// Indices usable as `.bell`: peak between 0.25 and 0.75 of the stroke.
    static let bells = Array(0...9)
    /// The two humps of a sticking concentric: early (2, 7) and late (6, 2).
    static let stickingEarly = 10
    static let stickingLate = 11
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A stroke's motion onset and offset from the shape of its whole height curve.
///
/// Where the velocity leaves zero cannot be seen directly: a stroke that sets off gently (velocity
/// growing like t⁴…t⁶) covers only 1–3 % of its height in its first quarter, lost in tremor. Its
/// edges are found instead by fitting the instants the height crosses fixed fractions of the
/// stroke to a family of unimodal velocity profiles v ∝ sᵃ(1 − s)ᵇ over s ∈ [0, 1] (a = b = 2 is
/// minimum jerk, a = b = 1 close to a half cosine; a ≠ b puts the peak early or late), and of
/// plateau profiles: the speed ramps up over the first r₁ of the stroke, holds, and ramps down
/// over the last r₂ — smoothly (smoothstep) or linearly (constant acceleration) — for a lifter
/// who lowers or drives at an even speed. For one profile the crossing instants are
/// t₀ + T·s(level), a straight line in the profile's own crossing positions s(level): a
/// least-squares line gives onset t₀ and duration T, and the profile that fits best is kept.
public struct StrokeShapeFit: Sendable {
    /// Fractions of the stroke's height whose crossing instants are fitted (at most 16: one
    /// SIMD lane each).
    public static let levels: [Double] = [0.03, 0.06, 0.1, 0.15, 0.25, 0.4, 0.6, 0.75, 0.85, 0.9, 0.94, 0.97]
    /// Exponents a and b tried (velocity ∝ sᵃ(1 − s)ᵇ), 0.5…5. Steeper ends are possible, but
    /// a stroke that spends its first or last quarter within a few per cent of its height looks,
    /// through tremor, much like a gentler one: the fit would pick them on noise.
    static let exponents: [Double] = (0...18).map { 0.5 + 0.25 * Double($0) }
    /// Plateau profiles' ramp fractions r₁, r₂ tried. A bell fits an even-speed stroke's ends
    /// badly: a 2 s stroke whose smooth ramps take 35 % each end was put 0.2 s inside at both.
    static let ramps: [Double] = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45]
    /// A plateau profile is kept only when its misfit is under this fraction of the best bell's:
    /// with more shapes to choose from, the fit picks up tremor and a slow stop's bent centimetre
    /// as a plateau's corner (taking the best of both, the benchmark lost a rep to an offset
    /// 0.6 s early and slow tempos' eccentric MAE grew by 0.015 s).
    static let plateauPreference = 0.5
    /// The first `bellCount` profiles are the bells, then the plateaus.
    static let bellCount = exponents.count * exponents.count

    /// Per profile, the position s at which it has covered each level (unused lanes 0) …
    let positions: [SIMD16<Double>]
    /// … and the cube of its normalized velocity dP/ds there: a level's crossing instant is
    /// uncertain by (height noise)/(velocity), so it weighs with the velocity squared at least;
    /// the cube, because the noise near a stroke's ends is more than tremor (a slow stop the
    /// drift correction bends a little). Best on the simulated sessions of v, v², v³, v⁴.
    let weights: [SIMD16<Double>]

    /// The table, built once (about 0.4 M exponentials and 0.1 M plateau speeds, a few
    /// milliseconds; `MotionTracker` builds it when it starts, not at the first stroke).
    public static let shared = StrokeShapeFit()

    init() {
        let steps = 1024
        var logS = [Double](repeating: 0, count: steps + 1)
        var log1mS = [Double](repeating: 0, count: steps + 1)
        for i in 1..<steps {
            logS[i] = log(Double(i) / Double(steps))
            log1mS[i] = log(1 - Double(i) / Double(steps))
        }
        var table: [SIMD16<Double>] = [], slopes: [SIMD16<Double>] = []
        let profiles = Self.bellCount + 2 * Self.ramps.count * Self.ramps.count
        table.reserveCapacity(profiles)
        slopes.reserveCapacity(profiles)
        var cumulative = [Double](repeating: 0, count: steps + 1)
        var speed = [Double](repeating: 0, count: steps + 1)
        func addProfile() {
            // P(s) by the trapezoid rule on the velocity (zero at both ends).
            for i in 1...steps { cumulative[i] = cumulative[i - 1] + (speed[i - 1] + speed[i]) / 2 }
            let total = cumulative[steps]
            var lane = SIMD16<Double>(repeating: 0), slope = SIMD16<Double>(repeating: 0)
            var i = 0
            for (l, level) in Self.levels.enumerated() {
                let target = level * total
                while i < steps && cumulative[i + 1] < target { i += 1 }
                let span = cumulative[min(i + 1, steps)] - cumulative[i]
                let f = span > 0 ? (target - cumulative[i]) / span : 0
                lane[l] = (Double(i) + f) / Double(steps)
                let j = min(i + 1, steps)
                let v = (speed[i] + (speed[j] - speed[i]) * f) * Double(steps) / total
                slope[l] = v * v * v
            }
            table.append(lane)
            slopes.append(slope)
        }
        for a in Self.exponents {
            for b in Self.exponents {
                for i in 0...steps { speed[i] = i == 0 || i == steps ? 0 : exp(a * logS[i] + b * log1mS[i]) }
                addProfile()
            }
        }
        func smoothstep(_ u: Double) -> Double { u >= 1 ? 1 : u * u * (3 - 2 * u) }
        for r1 in Self.ramps {
            for r2 in Self.ramps {
                for i in 0...steps {
                    let x = Double(i) / Double(steps)
                    speed[i] = min(smoothstep(x / r1), smoothstep((1 - x) / r2))
                }
                addProfile()
                for i in 0...steps {
                    let x = Double(i) / Double(steps)
                    speed[i] = min(1, x / r1, (1 - x) / r2)
                }
                addProfile()
            }
        }
        positions = table
        weights = slopes
    }

    /// Onset and offset from the instants `times` (lanes in `levels` order) the height crossed
    /// each level; `found` is 1 where a crossing was found and 0 where not. Nil with fewer than
    /// four crossings. Each profile's line is fitted with its weights, and profiles are compared
    /// by their weighted squared residuals relative to the duration's square.
    public func edges(times: SIMD16<Double>, found: SIMD16<Double>) -> (onset: Double, offset: Double)? {
        guard found.sum() >= 4 else { return nil }
        // Times relative to the mean crossing keep the sums well conditioned.
        let meanT = (times * found).sum() / found.sum()
        let y = (times - SIMD16(repeating: meanT)) * found
        let bell = bestFit(0..<Self.bellCount, y: y, found: found)
        let plateau = bestFit(Self.bellCount..<positions.count, y: y, found: found)
        guard let fit = plateau.misfit < Self.plateauPreference * bell.misfit ? plateau.line : bell.line
        else { return nil }
        return (meanT + fit.onset, meanT + fit.onset + fit.duration)
    }

    /// The best-fitting profile among `profiles`: its misfit (infinite when none fits), and its
    /// onset (relative to the mean crossing time) and duration, s.
    func bestFit(_ profiles: Range<Int>, y: SIMD16<Double>, found: SIMD16<Double>)
        -> (misfit: Double, line: (onset: Double, duration: Double)?) {
        var best = Double.infinity
        var result: (onset: Double, duration: Double)?
        for k in profiles {
            let x = positions[k], w = weights[k] * found
            let sw = w.sum(), sx = (w * x).sum(), sxx = (w * x * x).sum(), sxy = (w * x * y).sum(), sy = (w * y).sum()
            let det = sw * sxx - sx * sx
            guard det > 1e-12 else { continue }
            let duration = (sw * sxy - sx * sy) / det
            guard duration > 0 else { continue }
            let onset = (sy - duration * sx) / sw
            let r = y - SIMD16(repeating: onset) - x * duration
            let misfit = (w * r * r).sum() / (duration * duration)
            if misfit < best {
                best = misfit
                result = (onset, duration)
            }
        }
        return (best, result)
    }

    /// Whether the stroke slows down in its middle and speeds up again: the time per unit of
    /// height between consecutive levels from 10 % to 90 % has an interior maximum `ratio` times
    /// the least before it and after it (one hump: time per height falls, then rises).
    static func hasTwoHumps(times: SIMD16<Double>, found: SIMD16<Double>, ratio: Double) -> Bool {
        guard let first = levels.firstIndex(where: { $0 >= 0.1 }), let last = levels.lastIndex(where: { $0 <= 0.9 }),
              last - first >= 3 else { return false }
        var slowness = SIMD16<Double>(repeating: .infinity)
        for l in first..<last {
            guard found[l] > 0, found[l + 1] > 0 else { return false }
            slowness[l - first] = (times[l + 1] - times[l]) / (levels[l + 1] - levels[l])
        }
        let bands = last - first
        var leastBefore = slowness[0]
        for i in 1..<(bands - 1) {
            var leastAfter = Double.infinity
            for j in (i + 1)..<bands { leastAfter = min(leastAfter, slowness[j]) }
            if slowness[i] > ratio * leastBefore && slowness[i] > ratio * leastAfter { return true }
            leastBefore = min(leastBefore, slowness[i])
        }
        return false
    }
}

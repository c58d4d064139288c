/// Splits a drift-corrected motion segment into strokes.
///
/// Turning points come from a zig-zag on height with hysteresis, so wiggles smaller than
/// `minStrokeM` never split a movement. Each stroke gets two pairs of edges, both where its
/// velocity leaves and returns to zero. For segmenting (`onsetT`, `offsetT`), each end on its own,
/// extrapolated from the instants the height is 3 %, 10 % and 30 % of the stroke away from it:
/// near an edge any smooth movement departs like c·|t − t₀|^q, and three geometrically spaced
/// levels give both t₀ and q (short of the truth where the velocity grows like t⁴ or more). For
/// measuring durations (`motionOnsetT`, `motionOffsetT`), from the whole stroke's shape
/// (`StrokeShapeFit`). Height rather than velocity, because tremor barely moves the height.
public struct StrokeExtractor: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Height change that makes a stroke (and the zig-zag hysteresis), m.
        public var minStrokeM = 0.035
        /// Shortest plausible stroke, s.
        public var minDurationS = 0.12
        /// How far past a turning point an edge is looked for, s.
        public var edgeSearchS = 0.5
        /// Half width of the window averaged for a stroke's end level, s.
        public var plateauHalfS = 0.1
        /// The shape fit's edges may lie this far outside the per-end edges, and this far inside,
        /// as fractions of the per-end stroke's duration (see `emitStroke`). Tighter bounds cost
        /// accuracy on noisy strokes, where the per-end edges wander too.
        public var fitOutwardFraction = 0.35
        public var fitInwardFraction = 0.1
        /// A rise slower somewhere in its middle than this many times before and after it has
        /// two humps (a heavy rep's sticking region): outside the fitted family, it keeps its
        /// per-end edges. One-hump profiles stay under 0.95, sticking ones reach 1.25–1.45.
        /// Falls are always fitted: tremor on a small, slow one can look like two humps.
        public var twoHumpRatio = 1.2
        /// An end whose 10 % → 3 % step (of the way from that end) takes this many times as long
        /// as its 30 % → 10 % step runs into a creep: its edge is extrapolated from the 30 % and
        /// 10 % crossings by this many times their distance (1.37 = 1/(√3 − 1): the height
        /// departing like t² from the edge). A smooth stop takes 0.6–0.9 times as long.
        public var creepRatio = 2.5
        public var creepExtrapolation = 1.37
        public init() {}
    }

    public var settings: Settings

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Finds the strokes in `trace[from..<trace.count]` and passes them, in time order, to `emit`.
    public func extract(_ trace: FixedRing<TracePoint>, from start: Int = 0, count: Int? = nil,
                        emit: (Stroke) -> Void) {
        let n = min(count ?? trace.count, trace.count)
        guard n - start >= 3 else { return }
        let h = settings.minStrokeM
        // Zig-zag: alternate extremes separated by at least h.
        var dir = 0
        var extremeIndex = start
        var lastTurn = start
        var lo = start, hi = start
        var i = start + 1
        while i < n {
            let z = trace[i].z
            switch dir {
            case 0:
                if z < trace[lo].z { lo = i }
                if z > trace[hi].z { hi = i }
                if trace[hi].z - trace[lo].z >= h {
                    // The first move: up if the low came first.
                    if lo < hi {
                        dir = 1
                        lastTurn = lo
                        extremeIndex = hi
                    } else {
                        dir = -1
                        lastTurn = hi
                        extremeIndex = lo
                    }
                }
            case 1:
                if z > trace[extremeIndex].z {
                    extremeIndex = i
                } else if trace[extremeIndex].z - z >= h {
                    emitStroke(trace, n: n, from: lastTurn, to: extremeIndex, direction: 1, emit: emit)
                    lastTurn = extremeIndex
                    extremeIndex = i
                    dir = -1
                }
            default:
                if z < trace[extremeIndex].z {
                    extremeIndex = i
                } else if z - trace[extremeIndex].z >= h {
                    emitStroke(trace, n: n, from: lastTurn, to: extremeIndex, direction: -1, emit: emit)
                    lastTurn = extremeIndex
                    extremeIndex = i
                    dir = 1
                }
            }
            i += 1
        }
        if dir != 0 {
            emitStroke(trace, n: n, from: lastTurn, to: extremeIndex, direction: dir, emit: emit)
        }
    }

    /// The stroke between two turning points (indices into the trace).
    func emitStroke(_ trace: FixedRing<TracePoint>, n: Int, from a: Int, to b: Int, direction: Int,
                    emit: (Stroke) -> Void) {
        let sign = Double(direction)
        // Peak speed along the stroke's direction.
        var peakV = 0.0
        for k in a...b where trace[k].v * sign > peakV { peakV = trace[k].v * sign }
        guard peakV > 0 else { return }
        // Heights at the two ends: the mean around each turning point (a tremor-free level on a
        // rest; the turnaround itself when there is no rest).
        let startZ = meanHeight(trace, n: n, around: a)
        let endZ = meanHeight(trace, n: n, around: b)
        let amplitude = (endZ - startZ) * sign
        guard amplitude >= settings.minStrokeM * 0.8 else { return }
        // Edges from height, not velocity: tremor barely moves the height, while it rides on the
        // velocity at a fifth of a slow stroke's peak.
        // Half-way point: the edge searches start there.
        var middle = a
        while middle < b && (trace[middle].z - startZ) * sign < 0.5 * amplitude { middle += 1 }
        let (onset, creepBefore) = edgeTime(trace, n: n, from: a, to: b, middle: middle, startZ: startZ,
                                            amplitude: amplitude, sign: sign, atStart: true)
        let (offset, creepAfter) = edgeTime(trace, n: n, from: a, to: b, middle: middle, startZ: startZ,
                                            amplitude: amplitude, sign: sign, atStart: false)
        guard offset - onset >= settings.minDurationS else { return }
        var stroke = Stroke(direction: direction, onsetT: onset, offsetT: offset, startZ: startZ, endZ: endZ,
                            peakSpeed: peakV, upAtOffset: trace[index(trace, n: n, before: offset)].up)
        stroke.upAtOnset = trace[index(trace, n: n, before: onset)].up
        if let fitted = fittedEdges(trace, n: n, from: a, to: b, middle: middle, startZ: startZ,
                                    amplitude: amplitude, sign: sign) {
            // Trusted within bounds around the per-end edges: those stop short of a gentle end
            // (by a fifth of the stroke for velocity growing like t⁶) and overshoot little; a
            // stroke outside the fitted family (a heavy rep's sticking region: two humps) can
            // throw the fit seconds off.
            let span = offset - onset
            // Next to a creep the fit's outer levels lie in the creep: no further out than the
            // per-end edge there.
            let outward = settings.fitOutwardFraction * span
            stroke.motionOnsetT = min(max(fitted.onset, onset - (creepBefore ? 0 : outward)),
                                      onset + settings.fitInwardFraction * span)
            stroke.motionOffsetT = max(min(fitted.offset, offset + (creepAfter ? 0 : outward)),
                                       offset - settings.fitInwardFraction * span)
        }
        stroke.turnDeg = (trace[index(trace, n: n, before: offset)].turn - trace[index(trace, n: n, before: onset)].turn)
            * radiansToDegrees
        // The core: first reaching 10 % of the way, last leaving 90 % of it.
        var from = a, to = b
        while from < b && (trace[from].z - startZ) * sign < 0.1 * amplitude { from += 1 }
        while to > from && (trace[to].z - startZ) * sign > 0.9 * amplitude { to -= 1 }
        stroke.coreTurnDeg = (trace[to].turn - trace[from].turn) * radiansToDegrees
        emit(stroke)
    }

    /// Onset and offset by `StrokeShapeFit` from the instants the height crosses its levels.
    func fittedEdges(_ trace: FixedRing<TracePoint>, n: Int, from a: Int, to b: Int, middle: Int,
                     startZ: Double, amplitude: Double, sign: Double) -> (onset: Double, offset: Double)? {
        let levels = StrokeShapeFit.levels
        var times = SIMD16<Double>(repeating: 0), found = SIMD16<Double>(repeating: 0)
        // Towards the start the levels below one half, highest first; towards the end the others.
        let below = (levels.lastIndex { $0 < 0.5 } ?? -1) + 1, above = levels.firstIndex { $0 > 0.5 } ?? levels.count
        crossings(trace, n: n, from: a, to: b, middle: middle, startZ: startZ, amplitude: amplitude, sign: sign,
                  towardsStart: true, count: below, level: { levels[below - 1 - $0] }) { i, t in
            times[below - 1 - i] = t
            found[below - 1 - i] = 1
        }
        crossings(trace, n: n, from: a, to: b, middle: middle, startZ: startZ, amplitude: amplitude, sign: sign,
                  towardsStart: false, count: levels.count - above, level: { levels[above + $0] }) { i, t in
            times[above + i] = t
            found[above + i] = 1
        }
        // Only a rise has a sticking region (the load is hardest to move part way up); a slow
        // fall whose level crossings look like two humps is tremor riding on a small stroke.
        if sign > 0 && StrokeShapeFit.hasTwoHumps(times: times, found: found, ratio: settings.twoHumpRatio) { return nil }
        return StrokeShapeFit.shared.edges(times: times, found: found)
    }

    /// Walks out from the stroke's `middle` towards its start (`towardsStart`) or its end, up to
    /// `edgeSearchS` past that turning point (on a rest the height's extreme can sit after the true
    /// onset by noise), and reports where the height crosses each of `count` levels (fractions of
    /// the way from start to end, `level(i)`, ordered outwards) as `record(i, t)`. Each crossing is
    /// the one nearest the middle: tremor can cross a low level several times on a rest.
    func crossings(_ trace: FixedRing<TracePoint>, n: Int, from a: Int, to b: Int, middle: Int, startZ: Double,
                   amplitude: Double, sign: Double, towardsStart: Bool, count: Int, level: (Int) -> Double,
                   record: (Int, Double) -> Void) {
        let step = towardsStart ? -1 : 1
        // Outwards the fraction covered falls towards the start and rises towards the end.
        let outwards = Double(step)
        let limitT = towardsStart ? trace[a].t - settings.edgeSearchS : trace[b].t + settings.edgeSearchS
        func covered(_ k: Int) -> Double { (trace[k].z - startZ) * sign / amplitude }
        var l = 0, k = middle
        while l < count {
            let next = k + step
            guard next >= 0, next < n, towardsStart ? trace[next].t >= limitT : trace[next].t <= limitT else { return }
            let f0 = covered(k), f1 = covered(next)
            while l < count && outwards * f0 <= outwards * level(l) && outwards * f1 > outwards * level(l) {
                record(l, trace[k].t + (trace[next].t - trace[k].t) * (level(l) - f0) / (f1 - f0))
                l += 1
            }
            k = next
        }
    }

    /// Mean height within ±`plateauHalfS` of point `k`.
    func meanHeight(_ trace: FixedRing<TracePoint>, n: Int, around k: Int) -> Double {
        let t = trace[k].t
        var sum = 0.0, count = 0.0
        var j = k
        while j > 0 && trace[j - 1].t >= t - settings.plateauHalfS { j -= 1 }
        while j < n && trace[j].t <= t + settings.plateauHalfS {
            sum += trace[j].z
            count += 1
            j += 1
        }
        return count > 0 ? sum / count : trace[k].z
    }

    /// Onset (`atStart`) or offset of a stroke from the instants its height is 3 %, 10 % and 30 %
    /// of the amplitude away from that end's level: near an edge any smooth movement departs
    /// like c·|t − t₀|^q, and three geometrically spaced levels give both t₀ and q. `creep`: that
    /// end runs into a creep (see `Settings.creepRatio`).
    func edgeTime(_ trace: FixedRing<TracePoint>, n: Int, from a: Int, to b: Int, middle: Int,
                  startZ: Double, amplitude: Double, sign: Double, atStart: Bool) -> (t: Double, creep: Bool) {
        let away = SIMD4<Double>(0.30, 0.10, 0.03, 0)
        var times = SIMD4<Double>(repeating: .nan)
        crossings(trace, n: n, from: a, to: b, middle: middle, startZ: startZ, amplitude: amplitude, sign: sign,
                  towardsStart: atStart, count: 3, level: { atStart ? away[$0] : 1 - away[$0] }) { times[$0] = $1 }
        guard !times[2].isNaN else {
            return (times[1].isNaN ? trace[atStart ? a : b].t : times[1], false)
        }
        // Geometric extrapolation (signed along time: negative steps towards the start).
        let d1 = times[1] - times[2]
        let d2 = times[0] - times[1]
        // The 10 % → 3 % step taking far longer than the 30 % → 10 % one: a creep (a drift the
        // correction left, walking the bar back) — the edge is where the stroke proper points.
        if abs(d1) > settings.creepRatio * abs(d2) {
            return (times[1] - d2 * settings.creepExtrapolation, true)
        }
        guard d1 != 0, d2 / d1 > 1.2 else { return (times[2] - d1 * 0.5, false) }
        let ratio = d2 / d1
        // Never further out than the 3 %…30 % span itself.
        let reach = min(abs(d1) / (ratio - 1), abs(times[0] - times[2]))
        return (times[2] + (d1 < 0 ? reach : -reach), false)
    }

    /// The last trace index with time ≤ t (binary search; 0 if none).
    func index(_ trace: FixedRing<TracePoint>, n: Int? = nil, before t: Double) -> Int {
        var lo = 0, hi = (n ?? trace.count) - 1
        if trace[hi].t <= t { return hi }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if trace[mid].t <= t { lo = mid } else { hi = mid }
        }
        return lo
    }
}

/// Splits a drift-corrected motion segment into strokes.
///
/// Turning points come from a zig-zag on height with hysteresis, so wiggles smaller than
/// `minStrokeM` never split a movement. Each stroke's onset and offset are where its velocity
/// leaves and returns to zero, extrapolated from the instants the speed crosses 3 %, 10 % and
/// 30 % of the stroke's peak: near zero any smooth start behaves like c·(t − t₀)^p, and three
/// geometrically spaced levels give both t₀ and p without assuming the profile's shape.
public struct StrokeExtractor: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Height change that makes a stroke (and the zig-zag hysteresis), m.
        public var minStrokeM = 0.035
        /// Shortest plausible stroke, s.
        public var minDurationS = 0.12
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
        var peak = a
        var peakV = 0.0
        for k in a...b where trace[k].v * sign > peakV {
            peakV = trace[k].v * sign
            peak = k
        }
        guard peakV > 0 else { return }
        // Search a little beyond the turning points: on a flat plateau the height extreme can sit
        // after the true onset (or before the true offset) by noise.
        let searchLow = max(0, a - 200)
        let searchHigh = min(n - 1, b + 200)
        let onset = edgeTime(trace, peak: peak, peakV: peakV, sign: sign, step: -1, limit: searchLow)
        let offset = edgeTime(trace, peak: peak, peakV: peakV, sign: sign, step: 1, limit: searchHigh)
        guard offset - onset >= settings.minDurationS else { return }
        let startZ = height(trace, n: n, at: onset)
        let endZ = height(trace, n: n, at: offset)
        guard abs(endZ - startZ) >= settings.minStrokeM * 0.8 else { return }
        var stroke = Stroke(direction: direction, onsetT: onset, offsetT: offset, startZ: startZ, endZ: endZ,
                            peakSpeed: peakV, upAtOffset: trace[index(trace, n: n, before: offset)].up)
        stroke.turnDeg = (trace[index(trace, n: n, before: offset)].turn - trace[index(trace, n: n, before: onset)].turn)
            * radiansToDegrees
        emit(stroke)
    }

    /// Onset (step −1) or offset (step +1) of the stroke whose peak is at `peak`.
    func edgeTime(_ trace: FixedRing<TracePoint>, peak: Int, peakV: Double, sign: Double,
                  step: Int, limit: Int) -> Double {
        let levels = (0.30, 0.10, 0.03)
        var times = (Double.nan, Double.nan, Double.nan)
        var k = peak
        var found = 0
        var zeroT = Double.nan
        while k != limit {
            let next = k + step
            let v0 = trace[k].v * sign, v1 = trace[next].v * sign
            let t0 = trace[k].t, t1 = trace[next].t
            // Level crossings between k and next (speed falling away from the peak).
            for level in 0..<3 where level == found {
                let target = peakV * (level == 0 ? levels.0 : level == 1 ? levels.1 : levels.2)
                if v0 >= target && v1 < target {
                    let f = (v0 - target) / (v0 - v1)
                    let tc = t0 + (t1 - t0) * f
                    if level == 0 { times.0 = tc } else if level == 1 { times.1 = tc } else { times.2 = tc }
                    found += 1
                }
            }
            if v1 <= 0 {
                let f = v0 > v1 ? v0 / (v0 - v1) : 0
                zeroT = t0 + (t1 - t0) * f
                break
            }
            if found == 3 { break }
            k = next
        }
        if found == 3 {
            // Geometric extrapolation: speed ∝ |t − t₀|^p near the edge.
            let d1 = times.1 - times.2  // signed along time
            let d2 = times.0 - times.1
            if d1 != 0, d2 / d1 > 1.2 {
                let ratio = d2 / d1
                // Never further out than the 3 %…30 % span itself (a cubic start at most).
                let reach = min(abs(d1) / (ratio - 1), abs(times.0 - times.2))
                var edge = times.2 + (d1 < 0 ? reach : -reach)
                // Never beyond where the speed actually reached zero.
                if !zeroT.isNaN {
                    edge = step < 0 ? max(edge, zeroT) : min(edge, zeroT)
                }
                return edge
            }
            return times.2 - d1 * 0.5
        }
        if !zeroT.isNaN { return zeroT }
        return trace[k].t
    }

    func height(_ trace: FixedRing<TracePoint>, n: Int, at t: Double) -> Double {
        let k = index(trace, n: n, before: t)
        let p = trace[k]
        guard k + 1 < n else { return p.z }
        let q = trace[k + 1]
        let f = q.t > p.t ? (t - p.t) / (q.t - p.t) : 0
        return p.z + (q.z - p.z) * min(max(f, 0), 1)
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

/// Finds the short pauses at turnarounds inside a closed segment and makes them zero-velocity
/// instants.
///
/// A lifter stops, however briefly, at most lockouts and many bottoms. Such a pause is too
/// short (or too shaky) to be accepted live as a rest, but looking at the whole segment it is
/// plain: the tremor-free velocity (height change over ±`halfWindowS`) sits on a plateau, and
/// the movement before and after it goes opposite ways. The plateau's level is the velocity
/// error there; a piecewise-linear correction through every such level (and zero at the
/// segment's ends) removes it, and height is corrected by its integral.
/// A steady movement in one direction also makes a velocity plateau, but with the same direction
/// on both sides, so it is never taken for a pause.
public struct PauseAnchors: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Half width of the box that averages tremor out of the velocity, s.
        public var halfWindowS = 0.1
        /// Largest spread of the box velocity on a pause, m/s.
        public var plateauToleranceMps = 0.012
        /// Shortest plateau, s.
        public var minPlateauS = 0.12
        /// The movement on each side must reach this speed relative to the plateau, m/s …
        public var sideSpeedMps = 0.03
        /// … this long before and after the plateau, s.
        public var sideLookS = 0.25
        public init() {}
    }

    public var settings: Settings
    var box: [Double]
    var dequeMin: [Int]
    var dequeMax: [Int]
    var knotT: [Double]
    var knotV: [Double]

    public init(capacity: Int, settings: Settings = Settings()) {
        self.settings = settings
        box = Array(repeating: 0, count: capacity)
        dequeMin = Array(repeating: 0, count: capacity)
        dequeMax = Array(repeating: 0, count: capacity)
        knotT = Array(repeating: 0, count: 256)
        knotV = Array(repeating: 0, count: 256)
    }

    /// Corrects `trace[0..<n]` in place (velocity and height).
    public mutating func correct(_ trace: inout FixedRing<TracePoint>, count n: Int) {
        guard n >= 8, n <= box.count else { return }
        let h = settings.halfWindowS
        // Box velocity from heights (two pointers).
        var lo = 0, hi = 0
        for i in 0..<n {
            let t = trace[i].t
            while lo < i && trace[lo].t < t - h { lo += 1 }
            while hi < n - 1 && trace[hi + 1].t <= t + h { hi += 1 }
            let span = trace[hi].t - trace[lo].t
            box[i] = span > 0 ? (trace[hi].z - trace[lo].z) / span : trace[i].v
        }
        // Plateaus: maximal runs whose box velocity spread stays within tolerance (sliding
        // window min/max with monotonic deques).
        var knots = 0
        knotT[0] = trace[0].t
        knotV[0] = 0
        knots = 1
        var start = 0
        var minHead = 0, minTail = 0, maxHead = 0, maxTail = 0
        var i = 0
        while i < n {
            while minTail > minHead && box[dequeMin[minTail - 1]] >= box[i] { minTail -= 1 }
            dequeMin[minTail] = i
            minTail += 1
            while maxTail > maxHead && box[dequeMax[maxTail - 1]] <= box[i] { maxTail -= 1 }
            dequeMax[maxTail] = i
            maxTail += 1
            while box[dequeMax[maxHead]] - box[dequeMin[minHead]] > settings.plateauToleranceMps {
                // The run [start, i−1] ended: keep it if it is a pause.
                if i - 1 > start, knots < knotT.count - 1,
                   let (t, level) = pause(trace, box, from: start, to: i - 1, count: n) {
                    knotT[knots] = t
                    knotV[knots] = level
                    knots += 1
                    start = i  // skip past it
                } else {
                    start += 1
                }
                while minHead < minTail && dequeMin[minHead] < start { minHead += 1 }
                while maxHead < maxTail && dequeMax[maxHead] < start { maxHead += 1 }
                if minHead == minTail || maxHead == maxTail { break }
            }
            if minHead == minTail || maxHead == maxTail {
                // Restart the window at i.
                start = i
                minHead = 0; minTail = 0; maxHead = 0; maxTail = 0
                dequeMin[0] = i
                dequeMax[0] = i
                minTail = 1
                maxTail = 1
            }
            i += 1
        }
        guard knots > 1 else { return }
        knotT[knots] = trace[n - 1].t
        knotV[knots] = 0
        knots += 1
        // Piecewise-linear velocity correction through the knots; height by its integral.
        var k = 0
        var previousT = trace[0].t
        var previousC = 0.0
        var zCorrection = 0.0
        for j in 0..<n {
            let t = trace[j].t
            while k < knots - 2 && t > knotT[k + 1] { k += 1 }
            let span = knotT[k + 1] - knotT[k]
            let f = span > 0 ? min(max((t - knotT[k]) / span, 0), 1) : 0
            let c = knotV[k] + (knotV[k + 1] - knotV[k]) * f
            zCorrection += 0.5 * (c + previousC) * (t - previousT)
            previousT = t
            previousC = c
            trace[j].v -= c
            trace[j].z -= zCorrection
        }
    }

    /// If `box[a...b]` is a pause at a turnaround: its middle time and level.
    func pause(_ trace: FixedRing<TracePoint>, _ box: [Double], from a: Int, to b: Int, count n: Int)
        -> (Double, Double)? {
        let ta = trace[a].t, tb = trace[b].t
        guard tb - ta >= settings.minPlateauS, a > 0, b < n - 1 else { return nil }
        var sum = 0.0
        for j in a...b { sum += box[j] }
        let level = sum / Double(b - a + 1)
        // The movement on both sides, relative to the plateau.
        var before = 0.0, after = 0.0
        var j = a
        while j > 0 && trace[j].t > ta - settings.sideLookS { j -= 1 }
        before = box[j] - level
        j = b
        while j < n - 1 && trace[j].t < tb + settings.sideLookS { j += 1 }
        after = box[j] - level
        let s = settings.sideSpeedMps
        guard (before > s && after < -s) || (before < -s && after > s) else { return nil }
        return (0.5 * (ta + tb), level)
    }
}

/// Finds every rest inside a closed segment — the short ones too — and makes them zero velocity.
///
/// Looking back at a whole segment, a rest is plain even when it was too short or too shaky to
/// be recognised live: the gyro is quiet and the tremor-free velocity (height change over
/// ±`halfWindowS`, centred, so without lag) lies on a straight line — flat, or a ramp where the
/// calibration has not learnt the pose and gravity leaks in (steep ramps only count when the
/// sensor turns with the hips, so a quiet gyro already rules out a movement). The line's ends
/// are the velocity error there; a piecewise-linear correction through them (the leak is taken
/// to change linearly during the movements in between) removes it, and height is corrected by
/// its integral. Where the sensor turns with the hips, a hold too short for that (a power
/// rep's 0.3 s lockout, which the stillness detector does not see) is found by the gyro alone
/// and pinned too (`addShortHolds`).
public struct PauseAnchors: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Half width of the centred box that averages tremor out of the velocity, s.
        public var halfWindowS = 0.12
        /// Largest RMS residual of the box velocity around its line during a rest, m/s.
        public var residualMaxMps = 0.012
        /// A single box velocity this far off the rest's line ends the rest, m/s.
        public var pointDeviationMaxMps = 0.02
        /// The rest the segment starts with is at zero velocity (its anchor): a box velocity this
        /// far from zero is already the next movement, setting off slowly, m/s.
        public var anchorRestMaxMps = 0.015
        /// Kept clear of a rest's edges when reading its level, s.
        public var edgeMarginS = 0.05
        /// Shortest rest, s.
        public var minRestS = 0.3
        /// Steepest line of a rest when the sensor does not turn with the hips, m/s² …
        public var slopeMaxMps2 = 0.15
        /// … and when it does, m/s².
        public var coupledSlopeMaxMps2 = 0.8
        /// Without that, a rest must sit at a turnaround: the box velocity this far from its line
        /// on either side, opposite ways, m/s …
        public var sideSpeedMps = 0.03
        /// … within this time of it, s.
        public var sideLookS = 0.4
        /// When the sensor turns with the hips, a rest turns the gyro no faster than this over the
        /// box, °/s (a slow movement turns it; tremor mostly cancels in the box) …
        public var quietTurnRateDegPerS = 2.5
        /// … or than the coupling turns it at this hip speed, cm/s, whichever is larger.
        public var quietHipSpeedCmPerS = 2.0
        /// When the sensor turns with the hips, a hold too short or too shaky for a rest (a power
        /// rep's 0.3 s lockout) still stops the gyro: a hold is where the gyro's mean *absolute*
        /// rate over the box stays quiet (a turnaround without a pause reverses the turn, so its
        /// net turn is small but its absolute turn is not) for at least this long, s, box width
        /// included.
        public var shortHoldMinS = 0.3
        /// … and turns the sensor at least this much one way within `sideLookS` before it and
        /// back after it, degrees.
        public var holdSideTurnDeg = 3.0
        public init() {}
    }

    public var settings: Settings
    var box: [Double]
    /// Box-averaged turning rate, rad/s.
    var boxTurn: [Double]
    /// Box-averaged absolute turning rate, rad/s.
    var boxAbsTurn: [Double]
    var knotT: [Double]
    var knotV: [Double]
    /// Knots from short holds, merged into `knotT`/`knotV` after the rests.
    var holdT: [Double]
    var holdV: [Double]

    public init(capacity: Int, settings: Settings = Settings()) {
        self.settings = settings
        box = Array(repeating: 0, count: capacity)
        boxTurn = Array(repeating: 0, count: capacity)
        boxAbsTurn = Array(repeating: 0, count: capacity)
        knotT = Array(repeating: 0, count: 512)
        knotV = Array(repeating: 0, count: 512)
        holdT = Array(repeating: 0, count: 256)
        holdV = Array(repeating: 0, count: 256)
    }

    /// Corrects `trace[0..<n]` in place (velocity and height). Returns the number of rests used.
    /// `degreesPerCm`: how much the sensor turns per cm of hip travel (the tracker's coupling).
    @discardableResult
    public mutating func correct(_ trace: inout FixedRing<TracePoint>, count n: Int, turnsWithHips: Bool,
                                 degreesPerCm: Double = 0) -> Int {
        guard n >= 8, n <= box.count else { return 0 }
        let h = settings.halfWindowS
        // Centred box velocity from heights (two pointers).
        var lo = 0, hi = 0
        for i in 0..<n {
            let t = trace[i].t
            while lo < i && trace[lo].t < t - h { lo += 1 }
            while hi < n - 1 && trace[hi + 1].t <= t + h { hi += 1 }
            let span = trace[hi].t - trace[lo].t
            box[i] = span > 0 ? (trace[hi].z - trace[lo].z) / span : trace[i].v
            boxTurn[i] = span > 0 ? length(trace[hi].rotation - trace[lo].rotation) / span : 0
            boxAbsTurn[i] = span > 0 ? (trace[hi].turn - trace[lo].turn) / span : 0
        }
        let quietTurn = max(settings.quietTurnRateDegPerS, degreesPerCm * settings.quietHipSpeedCmPerS)
            / radiansToDegrees
        let slopeMax = turnsWithHips ? settings.coupledSlopeMaxMps2 : settings.slopeMaxMps2
        var knots = 0
        func addKnot(_ t: Double, _ v: Double) {
            guard knots < knotT.count else { return }
            if knots > 0 && t <= knotT[knots - 1] { return }
            knotT[knots] = t
            knotV[knots] = v
            knots += 1
        }
        // Greedy maximal runs of quiet points whose box velocity fits a line.
        var fit = LineFit()
        var start = -1
        var rests = 0
        func closeRun(_ a: Int, _ b: Int, turningAfter: Bool = false) {
            guard b > a, trace[b].t - trace[a].t >= settings.minRestS, fit.n >= 3,
                  abs(fit.slope) <= slopeMax else { return }
            // Inside the segment a rest sits at a turnaround: the movement before and after it
            // runs opposite ways relative to its line (the flat top of a steady movement and a
            // pause half-way down do not count).
            if a > 0 && b < n - 1 && !turnsWithHips {
                let before = sideDeviation(trace, n: n, from: a, step: -1, fit: fit)
                let after = sideDeviation(trace, n: n, from: b, step: 1, fit: fit)
                let s = settings.sideSpeedMps
                guard (before > s && after < -s) || (before < -s && after > s) else { return }
            }
            // Knots where the box lies wholly inside the rest (its edges mix in movement), with
            // a margin for the gentle first and last moments of a movement.
            let ta = a == 0 ? trace[0].t : trace[a].t + h + settings.edgeMarginS
            // A run the gyro ended has an exact end: the movement had not reached the box yet.
            let tb = b == n - 1 ? trace[n - 1].t : trace[b].t - h - (turningAfter ? 0 : settings.edgeMarginS)
            guard tb > ta else { return }
            var inner = LineFit(origin: ta)
            for j in a...b where trace[j].t >= ta && trace[j].t <= tb { inner.add(trace[j].t, box[j]) }
            guard inner.n >= 2 else { return }
            addKnot(ta, a == 0 ? 0 : inner.value(at: ta))
            addKnot(tb, b == n - 1 ? 0 : inner.value(at: tb))
            rests += 1
        }
        var i = 0
        while i < n {
            let p = trace[i]
            let turning = turnsWithHips && boxTurn[i] > quietTurn
            if (p.quiet && !turning) || i == 0 || i == n - 1 {
                if start < 0 {
                    start = i
                    fit = LineFit(origin: p.t)
                }
                // A point off the rest's line ends it at once (a movement setting off), as does
                // a line that no longer fits as a whole.
                let off = (fit.n >= 3 && abs(box[i] - fit.value(at: p.t)) > settings.pointDeviationMaxMps)
                    || (start == 0 && abs(box[i]) > settings.anchorRestMaxMps)
                fit.add(p.t, box[i])
                if off || (fit.n >= 3 && fit.residual > settings.residualMaxMps) {
                    fit.remove(p.t, box[i])
                    closeRun(start, i - 1)
                    start = i
                    fit = LineFit(origin: p.t)
                    fit.add(p.t, box[i])
                }
            } else if start >= 0 {
                closeRun(start, i - 1, turningAfter: p.quiet && turning)
                start = -1
            }
            i += 1
        }
        if start >= 0 { closeRun(start, n - 1) }
        if turnsWithHips { addShortHolds(trace, n: n, quietTurn: quietTurn, knots: &knots) }
        // The segment's ends are at rest by construction.
        if knots == 0 || knotT[0] > trace[0].t { insertFirst(trace[0].t, 0, &knots) }
        if knotT[knots - 1] < trace[n - 1].t, knots < knotT.count {
            knotT[knots] = trace[n - 1].t
            knotV[knots] = 0
            knots += 1
        }
        // Piecewise-linear velocity correction through the knots; height by its integral.
        var k = 0
        var previousT = trace[0].t
        var previousC = knotV[0]
        var zCorrection = 0.0
        for j in 0..<n {
            let t = trace[j].t
            while k < knots - 2 && t > knotT[k + 1] { k += 1 }
            let c: Double
            if knots == 1 {
                c = knotV[0]
            } else {
                let span = knotT[k + 1] - knotT[k]
                let f = span > 0 ? min(max((t - knotT[k]) / span, 0), 1) : 0
                c = knotV[k] + (knotV[k + 1] - knotV[k]) * f
            }
            zCorrection += 0.5 * (c + previousC) * (t - previousT)
            previousT = t
            previousC = c
            trace[j].v -= c
            trace[j].z -= zCorrection
        }
        return rests
    }

    /// Adds a knot in the middle of every short hold the rests did not cover: a run of box
    /// centres whose absolute turning rate is quiet and whose box velocity is flat (within a
    /// rest's residual, and no steeper than an uncoupled rest's slope: a turnaround without a
    /// pause ramps the box velocity); the knot's value is the run's mean box velocity (the box
    /// lies inside the hold, tremor averaged out).
    mutating func addShortHolds(_ trace: FixedRing<TracePoint>, n: Int, quietTurn: Double, knots: inout Int) {
        let minRun = settings.shortHoldMinS - 2 * settings.halfWindowS
        var holds = 0
        var fit = LineFit()
        var start = -1
        func closeHold(_ a: Int, _ b: Int) {
            guard a > 0, b < n - 1, fit.n >= 2, trace[b].t - trace[a].t >= minRun,
                  fit.residual <= settings.residualMaxMps, abs(fit.slope) <= settings.slopeMaxMps2,
                  holds < holdT.count else { return }
            // A hold is a turnaround: the sensor turns one way before it and back after it (a
            // slow stretch in the middle of a movement keeps turning the same way).
            let before = trace[a].rotation - trace[sideIndex(trace, n: n, from: a, step: -1)].rotation
            let after = trace[sideIndex(trace, n: n, from: b, step: 1)].rotation - trace[b].rotation
            let minSide = settings.holdSideTurnDeg / radiansToDegrees
            guard length(before) >= minSide, length(after) >= minSide, dot(before, after) < 0 else { return }
            let tm = 0.5 * (trace[a].t + trace[b].t)
            // A rest's knots already hold the velocity down here.
            let reach = 0.5 * (trace[b].t - trace[a].t) + settings.halfWindowS + settings.edgeMarginS
            for k in 0..<knots where abs(knotT[k] - tm) <= reach { return }
            holdT[holds] = tm
            holdV[holds] = fit.value(at: tm)
            holds += 1
        }
        for i in 0..<n {
            if boxAbsTurn[i] <= quietTurn {
                if start < 0 {
                    start = i
                    fit = LineFit(origin: trace[i].t)
                }
                fit.add(trace[i].t, box[i])
            } else if start >= 0 {
                closeHold(start, i - 1)
                start = -1
            }
        }
        if start >= 0 { closeHold(start, n - 1) }
        holds = min(holds, knotT.count - knots)
        guard holds > 0 else { return }
        // Merge the two sorted lists from the back.
        var a = knots - 1, b = holds - 1
        var w = knots + holds - 1
        knots = w + 1
        while w >= 0 {
            if b >= 0 && (a < 0 || holdT[b] > knotT[a]) {
                knotT[w] = holdT[b]
                knotV[w] = holdV[b]
                b -= 1
            } else {
                knotT[w] = knotT[a]
                knotV[w] = knotV[a]
                a -= 1
            }
            w -= 1
        }
    }

    /// The trace point `sideLookS` away from point `i` on one side (or the segment's end).
    func sideIndex(_ trace: FixedRing<TracePoint>, n: Int, from i: Int, step: Int) -> Int {
        var j = i
        while j + step >= 0 && j + step < n && abs(trace[j + step].t - trace[i].t) <= settings.sideLookS { j += step }
        return j
    }

    /// The box velocity's largest deviation from the rest's line within `sideLookS` on one side.
    func sideDeviation(_ trace: FixedRing<TracePoint>, n: Int, from i: Int, step: Int, fit: LineFit) -> Double {
        var best = 0.0
        for j in stride(from: i + step, through: sideIndex(trace, n: n, from: i, step: step), by: step) {
            let d = box[j] - fit.value(at: trace[j].t)
            if abs(d) > abs(best) { best = d }
        }
        return best
    }

    mutating func insertFirst(_ t: Double, _ v: Double, _ knots: inout Int) {
        guard knots < knotT.count else { return }
        var j = knots
        while j > 0 {
            knotT[j] = knotT[j - 1]
            knotV[j] = knotV[j - 1]
            j -= 1
        }
        knotT[0] = t
        knotV[0] = v
        knots += 1
    }
}

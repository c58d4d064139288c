#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ThrustCore

let degree = Double.pi / 180
/// Tremor envelope while resting or handling the bar (1 = under load during a set).
let relaxedTremor = 0.35

/// What a rep is meant to exercise. Values per the simulator brief.
enum Violation: String, Sendable, CaseIterable {
    case tempoEccentric = "tempo_fast:eccentric"   // eccentric 0.35–0.8 s
    case tempoConcentric = "tempo_fast:concentric" // banded concentric 0.35–0.8 s
    case shortHold = "short_hold"                  // banded hold 0.3–1.5 s
    case shallow                                   // depth 7–13 cm
    case tooDeep = "too_deep"                      // barbell depth 22–30 cm
    case overextension                             // bar: lockout +6–10 cm; belt: torso 12–20°
    case asymmetry                                 // bar tilt 3.8–7°
}

/// Where a lockout goes (bar): the set's usual height, or relative to the median of earlier lockouts.
enum LockoutPlan: Sendable {
    case usual
    case aboveReference(Double)  // m above the median of the set's earlier lockouts
}

struct RepPlan: Sendable {
    var depth: Double        // m, lockout − preceding bottom (before floor clamping)
    var eccentric: Double    // s
    var concentric: Double   // s
    var hold: Double         // s
    var bottomPause: Double  // s (top-start: before the concentric; bottom-start: after the eccentric)
    var lockTheta: Double    // belt: torso at lockout, rad
    var lockTilt: Double     // bar: tilt at lockout, rad (signed)
    var bottomTilt: Double   // bar: tilt at the bottom, rad
    var lockout: LockoutPlan
    var eccentricShape: StrokeShape
    var concentricShape: StrokeShape
    var planned: [String]
}

/// A lying target in set coordinates: bar z absolute; belt z relative to the parallel height.
struct RepTarget: Sendable {
    var z: Double
    /// Belt: torso angle, rad (0 = parallel). Unused for the bar.
    var theta: Double
    /// Bar: tilt of the bar axis; belt: wobble about the forward axis. rad.
    var tilt: Double
    /// Belt: wobble about the vertical, rad.
    var yawWobble: Double
}

/// Draws a session plan from the seed and writes it as strokes on the motion model's tracks,
/// recording the truth as it goes. Sets are planned one block at a time, so endless sessions
/// only ever hold a few minutes of plan.
struct Planner: Sendable {
    var rng: SimRandom
    let recipe: SessionRecipe
    /// See `SimOptions.tempoScale`.
    var tempoScale = 1.0
    /// See `SimOptions.plateauShare`.
    var plateauShare = 0.0
    /// Draws the plateau profiles (a stream of its own, see `SimOptions.plateauShare`).
    var plateauRng = SimRandom(seed: 0, stream: 0)
    var motion: MotionModel
    /// Planning clock: everything before it is planned, s (session time, origin 0).
    private(set) var t = 0.0
    private(set) var sets: [SessionTruth.TruthSet] = []
    private(set) var setsPlanned = 0
    /// Truth kept from here on (endless sessions forget old sets).
    private(set) var truthWindowStart = 0.0
    private(set) var lastSetDurationS = 0.0

    // Bar geometry (session constants).
    let rollRadius: Double        // m of travel per rad when the bar rolls on the floor
    var rollPerMetre: Double      // rad of bar roll per m of hip height (signed; see `SimOptions.barRollScale`)
    let xPerZ: Double             // forward/back per m of height during reps
    let barFloorZ: Double         // bar on the floor (plate radius)
    let hipsFloorZ: Double        // bar on the hips, hips on the floor
    let setupRiseBase: Double     // floor → lockout, m
    var barOnHips = false
    var xCenter = 0.0
    var yCenter = 0.0

    // Belt geometry.
    let trunkLength: Double       // L, hips → shoulders lever, m
    let standHeight: Double
    let sitDrop: Double
    var lieHeading = 0.0          // yaw while lying (body x points to the bench)
    var shoulders = SIMD2<Double>(0, 0)
    var parallelZ = 0.0           // hip height at torso 0
    var sitSpot = SIMD2<Double>(0, 0)
    var sitShift = 0.2
    var beltPose = BeltPose.standing

    enum BeltPose: Sendable { case standing, sitting, lying }

    // Violations.
    let judgedKinds: [Violation]
    var skippedKinds: Set<Violation> = []
    var seenKinds: Set<Violation> = []
    let rareShallowLowering: Bool

    init(recipe: SessionRecipe, rng: SimRandom) {
        var rng = rng
        self.recipe = recipe
        let isBar = recipe.mount == .bar
        rollRadius = rng.uniform(0.1, 0.225)
        rollPerMetre = rng.sign() * rng.uniform(0.5, 2) * degree / 0.01
        xPerZ = rng.uniform(-0.25, 0.25)
        barFloorZ = rng.uniform(0.2, 0.225)
        hipsFloorZ = barFloorZ + rng.uniform(0, 0.03)
        setupRiseBase = rng.uniform(0.30, 0.42)
        trunkLength = rng.uniform(0.45, 0.55)
        standHeight = rng.uniform(0.88, 1.0)
        sitDrop = rng.uniform(0.45, 0.6)
        rareShallowLowering = recipe.style == .topStart && rng.chance(0.05)

        let judge = recipe.profile == "generic" ? (recipe.style == .topStart ? "barbell" : "banded") : recipe.profile
        var kinds: [Violation] = judge == "banded"
            ? [.tempoEccentric, .tempoConcentric, .shortHold, .shallow, .overextension]
            : [.tempoEccentric, .shallow, .tooDeep, .overextension]
        if isBar { kinds.append(.asymmetry) }
        judgedKinds = kinds
        for kind in kinds where rng.chance(0.12) { skippedKinds.insert(kind) }

        let mountRotation: Mat3
        let initial: [Double]
        if isBar {
            // Sensor y along the bar (either way), any angle about it, ≤ 1° misaligned.
            let angle = rng.uniform(0, 2 * Double.pi)
            let flip = rng.chance(0.5) ? Mat3.rotationZ(Double.pi) : Mat3.identity
            let axisAngle = rng.uniform(0, 2 * Double.pi)
            let misalign = Mat3.rotation(axis: SIMD3(cos(axisAngle), 0, sin(axisAngle)), angle: rng.uniform(0, 1) * degree)
            mountRotation = Mat3.rotationY(angle) * flip * misalign
            initial = [0, 0, barFloorZ, 0, rng.normal(sigma: 0.3 * degree), 0, 0]
        } else {
            mountRotation = Mat3.random(&rng)
            initial = [0, 0, standHeight, rng.uniform(0, 2 * Double.pi), 0, 0, relaxedTremor]
        }
        let tremor = TremorBank.random(&rng, radPerMetre: isBar ? rollPerMetre : 1 / trunkLength)
        motion = MotionModel(initial: initial, tremor: tremor, mountRotation: mountRotation)
        self.rng = rng
    }

    // MARK: - Session flow

    /// Plans the next block: the opening and the first set, or a rest and the next set.
    mutating func planNextBlock() {
        let start = t
        if setsPlanned == 0 {
            opening()
        } else {
            rest(recipe.quick ? 5 : rng.uniform(recipe.restS))
        }
        planSet()
        lastSetDurationS = t - start
    }

    /// Plans a whole finite session.
    mutating func planFiniteSession() {
        // The first block comes before any other draw, so an endless session starts the same way.
        planNextBlock()
        let targetSets = rng.int(recipe.sets)
        while !finiteSessionIsDone(targetSets: targetSets) {
            planNextBlock()
        }
        ending()
    }

    private func finiteSessionIsDone(targetSets: Int) -> Bool {
        if recipe.minSessionS > 0 { return t + 0.5 * lastSetDurationS >= recipe.minSessionS }
        if setsPlanned >= targetSets { return true }
        return setsPlanned >= recipe.sets.lowerBound && t + lastSetDurationS > recipe.maxSessionS
    }

    /// Endless sessions: forget truth older than the last `keep` sets.
    mutating func forgetOldSets(keep: Int) {
        guard sets.count > keep else { return }
        let drop = sets.count - keep
        truthWindowStart = sets[drop - 1].tEnd + 0.5
        sets.removeFirst(drop)
    }

    private mutating func opening() {
        if recipe.mount == .bar {
            wait(recipe.quick ? rng.uniform(2, 2.5) : rng.uniform(2, 5))   // bar on the floor, untouched
        } else {
            wait(recipe.quick ? rng.uniform(2.6, 3) : rng.uniform(2.6, 4))  // upright calibration
        }
    }

    private mutating func ending() {
        if recipe.mount == .bar {
            if barOnHips && rng.chance(0.8) { rollOff() }
            wait(recipe.quick ? rng.uniform(2, 3) : rng.uniform(3, 8))
        } else {
            if beltPose == .sitting && !recipe.quick && rng.chance(0.5) { standUp() }
            wait(recipe.quick ? rng.uniform(2, 3) : rng.uniform(2, 5))
        }
    }

    // MARK: - Primitives

    func value(_ channel: Channel) -> Double { motion.tracks[channel.rawValue].endValue }

    private mutating func stroke(_ channel: Channel, to target: Double, from t0: Double, until t1: Double, _ shape: StrokeShape) {
        motion.tracks[channel.rawValue].move(to: target, from: t0, until: t1, shape: shape)
    }

    /// Moves the listed channels together over `duration` from now, then advances the clock.
    /// A vertical move keeps within what hips or a bar on the hips can do (see `feasibleVertical`).
    private mutating func move(_ duration: Double, _ shape: StrokeShape, _ targets: [(Channel, Double)]) {
        var duration = duration, shape = shape
        if let z = targets.first(where: { $0.0 == .z })?.1, z != value(.z) {
            (duration, shape) = feasibleVertical(distance: z - value(.z), duration: duration, shape: shape)
        }
        for (channel, target) in targets where target != value(channel) {
            stroke(channel, to: target, from: t, until: t + duration, shape)
        }
        t += duration
    }

    private mutating func wait(_ duration: Double) { t += max(0, duration) }

    /// Nothing pulls the hips (or a bar lying on them) down faster than gravity: vertical strokes
    /// keep their downward acceleration under 0.8 g (tremor comes on top) and their upward under
    /// 1.5 g. A shape that would break this is swapped for one that does not; when none fits (a very
    /// fast power rep) the stroke is stretched just enough. The truth uses the actual times.
    private mutating func feasibleVertical(distance d: Double, duration: Double, shape: StrokeShape) -> (Double, StrokeShape) {
        let maxDown = 0.8 * standardGravity, maxUp = 1.5 * standardGravity
        func needed(_ s: StrokeShape) -> Double {
            let f = s.accelerationFactors
            // Up strokes push up while speeding up and pull down while slowing; down strokes the reverse.
            let up = d > 0 ? f.speedingUp : f.slowingDown, down = d > 0 ? f.slowingDown : f.speedingUp
            return max(down * abs(d) / maxDown, up * abs(d) / maxUp).squareRoot()
        }
        if needed(shape) <= duration { return (duration, shape) }
        let fitting = StrokeShape.catalogue.filter { needed($0) <= duration }
        if !fitting.isEmpty { return (duration, rng.pick(fitting, default: .halfCosine)) }
        let gentlest = StrokeShape.catalogue.min { needed($0) < needed($1) } ?? .halfCosine
        return (needed(gentlest) * 1.0001, gentlest)
    }

    /// Tremor envelope (someone touches the bar) from now, without advancing the clock.
    private mutating func envelope(_ target: Double, over duration: Double) {
        guard target != value(.envelope) else { return }
        stroke(.envelope, to: target, from: t, until: t + duration, .minimumJerk)
    }

    private mutating func shape() -> StrokeShape { StrokeShape.random(&rng) }

    /// A plateau profile (smooth or linear ramps) for `plateauShare`.
    private mutating func plateau() -> StrokeShape {
        let ramp = plateauRng.uniform(0.15, 0.45)
        return plateauRng.chance(0.5) ? .cruise(ramp: ramp) : .trapezoid(ramp: ramp)
    }

    private mutating func clippedNormal(_ sigma: Double, _ limit: Double) -> Double {
        max(-limit, min(limit, rng.normal(sigma: sigma)))
    }

    /// Angle difference wrapped to (−π, π].
    private func wrapped(_ a: Double) -> Double { remainder(a, 2 * Double.pi) }

    // MARK: - Rep targets and lying moves

    private mutating func barTarget(z: Double, tilt: Double) -> RepTarget {
        RepTarget(z: z, theta: 0, tilt: tilt, yawWobble: 0)
    }

    /// Belt target from a torso angle; height gets a small independent component (≤ 1 cm).
    private mutating func beltTarget(theta: Double) -> RepTarget {
        let e = clippedNormal(0.003, 0.01)
        return RepTarget(z: trunkLength * sin(theta) + e, theta: theta,
                         tilt: clippedNormal(0.8 * degree, 2.5 * degree), yawWobble: clippedNormal(0.8 * degree, 2.5 * degree))
    }

    /// Belt target from a height relative to parallel.
    private mutating func beltTarget(z: Double) -> RepTarget {
        let e = clippedNormal(0.003, 0.01)
        let s = max(-0.95, min(0.95, (z - e) / trunkLength))
        return RepTarget(z: z, theta: asin(s), tilt: clippedNormal(0.8 * degree, 2.5 * degree),
                         yawWobble: clippedNormal(0.8 * degree, 2.5 * degree))
    }

    /// Moves the hips/bar to a lying target (set coordinates) with the mount's coupled channels.
    private mutating func goTo(_ target: RepTarget, _ duration: Double, _ shape: StrokeShape) {
        if recipe.mount == .bar {
            let dz = target.z - value(.z)
            let roll = value(.pitch) + rollPerMetre * dz * (1 + clippedNormal(0.08, 0.2))
            let x = xCenter + xPerZ * (target.z - hipsFloorZ) + clippedNormal(0.002, 0.005)
            let y = yCenter + clippedNormal(0.002, 0.005)
            let yaw = clippedNormal(0.3 * degree, 0.8 * degree)
            move(duration, shape, [(.z, target.z), (.pitch, roll), (.x, x), (.y, y), (.tilt, target.tilt), (.yaw, yaw)])
        } else {
            let u = SIMD2(cos(lieHeading), sin(lieHeading))
            let hips = shoulders - trunkLength * cos(target.theta) * u + clippedNormal(0.002, 0.005) * u
            move(duration, shape, [(.z, parallelZ + target.z), (.pitch, Double.pi / 2 + target.theta),
                                   (.x, hips.x), (.y, hips.y), (.tilt, target.tilt), (.yaw, lieHeading + target.yawWobble)])
        }
    }

    // MARK: - Reps

    private mutating func planReps(count n: Int) -> (reps: [RepPlan], depthTarget: Double) {
        let tempo = recipe.tempo
        let depthTarget = rng.uniform(0.155, 0.19)
        let eccentricTarget = rng.uniform(1.3, 2.6)
        let concentricTarget: Double
        let fatigue: Double
        switch tempo {
        case .banded: concentricTarget = rng.uniform(1.2, 2.2); fatigue = rng.uniform(0.05, 0.3)
        case .barbell: concentricTarget = rng.uniform(0.4, 1.0); fatigue = rng.uniform(0.05, 0.35)
        case .power: concentricTarget = rng.uniform(0.26, 0.34); fatigue = rng.uniform(0.03, 0.15)
        case .heavy: concentricTarget = depthTarget / rng.uniform(0.2, 0.3); fatigue = rng.uniform(0.3, 0.6)
        }
        let holdTarget = tempo == .banded ? rng.uniform(2.3, 3.6) : rng.uniform(0.3, 1.5)
        let touchAndGo = rng.chance(0.4) ? 0.7 : 0.05
        let thetaBase = rng.uniform(-2, 3) * degree
        var reps: [RepPlan] = []
        for k in 0..<n {
            let progress = n > 1 ? Double(k) / Double(n - 1) : 0
            let slow = 1 + fatigue * pow(progress, 1.5)
            func jitter(_ rng: inout SimRandom) -> Double { 1 + max(-0.12, min(0.12, rng.normal(sigma: 0.06))) }
            let depth = max(0.152, min(0.195, depthTarget + clippedNormal(0.006, 0.015)))
            let eccentric = max(1.2, eccentricTarget * jitter(&rng))
            var concentric = concentricTarget * jitter(&rng) * slow
            switch tempo {
            case .banded: concentric = max(1.15, concentric)
            case .barbell: concentric = max(0.3, min(1.2, concentric))
            case .power: concentric = max(0.25, min(0.4, concentric))
            case .heavy: concentric = max(0.5, min(1.4, concentric))
            }
            let hold: Double
            if tempo == .banded {
                hold = max(2.15, min(4, holdTarget * jitter(&rng)))
            } else {
                hold = rng.chance(0.15) ? 0 : max(0.1, min(2, holdTarget * jitter(&rng)))
            }
            let pause: Double
            if recipe.style == .topStart {
                pause = rng.chance(touchAndGo) ? 0 : rng.uniform(0.15, 1.5)
            } else {
                pause = rng.uniform(0.3, 2)
            }
            reps.append(RepPlan(
                depth: depth, eccentric: eccentric, concentric: concentric, hold: hold, bottomPause: pause,
                lockTheta: max(-3 * degree, min(4 * degree, thetaBase + clippedNormal(0.8 * degree, 2 * degree))),
                lockTilt: clippedNormal(0.5 * degree, 1.2 * degree), bottomTilt: clippedNormal(0.4 * degree, 1 * degree),
                lockout: .usual, eccentricShape: shape(),
                concentricShape: tempo == .heavy ? StrokeShape.randomHeavy(&rng) : shape(), planned: []))
        }
        assignViolations(&reps)
        for k in reps.indices {
            reps[k].eccentric *= tempoScale
            reps[k].concentric *= tempoScale
            reps[k].hold *= tempoScale
            reps[k].bottomPause *= tempoScale
            if plateauShare > 0 && plateauRng.chance(plateauShare) { reps[k].eccentricShape = plateau() }
            if plateauShare > 0 && tempo != .heavy && plateauRng.chance(plateauShare) { reps[k].concentricShape = plateau() }
        }
        return (reps, depthTarget)
    }

    /// About a quarter of the reps break a limit the profile judges; kinds not yet seen in the
    /// session come first, so each kind shows up in most sessions. Some values land near a limit.
    private mutating func assignViolations(_ reps: inout [RepPlan]) {
        let n = reps.count
        let kinds = judgedKinds.filter { !skippedKinds.contains($0) }
        guard !kinds.isEmpty, n > 0 else { return }
        let count = max(1, Int((Double(n) * rng.uniform(0.18, 0.32)).rounded()))
        var queue = kinds.filter { !seenKinds.contains($0) }
        for i in stride(from: queue.count - 1, to: 0, by: -1) { queue.swapAt(i, rng.int(0...i)) }
        for _ in 0..<count {
            let kind = queue.isEmpty ? rng.pick(kinds, default: .shallow) : queue.removeFirst()
            // Over-extension needs earlier lockouts to be measured against.
            let eligible = (0..<n).filter { (kind != .overextension || $0 >= 1) && reps[$0].planned.isEmpty }
            guard !eligible.isEmpty else { continue }
            let k = rng.pick(eligible, default: 0)
            apply(kind, to: &reps[k])
            seenKinds.insert(kind)
        }
        // Near-limit values on clean reps.
        for k in 0..<n where reps[k].planned.isEmpty && rng.chance(0.12) {
            let kind = rng.pick(kinds, default: .shallow)
            nearLimit(kind, index: k, rep: &reps[k])
        }
    }

    private mutating func apply(_ kind: Violation, to rep: inout RepPlan) {
        switch kind {
        case .tempoEccentric: rep.eccentric = rng.uniform(0.35, 0.8)
        case .tempoConcentric: rep.concentric = rng.uniform(0.35, 0.8)
        case .shortHold: rep.hold = rng.uniform(0.3, 1.5)
        case .shallow: rep.depth = rng.uniform(0.07, 0.13)
        case .tooDeep: rep.depth = rng.uniform(0.22, 0.30)
        case .overextension:
            if recipe.mount == .bar {
                rep.lockout = .aboveReference(rng.uniform(0.06, 0.10))
            } else {
                rep.lockTheta = rng.uniform(12, 20) * degree
            }
        case .asymmetry: rep.lockTilt = rng.sign() * rng.uniform(3.8, 7) * degree
        }
        rep.planned.append(kind.rawValue)
    }

    private mutating func nearLimit(_ kind: Violation, index k: Int, rep: inout RepPlan) {
        switch kind {
        case .tempoEccentric: rep.eccentric = rng.uniform(0.9, 1.1); rep.planned.append("near:eccentric")
        case .tempoConcentric: rep.concentric = rng.uniform(0.9, 1.1); rep.planned.append("near:concentric")
        case .shortHold: rep.hold = rng.uniform(1.88, 2.12); rep.planned.append("near:hold")
        case .shallow: rep.depth = rng.uniform(0.142, 0.158); rep.planned.append("near:depth")
        case .tooDeep: rep.depth = rng.uniform(0.192, 0.208); rep.planned.append("near:max_depth")
        case .overextension:
            if recipe.mount == .bar {
                guard k >= 1 else { return }
                rep.lockout = .aboveReference(rng.uniform(0.042, 0.058))
            } else {
                rep.lockTheta = rng.uniform(8.5, 11.5) * degree
            }
            rep.planned.append("near:overextension")
        case .asymmetry: rep.lockTilt = rng.sign() * rng.uniform(2.5, 3.5) * degree; rep.planned.append("near:tilt")
        }
    }

    // MARK: - A set

    private mutating func planSet() {
        let n = rng.int(recipe.reps)
        let (reps, depthTarget) = planReps(count: n)
        let isBar = recipe.mount == .bar
        let maxDepth = reps.map(\.depth).max() ?? depthTarget
        let top = recipe.style == .topStart
        let hover = rng.chance(0.5) ? 0 : rng.uniform(0.04, 0.12)

        // Lockout heights (set coordinates) and the floor, then the approach.
        var lockBase = 0.0
        var floorZ: Double
        if isBar {
            floorZ = hipsFloorZ
            if top {
                let rise = rareShallowLowering ? maxDepth + rng.uniform(0, 0.02)
                    : max(setupRiseBase + clippedNormal(0.01, 0.02), maxDepth + rng.uniform(0.05, 0.09))
                lockBase = floorZ + rise
            } else {
                lockBase = floorZ + hover + reps[0].depth
            }
        } else {
            let lock0 = trunkLength * sin(reps[0].lockTheta)
            if top {
                let below = rareShallowLowering ? maxDepth + rng.uniform(0.0, 0.02)
                    : max(rng.uniform(0.28, 0.42), maxDepth + rng.uniform(0.05, 0.09))
                floorZ = max(-0.9 * trunkLength, lock0 - below)
            } else {
                floorZ = max(-0.9 * trunkLength, lock0 - reps[0].depth - hover)
            }
        }
        approach(floorZ: floorZ)
        envelope(1, over: 0.6)  // under load from here to the end of the set

        // Lockout targets, each relative to the median of the earlier ones when planned so.
        var locks: [RepTarget] = []
        let drift = clippedNormal(0.003, 0.006)
        for (k, rep) in reps.enumerated() {
            if isBar {
                var z = lockBase + drift * Double(k) / Double(max(1, n - 1)) + clippedNormal(0.004, 0.01)
                if case .aboveReference(let above) = rep.lockout, k >= 1 {
                    z = median(locks.map(\.z)) + above
                }
                locks.append(barTarget(z: z, tilt: rep.lockTilt))
            } else {
                locks.append(beltTarget(theta: rep.lockTheta))
            }
        }
        // Bottoms: bottoms[k] precedes lockout k; bottom-start sets end at one more bottom.
        let floorClearance = top ? 0.02 : 0.0
        func bottomTarget(_ z: Double, tilt: Double, _ planner: inout Planner) -> RepTarget {
            let clamped = max(floorZ + floorClearance, z)
            return isBar ? planner.barTarget(z: clamped, tilt: tilt) : planner.beltTarget(z: clamped)
        }
        // An over-extended lockout is a higher top, not a higher bottom: the lifter lowers to the
        // usual bottom and drives past the usual lockout, so that rep is deeper by as much.
        let raised = reps.map { rep in rep.planned.contains { $0.hasSuffix("overextension") } }
        let usualLockZ = median(locks.indices.filter { !raised[$0] }.map { locks[$0].z })
        var bottoms: [RepTarget] = []
        for k in 0..<n {
            let from = raised[k] && k >= 1 ? min(locks[k].z, usualLockZ) : locks[k].z
            bottoms.append(bottomTarget(from - reps[k].depth, tilt: reps[k].bottomTilt, &self))
        }
        let finalBottom = bottomTarget(locks[n - 1].z - max(0.152, depthTarget + clippedNormal(0.006, 0.015)),
                                       tilt: clippedNormal(0.4 * degree, 1 * degree), &self)
        let floorTarget = isBar ? barTarget(z: floorZ, tilt: clippedNormal(0.4 * degree, 1 * degree)) : beltTarget(z: floorZ)

        var truthReps: [SessionTruth.Rep] = []
        var lockHeights: [Double] = []
        let tStart: Double
        let tEnd: Double
        let setNumber = setsPlanned + 1
        /// Values at a lockout, captured when it is reached.
        struct Lockout { var t: Double; var z: Double; var tilt: Double; var pitch: Double }
        func lockout(_ planner: Planner) -> Lockout {
            Lockout(t: planner.t, z: planner.value(.z), tilt: planner.value(.tilt), pitch: planner.value(.pitch))
        }
        func record(k: Int, lock: Lockout, bottomZ: Double, eccentric: Double?, bottom: Double?, concentric: Double,
                    hold: Double?) {
            let depth = lock.z - bottomZ
            let reference = lockHeights.isEmpty ? lock.z : median(lockHeights)
            lockHeights.append(lock.z)
            // Belt: torso = −elevation of the hips→shoulders direction d = R ẑ = Rz Rx (sin α, 0, cos α).
            let torso: Double? = isBar ? nil : -asin(cos(lock.tilt) * cos(lock.pitch)) / degree
            let tilt: Double? = isBar ? abs(lock.tilt) / degree : nil
            truthReps.append(SessionTruth.Rep(
                t: lock.t, depthCm: depth * 100, eccentricS: eccentric, bottomS: bottom, concentricS: concentric, holdS: hold,
                lockoutCm: (lock.z - reference) * 100, torsoDeg: torso, tiltDeg: tilt,
                meanVelocityMps: depth / concentric, peakVelocityMps: depth * reps[k].concentricShape.peakSlope / concentric,
                planned: reps[k].planned))
        }

        if top {
            // Bridge up from the floor to a set-up lockout (not a rep), hold, then the reps.
            let setup = isBar
                ? barTarget(z: lockBase + clippedNormal(0.004, 0.01), tilt: clippedNormal(0.5 * degree, 1.2 * degree))
                : beltTarget(theta: reps[0].lockTheta + clippedNormal(1 * degree, 2 * degree))
            goTo(setup, rng.uniform(0.8, 2), shape())
            wait(recipe.quick ? rng.uniform(0.8, 1.2) : rng.uniform(0.8, 2.5))
            tStart = t
            for k in 0..<n {
                let eccentricOnset = t
                goTo(bottoms[k], reps[k].eccentric, reps[k].eccentricShape)
                let eccentricOffset = t
                let bottomZ = value(.z)
                wait(reps[k].bottomPause)
                let concentricOnset = t
                goTo(locks[k], reps[k].concentric, reps[k].concentricShape)
                let lock = lockout(self)
                wait(reps[k].hold)
                record(k: k, lock: lock, bottomZ: bottomZ, eccentric: eccentricOffset - eccentricOnset,
                       bottom: concentricOnset - eccentricOffset, concentric: lock.t - concentricOnset, hold: t - lock.t)
            }
            tEnd = t
            goTo(floorTarget, rng.uniform(0.8, 2), shape())   // lowering to the floor
            wait(rng.uniform(1, 4))
        } else {
            if value(.z) < bottoms[0].z + (isBar ? 0 : parallelZ) - 0.005 {
                goTo(bottoms[0], rng.uniform(0.7, 1.5), shape())  // hips up off the floor to the start
            }
            wait(rng.uniform(1, 3))
            tStart = t
            var lastBottom = t
            for k in 0..<n {
                let bottomZ = value(.z)
                let concentricOnset = t
                goTo(locks[k], reps[k].concentric, reps[k].concentricShape)
                let lock = lockout(self)
                wait(reps[k].hold)
                let eccentricOnset = t
                goTo(k + 1 < n ? bottoms[k + 1] : finalBottom, reps[k].eccentric, reps[k].eccentricShape)
                lastBottom = t
                let pause: Double? = k + 1 < n ? reps[k].bottomPause : nil
                wait(pause ?? 0)
                record(k: k, lock: lock, bottomZ: bottomZ, eccentric: lastBottom - eccentricOnset, bottom: pause,
                       concentric: lock.t - concentricOnset, hold: eccentricOnset - lock.t)
            }
            tEnd = lastBottom
            wait(rng.uniform(1, 3))  // stays at the bottom
            if value(.z) > floorTarget.z + (isBar ? 0 : parallelZ) + 0.005 {
                goTo(floorTarget, rng.uniform(0.6, 1.2), shape())
                wait(rng.uniform(0.5, 2))
            }
        }
        sets.append(SessionTruth.TruthSet(set: setNumber, tStart: tStart, tEnd: tEnd, reps: truthReps))
        setsPlanned += 1
        afterSet()
    }

    // MARK: - Getting into position and out of it

    private mutating func approach(floorZ: Double) {
        if recipe.mount == .bar {
            if !barOnHips { rollOn() }
            // Settle with the hips on the floor (the floor height may differ a little per set).
            if abs(value(.z) - floorZ) > 0.001 {
                goTo(barTarget(z: floorZ, tilt: clippedNormal(0.4 * degree, 1 * degree)), rng.uniform(0.4, 0.8), shape())
            }
            wait(recipe.quick ? rng.uniform(1, 1.5) : rng.uniform(1, 4))
        } else {
            if beltPose == .standing {
                if setsPlanned == 0 {
                    walk(distance: recipe.quick ? rng.uniform(1.2, 1.8) : rng.uniform(1.5, 3), heading: value(.yaw))
                    turn(to: value(.yaw) + Double.pi + clippedNormal(12 * degree, 25 * degree))
                    lieHeading = value(.yaw)
                    sitShift = rng.uniform(0.1, 0.25)
                    let u = SIMD2(cos(lieHeading), sin(lieHeading))
                    sitSpot = SIMD2(value(.x), value(.y)) + sitShift * u
                } else {
                    walkBackToBench()
                }
                let thetaFloor = asin(max(-0.95, min(0.95, floorZ / trunkLength)))
                sitDown(maxPitch: Double.pi / 2 + thetaFloor - 10 * degree)
                wait(rng.uniform(0.4, 1.5))
            } else if beltPose == .lying {
                sitUp()
            }
            leanBack(floorZ: floorZ)
            wait(recipe.quick ? rng.uniform(1, 1.5) : rng.uniform(1, 4))
        }
    }

    private mutating func afterSet() {
        envelope(relaxedTremor, over: 0.8)
        if recipe.mount == .bar {
            if !recipe.quick && rng.chance(0.4) { return }  // rests with the bar on the hips
            rollOff()
        } else {
            sitUp()
        }
    }

    // MARK: - Bar handling

    /// Rolls the bar from the floor over the thighs onto the hips: 30–60 cm of travel, many
    /// radians of roll, small vertical changes.
    private mutating func rollOn() {
        envelope(relaxedTremor, over: rng.uniform(0.2, 0.5))
        wait(rng.uniform(0.3, 0.8))
        let total = rng.uniform(0.3, 0.6)
        let pushes = recipe.quick ? 1 : rng.int(1...3)
        for i in 0..<pushes {
            let dx = -total / Double(pushes)
            let last = i == pushes - 1
            let z = last ? hipsFloorZ : barFloorZ + rng.uniform(0.01, 0.04)
            // Mean rolling speed 0.15–0.3 m/s: small plates turn fast (≈ 300 °/s at most).
            move(0.3 + abs(dx) / rng.uniform(0.15, 0.3), shape(), [
                (.x, value(.x) + dx), (.pitch, value(.pitch) + dx / rollRadius), (.z, z),
                (.y, clippedNormal(0.01, 0.02)), (.tilt, clippedNormal(0.5 * degree, 1.2 * degree)),
                (.yaw, clippedNormal(1.5 * degree, 3 * degree)),
            ])
            if !last { wait(rng.uniform(0.1, 0.6)) }
        }
        barOnHips = true
        xCenter = value(.x)
        yCenter = value(.y)
    }

    /// Rolls the bar off the hips back onto the floor, then lets go.
    private mutating func rollOff() {
        wait(rng.uniform(0.3, 1.5))
        let dx = rng.uniform(0.3, 0.6)
        let upOver = rng.chance(0.6)
        if upOver {
            // Lift over the thighs first.
            move(rng.uniform(0.4, 0.8), shape(), [(.z, value(.z) + rng.uniform(0.02, 0.05)),
                                                   (.x, value(.x) + 0.15 * dx), (.pitch, value(.pitch) + 0.15 * dx / rollRadius)])
        }
        move(0.3 + (upOver ? 0.85 : 1) * dx / rng.uniform(0.15, 0.3), shape(), [
            (.x, value(.x) + (upOver ? 0.85 : 1) * dx), (.pitch, value(.pitch) + (upOver ? 0.85 : 1) * dx / rollRadius),
            (.z, barFloorZ), (.y, value(.y) + clippedNormal(0.01, 0.02)),
            (.tilt, clippedNormal(0.3 * degree, 0.8 * degree)), (.yaw, clippedNormal(1.5 * degree, 3 * degree)),
        ])
        wait(rng.uniform(0.3, 1))
        envelope(0, over: rng.uniform(0.3, 0.6))
        wait(0.6)
        barOnHips = false
    }

    /// A bump or an adjustment of the bar lying on the floor: ≤ 3 cm, ≤ 0.5 s.
    private mutating func barFloorFiddle() {
        envelope(relaxedTremor, over: 0.12)
        wait(0.12)
        let dx = rng.sign() * rng.uniform(0.005, 0.03)
        if rng.chance(0.5) {
            // Bump: a quick knock that lifts the bar a little.
            let d = rng.uniform(0.15, 0.5)
            move(d / 2, .halfCosine, [(.x, value(.x) + dx / 2), (.pitch, value(.pitch) + dx / 2 / rollRadius),
                                       (.z, barFloorZ + rng.uniform(0.002, 0.01)), (.tilt, clippedNormal(0.4 * degree, 1 * degree))])
            move(d / 2, .halfCosine, [(.x, value(.x) + dx / 2), (.pitch, value(.pitch) + dx / 2 / rollRadius), (.z, barFloorZ)])
        } else {
            // Adjustment: push it a little, straighten it.
            move(rng.uniform(0.3, 0.5), shape(), [(.x, value(.x) + dx), (.pitch, value(.pitch) + dx / rollRadius),
                                                   (.y, value(.y) + clippedNormal(0.005, 0.01)),
                                                   (.yaw, value(.yaw) + clippedNormal(1 * degree, 2 * degree)),
                                                   (.tilt, clippedNormal(0.3 * degree, 0.8 * degree))])
        }
        wait(rng.uniform(0.1, 0.3))
        envelope(0, over: rng.uniform(0.2, 0.5))
        wait(0.5)
    }

    /// The lifter shifts on the floor with the bar on the hips: a few cm, then settles.
    private mutating func barShift() {
        let up = rng.uniform(0.01, 0.04)
        let d1 = rng.uniform(0.4, 1.2)
        goToShifted(z: hipsFloorZ + up, dx: rng.sign() * rng.uniform(0.01, 0.04), duration: d1)
        wait(rng.uniform(0, 0.8))
        goToShifted(z: hipsFloorZ + clippedNormal(0.003, 0.006), dx: clippedNormal(0.01, 0.02), duration: rng.uniform(0.4, 1.2))
    }

    private mutating func goToShifted(z: Double, dx: Double, duration: Double) {
        let dz = z - value(.z)
        move(duration, shape(), [(.z, z), (.x, value(.x) + dx),
                                 (.pitch, value(.pitch) + rollPerMetre * dz + clippedNormal(2 * degree, 5 * degree)),
                                 (.tilt, clippedNormal(0.6 * degree, 1.4 * degree)), (.yaw, clippedNormal(1 * degree, 2.5 * degree))])
        xCenter = value(.x)
    }

    // MARK: - Belt: walking, sitting, lying back

    /// Walks `distance` m facing `heading`: hips bounce 2–4 cm per step at ~1.8 Hz, the pelvis
    /// sways about its other axes at the stride frequency.
    private mutating func walk(distance: Double, heading: Double) {
        turn(to: heading)
        let stepHz = rng.uniform(1.6, 2.0)
        // Average speed 0.7–1.1 m/s including starting and stopping.
        let steps = max(2, Int((distance / rng.uniform(0.7, 1.1) * stepHz).rounded()))
        let duration = Double(steps) / stepHz
        let t0 = t
        // Facing = −body x (body x points backwards, to the bench when lying).
        let facing = -SIMD2(cos(heading), sin(heading))
        let target = SIMD2(value(.x), value(.y)) + distance * facing
        let gait = StrokeShape.cruise(ramp: min(0.45, 0.6 / duration + 0.1))
        stroke(.x, to: target.x, from: t0, until: t0 + duration, gait)
        stroke(.y, to: target.y, from: t0, until: t0 + duration, gait)
        let bounce = rng.uniform(0.02, 0.04)
        let h = value(.z)
        let pitch0 = value(.pitch), tilt0 = value(.tilt), yaw0 = value(.yaw)
        let sway = rng.uniform(1, 3) * degree, twist = rng.uniform(2, 4) * degree, nod = rng.uniform(0.5, 1.5) * degree
        let half = 0.5 / stepHz
        for i in 0..<steps {
            let ts = t0 + Double(i) / stepHz
            let side: Double = i % 2 == 0 ? 1 : -1
            let last = i == steps - 1
            stroke(.z, to: h - bounce, from: ts, until: ts + half, .halfCosine)
            stroke(.z, to: h, from: ts + half, until: ts + 2 * half, .halfCosine)
            stroke(.tilt, to: last ? tilt0 : tilt0 + side * sway, from: ts, until: ts + 2 * half, .halfCosine)
            stroke(.yaw, to: last ? yaw0 : yaw0 + side * twist, from: ts, until: ts + 2 * half, .halfCosine)
            stroke(.pitch, to: pitch0 + nod, from: ts, until: ts + half, .halfCosine)
            stroke(.pitch, to: pitch0, from: ts + half, until: ts + 2 * half, .halfCosine)
        }
        t = t0 + duration
    }

    /// Turns on the spot to `heading` (shortest way), small steps.
    private mutating func turn(to heading: Double) {
        let delta = wrapped(heading - value(.yaw))
        guard abs(delta) > 5 * degree else { return }
        move(0.6 + abs(delta) / Double.pi * rng.uniform(0.9, 1.3), .minimumJerk, [(.yaw, value(.yaw) + delta)])
    }

    /// Sits down on the floor: hips drop 45–60 cm and move back toward the bench, the pelvis leans back.
    private mutating func sitDown(maxPitch: Double) {
        let u = SIMD2(cos(lieHeading), sin(lieHeading))
        let hips = SIMD2(value(.x), value(.y)) + sitShift * u
        let pitch = max(5 * degree, min(rng.uniform(10, 25) * degree, maxPitch))
        move(rng.uniform(1.2, 2.5), shape(), [(.z, standHeight - sitDrop), (.pitch, pitch), (.x, hips.x), (.y, hips.y),
                                             (.tilt, clippedNormal(1 * degree, 2.5 * degree)),
                                             (.yaw, lieHeading + clippedNormal(1 * degree, 2.5 * degree))])
        beltPose = .sitting
    }

    /// Leans back onto the bench: the pelvis rotates to the floor pose (torso below parallel by
    /// `floorZ`), the hips stay on the floor.
    private mutating func leanBack(floorZ: Double) {
        let thetaFloor = asin(max(-0.95, min(0.95, floorZ / trunkLength)))
        let u = SIMD2(cos(lieHeading), sin(lieHeading))
        let hips = SIMD2(value(.x), value(.y)) + clippedNormal(0.01, 0.02) * u
        let z = standHeight - sitDrop + clippedNormal(0.004, 0.008)
        move(rng.uniform(1, 2), shape(), [(.pitch, Double.pi / 2 + thetaFloor), (.z, z), (.x, hips.x), (.y, hips.y),
                                         (.tilt, clippedNormal(0.8 * degree, 2 * degree)),
                                         (.yaw, lieHeading + clippedNormal(0.8 * degree, 2 * degree))])
        parallelZ = z - trunkLength * sin(thetaFloor)
        shoulders = hips + trunkLength * cos(thetaFloor) * u
        beltPose = .lying
    }

    /// From lying back to sitting up on the floor.
    private mutating func sitUp() {
        move(rng.uniform(1, 2), shape(), [(.pitch, rng.uniform(10, 20) * degree), (.z, standHeight - sitDrop),
                                         (.tilt, clippedNormal(1 * degree, 2.5 * degree)),
                                         (.yaw, lieHeading + clippedNormal(1 * degree, 2.5 * degree))])
        beltPose = .sitting
    }

    private mutating func standUp() {
        let facing = -SIMD2(cos(value(.yaw)), sin(value(.yaw)))
        move(rng.uniform(0.5, 0.9), shape(), [(.pitch, -rng.uniform(15, 30) * degree)])
        let hips = SIMD2(value(.x), value(.y)) + sitShift * facing
        move(rng.uniform(1, 1.8), shape(), [(.z, standHeight), (.pitch, 0), (.x, hips.x), (.y, hips.y), (.tilt, 0)])
        beltPose = .standing
    }

    /// Walks back to where the lifter stood before sitting down, and turns the back to the bench.
    private mutating func walkBackToBench() {
        let u = SIMD2(cos(lieHeading), sin(lieHeading))
        let standSpot = sitSpot - sitShift * u
        let here = SIMD2(value(.x), value(.y))
        let way = standSpot - here
        let distance = (way * way).sum().squareRoot()
        if distance > 0.2 {
            walk(distance: distance, heading: atan2(-way.y, -way.x))
        }
        turn(to: lieHeading)
        // Land exactly on the spot (a shuffle).
        move(0.5, .minimumJerk, [(.x, standSpot.x), (.y, standSpot.y)])
    }

    private mutating func bendOver() {
        let facing = -SIMD2(cos(value(.yaw)), sin(value(.yaw)))
        let back = rng.uniform(0.05, 0.15)
        let here = SIMD2(value(.x), value(.y))
        let bent = here - back * facing
        move(rng.uniform(0.8, 1.5), shape(), [(.pitch, -rng.uniform(40, 80) * degree), (.z, standHeight - rng.uniform(0.05, 0.15)),
                                             (.x, bent.x), (.y, bent.y)])
        wait(rng.uniform(0.5, 2))
        move(rng.uniform(0.8, 1.5), shape(), [(.pitch, 0), (.z, standHeight), (.x, here.x), (.y, here.y)])
    }

    /// Shifting while sitting on the floor.
    private mutating func beltSitShift() {
        let pitch0 = value(.pitch), z0 = value(.z)
        move(rng.uniform(0.5, 1.5), shape(), [(.pitch, pitch0 + rng.sign() * rng.uniform(3, 10) * degree),
                                             (.z, z0 + rng.uniform(0.005, 0.02)),
                                             (.tilt, clippedNormal(1.5 * degree, 3 * degree))])
        wait(rng.uniform(0.2, 1))
        move(rng.uniform(0.5, 1.5), shape(), [(.pitch, max(5 * degree, pitch0 + clippedNormal(3 * degree, 6 * degree))),
                                             (.z, z0), (.tilt, clippedNormal(1 * degree, 2.5 * degree))])
    }

    // MARK: - Rest between sets

    private mutating func rest(_ duration: Double) {
        let end = t + duration
        let meanGap = 10 / max(0.1, recipe.distractorsPer10s)
        if recipe.mount == .bar {
            while true {
                let gap = -meanGap * log(1 - rng.unit())
                if t + gap + 3.5 > end { break }
                wait(gap)
                if barOnHips { barShift() } else { barFloorFiddle() }
            }
        } else {
            let standsUp = duration >= 16 && rng.chance(0.45)
            if standsUp {
                standUp()
                let backBy = end - 9
                while t < backBy {
                    let gap = min(-meanGap * log(1 - rng.unit()), backBy - t)
                    wait(gap)
                    if t + 6 > backBy { break }
                    switch rng.int(0...2) {
                    case 0:
                        walk(distance: rng.uniform(1, 2.5), heading: rng.uniform(0, 2 * Double.pi))
                    case 1:
                        bendOver()
                    default:
                        wait(rng.uniform(1, 3))
                    }
                }
            } else {
                while true {
                    let gap = -meanGap * log(1 - rng.unit())
                    if t + gap + 4 > end { break }
                    wait(gap)
                    beltSitShift()
                }
            }
        }
        wait(end - t)
    }
}

func median(_ values: [Double]) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let mid = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ThrustCore

/// Options that override what the scenario and seed would pick.
public struct SimOptions: Sendable, Equatable {
    /// Never end: sets and rests forever (`next()` never returns nil). Truth keeps the last 64 sets.
    public var endless: Bool
    /// Use this chip instead of the one the seed picks.
    public var chip: ChipModel?
    /// Use this output rate (1…10 000 Hz) instead of the one the seed picks.
    public var rateHz: Double?
    /// Exact physics: no noise, offsets, scale errors, filter, quantization, jitter or drops;
    /// samples exactly every 1/rate s. The motion plan and truth are the same as without it.
    public var idealSensor: Bool
    /// Human tremor and sway, as a fraction (tests use 0 to check the strokes alone).
    var tremorScale: Double = 1
    /// Rep phase durations (eccentric, concentric, hold, bottom) scaled by this, to see how the
    /// core fares with slower or faster lifters than the planner draws. The limit violations are
    /// planned before the scaling, so the truth's alerts no longer match the tempo and hold limits.
    var tempoScale: Double = 1
    /// Share of rep strokes whose velocity profile is a plateau (ramp up, cruise, ramp down —
    /// smooth or linear ramps) instead of the planner's bells: a lifter who moves at an even
    /// speed, as another simulator or a real lifter may. Drawn from a stream of its own; a
    /// plateau too abrupt for a fast stroke is swapped like any shape, which draws on the plan's
    /// stream, so the plan may differ from there on.
    var plateauShare: Double = 0
    /// The bar's roll with hip height (0.5–2 °/cm drawn per session) scaled by this: 0 is a bar
    /// that does not turn with the hips, as another simulator's may not (the tremor's roll keeps
    /// its own coupling).
    var barRollScale: Double = 1

    public init(endless: Bool = false, chip: ChipModel? = nil, rateHz: Double? = nil, idealSensor: Bool = false) {
        self.endless = endless
        self.chip = chip
        self.rateHz = rateHz
        self.idealSensor = idealSensor
    }
}

/// What the session is, known before the first sample.
public struct SessionInfo: Sendable, Equatable {
    /// The scenario asked for and the one it resolved to (`mixed` picks one per seed).
    public var scenario: String
    public var variant: String
    public var seed: UInt64
    /// Nominal output rate, Hz.
    public var rateHz: Double
    /// Chip name (`mpu6050`…), or `ideal`.
    public var sensor: String
    public var chip: ChipModel
    public var mount: Mount
    /// Profile name for the judge: `barbell`, `banded` or `generic`.
    public var profile: String
    /// Top-start (barbell style) or bottom-start (banded style).
    public var style: SetStyle
    /// Session length, s; nil when endless.
    public var durationS: Double?
    /// t of the session's first instant, s (captures may start anywhere).
    public var startS: Double

    /// Capture metadata pairs in SPEC §4 order: rate_hz, sensor, mount, profile, scenario, seed.
    public var metadataPairs: [(key: String, value: String)] {
        let rate = rateHz.rounded() == rateHz ? String(Int(rateHz)) : String(rateHz)
        var pairs: [(key: String, value: String)] = [
            ("rate_hz", rate), ("sensor", sensor), ("mount", mount.rawValue), ("profile", profile), ("scenario", scenario),
        ]
        if variant != scenario { pairs.append(("variant", variant)) }
        pairs.append(("seed", String(seed)))
        return pairs
    }
}

public enum SimError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownScenario(String)
    case invalidRate(Double)

    public var description: String {
        switch self {
        case .unknownScenario(let name):
            return "unknown scenario '\(name)'; expected one of: " + SimScenario.all.map(\.name).joined(separator: ", ")
        case .invalidRate(let rate):
            return "invalid rate \(rate) Hz; expected 1…10000"
        }
    }
}

/// A simulated hip-thrust session: a stream of IMU samples (SPEC §4 units) whose ground truth
/// is known up front. Deterministic per (scenario, seed, options); O(1) memory per sample.
///
///     var session = try SimulatedSession(scenario: "barbell", seed: 7)
///     while let sample = session.next() { … }
///     print(session.truth.json())
public struct SimulatedSession: Sendable, IteratorProtocol, Sequence {
    public let info: SessionInfo
    private var planner: Planner
    private var renderer: Renderer
    private let endless: Bool
    private var finiteTruth: SessionTruth?

    /// - Throws: `SimError.unknownScenario` (the message lists the valid names), `SimError.invalidRate`.
    public init(scenario: String, seed: UInt64, options: SimOptions = .init()) throws {
        guard SimScenario.named(scenario) != nil else { throw SimError.unknownScenario(scenario) }
        if let rate = options.rateHz, !(rate >= 1 && rate <= 10_000) { throw SimError.invalidRate(rate) }
        // Independent streams: the motion plan does not change with chip/rate overrides or idealSensor.
        var planRNG = SimRandom(seed: seed, stream: stableHash(scenario))
        var hardwareRNG = SimRandom(seed: seed, stream: stableHash(scenario) &+ 1)
        let noiseRNG = SimRandom(seed: seed, stream: stableHash(scenario) &+ 2)

        var variant = scenario
        if scenario == "mixed" {
            let choices = SimScenario.mixedChoices
            variant = choices[planRNG.weighted(choices.map(\.1))].0
        }
        guard let recipe = SessionRecipe.make(variant, &planRNG) else { throw SimError.unknownScenario(scenario) }
        let origin = planRNG.chance(0.3) ? (planRNG.uniform(5, 3000) * 1e6).rounded() / 1e6 : 0

        // Hardware: chip, rate, imperfections.
        let chips: [ChipModel] = [.mpu6050, .mpu6500, .lsm6ds3, .lsm6dso, .icm42688]
        let drawnChip = chips[hardwareRNG.weighted([30, 20, 15, 15, 20])]
        let drawnRate = recipe.rates[hardwareRNG.weighted(recipe.rates.map(\.weight))].hz
        let chipErrors = ChipErrors.random(&hardwareRNG)
        let rate = options.rateHz ?? drawnRate
        let sampling = SamplingErrors.random(&hardwareRNG, rateHz: rate)
        let chip = options.idealSensor ? .ideal : (options.chip ?? drawnChip)

        var planner = Planner(recipe: recipe, rng: planRNG)
        planner.motion.tremorScale = options.tremorScale
        planner.tempoScale = options.tempoScale
        planner.plateauShare = options.plateauShare
        planner.rollPerMetre *= options.barRollScale
        planner.plateauRng = SimRandom(seed: seed, stream: 0x91a7)
        if options.endless {
            planner.planNextBlock()
        } else {
            planner.planFiniteSession()
        }
        self.planner = planner
        endless = options.endless
        info = SessionInfo(scenario: scenario, variant: recipe.variant, seed: seed, rateHz: rate,
                           sensor: chip.rawValue, chip: chip, mount: recipe.mount, profile: recipe.profile,
                           style: recipe.style, durationS: options.endless ? nil : planner.t, startS: origin)
        renderer = Renderer(chip: chip, rateHz: rate, origin: origin,
                            errors: chip == .ideal ? .none : chipErrors,
                            sampling: options.idealSensor ? .none : sampling, rng: noiseRNG)
        finiteTruth = nil
        if !options.endless {
            finiteTruth = makeTruth()
        }
    }

    /// The planned motion (tests compare samples with it; evaluate on a copy).
    var motion: MotionModel { planner.motion }

    /// The ground truth (score.py format). For endless sessions: what is planned so far (last 64 sets).
    public var truth: SessionTruth { finiteTruth ?? makeTruth() }

    private func makeTruth() -> SessionTruth {
        let origin = info.startS
        let sets = planner.sets.map { set in
            SessionTruth.TruthSet(set: set.set, tStart: set.tStart + origin, tEnd: set.tEnd + origin,
                                  reps: set.reps.map { rep in
                                      var r = rep
                                      r.t += origin
                                      return r
                                  })
        }
        var nonrep: [ClosedRange<Double>] = []
        var from = planner.truthWindowStart + origin
        for set in sets {
            if set.tStart - 0.5 > from { nonrep.append(from...(set.tStart - 0.5)) }
            from = set.tEnd + 0.5
        }
        let end = planner.t + origin
        if end > from { nonrep.append(from...end) }
        return SessionTruth(mount: info.mount, profile: info.profile, scenario: info.scenario, variant: info.variant,
                            seed: info.seed, rateHz: info.rateHz, sensor: info.sensor, style: info.style,
                            durationS: planner.t, startS: origin, sets: sets, nonrep: nonrep)
    }

    /// The next sample, or nil at the end of a finite session.
    public mutating func next() -> Sample? {
        if endless {
            let now = renderer.planTime
            if now > planner.t - 90 {
                planner.planNextBlock()
                planner.forgetOldSets(keep: 64)
            }
            if renderer.samplesOut & 0xFFF == 0 {
                for i in planner.motion.tracks.indices { planner.motion.tracks[i].dropStrokes(endingBefore: now - 1) }
            }
            return renderer.next(&planner.motion, until: .infinity)
        }
        return renderer.next(&planner.motion, until: planner.t)
    }
}

/// Turns the motion into samples: exact physics at the output instants for ideal sensors; else
/// physics (on a ~500 Hz grid, interpolated) + white noise through the chip's low-pass at an
/// internal rate ≥ 1 kHz, decimated, then scale/offset/bias, saturation and 16-bit quantization.
struct Renderer: Sendable {
    let chip: ChipModel
    let rateHz: Double
    let origin: Double
    let errors: ChipErrors
    let sampling: SamplingErrors
    var rng: SimRandom

    /// Output samples produced so far (dropped ones included).
    private(set) var samplesOut = 0
    private var emitted = 0
    private var lastT = -Double.infinity
    private var dropBurstLeft = 0

    // Chip pipeline.
    private let direct: Bool
    private let stepsPerOutput: Int
    private let physicsStride: Int
    private let internalPeriodS: Double
    private var lowPass: LowPass
    private let noiseSigma: SIMD8<Double>
    private var internalStep = 0
    private var physicsBefore = SIMD8<Double>.zero
    private var physicsAfter = SIMD8<Double>.zero
    private var physicsBeforeStep = 0

    init(chip: ChipModel, rateHz: Double, origin: Double, errors: ChipErrors, sampling: SamplingErrors, rng: SimRandom) {
        self.chip = chip
        self.rateHz = rateHz
        self.origin = origin
        self.errors = errors
        self.sampling = sampling
        self.rng = rng
        direct = chip == .ideal
        stepsPerOutput = max(1, Int((1000 / rateHz).rounded(.up)))
        let internalRate = Double(stepsPerOutput) * rateHz * (1 + sampling.clockError)
        internalPeriodS = 1 / internalRate
        physicsStride = max(1, Int(internalRate / 500))
        lowPass = LowPass(cutoffHz: ChipModel.cutoffHz(outputRateHz: rateHz), sampleRateHz: internalRate)
        // One-sided density × √(Nyquist bandwidth) = σ per internal sample.
        let accelSigma = chip.accelNoiseMicroGPerRootHz * 1e-6 * 9.80665 * (internalRate / 2).squareRoot()
        let gyroSigma = chip.gyroNoiseDegPerSecPerRootHz * degree * (internalRate / 2).squareRoot()
        noiseSigma = SIMD8(accelSigma, accelSigma, accelSigma, gyroSigma, gyroSigma, gyroSigma, 0, 0)
    }

    /// Plan time of the next output instant.
    var planTime: Double {
        direct ? Double(samplesOut) / (rateHz * (1 + sampling.clockError)) : Double(internalStep) * internalPeriodS
    }

    @inline(__always)
    private func lanes(_ r: SensorReading) -> SIMD8<Double> {
        SIMD8(r.force.x, r.force.y, r.force.z, r.rate.x, r.rate.y, r.rate.z, 0, 0)
    }

    mutating func next(_ motion: inout MotionModel, until end: Double) -> Sample? {
        while true {
            let tPlan: Double
            var force: SIMD3<Double>
            var rate: SIMD3<Double>
            if direct {
                tPlan = Double(samplesOut) / (rateHz * (1 + sampling.clockError))
                if tPlan > end { return nil }
                let r = motion.reading(at: tPlan)
                force = r.force
                rate = r.rate
            } else {
                // The output instant is the last internal step of this stretch (step 0 for the first sample).
                tPlan = internalStep == 0 ? 0 : Double(internalStep + stepsPerOutput - 1) * internalPeriodS
                if samplesOut > 0 && tPlan > end { return nil }
                let y = advanceChip(&motion)
                force = SIMD3(y[0], y[1], y[2])
                rate = SIMD3(y[3], y[4], y[5])
            }
            samplesOut += 1
            if !direct {
                force = errors.accelMatrix * force + errors.accelOffset
                let drift = sin(2 * Double.pi * tPlan / errors.gyroDriftPeriodS + errors.gyroDriftPhase)
                rate = errors.gyroMatrix * rate + errors.gyroBias + errors.gyroDriftAmplitude * drift
                force = quantized(force, lsb: ChipModel.accelLsbMps2)
                rate = quantized(rate, lsb: ChipModel.gyroLsbRadPerSec)
            }
            if dropped() { continue }
            var t = origin + tPlan
            if sampling.jitterSigmaS > 0 && emitted > 0 {  // the first sample sits at the origin
                t += sampling.jitterSigmaS * max(-4, min(4, rng.normal()))
            }
            // Strictly increasing, also after rounding to µs in a capture.
            t = max(t, lastT + max(2e-6, 0.25 / rateHz))
            lastT = t
            emitted += 1
            return Sample(t: t, accel: force, gyro: rate)
        }
    }

    /// Runs the chip up to the next output instant; returns the filtered (ax…gz) at it.
    private mutating func advanceChip(_ motion: inout MotionModel) -> SIMD8<Double> {
        if internalStep == 0 {
            physicsBefore = lanes(motion.reading(at: 0))
            physicsAfter = lanes(motion.reading(at: Double(physicsStride) * internalPeriodS))
            physicsBeforeStep = 0
            lowPass.settle(at: physicsBefore)
        }
        var y = SIMD8<Double>.zero
        let steps = internalStep == 0 ? 1 : stepsPerOutput
        for _ in 0..<steps {
            var offset = internalStep - physicsBeforeStep
            if offset >= physicsStride {
                physicsBefore = physicsAfter
                physicsBeforeStep += physicsStride
                offset -= physicsStride
                physicsAfter = lanes(motion.reading(at: Double(physicsBeforeStep + physicsStride) * internalPeriodS))
            }
            let w = Double(offset) / Double(physicsStride)
            let clean = physicsBefore + (physicsAfter - physicsBefore) * w
            let noise = SIMD8(rng.triangular(), rng.triangular(), rng.triangular(),
                              rng.triangular(), rng.triangular(), rng.triangular(), 0, 0)
            y = lowPass.step(clean + noise * noiseSigma)
            internalStep += 1
        }
        return y
    }

    /// Saturation at full scale and 16-bit quantization.
    @inline(__always)
    private func quantized(_ v: SIMD3<Double>, lsb: Double) -> SIMD3<Double> {
        var out = v / lsb
        out.round(.toNearestOrEven)
        out = out.clamped(lowerBound: SIMD3(repeating: -32768), upperBound: SIMD3(repeating: 32767))
        return out * lsb
    }

    private mutating func dropped() -> Bool {
        if samplesOut == 1 { return false }  // never drop the first sample
        if dropBurstLeft > 0 {
            dropBurstLeft -= 1
            return true
        }
        guard sampling.dropStartProbability > 0, rng.chance(sampling.dropStartProbability) else { return false }
        dropBurstLeft = rng.chance(sampling.burstProbability) ? rng.int(1...9) : 0
        return true
    }
}

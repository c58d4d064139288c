#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import ThrustCore

/// A 3×3 matrix stored by columns.
struct Mat3: Sendable, Equatable {
    var c0: SIMD3<Double>
    var c1: SIMD3<Double>
    var c2: SIMD3<Double>

    static let identity = Mat3(c0: SIMD3(1, 0, 0), c1: SIMD3(0, 1, 0), c2: SIMD3(0, 0, 1))

    @inline(__always)
    static func * (m: Mat3, v: SIMD3<Double>) -> SIMD3<Double> { m.c0 * v.x + m.c1 * v.y + m.c2 * v.z }

    static func * (a: Mat3, b: Mat3) -> Mat3 { Mat3(c0: a * b.c0, c1: a * b.c1, c2: a * b.c2) }

    /// mᵀ v.
    @inline(__always)
    func transposeTimes(_ v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((c0 * v).sum(), (c1 * v).sum(), (c2 * v).sum())
    }

    var transposed: Mat3 {
        Mat3(c0: SIMD3(c0.x, c1.x, c2.x), c1: SIMD3(c0.y, c1.y, c2.y), c2: SIMD3(c0.z, c1.z, c2.z))
    }

    static func rotationX(_ a: Double) -> Mat3 {
        let c = cos(a), s = sin(a)
        return Mat3(c0: SIMD3(1, 0, 0), c1: SIMD3(0, c, s), c2: SIMD3(0, -s, c))
    }

    static func rotationY(_ a: Double) -> Mat3 {
        let c = cos(a), s = sin(a)
        return Mat3(c0: SIMD3(c, 0, -s), c1: SIMD3(0, 1, 0), c2: SIMD3(s, 0, c))
    }

    static func rotationZ(_ a: Double) -> Mat3 {
        let c = cos(a), s = sin(a)
        return Mat3(c0: SIMD3(c, s, 0), c1: SIMD3(-s, c, 0), c2: SIMD3(0, 0, 1))
    }

    /// Rotation by `angle` about the unit vector `axis` (Rodrigues).
    static func rotation(axis: SIMD3<Double>, angle: Double) -> Mat3 {
        let c = cos(angle), s = sin(angle), t = 1 - c
        let x = axis.x, y = axis.y, z = axis.z
        return Mat3(c0: SIMD3(t * x * x + c, t * x * y + s * z, t * x * z - s * y),
                    c1: SIMD3(t * x * y - s * z, t * y * y + c, t * y * z + s * x),
                    c2: SIMD3(t * x * z + s * y, t * y * z - s * x, t * z * z + c))
    }

    /// A uniformly random rotation (Shoemake's method).
    static func random(_ rng: inout SimRandom) -> Mat3 {
        let u1 = rng.unit(), u2 = rng.unit() * 2 * Double.pi, u3 = rng.unit() * 2 * Double.pi
        let a = (1 - u1).squareRoot(), b = u1.squareRoot()
        let w = a * sin(u2), x = a * cos(u2), y = b * sin(u3), z = b * cos(u3)
        return Mat3(c0: SIMD3(1 - 2 * (y * y + z * z), 2 * (x * y + w * z), 2 * (x * z - w * y)),
                    c1: SIMD3(2 * (x * y - w * z), 1 - 2 * (x * x + z * z), 2 * (y * z + w * x)),
                    c2: SIMD3(2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)))
    }
}

/// The channels of the body model. The orientation is R = Rz(yaw) · Rx(tilt) · Ry(pitch):
/// - bar: pitch = roll of the bar about its own axis (body y = the bar axis), tilt = bar axis
///   out of horizontal, yaw = bar heading;
/// - belt: pitch = pelvis angle about the hips' left–right axis (body y; 0 = upright, π/2 + torso
///   when lying back), tilt and yaw = wobble about the other axes (yaw also carries the heading).
/// Position is the sensor's (the bar axis / the hip point), world frame, z up, metres.
enum Channel: Int, CaseIterable {
    case x, y, z, yaw, tilt, pitch
    /// Tremor envelope, 0…1: 0 while nobody touches the bar.
    case envelope
}

/// Human tremor and sway: a few sinusoids shared by all channels, each channel mixing them with
/// its own weights (so channels are related but not identical), scaled by the envelope.
struct TremorBank: Sendable {
    /// Components in use (lanes of the vectors below; the rest are zero).
    static let components = 5
    /// rad/s per component; the last is the slow drift.
    var omega: SIMD8<Double>
    var phase: SIMD8<Double>
    /// Per channel (x, y, z, yaw, tilt, pitch): tremor = Σ sinWeights·sin(ωt+φ) + cosWeights·cos(ωt+φ).
    var sinWeights: [SIMD8<Double>]
    var cosWeights: [SIMD8<Double>]

    static let none = TremorBank(omega: .zero, phase: .zero,
                                 sinWeights: Array(repeating: .zero, count: 6), cosWeights: Array(repeating: .zero, count: 6))

    /// Position tremor: peak 0.5–2 mm at 3–10 Hz (low frequencies dominate), slow drift ≤ 3 mm
    /// peak to peak. Angular tremor follows the hips: `radPerMetre` maps height tremor onto the
    /// pitch channel (bar roll k, belt 1/L); tilt and yaw get a few hundredths of a degree.
    static func random(_ rng: inout SimRandom, radPerMetre: Double) -> TremorBank {
        let freqs = [rng.uniform(3, 3.4), rng.uniform(3.5, 4.3), rng.uniform(5, 7.5), rng.uniform(7.5, 10), rng.uniform(0.05, 0.25)]
        var omega = SIMD8<Double>.zero, phase = SIMD8<Double>.zero
        for (k, f) in freqs.enumerated() {
            omega[k] = 2 * Double.pi * f
            phase[k] = rng.uniform(0, 2 * Double.pi)
        }
        // Height tremor: total amplitude 0.5–2 mm (skewed low), split ∝ f^-5 so most of it sits in
        // two close components at 3–4.3 Hz (they beat, like real narrow-band tremor) and the
        // accelerations stay modest (typically 0.2–0.5, at most ≈ 1 m/s² peak); drift ≤ 1.5 mm.
        let total = 0.0005 + 0.0015 * pow(rng.unit(), 3)
        let raw = freqs.prefix(4).map { pow($0, -5) }
        let rawSum = raw.reduce(0, +)
        let heightAmp = raw.map { total * $0 / rawSum } + [rng.uniform(0.0003, 0.0015)]
        func mix(_ amps: [Double], _ rng: inout SimRandom) -> (SIMD8<Double>, SIMD8<Double>) {
            var s = SIMD8<Double>.zero, c = SIMD8<Double>.zero
            for (k, a) in amps.enumerated() {
                let angle = rng.uniform(0, 2 * Double.pi)
                s[k] = a * cos(angle)
                c[k] = a * sin(angle)
            }
            return (s, c)
        }
        let deg = Double.pi / 180
        let z = mix(heightAmp, &rng)
        let x = mix(heightAmp.map { $0 * rng.uniform(0.3, 0.7) }, &rng)
        let y = mix(heightAmp.map { $0 * rng.uniform(0.2, 0.5) }, &rng)
        let yaw = mix(heightAmp.map { _ in rng.uniform(0.005, 0.03) * deg }, &rng)
        let tilt = mix(heightAmp.map { _ in rng.uniform(0.005, 0.03) * deg }, &rng)
        // Pitch follows the height tremor (same phases) plus a little of its own.
        let own = mix(heightAmp.map { _ in rng.uniform(0.005, 0.02) * deg }, &rng)
        let pitch = (z.0 * radPerMetre + own.0, z.1 * radPerMetre + own.1)
        return TremorBank(omega: omega, phase: phase,
                          sinWeights: [x.0, y.0, z.0, yaw.0, tilt.0, pitch.0],
                          cosWeights: [x.1, y.1, z.1, yaw.1, tilt.1, pitch.1])
    }
}

/// What the sensor measures at one instant, in the sensor frame.
struct SensorReading: Sendable {
    /// Specific force, m/s².
    var force: SIMD3<Double>
    /// Angular rate, rad/s.
    var rate: SIMD3<Double>
}

/// Kinematic state of the body at one instant (for tests and truth).
struct BodyState: Sendable {
    var position: SIMD3<Double>
    var velocity: SIMD3<Double>
    var acceleration: SIMD3<Double>
    /// Body → world.
    var rotation: Mat3
    /// Angular rate in the body frame, rad/s.
    var bodyRate: SIMD3<Double>
}

/// Evaluates the planned motion: tracks + tremor → body state → sensor reading.
struct MotionModel: Sendable {
    var tracks: [Track]
    var tremor: TremorBank
    /// Sensor → body rotation (the mount).
    var mountRotation: Mat3
    var tremorScale: Double = 1

    init(initial: [Double], tremor: TremorBank, mountRotation: Mat3) {
        tracks = initial.map { Track($0) }
        self.tremor = tremor
        self.mountRotation = mountRotation
    }

    @inline(__always)
    mutating func body(at t: Double) -> BodyState {
        var x = tracks[0].state(at: t), y = tracks[1].state(at: t), z = tracks[2].state(at: t)
        var yaw = tracks[3].state(at: t), tilt = tracks[4].state(at: t), pitch = tracks[5].state(at: t)
        let env = tracks[6].state(at: t)
        let e = env.value * tremorScale, de = env.rate * tremorScale, dde = env.accel * tremorScale
        if e != 0 || de != 0 || dde != 0 {
            // Sinusoids once, mixed per channel: T, T′, T″, then (E·T)″ = E″T + 2E′T′ + ET″.
            var s = SIMD8<Double>.zero, c = SIMD8<Double>.zero
            for k in 0..<TremorBank.components {
                let arg = tremor.omega[k] * t + tremor.phase[k]
                s[k] = sin(arg)
                c[k] = cos(arg)
            }
            let omega = tremor.omega, omega2 = omega * omega
            func add(_ ch: inout ChannelState, _ i: Int) {
                let a = tremor.sinWeights[i], b = tremor.cosWeights[i]
                let wave = a * s + b * c
                let p = wave.sum(), dp = (omega * (a * c - b * s)).sum(), ddp = -(omega2 * wave).sum()
                ch.value += e * p
                ch.rate += de * p + e * dp
                ch.accel += dde * p + 2 * de * dp + e * ddp
            }
            add(&x, 0); add(&y, 1); add(&z, 2); add(&yaw, 3); add(&tilt, 4); add(&pitch, 5)
        }
        let sy = sin(yaw.value), cy = cos(yaw.value)
        let sb = sin(tilt.value), cb = cos(tilt.value), sa = sin(pitch.value), ca = cos(pitch.value)
        // R = Rz(yaw) · Rx(tilt) · Ry(pitch), by columns.
        let rzx = Mat3(c0: SIMD3(cy, sy, 0), c1: SIMD3(-sy * cb, cy * cb, sb), c2: SIMD3(sy * sb, -cy * sb, cb))
        let rotation = Mat3(c0: rzx.c0 * ca - rzx.c2 * sa, c1: rzx.c1, c2: rzx.c0 * sa + rzx.c2 * ca)
        // ω_world = yaw′ ẑ + Rz (tilt′ x̂) + Rz Rx (pitch′ ŷ); in the body frame:
        // ω_body = Ryᵀ (Rxᵀ (yaw′ ẑ) + tilt′ x̂) + pitch′ ŷ.
        let u = SIMD3(tilt.rate, sb * yaw.rate, cb * yaw.rate)
        let bodyRate = SIMD3(ca * u.x - sa * u.z, u.y + pitch.rate, sa * u.x + ca * u.z)
        return BodyState(position: SIMD3(x.value, y.value, z.value),
                         velocity: SIMD3(x.rate, y.rate, z.rate),
                         acceleration: SIMD3(x.accel, y.accel, z.accel),
                         rotation: rotation, bodyRate: bodyRate)
    }

    /// Sensor → world rotation at `t`.
    mutating func sensorRotation(at t: Double) -> Mat3 { body(at: t).rotation * mountRotation }

    /// Exact specific force and angular rate in the sensor frame.
    @inline(__always)
    mutating func reading(at t: Double) -> SensorReading {
        let b = body(at: t)
        let worldForce = b.acceleration + SIMD3(0, 0, standardGravity)
        let bodyForce = b.rotation.transposeTimes(worldForce)
        return SensorReading(force: mountRotation.transposeTimes(bodyForce),
                             rate: mountRotation.transposeTimes(b.bodyRate))
    }
}

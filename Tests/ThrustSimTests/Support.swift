import ThrustCore
@testable import ThrustSim

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Exact physics without tremor: what the strokes alone produce.
func idealOptions(rateHz: Double = 1000, tremor: Bool = false) -> SimOptions {
    var options = SimOptions(rateHz: rateHz, idealSensor: true)
    options.tremorScale = tremor ? 1 : 0
    return options
}

/// All samples of a session.
func render(_ session: SimulatedSession, limit: Int = .max) -> [Sample] {
    var copy = session
    var out: [Sample] = []
    while out.count < limit, let sample = copy.next() { out.append(sample) }
    return out
}

func angleBetween(_ a: Mat3, _ b: Mat3) -> Double {
    // Angle of aᵀb from its trace.
    let m = a.transposed * b
    let trace = m.c0.x + m.c1.y + m.c2.z
    return acos(max(-1, min(1, (trace - 1) / 2)))
}

func norm(_ v: SIMD3<Double>) -> Double { (v * v).sum().squareRoot() }

/// Standard deviation.
func sigma(_ values: [Double]) -> Double {
    let mean = values.reduce(0, +) / Double(values.count)
    return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
}

/// Plans (no rendering) of many sessions.
func plans(_ scenario: String, seeds: ClosedRange<UInt64>) throws -> [SimulatedSession] {
    try seeds.map { try SimulatedSession(scenario: scenario, seed: $0, options: idealOptions()) }
}

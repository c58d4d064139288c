import Testing
import ThrustCore
@testable import ThrustSim

/// Every scenario plans and renders a plausible session (rates overridden low to keep debug
/// builds quick; the native rate is checked separately).
@Test(arguments: SimScenario.all.map(\.name))
func everyScenarioRenders(name: String) throws {
    let native = try SimulatedSession(scenario: name, seed: 7)
    let rates: Set<Double> = switch name {
    case "lowrate": [10, 25]
    case "highrate": [2000, 4000]
    case "long": [1000]
    case "quick", "demo": [100, 200]
    default: [10, 25, 50, 100, 200, 400, 500, 1000]
    }
    #expect(rates.contains(native.info.rateHz), "\(name) at \(native.info.rateHz) Hz")
    let duration = try #require(native.info.durationS)
    let range: ClosedRange<Double> = switch name {
    case "quick": 30...60
    case "long": 3300...3900
    case "highrate": 40...150
    default: 60...420
    }
    #expect(range.contains(duration), "\(name): \(duration) s")

    // The whole session through exact physics at a low rate, the first minute through the chip.
    let rate = 5.0
    let session = try SimulatedSession(scenario: name, seed: 7, options: SimOptions(rateHz: rate, idealSensor: true))
    #expect(session.truth.repCount >= 3)
    #expect(session.info.durationS == duration)
    let samples = render(session)
    #expect(abs(Double(samples.count) - duration * rate) <= 2)
    let chipRate = 50.0
    let chipSamples = render(try SimulatedSession(scenario: name, seed: 7, options: SimOptions(rateHz: chipRate)), limit: 3000)
    var previous = -Double.infinity
    for s in samples + [Sample(t: .infinity, accel: SIMD3(0, 0, 9.8), gyro: .zero)] + chipSamples {
        if s.t == .infinity { previous = -.infinity; continue }
        #expect(s.t > previous)
        previous = s.t
        let a = (s.accel * s.accel).sum().squareRoot()
        #expect(a.isFinite && a > 0.5 && a < 4 * 9.81 * 1.8)
    }
    if name == "mixed" { #expect(session.info.variant != "mixed") }
}

@Test func mixedCoversTheScenarios() throws {
    let variants = Set(try (1...60).map { try SimulatedSession(scenario: "mixed", seed: UInt64($0), options: idealOptions()).info.variant })
    #expect(variants.isSuperset(of: ["barbell", "banded", "banded-bar", "belt-barbell", "power", "heavy", "distractors"]))
    #expect(!variants.contains("long"))
    let mounts = Set(try (1...20).map { try SimulatedSession(scenario: "mixed", seed: UInt64($0), options: idealOptions()).info.mount })
    #expect(mounts == [.bar, .belt])
}

/// Endless: never ends, keeps memory bounded, keeps planning sets.
@Test func endlessDemoKeepsGoing() throws {
    var session = try SimulatedSession(scenario: "demo", seed: 5, options: SimOptions(endless: true, rateHz: 2, idealSensor: true))
    #expect(session.info.durationS == nil)
    var count = 0
    var maxStrokes = 0
    while count < 2 * 3 * 3600 {  // three hours at 2 Hz
        guard let sample = session.next() else { break }
        count += 1
        if count % 1000 == 0 {
            maxStrokes = max(maxStrokes, session.motion.tracks.map(\.strokes.count).max() ?? 0)
            #expect(sample.t > 0)
        }
    }
    #expect(count == 2 * 3 * 3600)
    let truth = session.truth
    #expect(truth.sets.count <= 64 && truth.sets.count >= 20)
    #expect((truth.sets.last?.tEnd ?? 0) > 3 * 3600 - 200)
    #expect(maxStrokes < 3000, "strokes kept: \(maxStrokes)")
    // The first sets of an endless session are the same as the finite one's.
    let finite = try SimulatedSession(scenario: "demo", seed: 5, options: idealOptions())
    let endless = try SimulatedSession(scenario: "demo", seed: 5, options: SimOptions(endless: true, idealSensor: true))
    #expect(endless.truth.sets.first == finite.truth.sets.first)
}

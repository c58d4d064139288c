import Testing
import ThrustCore
@testable import ThrustSim

@Test func sameSeedSameSession() throws {
    for scenario in ["quick", "barbell", "banded"] {
        let a = try SimulatedSession(scenario: scenario, seed: 42, options: SimOptions(rateHz: 50))
        let b = try SimulatedSession(scenario: scenario, seed: 42, options: SimOptions(rateHz: 50))
        #expect(a.info == b.info)
        #expect(a.truth == b.truth)
        #expect(a.truth.json() == b.truth.json())
        let sa = render(a), sb = render(b)
        #expect(sa.count == sb.count)
        #expect(sa == sb)
    }
}

@Test func differentSeedsDiffer() throws {
    let a = try SimulatedSession(scenario: "barbell", seed: 1)
    let b = try SimulatedSession(scenario: "barbell", seed: 2)
    #expect(a.truth != b.truth)
    #expect(render(a, limit: 100) != render(b, limit: 100))
}

@Test func overridesKeepThePlan() throws {
    // Chip, rate and idealSensor change the samples, never the motion plan or its truth times.
    let base = try SimulatedSession(scenario: "mixed", seed: 9)
    for options in [SimOptions(chip: .icm42688), SimOptions(rateHz: 333), SimOptions(idealSensor: true)] {
        let other = try SimulatedSession(scenario: "mixed", seed: 9, options: options)
        #expect(other.truth.sets == base.truth.sets)
        #expect(other.truth.nonrep == base.truth.nonrep)
        #expect(other.info.durationS == base.info.durationS)
    }
}

@Test func unknownScenarioListsTheValidNames() {
    #expect(throws: SimError.unknownScenario("nope")) { try SimulatedSession(scenario: "nope", seed: 1) }
    let message = SimError.unknownScenario("nope").description
    for scenario in SimScenario.all { #expect(message.contains(scenario.name)) }
    #expect(throws: SimError.invalidRate(0)) { try SimulatedSession(scenario: "quick", seed: 1, options: SimOptions(rateHz: 0)) }
}

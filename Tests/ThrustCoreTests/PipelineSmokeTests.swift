import Testing
@testable import ThrustCore

@Test func barbellSetCountsRepsNotSetup() {
    let lift = SyntheticLift()
    let (samples, moves) = lift.render(SyntheticLift.barbellSet(reps: 5))
    let events = runCore(samples, settings: CoreSettings(mount: .bar, profile: .barbell))
    for e in events { print(e.jsonLine()) }
    let reps = events.reps
    #expect(reps.count == 5)
    _ = moves
}

@Test func bandedSetCountsFromBottom() {
    let lift = SyntheticLift()
    let (samples, _) = lift.render(SyntheticLift.bandedSet(reps: 6))
    let events = runCore(samples, settings: CoreSettings(mount: .bar, profile: .banded))
    for e in events { print(e.jsonLine()) }
    #expect(events.reps.count == 6)
}

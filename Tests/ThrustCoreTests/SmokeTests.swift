import Testing
@testable import ThrustCore

@Test func profilesByName() {
    #expect(Profile.named("banded")?.limits.minHoldS == 2)
    #expect(Profile.named("nope") == nil)
}

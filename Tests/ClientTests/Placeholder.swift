import Testing
@testable import ThrustClient

@Test func clientLibraryLinks() {
    #expect(ThrustClientInfo.protocolVersion >= 1)
}

import Testing
@testable import ThrustHardware

#if canImport(Glibc)
import Glibc
#endif

/// Every errno path of the real bus, forced through the `SystemCalls` seam.
@Suite struct SystemSeamTests {
    /// errno → kind, the contract of the layers above.
    static let mappings: [(Int32, HardwareError.Kind)] = [
        (EIO, .io), (EPROTO, .io), (EAGAIN, .io),
        (ENXIO, .nack), (EREMOTEIO, .nack),
        (ETIMEDOUT, .timeout),
        (ENODEV, .noDevice), (ESHUTDOWN, .noDevice),
        (ENOENT, .notFound),
        (EACCES, .permissionDenied(group: "i2c")), (EPERM, .permissionDenied(group: "i2c")),
        (EBUSY, .busy),
        (EOPNOTSUPP, .unsupported),
        (EINVAL, .invalidArgument),
        (EMFILE, .otherErrno(EMFILE)),
    ]

    @Test(arguments: mappings)
    func readByteMapsErrno(code: Int32, kind: HardwareError.Kind) throws {
        var sys = fakeSystemCalls()
        sys.smbusReadByteData = { _, _ in -code }
        let bus = try LinuxI2CBus(path: "/dev/i2c-7", sys: sys)
        let error = #expect(throws: HardwareError.self) { try bus.readByte(0x68, 0x75) }
        #expect(error?.kind == kind)
        #expect(error?.errno == code)
        #expect(error?.context.contains("0x75") == true)
        #expect(error?.context.contains("/dev/i2c-7") == true)
    }

    @Test(arguments: mappings)
    func everyTransferMapsErrno(code: Int32, kind: HardwareError.Kind) throws {
        var sys = fakeSystemCalls()
        sys.smbusWriteByteData = { _, _, _ in -code }
        sys.smbusReadI2CBlock = { _, _, _ in -code }
        sys.smbusWriteI2CBlock = { _, _, _ in -code }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: sys)
        expectKind(kind) { () throws(HardwareError) in try bus.writeByte(0x68, 0x6B, 0x80) }
        expectKind(kind) { () throws(HardwareError) in _ = try bus.readBlock(0x68, 0x3A, count: 15) }
        expectKind(kind) { () throws(HardwareError) in try bus.writeBlock(0x68, 0x3A, [1, 2]) }
    }

    @Test func eintrIsRetried() throws {
        let calls = Counter()
        var sys = fakeSystemCalls()
        sys.smbusReadByteData = { _, _ in calls.next() <= 3 ? -EINTR : 0x68 }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: sys)
        #expect(try bus.readByte(0x68, 0x75) == 0x68)
        #expect(calls.count == 4)
    }

    @Test func eintrOnEveryCallOfEveryKindIsRetried() throws {
        let open = Counter(), select = Counter(), write = Counter(), block = Counter()
        var sys = fakeSystemCalls()
        sys.open = { _, _ in open.next() == 1 ? -EINTR : 3 }
        sys.setSlaveAddress = { _, _, _ in select.next() == 1 ? -EINTR : 0 }
        sys.smbusWriteByteData = { _, _, _ in write.next() == 1 ? -EINTR : 0 }
        sys.smbusReadI2CBlock = { _, _, buffer in block.next() == 1 ? -EINTR : Int32(buffer.count) }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: sys)
        try bus.writeByte(0x68, 0x6B, 0)
        _ = try bus.readBlock(0x68, 0x3A, count: 15)
        #expect(open.count == 2 && select.count == 2 && write.count == 2 && block.count == 2)
    }

    @Test func endlessEINTRIsBounded() throws {
        let calls = Counter()
        var sys = fakeSystemCalls()
        sys.smbusReadByteData = { _, _ in calls.next(); return -EINTR }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: sys)
        #expect(throws: HardwareError.self) { try bus.readByte(0x68, 0x75) }
        #expect(calls.count == SystemCalls.maxInterruptRetries + 1)
    }

    @Test func openPermissionDeniedNamesTheGroup() {
        var sys = fakeSystemCalls()
        sys.open = { _, _ in -EACCES }
        sys.groupOwning = { _ in "i2c" }
        let error = #expect(throws: HardwareError.self) { try LinuxI2CBus(path: "/dev/i2c-1", sys: sys) }
        #expect(error?.kind == .permissionDenied(group: "i2c"))
        #expect(error?.description.contains("usermod -aG i2c") == true)
    }

    @Test func openMissingBusIsNotFound() {
        var sys = fakeSystemCalls()
        sys.open = { _, _ in -ENOENT }
        let error = #expect(throws: HardwareError.self) { try LinuxI2CBus(path: "/dev/i2c-4", sys: sys) }
        #expect(error?.kind == .notFound)
        #expect(error?.context.contains("no such I2C bus") == true)
    }

    @Test func addressHeldByKernelDriverIsBusy() throws {
        var sys = fakeSystemCalls()
        sys.setSlaveAddress = { _, _, _ in -EBUSY }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: sys)
        let error = #expect(throws: HardwareError.self) { try bus.readByte(0x68, 0x75) }
        #expect(error?.kind == .busy)
        #expect(error?.context.contains("kernel driver") == true)
    }

    @Test func slaveAddressIsSetOnlyWhenItChanges() throws {
        let selects = Counter()
        var sys = fakeSystemCalls()
        sys.setSlaveAddress = { _, _, _ in selects.next(); return 0 }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: sys)
        _ = try bus.readByte(0x68, 0x75)
        _ = try bus.readByte(0x68, 0x3A)
        _ = try bus.readByte(0x6A, 0x0F)
        _ = try bus.readByte(0x6A, 0x1E)
        #expect(selects.count == 2)
    }

    @Test func shortBlockReadIsAnIOError() throws {
        var sys = fakeSystemCalls()
        sys.smbusReadI2CBlock = { _, _, _ in 3 }
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: sys)
        let error = #expect(throws: HardwareError.self) { _ = try bus.readBlock(0x68, 0x3A, count: 15) }
        #expect(error?.kind == .io)
        #expect(error?.context.contains("short read") == true)
    }

    @Test func adapterWithoutBlockReadIsUnsupported() {
        var sys = fakeSystemCalls()
        sys.adapterFunctions = { _ in 0x0000_0001 }
        let error = #expect(throws: HardwareError.self) { try LinuxI2CBus(path: "/dev/i2c-1", sys: sys) }
        #expect(error?.kind == .unsupported)
    }

    @Test func blockLimitsAreChecked() throws {
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: fakeSystemCalls())
        #expect(throws: HardwareError.self) { _ = try bus.readBlock(0x68, 0x74, count: 33) }
        #expect(throws: HardwareError.self) { try bus.writeBlock(0x68, 0x74, []) }
    }

    @Test func closedBusReportsNoDevice() throws {
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", sys: fakeSystemCalls())
        bus.close()
        let error = #expect(throws: HardwareError.self) { try bus.readByte(0x68, 0x75) }
        #expect(error?.kind == .noDevice)
    }

    @Test func listsBusesInNumericOrder() {
        var sys = fakeSystemCalls()
        sys.listDirectory = { _ in ["i2c-10", "tty0", "i2c-2", "i2c-x", "i2c-0"] }
        #expect(listI2CBuses(sys: sys) == ["/dev/i2c-0", "/dev/i2c-2", "/dev/i2c-10"])
    }

    @Test func monotonicClockSleepsToAnAbsoluteDeadline() {
        let clock = MonotonicClock()
        let start = clock.now()
        clock.sleep(until: start + 0.02)
        let end = clock.now()
        #expect(end >= start + 0.02)
        #expect(end < start + 0.5)
        clock.sleep(until: start) // past deadline: returns at once
        #expect(clock.now() - end < 0.05)
    }
}

/// `#expect(throws:performing:)` variant comparing only the kind.
func expectKind(_ kind: HardwareError.Kind, _ body: () throws(HardwareError) -> Void,
                sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected \(kind), nothing thrown", sourceLocation: sourceLocation)
    } catch {
        #expect(error.kind == kind, sourceLocation: sourceLocation)
    }
}

import Testing
import ThrustCore
@testable import ThrustHardware

#if canImport(Glibc)
import Glibc
#endif

@Suite struct ProbeTests {
    @Test func thisMachineHasNoBusAndTheMessageSaysWhatToDo() {
        // The build machine has no /dev/i2c-*: `thrust probe` prints this message and exits 1.
        if listI2CBuses().isEmpty {
            #expect(HardwareProbe.run(checkSeconds: 0).isEmpty)
        }
        #expect(HardwareProbe.noBusMessage.hasPrefix("no I2C bus"))
        #expect(HardwareProbe.noBusMessage.contains("dtparam=i2c_arm=on"))
        #expect(HardwareProbe.noBusMessage.contains("modprobe i2c-dev"))
    }

    @Test func findsAndChecksAStillChip() {
        let rig = makeRig(.mpu6050)
        let results = HardwareProbe.run(buses: [rig.bus.path], checkSeconds: 2, clock: rig.clock,
                                        openBus: rig.bus.opener())
        #expect(results.count == 1)
        let imu = results.first?.imus.first
        #expect(imu?.detected == DetectedIMU(chip: .mpu6050, address: 0x68, whoAmI: 0x68))
        let check = imu?.check
        #expect(check?.ok == true, "\(String(describing: check))")
        #expect(abs((check?.gravityMps2 ?? 0) - standardGravity) < 0.05)
        #expect(abs((check?.rateHz ?? 0) - 100) < 2)
        #expect((check?.accelNoiseMps2 ?? 1) < 0.05)
    }

    @Test func reportsAChipThatGivesNoData() {
        let rig = makeRig(.lsm6dso, source: { nil })
        let results = HardwareProbe.run(buses: [rig.bus.path], checkSeconds: 1, clock: rig.clock,
                                        openBus: rig.bus.opener())
        let check = results.first?.imus.first?.check
        #expect(check?.ok == false)
        #expect(check?.problems.contains("no data") == true)
    }

    @Test func reportsABusItCannotOpen() {
        let results = HardwareProbe.run(buses: ["/dev/i2c-1"], checkSeconds: 0,
                                        openBus: { (path: String) throws(HardwareError) -> any I2CBus in
                                            throw HardwareError.fromErrno(EACCES, "open \(path)")
                                        })
        #expect(results.first?.error?.kind == .permissionDenied(group: "i2c"))
        #expect(results.first?.error?.description.contains("join group 'i2c'") == true)
    }
}

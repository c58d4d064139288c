import Testing
import ThrustCore
@testable import ThrustHardware

#if canImport(Glibc)
import Glibc
#endif

/// One init case: chip, configuration, and the exact writes the datasheets call for.
struct InitCase: Sendable, CustomTestStringConvertible {
    var chip: IMUChip
    var config: IMUConfig
    /// (register, value) writes in order, reset included.
    var writes: [(UInt8, UInt8)]
    var outputRateHz: Double

    var testDescription: String { "\(chip.rawValue) \(config.mode.rawValue) \(config.rateHz) Hz" }
}

@Suite struct DriverInitTests {
    static let cases: [InitCase] = [
        // PWR_MGMT_1 reset; PLL clock; SMPLRT_DIV 9 (1 kHz/10); DLPF 3 (44/42 Hz < 50 Hz Nyquist);
        // FS_SEL 1 (±500 °/s); AFS_SEL 1 (±4 g); DATA_RDY_EN.
        InitCase(chip: .mpu6050, config: IMUConfig(rateHz: 100),
                 writes: [(0x6B, 0x80), (0x6B, 0x01), (0x19, 0x09), (0x1A, 0x03), (0x1B, 0x08), (0x1C, 0x08),
                          (0x38, 0x01)], outputRateHz: 100),
        // 1 kHz FIFO: divider 0, DLPF 1 (184/188 Hz); FIFO_OFLOW_EN|DATA_RDY_EN; FIFO reset,
        // XG|YG|ZG|ACCEL into the FIFO, FIFO on.
        InitCase(chip: .mpu6050, config: IMUConfig(rateHz: 1000, accelRangeG: 8, gyroRangeDps: 2000, mode: .fifo),
                 writes: [(0x6B, 0x80), (0x6B, 0x01), (0x19, 0x00), (0x1A, 0x01), (0x1B, 0x18), (0x1C, 0x10),
                          (0x38, 0x11), (0x6A, 0x04), (0x23, 0x78), (0x6A, 0x40)], outputRateHz: 1000),
        // MPU-6500 also sets ACCEL_CONFIG2 (A_DLPF_CFG 2 = 92 Hz at 200 Hz).
        InitCase(chip: .mpu6500, config: IMUConfig(rateHz: 200, accelRangeG: 16, gyroRangeDps: 250),
                 writes: [(0x6B, 0x80), (0x6B, 0x01), (0x19, 0x04), (0x1A, 0x02), (0x1B, 0x00), (0x1C, 0x18),
                          (0x1D, 0x02), (0x38, 0x01)], outputRateHz: 200),
        // LSM6DSO: SW_RESET (IF_INC kept); BDU|IF_INC; gyro LPF1; FTYPE 0; HPCF_XL 0;
        // CTRL1_XL = ODR 104 Hz (4) | ±4 g (10) | LPF2_XL_EN; CTRL2_G = 104 Hz | ±500 °/s (01).
        InitCase(chip: .lsm6dso, config: IMUConfig(rateHz: 100),
                 writes: [(0x12, 0x05), (0x12, 0x44), (0x13, 0x02), (0x15, 0x00), (0x17, 0x00), (0x10, 0x4A),
                          (0x11, 0x44)], outputRateHz: 6666.67 / 64),
        // LSM6DSO FIFO at 833 Hz: bypass, BDR gyro|accel 833 Hz (7), continuous mode.
        InitCase(chip: .lsm6dso, config: IMUConfig(rateHz: 1000, accelRangeG: 2, gyroRangeDps: 1000, mode: .fifo),
                 writes: [(0x12, 0x05), (0x12, 0x44), (0x13, 0x02), (0x15, 0x00), (0x17, 0x00), (0x10, 0x72),
                          (0x11, 0x78), (0x0A, 0x00), (0x09, 0x77), (0x0A, 0x06)], outputRateHz: 6666.67 / 8),
        // LSM6DS3: XL_BW_SCAL_ODR; CTRL1_XL = 104 Hz | ±4 g | BW_XL 50 Hz (11).
        InitCase(chip: .lsm6ds3, config: IMUConfig(rateHz: 100),
                 writes: [(0x12, 0x05), (0x12, 0x44), (0x13, 0x80), (0x10, 0x4B), (0x11, 0x44)],
                 outputRateHz: 6666.67 / 64),
        // LSM6DS3 FIFO at 208 Hz: BW_XL 100 Hz (10); bypass; no decimation; ODR_FIFO 208 Hz | continuous.
        InitCase(chip: .lsm6ds3, config: IMUConfig(rateHz: 200, accelRangeG: 8, gyroRangeDps: 2000, mode: .fifo),
                 writes: [(0x12, 0x05), (0x12, 0x44), (0x13, 0x80), (0x10, 0x5E), (0x11, 0x5C), (0x0A, 0x00),
                          (0x08, 0x09), (0x0A, 0x2E)], outputRateHz: 6666.67 / 32),
        // ICM-42688-P: bank 0; soft reset; GYRO_CONFIG0 = ±500 (010) | 100 Hz (1000);
        // ACCEL_CONFIG0 = ±4 g (010) | 100 Hz; UI filters ODR/2; UI_DRDY_INT1_EN; gyro+accel low noise.
        InitCase(chip: .icm42688, config: IMUConfig(rateHz: 100),
                 writes: [(0x76, 0x00), (0x11, 0x01), (0x4F, 0x48), (0x50, 0x48), (0x52, 0x00), (0x65, 0x08),
                          (0x4E, 0x0F)], outputRateHz: 100),
        // ICM FIFO at 1 kHz with a 200 Hz low-pass (≤ ODR/4: UI filter index 1): FIFO accel+gyro+temp,
        // stream mode, FIFO_FULL interrupt, power on, then flush.
        InitCase(chip: .icm42688, config: IMUConfig(rateHz: 1000, lowPassHz: 200, mode: .fifo),
                 writes: [(0x76, 0x00), (0x11, 0x01), (0x4F, 0x46), (0x50, 0x46), (0x52, 0x11), (0x5F, 0x07),
                          (0x16, 0x40), (0x65, 0x02), (0x4E, 0x0F), (0x4B, 0x02)], outputRateHz: 1000),
    ]

    @Test(arguments: cases)
    func initWritesExactBytes(_ c: InitCase) throws {
        let rig = makeRig(c.chip)
        let driver = try makeDriver(chip: c.chip, bus: rig.bus, address: rig.address, config: c.config, clock: rig.clock)
        try driver.initialize()
        let writes = rig.bus.writes(to: rig.address).map { ($0.register, $0.bytes) }
        #expect(writes.count == c.writes.count)
        for (i, (register, value)) in c.writes.enumerated() where i < writes.count {
            #expect(writes[i].0 == register, "write \(i): register")
            #expect(writes[i].1 == [value], "write \(i) to 0x\(String(register, radix: 16))")
        }
        #expect(abs(driver.settings.outputRateHz - c.outputRateHz) < 0.01)
        // The chip took the configuration: it produces samples and the read-back passes.
        try driver.verifyConfiguration()
        #expect(rig.sim.outputPeriod != nil)
    }

    @Test(arguments: [IMUChip.mpu6050, .mpu6500, .lsm6ds3, .lsm6dso, .icm42688])
    func resetThatNeverFinishesIsABoundedTimeout(_ chip: IMUChip) throws {
        let rig = makeRig(chip)
        rig.sim.resetNeverCompletes = true
        let driver = try makeDriver(chip: chip, bus: rig.bus, address: rig.address, config: IMUConfig(), clock: rig.clock)
        let start = rig.clock.now()
        let error = #expect(throws: HardwareError.self) { try driver.initialize() }
        #expect(error?.kind == .resetTimeout)
        let waited = rig.clock.now() - start
        #expect(waited > 0.01 && waited < 0.3, "bounded wait: \(waited) s")
    }

    @Test(arguments: [IMUChip.mpu6050, .lsm6dso, .icm42688])
    func powerCycleIsSeenAsConfigurationLost(_ chip: IMUChip) throws {
        let rig = makeRig(chip)
        let driver = try makeDriver(chip: chip, bus: rig.bus, address: rig.address, config: IMUConfig(), clock: rig.clock)
        try driver.initialize()
        try driver.verifyConfiguration()
        rig.sim.powerCycle()
        let error = #expect(throws: HardwareError.self) { try driver.verifyConfiguration() }
        #expect(error?.kind == .configurationLost)
    }

    @Test func invalidConfigurationsAreRejected() {
        for config in [IMUConfig(rateHz: 20), IMUConfig(rateHz: 2000), IMUConfig(accelRangeG: 3),
                       IMUConfig(gyroRangeDps: 125), IMUConfig(lowPassHz: -1)] {
            let error = #expect(throws: HardwareError.self) { try config.validate() }
            #expect(error?.kind == .invalidConfiguration)
        }
    }
}

/// Signed decoding at every range: the int16 edges must come out exactly.
@Suite struct DecodingTests {
    /// Raw values with the edges on different axes so byte order and axis order are checked too.
    static let edges = RawSample(ax: 0x7FFF, ay: -0x8000, az: -1, gx: 0, gy: 0x0102, gz: -0x0102)
    static let swapped = RawSample(ax: 0, ay: 0x7FFF, az: -0x8000, gx: -1, gy: 0x0201, gz: 1)

    struct RangeCase: Sendable, CustomTestStringConvertible {
        var chip: IMUChip
        var accelG: Int
        var gyroDps: Int
        var testDescription: String { "\(chip.rawValue) ±\(accelG) g ±\(gyroDps) °/s" }
    }

    static let rangeCases: [RangeCase] = IMUChip.allCases.flatMap { chip in
        zip(IMUConfig.supportedAccelRanges, IMUConfig.supportedGyroRanges).map {
            RangeCase(chip: chip, accelG: $0.0, gyroDps: $0.1)
        }
    }

    /// Puts `raw` into the chip's data registers as the chip would and raises data-ready.
    static func present(_ raw: RawSample, in sim: SimulatedIMU) {
        sim.latch(raw)
    }

    @Test(arguments: rangeCases)
    func edgesDecodeExactly(_ c: RangeCase) throws {
        // No source: the test writes the data registers itself.
        let clock = VirtualClock()
        let sim = makeChip(c.chip, clock: clock, source: { nil })
        let bus = FakeI2CBus()
        bus.attach(sim, at: c.chip.addresses[1])
        let config = IMUConfig(rateHz: 100, accelRangeG: c.accelG, gyroRangeDps: c.gyroDps)
        let driver = try makeDriver(chip: c.chip, bus: bus, address: c.chip.addresses[1], config: config, clock: clock)
        try driver.initialize()
        clock.sleep(until: clock.now() + 0.2) // past any start-up phase
        for raw in [DecodingTests.edges, DecodingTests.swapped] {
            DecodingTests.present(raw, in: sim)
            let read = try #require(try driver.pollSample())
            #expect(read == raw)
            let s = driver.settings
            let si = s.sample(from: read, t: 1)
            let a = standardGravity / s.accelLSBPerG
            let g = Double.pi / 180 / s.gyroLSBPerDps
            #expect(si.accel == SIMD3(Double(raw.ax), Double(raw.ay), Double(raw.az)) * a)
            #expect(si.gyro == SIMD3(Double(raw.gx), Double(raw.gy), Double(raw.gz)) * g)
            // Data-ready was consumed: no second sample.
            #expect(try driver.pollSample() == nil)
        }
        // Full scale: +32767 counts reach the nominal range (ST gyros keep ~15 % headroom:
        // 8.75 mdps/LSB at ±250 °/s reads up to 286 °/s).
        let s = driver.settings
        #expect(abs(32767 / s.accelLSBPerG - Double(c.accelG)) < 0.01 * Double(c.accelG))
        let gyroFull = 32767 / s.gyroLSBPerDps
        #expect(gyroFull >= Double(c.gyroDps) * 0.99 && gyroFull <= Double(c.gyroDps) * 1.2)
    }

    @Test func sensitivitiesFollowTheDatasheets() throws {
        let expected: [(IMUChip, Double, Double)] = [
            (.mpu6050, 8192, 65.5), (.mpu6500, 8192, 65.5), (.icm42688, 8192, 65.5),
            (.lsm6dso, 1000 / 0.122, 1000 / 17.5), (.lsm6ds3, 1000 / 0.122, 1000 / 17.5),
        ]
        for (chip, lsbPerG, lsbPerDps) in expected {
            let rig = makeRig(chip)
            let driver = try makeDriver(chip: chip, bus: rig.bus, address: rig.address, config: IMUConfig(),
                                        clock: rig.clock)
            #expect(driver.settings.accelLSBPerG == lsbPerG)
            #expect(driver.settings.gyroLSBPerDps == lsbPerDps)
        }
    }

    @Test func mpuDataReadyIsClearedByWritingIntStatus() throws {
        // The i2c-stub protocol: after decoding, the driver writes 0x00 to INT_STATUS (0x3A).
        let rig = makeRig(.mpu6050, source: { nil })
        let driver = try makeDriver(chip: .mpu6050, bus: rig.bus, address: 0x68, config: IMUConfig(), clock: rig.clock)
        try driver.initialize()
        rig.bus.clearLog()
        rig.sim.latch(DecodingTests.edges)
        _ = try driver.pollSample()
        #expect(rig.bus.writeLog == [I2CWrite(address: 0x68, register: 0x3A, bytes: [0x00])])
    }
}

@Suite struct DetectionTests {
    @Test(arguments: IMUChip.allCases)
    func detectsEachChipAtEachAddress(_ chip: IMUChip) throws {
        for address in chip.addresses {
            let rig = makeRig(chip, address: address)
            let found = try IMUDetector.detectOne(rig.bus)
            #expect(found == DetectedIMU(chip: chip, address: address, whoAmI: chip.whoAmI))
            let fixed = try IMUDetector.detectOne(rig.bus, address: address)
            #expect(fixed.chip == chip)
        }
    }

    @Test func findsSeveralChips() {
        let clock = VirtualClock()
        let bus = FakeI2CBus()
        bus.attach(makeChip(.icm42688, clock: clock), at: 0x69)
        bus.attach(makeChip(.lsm6ds3, clock: clock), at: 0x6A)
        let result = IMUDetector.scan(bus)
        #expect(result.found.map(\.chip) == [.icm42688, .lsm6ds3])
        #expect(result.problems.isEmpty)
    }

    @Test func noneFound() {
        let bus = FakeI2CBus()
        let error = #expect(throws: HardwareError.self) { try IMUDetector.detectOne(bus) }
        #expect(error?.kind == .noIMUFound)
        let fixed = #expect(throws: HardwareError.self) { try IMUDetector.detectOne(bus, address: 0x69) }
        #expect(fixed?.kind == .noIMUFound)
    }

    @Test func wrongWhoAmI() {
        let bus = FakeI2CBus()
        bus.attach(RegisterFileDevice(defaults: [0x75: 0x12]), at: 0x68)
        bus.attach(RegisterFileDevice(defaults: [0x0F: 0x6A]), at: 0x6B) // an LSM6DSL: not supported
        let result = IMUDetector.scan(bus)
        #expect(result.found.isEmpty)
        #expect(result.problems.map(\.kind) == [.wrongChip(whoAmI: 0x12), .wrongChip(whoAmI: 0x6A)])
        let error = #expect(throws: HardwareError.self) { try IMUDetector.detectOne(bus) }
        #expect(error?.kind == .wrongChip(whoAmI: 0x12))
        #expect(error?.context.contains("expected 0x68 (MPU-6050)") == true)
    }

    @Test func busErrorsAreReportedNotMistakenForAbsence() {
        let bus = FakeI2CBus()
        bus.inject(errno: ETIMEDOUT, count: 1, address: 0x68)
        let error = #expect(throws: HardwareError.self) { try IMUDetector.detectOne(bus) }
        #expect(error?.kind == .timeout)
    }

    @Test func addressOutsideTheIMURangeIsAConfigurationError() {
        let error = #expect(throws: HardwareError.self) { try IMUDetector.identify(on: FakeI2CBus(), address: 0x50) }
        #expect(error?.kind == .invalidConfiguration)
    }

    @Test func sourceSpecs() throws {
        #expect(try I2CSourceSpec(parsing: "i2c:/dev/i2c-1") == I2CSourceSpec(busPath: "/dev/i2c-1"))
        #expect(try I2CSourceSpec(parsing: "i2c:/dev/i2c-0@0x68") == I2CSourceSpec(busPath: "/dev/i2c-0", address: 0x68))
        #expect(try I2CSourceSpec(parsing: "i2c:/dev/i2c-0@106") == I2CSourceSpec(busPath: "/dev/i2c-0", address: 0x6A))
        #expect(try I2CSourceSpec(parsing: "i2c:/dev/i2c-0@0x6b").description == "i2c:/dev/i2c-0@0x6b")
        for bad in ["/dev/i2c-1", "i2c:", "i2c:dev", "i2c:/dev/i2c-1@0xZZ", "i2c:/dev/i2c-1@0x80", "sim"] {
            #expect(throws: HardwareError.self) { try I2CSourceSpec(parsing: bad) }
        }
    }
}

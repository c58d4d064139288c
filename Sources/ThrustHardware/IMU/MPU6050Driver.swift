/// MPU-6050 and MPU-6500.
///
/// Polling reads INT_STATUS and the 14 data bytes as ONE 15-byte burst from 0x3A. If DATA_RDY
/// is set the sample is new; the driver then writes 0x00 to INT_STATUS. On a real chip that
/// register is read-only and cleared by the read itself, so the write is harmless; on the
/// kernel's passive i2c-stub it emulates clear-on-read, which the test feeder relies on.
public final class MPU6050Driver: IMUDriver {
    public let chip: IMUChip
    public var address: UInt8 { io.address }
    public let settings: ChipSettings
    public let initSequence: [(register: UInt8, value: UInt8)]

    let io: ChipIO
    /// The registers `verifyConfiguration` reads back.
    private let verified: [(register: UInt8, value: UInt8)]

    /// Bounded reset wait: DEVICE_RESET clears itself; datasheet allows up to 100 ms.
    static let resetTimeout_s = 0.2
    static let resetPollInterval_s = 0.005
    /// Settling after the reset bit clears, before configuring.
    static let postResetSettle_s = 0.01

    init(chip: IMUChip, bus: any I2CBus, address: UInt8, config: IMUConfig, clock: any HardwareClock) {
        self.chip = chip
        io = ChipIO(bus: bus, address: address, clock: clock)
        let is6500 = chip == .mpu6500

        // Sample rate = 1 kHz / (1 + divider) with the DLPF on.
        let divider = UInt8(max(0, min(255, (1000 / config.rateHz).rounded() - 1)))
        let rate = 1000 / (1 + Double(divider))
        // The widest DLPF setting whose bandwidth stays at or below the target (else the narrowest).
        let table = is6500 ? MPU6050Reg.dlpfBandwidthMPU6500 : MPU6050Reg.dlpfBandwidthMPU6050
        let target = min(config.lowPassHz ?? rate / 2, rate / 2)
        let dlpf = table.first { max($0.accelHz, $0.gyroHz) <= target } ?? table[table.count - 1]
        // Ranges were validated; the tables cover every supported value.
        let accel = MPU6050Reg.accelRanges.first { $0.g == config.accelRangeG } ?? MPU6050Reg.accelRanges[1]
        let gyro = MPU6050Reg.gyroRanges.first { $0.dps == config.gyroRangeDps } ?? MPU6050Reg.gyroRanges[1]
        let fifoBytes = is6500 ? MPU6050Reg.fifoBytesMPU6500 : MPU6050Reg.fifoBytesMPU6050

        settings = ChipSettings(
            outputRateHz: rate, accelRangeG: accel.g, gyroRangeDps: gyro.dps,
            accelLSBPerG: accel.lsbPerG, gyroLSBPerDps: gyro.lsbPerDps,
            accelBandwidthHz: dlpf.accelHz, gyroBandwidthHz: dlpf.gyroHz, mode: config.mode,
            fifoCapacitySamples: fifoBytes / MPU6050Reg.fifoBytesPerSample)

        var sequence: [(register: UInt8, value: UInt8)] = [
            (MPU6050Reg.pwrMgmt1, MPU6050Reg.clockPLLGyroX),
            (MPU6050Reg.smplrtDiv, divider),
            (MPU6050Reg.config, dlpf.cfg),
            (MPU6050Reg.gyroConfig, gyro.code << 3),
            (MPU6050Reg.accelConfig, accel.code << 3),
        ]
        if is6500 { sequence.append((MPU6050Reg.accelConfig2, dlpf.cfg)) }
        switch config.mode {
        case .poll:
            sequence.append((MPU6050Reg.intEnable, MPU6050Reg.intDataReady))
        case .fifo:
            sequence += [
                (MPU6050Reg.intEnable, MPU6050Reg.intFIFOOverflow | MPU6050Reg.intDataReady),
                (MPU6050Reg.userCtrl, MPU6050Reg.userCtrlFIFOReset),
                (MPU6050Reg.fifoEnable, MPU6050Reg.fifoAccelGyro),
                (MPU6050Reg.userCtrl, MPU6050Reg.userCtrlFIFOEnable),
            ]
        }
        initSequence = sequence
        verified = Array(sequence.prefix(is6500 ? 6 : 5))
    }

    public func initialize() throws(HardwareError) {
        try io.write(MPU6050Reg.pwrMgmt1, MPU6050Reg.deviceReset)
        try io.waitFor(timeout_s: MPU6050Driver.resetTimeout_s, interval_s: MPU6050Driver.resetPollInterval_s,
                       what: "\(chip.displayName) reset") { () throws(HardwareError) -> Bool in
            try io.read(MPU6050Reg.pwrMgmt1) & MPU6050Reg.deviceReset == 0
        }
        io.clock.sleep(until: io.clock.now() + MPU6050Driver.postResetSettle_s)
        try io.writeAll(initSequence)
    }

    public func verifyConfiguration() throws(HardwareError) {
        try io.verify(verified, chip: chip)
    }

    public func pollSample() throws(HardwareError) -> RawSample? {
        try io.readBlock(MPU6050Reg.intStatus, count: MPU6050Reg.statusAndDataLength)
        let b = io.scratch
        guard b[0] & MPU6050Reg.intDataReady != 0 else { return nil }
        // b[1...6] accel, b[7...8] temperature, b[9...14] gyro.
        let raw = RawSample(ax: int16BE(b, 1), ay: int16BE(b, 3), az: int16BE(b, 5),
                            gx: int16BE(b, 9), gy: int16BE(b, 11), gz: int16BE(b, 13))
        try io.write(MPU6050Reg.intStatus, 0x00)
        return raw
    }

    public func readFIFO(into output: inout [RawSample], maxSamples: Int) throws(HardwareError) -> FIFOStatus {
        let status = try io.read(MPU6050Reg.intStatus)
        try io.readBlock(MPU6050Reg.fifoCountH, count: 2)
        let countBytes = Int(io.scratch[0]) << 8 | Int(io.scratch[1])
        let capacityBytes = settings.fifoCapacitySamples * MPU6050Reg.fifoBytesPerSample
        // On overflow the oldest bytes were overwritten, so the FIFO no longer starts on a sample
        // boundary: discard it and reset.
        if status & MPU6050Reg.intFIFOOverflow != 0 || countBytes > capacityBytes + MPU6050Reg.fifoBytesPerSample {
            try io.write(MPU6050Reg.userCtrl, MPU6050Reg.userCtrlFIFOEnable | MPU6050Reg.userCtrlFIFOReset)
            return FIFOStatus(overflowed: true)
        }
        let available = countBytes / MPU6050Reg.fifoBytesPerSample
        let toRead = min(available, max(0, maxSamples))
        var done = 0
        while done < toRead {
            let n = min(2, toRead - done) // two 12-byte samples per 32-byte block limit
            try io.readBlock(MPU6050Reg.fifoRW, count: n * MPU6050Reg.fifoBytesPerSample)
            let b = io.scratch
            for k in 0..<n {
                let o = k * MPU6050Reg.fifoBytesPerSample
                output.append(RawSample(ax: int16BE(b, o), ay: int16BE(b, o + 2), az: int16BE(b, o + 4),
                                        gx: int16BE(b, o + 6), gy: int16BE(b, o + 8), gz: int16BE(b, o + 10)))
            }
            done += n
        }
        return FIFOStatus(overflowed: false, samplesRead: done, samplesLeft: available - done)
    }
}

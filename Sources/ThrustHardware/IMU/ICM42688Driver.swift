/// TDK ICM-42688-P.
///
/// Polling reads INT_STATUS (cleared by the read); when DATA_RDY is set it reads the 12 data
/// bytes (accel then gyro, big-endian). The FIFO holds 16-byte packets (header, accel, gyro,
/// temperature, timestamp); −32768 marks data from a sensor still starting up.
public final class ICM42688Driver: IMUDriver {
    public let chip = IMUChip.icm42688
    public var address: UInt8 { io.address }
    public let settings: ChipSettings
    public let initSequence: [(register: UInt8, value: UInt8)]

    let io: ChipIO
    private let verified: [(register: UInt8, value: UInt8)]

    /// Datasheet: wait 1 ms after a soft reset before touching registers.
    static let resetWait_s = 0.001
    static let resetTimeout_s = 0.05
    static let resetPollInterval_s = 0.002
    /// Gyro start-up after leaving sleep (datasheet: ≥ 45 ms of gyro on-time before data are valid).
    static let gyroStartup_s = 0.05

    init(bus: any I2CBus, address: UInt8, config: IMUConfig, clock: any HardwareClock) {
        io = ChipIO(bus: bus, address: address, clock: clock)
        let odr = nearestRate(ICM42688Reg.odrCodes, config.rateHz) { $0.hz } ?? ICM42688Reg.odrCodes[1]
        let accel = ICM42688Reg.accelRanges.first { $0.g == config.accelRangeG } ?? ICM42688Reg.accelRanges[1]
        let gyro = ICM42688Reg.gyroRanges.first { $0.dps == config.gyroRangeDps } ?? ICM42688Reg.gyroRanges[1]
        // UI filter: ODR/4 for a requested bandwidth at or below it (and at ≥ 400 Hz, where the
        // index-1 formula max(400, ODR)/4 equals ODR/4); otherwise ODR/2.
        let target = min(config.lowPassHz ?? odr.hz / 2, odr.hz / 2)
        let useQuarter = target <= odr.hz / 4 + 0.001 && odr.hz >= 400
        let filter = useQuarter ? ICM42688Reg.uiFilterODRDiv4 : ICM42688Reg.uiFilterODRDiv2
        let bandwidth = useQuarter ? odr.hz / 4 : odr.hz / 2

        let gyroConfig = gyro.code << 5 | odr.code
        let accelConfig = accel.code << 5 | odr.code
        var sequence: [(register: UInt8, value: UInt8)] = [
            (ICM42688Reg.gyroConfig0, gyroConfig),
            (ICM42688Reg.accelConfig0, accelConfig),
            (ICM42688Reg.gyroAccelConfig0, filter << 4 | filter),
        ]
        switch config.mode {
        case .poll:
            sequence.append((ICM42688Reg.intSource0, ICM42688Reg.intSourceDataReady))
        case .fifo:
            sequence += [
                (ICM42688Reg.fifoConfig1, ICM42688Reg.fifoAccelGyroTemp),
                (ICM42688Reg.fifoConfig, ICM42688Reg.fifoModeStream),
                (ICM42688Reg.intSource0, ICM42688Reg.intSourceFIFOFull),
            ]
        }
        sequence.append((ICM42688Reg.pwrMgmt0, ICM42688Reg.pwrLowNoise))
        initSequence = sequence
        verified = [(ICM42688Reg.pwrMgmt0, ICM42688Reg.pwrLowNoise),
                    (ICM42688Reg.gyroConfig0, gyroConfig), (ICM42688Reg.accelConfig0, accelConfig)]
        settings = ChipSettings(
            outputRateHz: odr.hz, accelRangeG: accel.g, gyroRangeDps: gyro.dps,
            accelLSBPerG: accel.lsbPerG, gyroLSBPerDps: gyro.lsbPerDps,
            accelBandwidthHz: bandwidth, gyroBandwidthHz: bandwidth, mode: config.mode,
            fifoCapacitySamples: ICM42688Reg.fifoBytes / ICM42688Reg.fifoPacketBytes)
    }

    public func initialize() throws(HardwareError) {
        // Bank 0 holds everything used here; a previous program may have left another selected.
        try io.write(ICM42688Reg.bankSelect, 0x00)
        try io.write(ICM42688Reg.deviceConfig, ICM42688Reg.softReset)
        io.clock.sleep(until: io.clock.now() + ICM42688Driver.resetWait_s)
        try io.waitFor(timeout_s: ICM42688Driver.resetTimeout_s, interval_s: ICM42688Driver.resetPollInterval_s,
                       what: "ICM-42688-P reset") { () throws(HardwareError) -> Bool in
            try io.read(ICM42688Reg.intStatus) & ICM42688Reg.intResetDone != 0
        }
        try io.writeAll(initSequence)
        io.clock.sleep(until: io.clock.now() + ICM42688Driver.gyroStartup_s)
        if settings.mode == .fifo {
            try io.write(ICM42688Reg.signalPathReset, ICM42688Reg.fifoFlush)
            // The first FIFO count read after a flush reads 0 (known erratum); spend it here.
            try io.readBlock(ICM42688Reg.fifoCountH, count: 2)
        }
    }

    public func verifyConfiguration() throws(HardwareError) {
        try io.verify(verified, chip: chip)
    }

    public func pollSample() throws(HardwareError) -> RawSample? {
        let status = try io.read(ICM42688Reg.intStatus)
        guard status & ICM42688Reg.intDataReady != 0 else { return nil }
        try io.readBlock(ICM42688Reg.accelDataX1, count: 12)
        let b = io.scratch
        let ax = int16BE(b, 0)
        if ax == ICM42688Reg.invalidData { return nil }
        return RawSample(ax: ax, ay: int16BE(b, 2), az: int16BE(b, 4),
                         gx: int16BE(b, 6), gy: int16BE(b, 8), gz: int16BE(b, 10))
    }

    public func readFIFO(into output: inout [RawSample], maxSamples: Int) throws(HardwareError) -> FIFOStatus {
        let status = try io.read(ICM42688Reg.intStatus)
        if status & ICM42688Reg.intFIFOFull != 0 {
            try io.write(ICM42688Reg.signalPathReset, ICM42688Reg.fifoFlush)
            try io.readBlock(ICM42688Reg.fifoCountH, count: 2)
            return FIFOStatus(overflowed: true)
        }
        try io.readBlock(ICM42688Reg.fifoCountH, count: 2)
        let countBytes = Int(io.scratch[0]) << 8 | Int(io.scratch[1])
        let available = countBytes / ICM42688Reg.fifoPacketBytes
        let toRead = min(available, max(0, maxSamples))
        var done = 0
        var samples = 0
        while done < toRead {
            let n = min(2, toRead - done) // two 16-byte packets per 32-byte block
            try io.readBlock(ICM42688Reg.fifoData, count: n * ICM42688Reg.fifoPacketBytes)
            let b = io.scratch
            for k in 0..<n {
                let o = k * ICM42688Reg.fifoPacketBytes
                let header = b[o]
                if header & ICM42688Reg.headerEmpty != 0 { continue }
                guard header & ICM42688Reg.headerAccel != 0, header & ICM42688Reg.headerGyro != 0 else { continue }
                let ax = int16BE(b, o + 1)
                let gx = int16BE(b, o + 7)
                if ax == ICM42688Reg.invalidData || gx == ICM42688Reg.invalidData { continue }
                output.append(RawSample(ax: ax, ay: int16BE(b, o + 3), az: int16BE(b, o + 5),
                                        gx: gx, gy: int16BE(b, o + 9), gz: int16BE(b, o + 11)))
                samples += 1
            }
            done += n
        }
        return FIFOStatus(overflowed: false, samplesRead: samples, samplesLeft: available - done)
    }
}

/// LSM6DS3 and LSM6DSO/LSM6DSOX.
///
/// Polling reads STATUS_REG; when both XLDA and GDA are set it reads the 12 output bytes
/// (gyro then accel, little-endian) in one burst, which clears the flags. With BDU set the
/// output registers are not updated halfway through a read.
public final class LSM6DSDriver: IMUDriver {
    public let chip: IMUChip
    public var address: UInt8 { io.address }
    public let settings: ChipSettings
    public let initSequence: [(register: UInt8, value: UInt8)]

    let io: ChipIO
    private let verified: [(register: UInt8, value: UInt8)]
    private let fifoResetSequence: [(register: UInt8, value: UInt8)]
    /// DSO FIFO words come one sensor at a time; a half-read pair waits here.
    private var pendingAccel: (Int16, Int16, Int16)?
    private var pendingGyro: (Int16, Int16, Int16)?

    /// SW_RESET clears itself within ~50 µs; allow 50 ms.
    static let resetTimeout_s = 0.05
    static let resetPollInterval_s = 0.002

    init(chip: IMUChip, bus: any I2CBus, address: UInt8, config: IMUConfig, clock: any HardwareClock) {
        self.chip = chip
        io = ChipIO(bus: bus, address: address, clock: clock)
        let isDS3 = chip == .lsm6ds3

        let odr = nearestRate(LSM6DSReg.odrCodes, config.rateHz) { $0.hz } ?? LSM6DSReg.odrCodes[1]
        let accel = LSM6DSReg.accelRanges.first { $0.g == config.accelRangeG } ?? LSM6DSReg.accelRanges[1]
        let gyro = LSM6DSReg.gyroRanges.first { $0.dps == config.gyroRangeDps } ?? LSM6DSReg.gyroRanges[1]
        let target = min(config.lowPassHz ?? odr.hz / 2, odr.hz / 2)

        var sequence: [(register: UInt8, value: UInt8)] = [(LSM6DSReg.ctrl3C, LSM6DSReg.bdu | LSM6DSReg.ifInc)]
        let accelBandwidth: Double
        let gyroBandwidth: Double
        let ctrl1: UInt8
        if isDS3 {
            // The analog anti-alias filter: the widest of 400/200/100/50 Hz at or below the target.
            let bw = LSM6DSReg.ds3AccelBandwidths.first { $0.hz <= target } ?? LSM6DSReg.ds3AccelBandwidths[3]
            accelBandwidth = bw.hz
            gyroBandwidth = odr.hz / 2 // no user low-pass on the DS3 gyro; its chain follows the ODR
            ctrl1 = odr.code << 4 | accel.code << 2 | bw.code
            sequence.append((LSM6DSReg.ctrl4C, LSM6DSReg.ds3BandwidthFromBWXL))
        } else {
            // Accel LPF2 at ODR/4 (HPCF_XL = 000); gyro LPF1 on with FTYPE = 000 (widest).
            accelBandwidth = odr.hz / 4
            gyroBandwidth = odr.hz / 4
            ctrl1 = odr.code << 4 | accel.code << 2 | LSM6DSReg.dsoLPF2Enable
            sequence += [
                (LSM6DSReg.ctrl4C, LSM6DSReg.dsoGyroLPF1Enable),
                (LSM6DSReg.ctrl6C, 0x00),
                (LSM6DSReg.ctrl8XL, 0x00),
            ]
        }
        let ctrl2 = odr.code << 4 | gyro.code << 2
        sequence += [(LSM6DSReg.ctrl1XL, ctrl1), (LSM6DSReg.ctrl2G, ctrl2)]

        if isDS3 {
            fifoResetSequence = [
                (LSM6DSReg.ds3FIFOCtrl5, LSM6DSReg.fifoModeBypass),
                (LSM6DSReg.ds3FIFOCtrl5, odr.code << 3 | LSM6DSReg.fifoModeContinuous),
            ]
            if config.mode == .fifo {
                sequence += [(LSM6DSReg.ds3FIFOCtrl5, LSM6DSReg.fifoModeBypass),
                             (LSM6DSReg.ds3FIFOCtrl3, 0x09), // no decimation for gyro [5:3] and accel [2:0]
                             (LSM6DSReg.ds3FIFOCtrl5, odr.code << 3 | LSM6DSReg.fifoModeContinuous)]
            }
        } else {
            fifoResetSequence = [
                (LSM6DSReg.dsoFIFOCtrl4, LSM6DSReg.fifoModeBypass),
                (LSM6DSReg.dsoFIFOCtrl4, LSM6DSReg.fifoModeContinuous),
            ]
            if config.mode == .fifo {
                sequence += [(LSM6DSReg.dsoFIFOCtrl4, LSM6DSReg.fifoModeBypass),
                             (LSM6DSReg.dsoFIFOCtrl3, odr.code << 4 | odr.code),
                             (LSM6DSReg.dsoFIFOCtrl4, LSM6DSReg.fifoModeContinuous)]
            }
        }
        initSequence = sequence
        verified = [(LSM6DSReg.ctrl1XL, ctrl1), (LSM6DSReg.ctrl2G, ctrl2),
                    (LSM6DSReg.ctrl3C, LSM6DSReg.bdu | LSM6DSReg.ifInc)]
        settings = ChipSettings(
            outputRateHz: odr.hz, accelRangeG: accel.g, gyroRangeDps: gyro.dps,
            accelLSBPerG: accel.lsbPerG, gyroLSBPerDps: gyro.lsbPerDps,
            accelBandwidthHz: accelBandwidth, gyroBandwidthHz: gyroBandwidth, mode: config.mode,
            fifoCapacitySamples: isDS3 ? LSM6DSReg.ds3FIFOWords / LSM6DSReg.ds3WordsPerSample
                : LSM6DSReg.dsoFIFOWords / 2)
    }

    public func initialize() throws(HardwareError) {
        pendingAccel = nil
        pendingGyro = nil
        try io.write(LSM6DSReg.ctrl3C, LSM6DSReg.ifInc | LSM6DSReg.swReset)
        try io.waitFor(timeout_s: LSM6DSDriver.resetTimeout_s, interval_s: LSM6DSDriver.resetPollInterval_s,
                       what: "\(chip.displayName) reset") { () throws(HardwareError) -> Bool in
            try io.read(LSM6DSReg.ctrl3C) & LSM6DSReg.swReset == 0
        }
        try io.writeAll(initSequence)
    }

    public func verifyConfiguration() throws(HardwareError) {
        try io.verify(verified, chip: chip)
    }

    public func pollSample() throws(HardwareError) -> RawSample? {
        let status = try io.read(LSM6DSReg.status)
        let both = LSM6DSReg.statusXLDA | LSM6DSReg.statusGDA
        guard status & both == both else { return nil }
        try io.readBlock(LSM6DSReg.outXLG, count: 12)
        let b = io.scratch
        return RawSample(ax: int16LE(b, 6), ay: int16LE(b, 8), az: int16LE(b, 10),
                         gx: int16LE(b, 0), gy: int16LE(b, 2), gz: int16LE(b, 4))
    }

    public func readFIFO(into output: inout [RawSample], maxSamples: Int) throws(HardwareError) -> FIFOStatus {
        chip == .lsm6ds3 ? try readFIFODS3(into: &output, maxSamples: maxSamples)
            : try readFIFODSO(into: &output, maxSamples: maxSamples)
    }

    private func resetFIFO() throws(HardwareError) -> FIFOStatus {
        pendingAccel = nil
        pendingGyro = nil
        try io.writeAll(fifoResetSequence)
        return FIFOStatus(overflowed: true)
    }

    /// DS3: untagged words in the pattern Gx Gy Gz Ax Ay Az.
    private func readFIFODS3(into output: inout [RawSample], maxSamples: Int) throws(HardwareError) -> FIFOStatus {
        try io.readBlock(LSM6DSReg.ds3FIFOStatus1, count: 4)
        var s = io.scratch
        if s[1] & LSM6DSReg.fifoOverrun != 0 { return try resetFIFO() }
        var words = Int(s[1] & 0x0F) << 8 | Int(s[0])
        var pattern = Int(s[3] & 0x03) << 8 | Int(s[2])
        // Realign to a sample boundary (only after an interrupted read): drop partial words.
        while pattern % LSM6DSReg.ds3WordsPerSample != 0 && words > 0 {
            try io.readBlock(LSM6DSReg.ds3FIFODataOutL, count: 2)
            pattern += 1
            words -= 1
        }
        let available = words / LSM6DSReg.ds3WordsPerSample
        let toRead = min(available, max(0, maxSamples))
        var done = 0
        while done < toRead {
            let n = min(2, toRead - done) // 2 × 12 bytes per block
            try io.readBlock(LSM6DSReg.ds3FIFODataOutL, count: n * 12)
            s = io.scratch
            for k in 0..<n {
                let o = k * 12
                output.append(RawSample(ax: int16LE(s, o + 6), ay: int16LE(s, o + 8), az: int16LE(s, o + 10),
                                        gx: int16LE(s, o), gy: int16LE(s, o + 2), gz: int16LE(s, o + 4)))
            }
            done += n
        }
        return FIFOStatus(overflowed: false, samplesRead: done, samplesLeft: available - done)
    }

    /// DSO: tagged 7-byte words, gyro and accel in either order; paired into samples.
    private func readFIFODSO(into output: inout [RawSample], maxSamples: Int) throws(HardwareError) -> FIFOStatus {
        try io.readBlock(LSM6DSReg.dsoFIFOStatus1, count: 2)
        let s = io.scratch
        if s[1] & LSM6DSReg.fifoOverrun != 0 { return try resetFIFO() }
        let words = Int(s[1] & 0x03) << 8 | Int(s[0])
        let wordsToRead = min(words, max(0, maxSamples) * 2)
        var done = 0
        var samples = 0
        while done < wordsToRead {
            let n = min(4, wordsToRead - done) // 4 × 7 = 28 bytes per block
            try io.readBlock(LSM6DSReg.dsoFIFODataOutTag, count: n * LSM6DSReg.dsoWordBytes)
            let b = io.scratch
            for k in 0..<n {
                let o = k * LSM6DSReg.dsoWordBytes
                let tag = b[o] >> 3
                let xyz = (int16LE(b, o + 1), int16LE(b, o + 3), int16LE(b, o + 5))
                // 0x7FFD and above mark samples from the start-up phase.
                if xyz.0 >= 0x7FFD { continue }
                if tag == LSM6DSReg.dsoTagGyro { pendingGyro = xyz } else if tag == LSM6DSReg.dsoTagAccel {
                    pendingAccel = xyz
                }
                if let a = pendingAccel, let g = pendingGyro {
                    output.append(RawSample(ax: a.0, ay: a.1, az: a.2, gx: g.0, gy: g.1, gz: g.2))
                    pendingAccel = nil
                    pendingGyro = nil
                    samples += 1
                }
            }
            done += n
        }
        return FIFOStatus(overflowed: false, samplesRead: samples, samplesLeft: (words - done) / 2)
    }
}

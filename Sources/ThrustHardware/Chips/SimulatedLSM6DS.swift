import ThrustCore

/// A register-level LSM6DS3 or LSM6DSO: software reset, ODR and ranges from CTRL1_XL/CTRL2_G,
/// STATUS_REG flags cleared by reading the outputs, and the FIFO of each: the DS3's untagged
/// 16-bit words (pattern Gx Gy Gz Ax Ay Az) or the DSO's tagged 7-byte words.
public final class SimulatedLSM6DS: SimulatedIMU {
    /// Words: DS3 one 16-bit value each; DSO one 7-byte tagged word each (stored as 7 bytes).
    private var fifo: ByteFIFO
    private var overrun = false
    private var wordLatch = [UInt8](repeating: 0, count: 7)
    /// DS3: index in the 6-word pattern of the next word to read.
    private var patternIndex = 0
    /// DSO: the 2-bit TAG_CNT.
    private var tagCounter: UInt8 = 0

    private var isDS3: Bool { chip == .lsm6ds3 }
    private var wordBytes: Int { isDS3 ? 2 : LSM6DSReg.dsoWordBytes }

    public override init(chip: IMUChip = .lsm6dso, clock: any HardwareClock, source: @escaping () -> Sample?) {
        let ds3 = chip == .lsm6ds3
        fifo = ByteFIFO(capacity: ds3 ? LSM6DSReg.ds3FIFOWords * 2 : LSM6DSReg.dsoFIFOWords * LSM6DSReg.dsoWordBytes)
        super.init(chip: ds3 ? .lsm6ds3 : .lsm6dso, clock: clock, source: source)
    }

    /// Words in the FIFO.
    public var fifoWords: Int { fifo.count / wordBytes }

    public override func resetRegisters() {
        registers = [UInt8](repeating: 0, count: 256)
        registers[Int(LSM6DSReg.whoAmI)] = chip.whoAmI
        registers[Int(LSM6DSReg.ctrl3C)] = LSM6DSReg.ifInc
        fifo.removeAll()
        overrun = false
        patternIndex = 0
    }

    public override var outputPeriod: Double? {
        let code = Int(registers[Int(LSM6DSReg.ctrl1XL)] >> 4)
        guard code >= 1, code <= 10 else { return nil }
        // 6.667 kHz / 2^(10 − code): code 4 → 104.17 Hz.
        return Double(1 << (10 - code)) / 6666.67
    }

    public override var accelLSBPerG: Double {
        let code = registers[Int(LSM6DSReg.ctrl1XL)] >> 2 & 0x03
        return LSM6DSReg.accelRanges.first { $0.code == code }?.lsbPerG ?? LSM6DSReg.accelRanges[0].lsbPerG
    }

    public override var gyroLSBPerDps: Double {
        let code = registers[Int(LSM6DSReg.ctrl2G)] >> 2 & 0x03
        return LSM6DSReg.gyroRanges.first { $0.code == code }?.lsbPerDps ?? LSM6DSReg.gyroRanges[0].lsbPerDps
    }

    private var fifoModeRegister: UInt8 { isDS3 ? LSM6DSReg.ds3FIFOCtrl5 : LSM6DSReg.dsoFIFOCtrl4 }

    private var fifoEnabled: Bool {
        let mode = registers[Int(fifoModeRegister)] & 0x07
        guard mode == LSM6DSReg.fifoModeContinuous else { return false }
        if isDS3 {
            return registers[Int(LSM6DSReg.ds3FIFOCtrl5)] >> 3 & 0x0F != 0
                && registers[Int(LSM6DSReg.ds3FIFOCtrl3)] == 0x09
        }
        let bdr = registers[Int(LSM6DSReg.dsoFIFOCtrl3)]
        return bdr & 0x0F != 0 && bdr >> 4 != 0
    }

    public override func chipWrite(_ register: UInt8, _ value: UInt8) {
        switch register {
        case LSM6DSReg.ctrl3C where value & LSM6DSReg.swReset != 0:
            powerCycle()
            registers[Int(LSM6DSReg.ctrl3C)] = value
            resetUntil = clock.now() + resetDuration_s
        case LSM6DSReg.whoAmI, LSM6DSReg.status:
            break
        case fifoModeRegister:
            registers[Int(register)] = value
            if value & 0x07 == LSM6DSReg.fifoModeBypass {
                fifo.removeAll()
                overrun = false
                patternIndex = 0
            }
        default:
            registers[Int(register)] = value
        }
    }

    public override func resetFinished() {
        registers[Int(LSM6DSReg.ctrl3C)] = LSM6DSReg.ifInc
    }

    public override func chipRead(_ register: UInt8) -> UInt8 {
        switch register {
        case LSM6DSReg.outXLG:
            registers[Int(LSM6DSReg.status)] &= ~LSM6DSReg.statusGDA
            return registers[Int(register)]
        case LSM6DSReg.outXLA:
            registers[Int(LSM6DSReg.status)] &= ~LSM6DSReg.statusXLDA
            return registers[Int(register)]
        case 0x3A: // FIFO_STATUS1: DIFF_FIFO low byte
            return UInt8(fifoWords & 0xFF)
        case 0x3B: // FIFO_STATUS2
            if isDS3 {
                return UInt8(fifoWords >> 8 & 0x0F) | (overrun ? LSM6DSReg.fifoOverrun : 0)
                    | (fifo.count == 0 ? LSM6DSReg.fifoEmpty : 0)
            }
            return UInt8(fifoWords >> 8 & 0x03) | (overrun ? LSM6DSReg.fifoOverrun : 0)
        case 0x3C where isDS3: // FIFO_STATUS3: pattern index
            return UInt8(patternIndex & 0xFF)
        case 0x3D where isDS3:
            return UInt8(patternIndex >> 8)
        case LSM6DSReg.ds3FIFODataOutL where isDS3:
            wordLatch[0] = fifo.pop() ?? 0
            wordLatch[1] = fifo.pop() ?? 0
            patternIndex = (patternIndex + 1) % LSM6DSReg.ds3WordsPerSample
            return wordLatch[0]
        case LSM6DSReg.ds3FIFODataOutL + 1 where isDS3:
            return wordLatch[1]
        case LSM6DSReg.dsoFIFODataOutTag where !isDS3:
            for i in 0..<LSM6DSReg.dsoWordBytes { wordLatch[i] = fifo.pop() ?? 0 }
            return wordLatch[0]
        case (LSM6DSReg.dsoFIFODataOutTag + 1)...(LSM6DSReg.dsoFIFODataOutTag + 6) where !isDS3:
            return wordLatch[Int(register - LSM6DSReg.dsoFIFODataOutTag)]
        default:
            return registers[Int(register)]
        }
    }

    public override func chipNext(after register: UInt8) -> UInt8 {
        // FIFO output registers wrap so a burst streams words.
        if isDS3 && register == LSM6DSReg.ds3FIFODataOutL + 1 { return LSM6DSReg.ds3FIFODataOutL }
        if !isDS3 && register == LSM6DSReg.dsoFIFODataOutTag + 6 { return LSM6DSReg.dsoFIFODataOutTag }
        if registers[Int(LSM6DSReg.ctrl3C)] & LSM6DSReg.ifInc == 0 { return register }
        return register &+ 1
    }

    public override func latch(_ raw: RawSample) {
        putLE(250, at: 0x20) // temperature: 25 °C + 250/256
        putLE(raw.gx, at: 0x22); putLE(raw.gy, at: 0x24); putLE(raw.gz, at: 0x26)
        putLE(raw.ax, at: 0x28); putLE(raw.ay, at: 0x2A); putLE(raw.az, at: 0x2C)
        registers[Int(LSM6DSReg.status)] |= LSM6DSReg.statusXLDA | LSM6DSReg.statusGDA
        guard fifoEnabled else { return }
        if isDS3 {
            if fifo.free < 12 {
                fifo.drop(12) // continuous mode: the oldest sample set is overwritten
                overrun = true
            }
            pushLE(raw.gx); pushLE(raw.gy); pushLE(raw.gz)
            pushLE(raw.ax); pushLE(raw.ay); pushLE(raw.az)
        } else {
            if fifo.free < 2 * LSM6DSReg.dsoWordBytes {
                fifo.drop(2 * LSM6DSReg.dsoWordBytes)
                overrun = true
            }
            pushTagged(LSM6DSReg.dsoTagGyro, raw.gx, raw.gy, raw.gz)
            pushTagged(LSM6DSReg.dsoTagAccel, raw.ax, raw.ay, raw.az)
        }
    }

    private func pushLE(_ v: Int16) {
        let u = UInt16(bitPattern: v)
        fifo.push(UInt8(u & 0xFF))
        fifo.push(UInt8(u >> 8))
    }

    private func pushTagged(_ tag: UInt8, _ x: Int16, _ y: Int16, _ z: Int16) {
        let head = tag << 3 | (tagCounter & 0x03) << 1
        // TAG_PARITY makes the tag byte's bit count odd.
        fifo.push(head | (head.nonzeroBitCount % 2 == 0 ? 1 : 0))
        pushLE(x); pushLE(y); pushLE(z)
        if tag == LSM6DSReg.dsoTagAccel { tagCounter &+= 1 }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import ThrustCore

/// A register-level ICM-42688-P: soft reset (NACKs for 1 ms, then RESET_DONE), sensors off
/// until PWR_MGMT0 turns them on, invalid data (−32768) during the gyro start-up, clear-on-read
/// INT_STATUS, and a FIFO of 16-byte packets with FIFO_FULL on overflow.
public final class SimulatedICM42688: SimulatedIMU {
    private var fifo = ByteFIFO(capacity: ICM42688Reg.fifoBytes)
    private var latchedCount = 0
    private var powerUpTime: Double?
    /// Data read −32768 for this long after power-up, s (gyro start-up).
    public var startupInvalid_s = 0.03
    private var timestamp: UInt16 = 0

    /// ODR code → Hz (0 = not a low-noise rate we model).
    private static let odrHz: [Double] = [0, 32000, 16000, 8000, 4000, 2000, 1000, 200, 100, 50, 25, 12.5, 0, 0, 0, 500]

    public init(clock: any HardwareClock, source: @escaping () -> Sample?) {
        super.init(chip: .icm42688, clock: clock, source: source)
    }

    /// Bytes in the FIFO.
    public var fifoBytes: Int { fifo.count }

    public override func resetRegisters() {
        registers = [UInt8](repeating: 0, count: 256)
        registers[Int(ICM42688Reg.whoAmI)] = chip.whoAmI
        registers[Int(ICM42688Reg.intfConfig0)] = 0x30
        registers[Int(ICM42688Reg.gyroConfig0)] = 0x06
        registers[Int(ICM42688Reg.accelConfig0)] = 0x06
        registers[Int(ICM42688Reg.gyroAccelConfig0)] = 0x11
        fifo.removeAll()
        powerUpTime = nil
    }

    public override var outputPeriod: Double? {
        let power = registers[Int(ICM42688Reg.pwrMgmt0)]
        guard power & 0x03 == 0x03, power >> 2 & 0x03 == 0x03 else { return nil }
        let hz = SimulatedICM42688.odrHz[Int(registers[Int(ICM42688Reg.accelConfig0)] & 0x0F)]
        return hz > 0 ? 1 / hz : nil
    }

    public override var accelLSBPerG: Double {
        let code = registers[Int(ICM42688Reg.accelConfig0)] >> 5 & 0x07
        return ICM42688Reg.accelRanges.first { $0.code == code }?.lsbPerG ?? 2048
    }

    public override var gyroLSBPerDps: Double {
        let code = registers[Int(ICM42688Reg.gyroConfig0)] >> 5 & 0x07
        return ICM42688Reg.gyroRanges.first { $0.code == code }?.lsbPerDps ?? 16.4
    }

    public override func willAccess() throws(HardwareError) {
        // During a soft reset the chip does not answer.
        if let until = resetUntil, clock.now() < until || resetNeverCompletes {
            throw HardwareError.fromErrno(ENXIO, "ICM-42688-P in reset")
        }
        try super.willAccess()
    }

    public override func resetFinished() {
        registers[Int(ICM42688Reg.intStatus)] |= ICM42688Reg.intResetDone
    }

    public override func onPowerUp(at time: Double) {
        powerUpTime = time
    }

    public override func chipWrite(_ register: UInt8, _ value: UInt8) {
        switch register {
        case ICM42688Reg.deviceConfig where value & ICM42688Reg.softReset != 0:
            powerCycle()
            resetUntil = clock.now() + resetDuration_s
        case ICM42688Reg.signalPathReset:
            if value & ICM42688Reg.fifoFlush != 0 {
                fifo.removeAll()
                registers[Int(ICM42688Reg.intStatus)] &= ~ICM42688Reg.intFIFOFull
            }
        case ICM42688Reg.whoAmI, ICM42688Reg.intStatus:
            break
        default:
            registers[Int(register)] = value
        }
    }

    public override func chipRead(_ register: UInt8) -> UInt8 {
        switch register {
        case ICM42688Reg.intStatus:
            let value = registers[Int(register)]
            registers[Int(register)] = 0
            return value
        case ICM42688Reg.fifoCountH:
            latchedCount = fifo.count
            return UInt8(latchedCount >> 8)
        case ICM42688Reg.fifoCountH + 1:
            return UInt8(latchedCount & 0xFF)
        case ICM42688Reg.fifoData:
            return fifo.pop() ?? ICM42688Reg.headerEmpty
        default:
            return registers[Int(register)]
        }
    }

    public override func chipNext(after register: UInt8) -> UInt8 {
        register == ICM42688Reg.fifoData ? register : register &+ 1
    }

    public override func latchStartup(at time: Double) -> Bool {
        guard let powerUpTime, time - powerUpTime < startupInvalid_s else { return false }
        let invalid = ICM42688Reg.invalidData
        store(RawSample(ax: invalid, ay: invalid, az: invalid, gx: invalid, gy: invalid, gz: invalid))
        return true
    }

    public override func latch(_ raw: RawSample) {
        store(raw)
    }

    private func store(_ raw: RawSample) {
        putBE(0, at: 0x1D) // 25 °C
        putBE(raw.ax, at: 0x1F); putBE(raw.ay, at: 0x21); putBE(raw.az, at: 0x23)
        putBE(raw.gx, at: 0x25); putBE(raw.gy, at: 0x27); putBE(raw.gz, at: 0x29)
        registers[Int(ICM42688Reg.intStatus)] |= ICM42688Reg.intDataReady
        let fifoOn = registers[Int(ICM42688Reg.fifoConfig)] >> 6 == 0x01
            && registers[Int(ICM42688Reg.fifoConfig1)] & 0x03 == 0x03
        guard fifoOn else { return }
        if fifo.free < ICM42688Reg.fifoPacketBytes {
            fifo.drop(ICM42688Reg.fifoPacketBytes)
            registers[Int(ICM42688Reg.intStatus)] |= ICM42688Reg.intFIFOFull
        }
        // Header: accel + gyro, ODR timestamp (bits 3:2 = 10).
        fifo.push(ICM42688Reg.headerAccel | ICM42688Reg.headerGyro | 0x08)
        for r in 0x1F...0x2A { fifo.push(registers[r]) }
        fifo.push(0) // temperature, 1 byte
        timestamp &+= 1
        fifo.push(UInt8(timestamp >> 8))
        fifo.push(UInt8(timestamp & 0xFF))
    }
}

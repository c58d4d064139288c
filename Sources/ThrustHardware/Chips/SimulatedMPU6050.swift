import ThrustCore

/// A register-level MPU-6050 / MPU-6500: reset, sleep, sample-rate divider and DLPF, ranges,
/// clear-on-read INT_STATUS with DATA_RDY, a byte FIFO that loses its oldest bytes on
/// overflow (FIFO_OFLOW_INT) like the real one.
public final class SimulatedMPU6050: SimulatedIMU {
    /// How INT_STATUS clears.
    public enum IntStatusBehaviour: Sendable {
        /// The real chip: reading clears it, writes are ignored.
        case clearOnRead
        /// The kernel's passive i2c-stub with the test feeder: only writing 0 clears it.
        case clearOnWrite
        /// Nobody clears it (a stub without its feeder): every poll sees the same sample.
        case sticky
    }

    public var intStatusBehaviour = IntStatusBehaviour.clearOnRead
    private var fifo: ByteFIFO
    /// FIFO_COUNT latched when its high byte is read (a burst reads a consistent pair).
    private var latchedCount = 0
    private var lastFIFOByte: UInt8 = 0

    public override init(chip: IMUChip = .mpu6050, clock: any HardwareClock, source: @escaping () -> Sample?) {
        fifo = ByteFIFO(capacity: chip == .mpu6500 ? MPU6050Reg.fifoBytesMPU6500 : MPU6050Reg.fifoBytesMPU6050)
        super.init(chip: chip == .mpu6500 ? .mpu6500 : .mpu6050, clock: clock, source: source)
    }

    public var fifoCount: Int { fifo.count }

    /// FIFO_EN bit → first data register and length, in the order data enter the FIFO.
    private static let fifoSources: [(UInt8, Int, Int)] = [
        (0x08, 0x3B, 6), (0x80, 0x41, 2), (0x40, 0x43, 2), (0x20, 0x45, 2), (0x10, 0x47, 2),
    ]

    public override func resetRegisters() {
        registers = [UInt8](repeating: 0, count: 256)
        registers[Int(MPU6050Reg.pwrMgmt1)] = MPU6050Reg.sleep
        registers[Int(MPU6050Reg.whoAmI)] = chip.whoAmI
        fifo.removeAll()
    }

    public override var outputPeriod: Double? {
        let power = registers[Int(MPU6050Reg.pwrMgmt1)]
        if power & (MPU6050Reg.sleep | MPU6050Reg.deviceReset) != 0 { return nil }
        let dlpf = registers[Int(MPU6050Reg.config)] & 0x07
        let gyroRate = (dlpf == 0 || dlpf == 7) ? 8000.0 : 1000.0
        return (1 + Double(registers[Int(MPU6050Reg.smplrtDiv)])) / gyroRate
    }

    public override var accelLSBPerG: Double {
        MPU6050Reg.accelRanges[Int(registers[Int(MPU6050Reg.accelConfig)] >> 3 & 0x03)].lsbPerG
    }

    public override var gyroLSBPerDps: Double {
        MPU6050Reg.gyroRanges[Int(registers[Int(MPU6050Reg.gyroConfig)] >> 3 & 0x03)].lsbPerDps
    }

    public override func chipWrite(_ register: UInt8, _ value: UInt8) {
        switch register {
        case MPU6050Reg.pwrMgmt1 where value & MPU6050Reg.deviceReset != 0:
            // Every register back to its power-on value; the bit reads 1 until done.
            powerCycle()
            registers[Int(MPU6050Reg.pwrMgmt1)] = MPU6050Reg.deviceReset | MPU6050Reg.sleep
            resetUntil = clock.now() + resetDuration_s
        case MPU6050Reg.intStatus:
            if intStatusBehaviour == .clearOnWrite { registers[Int(register)] = value }
        case MPU6050Reg.whoAmI:
            break // read-only
        case MPU6050Reg.userCtrl:
            if value & MPU6050Reg.userCtrlFIFOReset != 0 { fifo.removeAll() }
            registers[Int(register)] = value & ~MPU6050Reg.userCtrlFIFOReset // self-clearing
        case MPU6050Reg.fifoRW:
            fifo.push(value)
        default:
            registers[Int(register)] = value
        }
    }

    public override func resetFinished() {
        registers[Int(MPU6050Reg.pwrMgmt1)] = MPU6050Reg.sleep
    }

    public override func chipRead(_ register: UInt8) -> UInt8 {
        switch register {
        case MPU6050Reg.intStatus:
            let value = registers[Int(register)]
            if intStatusBehaviour == .clearOnRead { registers[Int(register)] = 0 } // cleared by reading
            return value
        case MPU6050Reg.fifoCountH:
            latchedCount = fifo.count
            return UInt8(latchedCount >> 8)
        case MPU6050Reg.fifoCountH + 1:
            return UInt8(latchedCount & 0xFF)
        case MPU6050Reg.fifoRW:
            // Reading an empty FIFO returns the last byte again (datasheet).
            if let byte = fifo.pop() { lastFIFOByte = byte }
            return lastFIFOByte
        default:
            return registers[Int(register)]
        }
    }

    public override func chipNext(after register: UInt8) -> UInt8 {
        register == MPU6050Reg.fifoRW ? register : register &+ 1
    }

    public override func latch(_ raw: RawSample) {
        putBE(raw.ax, at: 0x3B); putBE(raw.ay, at: 0x3D); putBE(raw.az, at: 0x3F)
        putBE(-3920, at: 0x41) // ≈ 25 °C: T = raw / 340 + 36.53
        putBE(raw.gx, at: 0x43); putBE(raw.gy, at: 0x45); putBE(raw.gz, at: 0x47)
        registers[Int(MPU6050Reg.intStatus)] |= MPU6050Reg.intDataReady
        let userCtrl = registers[Int(MPU6050Reg.userCtrl)]
        let enabled = registers[Int(MPU6050Reg.fifoEnable)]
        guard userCtrl & MPU6050Reg.userCtrlFIFOEnable != 0, enabled != 0 else { return }
        // Data go in register order: accel (bit 3), temperature (7), gyro x/y/z (6/5/4).
        for (mask, start, length) in SimulatedMPU6050.fifoSources where enabled & mask != 0 {
            for r in start..<(start + length) {
                if fifo.free == 0 {
                    fifo.drop(1) // the oldest byte is lost
                    registers[Int(MPU6050Reg.intStatus)] |= MPU6050Reg.intFIFOOverflow
                }
                fifo.push(registers[r])
            }
        }
    }
}

/// The parts of the MPU-6050 register map the emulator needs (datasheet RM-MPU-6000A-00 rev 4.2).
enum MPU6050 {
    static let gyroConfig: UInt8 = 0x1B   // FS_SEL in bits 4:3
    static let accelConfig: UInt8 = 0x1C  // AFS_SEL in bits 4:3
    static let intStatus: UInt8 = 0x3A    // bit 0 DATA_RDY_INT; the 14 data bytes follow at 0x3B
    static let pwrMgmt1: UInt8 = 0x6B     // bit 7 DEVICE_RESET, bit 6 SLEEP
    static let whoAmI: UInt8 = 0x75

    static let whoAmIValue: UInt8 = 0x68
    static let deviceResetBit: UInt8 = 0x80
    static let sleepBit: UInt8 = 0x40
    static let dataReadyBit: UInt8 = 0x01
    /// Power-on / after-reset value of PWR_MGMT_1: asleep.
    static let pwrMgmt1PowerOn: UInt8 = 0x40

    static let standardGravityMps2 = 9.80665
    /// Accelerometer sensitivity, LSB per g, for AFS_SEL 0…3 (±2/4/8/16 g).
    static let accelLsbPerG: [Double] = [16384, 8192, 4096, 2048]
    static let accelRangeG: [Int] = [2, 4, 8, 16]
    /// Gyro sensitivity, LSB per °/s, for FS_SEL 0…3 (±250/500/1000/2000 °/s): the datasheet's
    /// nominal values, which the driver (MPU6050Reg.gyroRanges) decodes with too.
    static let gyroLsbPerDps: [Double] = [131, 65.5, 32.8, 16.4]
    static let gyroRangeDps: [Int] = [250, 500, 1000, 2000]

    /// Temperature register for 25 °C: T = raw / 340 + 36.53.
    static let temperatureRaw25C: Int16 = Int16((25.0 - 36.53) * 340.0)

    /// The register file after power-on or DEVICE_RESET: all zero except these.
    static func powerOnRegisterFile() -> [UInt8] {
        var file = [UInt8](repeating: 0, count: 256)
        file[Int(pwrMgmt1)] = pwrMgmt1PowerOn
        file[Int(whoAmI)] = whoAmIValue
        return file
    }
}

/// Full-scale selection read back from GYRO_CONFIG / ACCEL_CONFIG, and the scaling it implies.
struct SensorScale: Equatable {
    var accelSelect: Int  // AFS_SEL 0…3
    var gyroSelect: Int   // FS_SEL 0…3

    init(gyroConfig: UInt8, accelConfig: UInt8) {
        accelSelect = Int((accelConfig >> 3) & 0x3)
        gyroSelect = Int((gyroConfig >> 3) & 0x3)
    }

    var accelLsbPerMps2: Double { MPU6050.accelLsbPerG[accelSelect] / MPU6050.standardGravityMps2 }
    var gyroLsbPerRadps: Double { MPU6050.gyroLsbPerDps[gyroSelect] * 180.0 / Double.pi }

    var summary: String {
        "accel ±\(MPU6050.accelRangeG[accelSelect]) g (\(MPU6050.accelLsbPerG[accelSelect]) LSB/g), "
            + "gyro ±\(MPU6050.gyroRangeDps[gyroSelect]) °/s (\(MPU6050.gyroLsbPerDps[gyroSelect]) LSB/(°/s))"
    }
}

/// One sample as the chip's registers hold it: big-endian int16 counts.
struct RawSample: Equatable {
    var accel: (Int16, Int16, Int16)
    var gyro: (Int16, Int16, Int16)

    static func == (lhs: RawSample, rhs: RawSample) -> Bool {
        lhs.accel == rhs.accel && lhs.gyro == rhs.gyro
    }

    /// Quantises SI values (m/s², rad/s) at `scale`, saturating like the chip does.
    init(si values: ArraySlice<Float>, scale: SensorScale) {
        let base = values.startIndex
        func count(_ index: Int, _ lsbPerUnit: Double) -> Int16 {
            let scaled = (Double(values[base + index]) * lsbPerUnit).rounded()
            guard scaled.isFinite else { return 0 }
            return Int16(max(-32768, min(32767, scaled)))
        }
        accel = (count(0, scale.accelLsbPerMps2), count(1, scale.accelLsbPerMps2), count(2, scale.accelLsbPerMps2))
        gyro = (count(3, scale.gyroLsbPerRadps), count(4, scale.gyroLsbPerRadps), count(5, scale.gyroLsbPerRadps))
    }

    /// The same sample nudged by `step` LSB on every axis (saturating), so repeated filler
    /// samples are never bit-identical (a driver may treat frozen data as a fault).
    func dithered(_ step: Int16) -> RawSample {
        func nudge(_ value: Int16) -> Int16 { value.addingReportingOverflow(step).overflow ? value : value &+ step }
        var copy = self
        copy.accel = (nudge(accel.0), nudge(accel.1), nudge(accel.2))
        copy.gyro = (nudge(gyro.0), nudge(gyro.1), nudge(gyro.2))
        return copy
    }

    var allCounts: [Int16] { [accel.0, accel.1, accel.2, gyro.0, gyro.1, gyro.2] }

    /// The 15-byte burst at INT_STATUS: [DATA_RDY, ACCEL_X_H … ACCEL_Z_L, TEMP_H, TEMP_L, GYRO_X_H … GYRO_Z_L].
    func dataReadyBlock() -> [UInt8] {
        var block: [UInt8] = [MPU6050.dataReadyBit]
        block.reserveCapacity(15)
        for value in [accel.0, accel.1, accel.2, MPU6050.temperatureRaw25C, gyro.0, gyro.1, gyro.2] {
            let bits = UInt16(bitPattern: value)
            block.append(UInt8(bits >> 8))
            block.append(UInt8(bits & 0xFF))
        }
        return block
    }
}

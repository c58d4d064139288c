/// InvenSense MPU-6050 / MPU-6500 register map (RM-MPU-6000A rev 4.2, RM-MPU-6500A rev 2.1).
/// Sensor data are big-endian int16, high byte first.
public enum MPU6050Reg {
    /// Sample rate = gyro output rate (1 kHz with the DLPF on) / (1 + SMPLRT_DIV).
    public static let smplrtDiv: UInt8 = 0x19
    /// CONFIG: EXT_SYNC_SET [5:3], DLPF_CFG [2:0]; MPU-6500 also FIFO_MODE [6].
    public static let config: UInt8 = 0x1A
    /// GYRO_CONFIG: FS_SEL [4:3] (±250/500/1000/2000 °/s); MPU-6500 FCHOICE_B [1:0].
    public static let gyroConfig: UInt8 = 0x1B
    /// ACCEL_CONFIG: AFS_SEL [4:3] (±2/4/8/16 g).
    public static let accelConfig: UInt8 = 0x1C
    /// MPU-6500 only: ACCEL_CONFIG2: ACCEL_FCHOICE_B [3], A_DLPF_CFG [2:0].
    public static let accelConfig2: UInt8 = 0x1D
    /// FIFO_EN: TEMP [7], XG [6], YG [5], ZG [4], ACCEL [3], SLV2..0.
    public static let fifoEnable: UInt8 = 0x23
    public static let intPinConfig: UInt8 = 0x37
    /// INT_ENABLE: FIFO_OFLOW_EN [4], DATA_RDY_EN [0].
    public static let intEnable: UInt8 = 0x38
    /// INT_STATUS: FIFO_OFLOW_INT [4], DATA_RDY_INT [0]; cleared by reading it.
    public static let intStatus: UInt8 = 0x3A
    /// ACCEL_XOUT_H … ACCEL_ZOUT_L (0x3B–0x40), TEMP_OUT (0x41–0x42), GYRO_XOUT_H … GYRO_ZOUT_L (0x43–0x48).
    public static let accelXoutH: UInt8 = 0x3B
    public static let tempOutH: UInt8 = 0x41
    public static let gyroXoutH: UInt8 = 0x43
    public static let signalPathReset: UInt8 = 0x68
    /// USER_CTRL: FIFO_EN [6], I2C_MST_EN [5], I2C_IF_DIS [4], FIFO_RESET [2], SIG_COND_RESET [0].
    public static let userCtrl: UInt8 = 0x6A
    /// PWR_MGMT_1: DEVICE_RESET [7], SLEEP [6], CYCLE [5], TEMP_DIS [3], CLKSEL [2:0].
    public static let pwrMgmt1: UInt8 = 0x6B
    public static let pwrMgmt2: UInt8 = 0x6C
    /// FIFO_COUNT_H/L: bytes in the FIFO, big-endian.
    public static let fifoCountH: UInt8 = 0x72
    /// FIFO_R_W: the FIFO port (reads do not advance the register pointer).
    public static let fifoRW: UInt8 = 0x74
    public static let whoAmI: UInt8 = 0x75

    // Bits and values.
    public static let deviceReset: UInt8 = 0x80
    public static let sleep: UInt8 = 0x40
    /// CLKSEL = 1: PLL with the X gyro as reference (recommended over the internal 8 MHz RC).
    public static let clockPLLGyroX: UInt8 = 0x01
    public static let intDataReady: UInt8 = 0x01
    public static let intFIFOOverflow: UInt8 = 0x10
    public static let userCtrlFIFOEnable: UInt8 = 0x40
    public static let userCtrlFIFOReset: UInt8 = 0x04
    /// FIFO_EN with XG, YG, ZG and ACCEL: 12 bytes per sample (accel XYZ then gyro XYZ).
    public static let fifoAccelGyro: UInt8 = 0x78
    /// INT_STATUS + 14 data bytes: one burst gives status and the whole sample.
    public static let statusAndDataLength = 15

    /// WHO_AM_I values.
    public static let whoAmIMPU6050: UInt8 = 0x68
    public static let whoAmIMPU6500: UInt8 = 0x70

    /// FIFO sizes, bytes.
    public static let fifoBytesMPU6050 = 1024
    public static let fifoBytesMPU6500 = 512
    public static let fifoBytesPerSample = 12

    /// DLPF_CFG 1…6 → (accel bandwidth Hz, gyro bandwidth Hz), MPU-6050 datasheet table.
    /// (0 and 7 switch the gyro to 8 kHz and are not used.)
    public static let dlpfBandwidthMPU6050: [(cfg: UInt8, accelHz: Double, gyroHz: Double)] = [
        (1, 184, 188), (2, 94, 98), (3, 44, 42), (4, 21, 20), (5, 10, 10), (6, 5, 5),
    ]
    /// MPU-6500: gyro DLPF_CFG and accel A_DLPF_CFG 1…6 → bandwidth Hz (both filters alike).
    public static let dlpfBandwidthMPU6500: [(cfg: UInt8, accelHz: Double, gyroHz: Double)] = [
        (1, 184, 184), (2, 92, 92), (3, 41, 41), (4, 20, 20), (5, 10, 10), (6, 5, 5),
    ]

    /// FS_SEL / AFS_SEL codes (bits 4:3) and sensitivities.
    public static let accelRanges: [(g: Int, code: UInt8, lsbPerG: Double)] = [
        (2, 0, 16384), (4, 1, 8192), (8, 2, 4096), (16, 3, 2048),
    ]
    public static let gyroRanges: [(dps: Int, code: UInt8, lsbPerDps: Double)] = [
        (250, 0, 131), (500, 1, 65.5), (1000, 2, 32.8), (2000, 3, 16.4),
    ]
}

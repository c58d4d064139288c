/// TDK InvenSense ICM-42688-P register map, user bank 0 (datasheet DS-000347 rev 1.x).
/// Sensor data are big-endian int16 (INTF_CONFIG0 default); −32768 marks invalid data.
public enum ICM42688Reg {
    /// DEVICE_CONFIG: SOFT_RESET_CONFIG [0]; wait 1 ms after setting it.
    public static let deviceConfig: UInt8 = 0x11
    /// FIFO_CONFIG: FIFO_MODE [7:6] (00 bypass, 01 stream-to-FIFO, 10 stop-on-full).
    public static let fifoConfig: UInt8 = 0x16
    /// TEMP_DATA1/0 (0x1D–0x1E), ACCEL_DATA_X1 … Z0 (0x1F–0x24), GYRO_DATA_X1 … Z0 (0x25–0x2A).
    public static let tempData1: UInt8 = 0x1D
    public static let accelDataX1: UInt8 = 0x1F
    public static let gyroDataX1: UInt8 = 0x25
    /// INT_STATUS: RESET_DONE [4], DATA_RDY [3], FIFO_THS [2], FIFO_FULL [1]; cleared on read.
    public static let intStatus: UInt8 = 0x2D
    /// FIFO_COUNTH/L: bytes in the FIFO, big-endian.
    public static let fifoCountH: UInt8 = 0x2E
    /// FIFO_DATA: the FIFO port (reads do not advance the register pointer).
    public static let fifoData: UInt8 = 0x30
    /// SIGNAL_PATH_RESET: FIFO_FLUSH [1].
    public static let signalPathReset: UInt8 = 0x4B
    public static let intfConfig0: UInt8 = 0x4C
    /// PWR_MGMT0: TEMP_DIS [5], IDLE [4], GYRO_MODE [3:2], ACCEL_MODE [1:0] (11 = low noise).
    public static let pwrMgmt0: UInt8 = 0x4E
    /// GYRO_CONFIG0: GYRO_FS_SEL [7:5], GYRO_ODR [3:0].
    public static let gyroConfig0: UInt8 = 0x4F
    /// ACCEL_CONFIG0: ACCEL_FS_SEL [7:5], ACCEL_ODR [3:0].
    public static let accelConfig0: UInt8 = 0x50
    /// GYRO_ACCEL_CONFIG0: ACCEL_UI_FILT_BW [7:4], GYRO_UI_FILT_BW [3:0].
    public static let gyroAccelConfig0: UInt8 = 0x52
    /// FIFO_CONFIG1: TEMP_EN [2], GYRO_EN [1], ACCEL_EN [0].
    public static let fifoConfig1: UInt8 = 0x5F
    /// INT_SOURCE0: UI_DRDY_INT1_EN [3], FIFO_THS_INT1_EN [2], FIFO_FULL_INT1_EN [1].
    public static let intSource0: UInt8 = 0x65
    public static let whoAmI: UInt8 = 0x75
    public static let bankSelect: UInt8 = 0x76

    public static let softReset: UInt8 = 0x01
    public static let intResetDone: UInt8 = 0x10
    public static let intDataReady: UInt8 = 0x08
    public static let intFIFOFull: UInt8 = 0x02
    public static let fifoFlush: UInt8 = 0x02
    /// Gyro and accel in low-noise mode, temperature on.
    public static let pwrLowNoise: UInt8 = 0x0F
    public static let fifoModeStream: UInt8 = 0x40
    public static let fifoModeBypass: UInt8 = 0x00
    /// Accel + gyro + temperature in the FIFO: 16-byte packets.
    public static let fifoAccelGyroTemp: UInt8 = 0x07
    public static let intSourceDataReady: UInt8 = 0x08
    public static let intSourceFIFOFull: UInt8 = 0x02

    /// FIFO packet 3: header, accel XYZ (6), gyro XYZ (6), temperature (1), timestamp (2).
    public static let fifoPacketBytes = 16
    /// Header bits: HEADER_MSG [7] (1 = FIFO empty), HEADER_ACCEL [6], HEADER_GYRO [5].
    public static let headerEmpty: UInt8 = 0x80
    public static let headerAccel: UInt8 = 0x40
    public static let headerGyro: UInt8 = 0x20
    /// 2 KiB FIFO.
    public static let fifoBytes = 2048
    public static let invalidData: Int16 = -32768

    public static let whoAmIICM42688: UInt8 = 0x47

    /// ODR codes (same for gyro and accel).
    public static let odrCodes: [(code: UInt8, hz: Double)] = [
        (0x09, 50), (0x08, 100), (0x07, 200), (0x0F, 500), (0x06, 1000),
    ]
    /// FS codes: 000 is the largest range.
    public static let accelRanges: [(g: Int, code: UInt8, lsbPerG: Double)] = [
        (2, 3, 16384), (4, 2, 8192), (8, 1, 4096), (16, 0, 2048),
    ]
    public static let gyroRanges: [(dps: Int, code: UInt8, lsbPerDps: Double)] = [
        (250, 3, 131), (500, 2, 65.5), (1000, 1, 32.8), (2000, 0, 16.4),
    ]
    /// UI filter bandwidth index 0: ODR/2; index 1: max(400 Hz, ODR)/4 (the reset default).
    public static let uiFilterODRDiv2: UInt8 = 0
    public static let uiFilterODRDiv4: UInt8 = 1
}

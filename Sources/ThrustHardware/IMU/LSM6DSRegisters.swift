/// ST LSM6DS3 and LSM6DSO/LSM6DSOX register map (datasheets DocID026899, DS12140, DS13050).
/// Sensor data are little-endian int16, low byte first. The DSO and DSOX share WHO_AM_I 0x6C
/// and the registers used here (the DSOX adds a machine-learning core we do not use).
public enum LSM6DSReg {
    public static let whoAmI: UInt8 = 0x0F
    /// CTRL1_XL: ODR_XL [7:4], FS_XL [3:2]; DS3: BW_XL [1:0] (anti-alias filter); DSO: LPF2_XL_EN [1].
    public static let ctrl1XL: UInt8 = 0x10
    /// CTRL2_G: ODR_G [7:4], FS_G [3:2], FS_125 [1].
    public static let ctrl2G: UInt8 = 0x11
    /// CTRL3_C: BOOT [7], BDU [6], H_LACTIVE [5], PP_OD [4], SIM [3], IF_INC [2], SW_RESET [0].
    public static let ctrl3C: UInt8 = 0x12
    /// CTRL4_C: DS3: XL_BW_SCAL_ODR [7] (use BW_XL); DSO: LPF1_SEL_G [1] (gyro LPF1 on).
    public static let ctrl4C: UInt8 = 0x13
    /// CTRL6_C: DSO: FTYPE [2:0] gyro LPF1 bandwidth.
    public static let ctrl6C: UInt8 = 0x15
    /// CTRL8_XL: DSO: HPCF_XL [7:5] accel LPF2 bandwidth.
    public static let ctrl8XL: UInt8 = 0x17
    /// STATUS_REG: TDA [2], GDA [1], XLDA [0]; cleared by reading the outputs.
    public static let status: UInt8 = 0x1E
    /// OUTX_L_G … OUTZ_H_G (0x22–0x27), then OUTX_L_A … OUTZ_H_A (0x28–0x2D).
    public static let outXLG: UInt8 = 0x22
    public static let outXLA: UInt8 = 0x28

    public static let swReset: UInt8 = 0x01
    public static let ifInc: UInt8 = 0x04
    public static let bdu: UInt8 = 0x40
    public static let statusXLDA: UInt8 = 0x01
    public static let statusGDA: UInt8 = 0x02

    // DS3 FIFO (untagged 16-bit words in the pattern Gx Gy Gz Ax Ay Az).
    /// FIFO_CTRL3: DEC_FIFO_GYRO [5:3], DEC_FIFO_XL [2:0] (1 = no decimation).
    public static let ds3FIFOCtrl3: UInt8 = 0x08
    /// FIFO_CTRL5: ODR_FIFO [6:3], FIFO_MODE [2:0].
    public static let ds3FIFOCtrl5: UInt8 = 0x0A
    /// FIFO_STATUS1..4: DIFF_FIFO [11:0] (words), OVER_RUN = STATUS2 [6], FIFO_EMPTY = STATUS2 [4],
    /// FIFO_PATTERN [9:0] in STATUS3/4 (index of the next word; 0 = gyro X).
    public static let ds3FIFOStatus1: UInt8 = 0x3A
    /// FIFO_DATA_OUT_L/H; a burst wraps from 0x3F back to 0x3E.
    public static let ds3FIFODataOutL: UInt8 = 0x3E
    public static let ds3WordsPerSample = 6
    /// 8 KiB of FIFO = 4096 words.
    public static let ds3FIFOWords = 4096

    // DSO FIFO (tagged 7-byte words: TAG, X_L, X_H, Y_L, Y_H, Z_L, Z_H).
    /// FIFO_CTRL3: BDR_GY [7:4], BDR_XL [3:0] (same codes as the ODR).
    public static let dsoFIFOCtrl3: UInt8 = 0x09
    /// FIFO_CTRL4: FIFO_MODE [2:0].
    public static let dsoFIFOCtrl4: UInt8 = 0x0A
    /// FIFO_STATUS1/2: DIFF_FIFO [9:0] (words), FIFO_OVR_IA = STATUS2 [6].
    public static let dsoFIFOStatus1: UInt8 = 0x3A
    /// FIFO_DATA_OUT_TAG; a burst wraps from 0x7E back to 0x78.
    public static let dsoFIFODataOutTag: UInt8 = 0x78
    public static let dsoTagGyro: UInt8 = 0x01
    public static let dsoTagAccel: UInt8 = 0x02
    public static let dsoWordBytes = 7
    /// 3 KiB of data = 512 words.
    public static let dsoFIFOWords = 512

    public static let fifoModeBypass: UInt8 = 0x00
    public static let fifoModeContinuous: UInt8 = 0x06
    public static let fifoOverrun: UInt8 = 0x40
    public static let fifoEmpty: UInt8 = 0x10

    public static let whoAmILSM6DS3: UInt8 = 0x69
    public static let whoAmILSM6DSO: UInt8 = 0x6C

    /// ODR codes 1…8 (same for accel, gyro and FIFO batching): 12.5 Hz × 2^(code−1),
    /// clocked from the 6.667 kHz base (104 Hz is really 104.17 Hz).
    public static let odrCodes: [(code: UInt8, hz: Double)] = [
        (3, 6666.67 / 128), (4, 6666.67 / 64), (5, 6666.67 / 32), (6, 6666.67 / 16),
        (7, 6666.67 / 8), (8, 6666.67 / 4),
    ]

    /// FS_XL codes are not monotonic: 00 ±2 g, 10 ±4 g, 11 ±8 g, 01 ±16 g. Sensitivity 0.061 mg/LSB at ±2 g.
    public static let accelRanges: [(g: Int, code: UInt8, lsbPerG: Double)] = [
        (2, 0, 1000 / 0.061), (4, 2, 1000 / 0.122), (8, 3, 1000 / 0.244), (16, 1, 1000 / 0.488),
    ]
    /// FS_G codes: 00 250, 01 500, 10 1000, 11 2000 °/s; 8.75 mdps/LSB at 250.
    public static let gyroRanges: [(dps: Int, code: UInt8, lsbPerDps: Double)] = [
        (250, 0, 1000 / 8.75), (500, 1, 1000 / 17.5), (1000, 2, 1000 / 35), (2000, 3, 1000 / 70),
    ]

    /// DS3 BW_XL codes: anti-aliasing filter bandwidth.
    public static let ds3AccelBandwidths: [(code: UInt8, hz: Double)] = [(0, 400), (1, 200), (2, 100), (3, 50)]
    /// DS3 CTRL4_C: XL_BW_SCAL_ODR — take the bandwidth from BW_XL instead of the ODR.
    public static let ds3BandwidthFromBWXL: UInt8 = 0x80
    /// DSO CTRL1_XL LPF2_XL_EN.
    public static let dsoLPF2Enable: UInt8 = 0x02
    /// DSO CTRL4_C LPF1_SEL_G.
    public static let dsoGyroLPF1Enable: UInt8 = 0x02
}

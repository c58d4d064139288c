/// A chip found by its WHO_AM_I.
public struct DetectedIMU: Sendable, Equatable {
    public var chip: IMUChip
    public var address: UInt8
    public var whoAmI: UInt8

    public init(chip: IMUChip, address: UInt8, whoAmI: UInt8) {
        self.chip = chip
        self.address = address
        self.whoAmI = whoAmI
    }
}

/// The outcome of probing the IMU addresses on one bus.
public struct DetectionResult: Sendable, Equatable {
    /// Supported chips found, in address order.
    public var found: [DetectedIMU]
    /// Addresses that answered but not as a supported chip, or failed with something worse than
    /// a NACK (which just means "nothing there").
    public var problems: [HardwareError]
}

/// WHO_AM_I detection at 0x68/0x69 (InvenSense: MPU-6050, MPU-6500, ICM-42688-P; register 0x75)
/// and 0x6A/0x6B (ST: LSM6DS3, LSM6DSO/DSOX; register 0x0F).
public enum IMUDetector {
    public static let invenSenseAddresses: [UInt8] = [0x68, 0x69]
    public static let stAddresses: [UInt8] = [0x6A, 0x6B]
    public static let allAddresses: [UInt8] = invenSenseAddresses + stAddresses

    /// The chips that can sit at `address`, with the WHO_AM_I register they share.
    static func candidates(at address: UInt8) -> (register: UInt8, chips: [IMUChip])? {
        if invenSenseAddresses.contains(address) {
            return (MPU6050Reg.whoAmI, [.mpu6050, .mpu6500, .icm42688])
        }
        if stAddresses.contains(address) {
            return (LSM6DSReg.whoAmI, [.lsm6ds3, .lsm6dso])
        }
        return nil
    }

    /// Probes one address. Returns nil when nothing answers (NACK); throws `.wrongChip` when
    /// something answers with an unknown identity, or the bus error.
    public static func identify(on bus: any I2CBus, address: UInt8) throws(HardwareError) -> DetectedIMU? {
        guard let (register, chips) = candidates(at: address) else {
            throw HardwareError(.invalidConfiguration,
                                "address 0x\(hex(address)): expected 0x68 or 0x69 (InvenSense) or 0x6a or 0x6b (ST)")
        }
        let value: UInt8
        do {
            value = try bus.readByte(address, register)
        } catch {
            if error.kind == .nack { return nil }
            throw error
        }
        guard let chip = chips.first(where: { $0.whoAmI == value }) else {
            let expected = chips.map { "0x\(hex($0.whoAmI)) (\($0.displayName))" }.joined(separator: ", ")
            throw HardwareError(.wrongChip(whoAmI: value),
                                "device at 0x\(hex(address)) on \(bus.path): WHO_AM_I (0x\(hex(register))) reads "
                                + "0x\(hex(value)); expected \(expected)")
        }
        return DetectedIMU(chip: chip, address: address, whoAmI: value)
    }

    /// Probes every IMU address (or just `addresses`).
    public static func scan(_ bus: any I2CBus, addresses: [UInt8] = allAddresses) -> DetectionResult {
        var result = DetectionResult(found: [], problems: [])
        for address in addresses {
            do {
                if let found = try identify(on: bus, address: address) { result.found.append(found) }
            } catch {
                result.problems.append(error)
            }
        }
        return result
    }

    /// The first supported chip at `address` (or at any IMU address); throws the most telling
    /// error when there is none.
    public static func detectOne(_ bus: any I2CBus, address: UInt8? = nil) throws(HardwareError) -> DetectedIMU {
        if let address {
            if let found = try identify(on: bus, address: address) { return found }
            throw HardwareError(.noIMUFound, "nothing answers at 0x\(hex(address)) on \(bus.path)")
        }
        let result = scan(bus)
        if let first = result.found.first { return first }
        // A bus-level failure (node gone, timeout) matters more than "wrong chip".
        if let busError = result.problems.first(where: { if case .wrongChip = $0.kind { return false } else { return true } }) {
            throw busError
        }
        if let wrong = result.problems.first { throw wrong }
        throw HardwareError(.noIMUFound, "no IMU answers at 0x68, 0x69, 0x6a or 0x6b on \(bus.path)")
    }
}

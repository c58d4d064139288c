/// An I2C sample source as the command line names it (SPEC §2): `i2c:/dev/i2c-1` (chip
/// detected by WHO_AM_I) or `i2c:/dev/i2c-1@0x68` (that address only).
public struct I2CSourceSpec: Sendable, Equatable, CustomStringConvertible {
    public var busPath: String
    public var address: UInt8?

    public init(busPath: String, address: UInt8? = nil) {
        self.busPath = busPath
        self.address = address
    }

    public init(parsing text: String) throws(HardwareError) {
        let usage = "expected i2c:/dev/i2c-N or i2c:/dev/i2c-N@0x68"
        guard text.hasPrefix("i2c:") else {
            throw HardwareError(.invalidConfiguration, "source '\(text)': \(usage)")
        }
        var rest = Substring(text.dropFirst(4))
        var address: UInt8?
        if let at = rest.lastIndex(of: "@") {
            let addressText = rest[rest.index(after: at)...]
            rest = rest[..<at]
            let value: Int?
            if addressText.hasPrefix("0x") || addressText.hasPrefix("0X") {
                value = Int(addressText.dropFirst(2), radix: 16)
            } else {
                value = Int(addressText)
            }
            guard let value, (0x03...0x77).contains(value) else {
                throw HardwareError(.invalidConfiguration,
                                    "source '\(text)': address '\(addressText)' is not a 7-bit I2C address like 0x68")
            }
            address = UInt8(value)
        }
        guard rest.hasPrefix("/"), rest.count > 1 else {
            throw HardwareError(.invalidConfiguration, "source '\(text)': \(usage)")
        }
        busPath = String(rest)
        self.address = address
    }

    public var description: String {
        "i2c:\(busPath)" + (address.map { "@0x\(hex($0))" } ?? "")
    }
}

import CI2C
#if canImport(Glibc)
import Glibc
#endif

/// An I2C failure with the errno that caused it.
struct BusError: Error, CustomStringConvertible {
    var operation: String
    var errnoValue: Int32

    var description: String {
        let text = strerror(errnoValue).map { String(cString: $0) } ?? "errno \(errnoValue)"
        return "\(operation): \(text) (errno \(errnoValue))"
    }

    /// The bus or the device is gone for good (module unloaded, node removed): reopen later.
    var busVanished: Bool {
        errnoValue == ENODEV || errnoValue == ENOENT || errnoValue == ENXIO || errnoValue == EBADF
    }
}

/// The chip side of `/dev/i2c-N`: SMBus byte and I2C-block transfers to one address through
/// libi2c. i2c-stub offers no raw `I2C_RDWR`, so everything goes through `i2c_smbus_*`.
final class StubBus {
    let path: String
    let address: UInt8
    private let fd: Int32

    init(path: String, address: UInt8) throws(BusError) {
        self.path = path
        self.address = address
        let opened = path.withCString { open($0, O_RDWR | O_CLOEXEC) }
        guard opened >= 0 else { throw BusError(operation: "open \(path)", errnoValue: errno) }
        // I2C_SLAVE (0x0703): later transfers on this descriptor go to `address`.
        guard ioctl(opened, UInt(I2C_SLAVE), CInt(address)) >= 0 else {
            let saved = errno
            close(opened)
            throw BusError(operation: "ioctl(I2C_SLAVE, 0x\(hex(address))) on \(path)", errnoValue: saved)
        }
        fd = opened
    }

    deinit { close(fd) }

    func readByte(_ register: UInt8) throws(BusError) -> UInt8 {
        let value = i2c_smbus_read_byte_data(fd, register)
        guard value >= 0 else { throw BusError(operation: "read 0x\(hex(register))", errnoValue: errno) }
        return UInt8(truncatingIfNeeded: value)
    }

    func writeByte(_ register: UInt8, _ value: UInt8) throws(BusError) {
        guard i2c_smbus_write_byte_data(fd, register, value) >= 0 else {
            throw BusError(operation: "write 0x\(hex(register))", errnoValue: errno)
        }
    }

    /// One I2C-block read of `count` (≤ 32) registers from `register` on.
    func readBlock(_ register: UInt8, count: Int) throws(BusError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let got = bytes.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return 0 }
            return i2c_smbus_read_i2c_block_data(fd, register, UInt8(buffer.count), base)
        }
        guard got >= 0 else { throw BusError(operation: "block read 0x\(hex(register))", errnoValue: errno) }
        guard Int(got) == count else { throw BusError(operation: "block read 0x\(hex(register)): \(got) of \(count) bytes", errnoValue: EIO) }
        return bytes
    }

    /// One I2C-block write (≤ 32 bytes): i2c-stub applies it under the adapter lock, so a
    /// reader never sees half of it.
    func writeBlock(_ register: UInt8, _ bytes: [UInt8]) throws(BusError) {
        let status = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return 0 }
            return i2c_smbus_write_i2c_block_data(fd, register, UInt8(buffer.count), base)
        }
        guard status >= 0 else { throw BusError(operation: "block write 0x\(hex(register))", errnoValue: errno) }
    }
}

func hex(_ value: UInt8) -> String {
    let digits = String(value, radix: 16, uppercase: false)
    return value < 16 ? "0" + digits : digits
}

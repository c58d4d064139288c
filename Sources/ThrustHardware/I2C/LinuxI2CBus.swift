#if canImport(Glibc)
import Glibc
#endif

/// A real bus: /dev/i2c-N through i2c-dev, `I2C_SLAVE` and libi2c's `i2c_smbus_*`.
public final class LinuxI2CBus: I2CBus {
    public let path: String
    private let sys: SystemCalls
    private var fd: Int32
    /// The address last given to I2C_SLAVE, so it is set only when it changes.
    private var selectedAddress: UInt8?
    /// The group owning the node, for permission hints.
    private let group: String

    /// Functionality bit for SMBus I2C-block reads (linux/i2c.h I2C_FUNC_SMBUS_READ_I2C_BLOCK).
    static let funcReadI2CBlock = 0x0400_0000

    /// Opens the device node. Fails with `.notFound` when it does not exist, `.permissionDenied`
    /// (naming the group to join) when it is not accessible, `.unsupported` when the adapter
    /// cannot do I2C-block reads.
    public init(path: String, sys: SystemCalls = .live) throws(HardwareError) {
        self.path = path
        self.sys = sys
        group = sys.groupOwning(path) ?? "i2c"
        let opened = sys.retryingEINTR { sys.open(path, O_RDWR | O_CLOEXEC) }
        if opened < 0 {
            var error = HardwareError.fromErrno(-opened, "open \(path)", group: group)
            if error.kind == .notFound {
                error.context = "open \(path): no such I2C bus (is i2c-dev loaded and the bus enabled?)"
            }
            throw error
        }
        fd = opened
        let funcs = sys.adapterFunctions(fd)
        if funcs >= 0 && funcs & LinuxI2CBus.funcReadI2CBlock == 0 {
            _ = sys.close(fd)
            fd = -1
            throw HardwareError(.unsupported, "\(path): adapter has no SMBus I2C-block read")
        }
    }

    deinit {
        if fd >= 0 { _ = sys.close(fd) }
    }

    public func close() {
        if fd >= 0 { _ = sys.close(fd) }
        fd = -1
        selectedAddress = nil
    }

    @inline(__always)
    private func select(_ address: UInt8) throws(HardwareError) {
        guard fd >= 0 else { throw HardwareError(.noDevice, "\(path) is closed") }
        if selectedAddress == address { return }
        let r = sys.retryingEINTR { sys.setSlaveAddress(fd, address, false) }
        if r < 0 {
            var error = HardwareError.fromErrno(-r, "select 0x\(hex(address)) on \(path)", group: group)
            if error.kind == .busy {
                error.context += " (a kernel driver is bound to it; unbind it under /sys/bus/i2c/drivers)"
            }
            throw error
        }
        selectedAddress = address
    }

    public func readByte(_ address: UInt8, _ register: UInt8) throws(HardwareError) -> UInt8 {
        try select(address)
        let value = try sys.checked("read 0x\(hex(register)) at 0x\(hex(address)) on \(path)", group: group) {
            sys.smbusReadByteData(fd, register)
        }
        return UInt8(truncatingIfNeeded: value)
    }

    public func writeByte(_ address: UInt8, _ register: UInt8, _ value: UInt8) throws(HardwareError) {
        try select(address)
        _ = try sys.checked("write 0x\(hex(register)) at 0x\(hex(address)) on \(path)", group: group) {
            sys.smbusWriteByteData(fd, register, value)
        }
    }

    public func readBlock(_ address: UInt8, _ register: UInt8,
                          into buffer: UnsafeMutableBufferPointer<UInt8>) throws(HardwareError) {
        guard buffer.count > 0, buffer.count <= i2cBlockMax else {
            throw HardwareError(.invalidArgument, "block read of \(buffer.count) bytes (1…32 allowed)")
        }
        try select(address)
        let n = try sys.checked("block read 0x\(hex(register))+\(buffer.count) at 0x\(hex(address)) on \(path)",
                                group: group) {
            sys.smbusReadI2CBlock(fd, register, buffer)
        }
        if n != buffer.count {
            throw HardwareError(.io, "block read 0x\(hex(register)) at 0x\(hex(address)) on \(path): "
                                + "short read, \(n) of \(buffer.count) bytes")
        }
    }

    public func writeBlock(_ address: UInt8, _ register: UInt8,
                           _ bytes: UnsafeBufferPointer<UInt8>) throws(HardwareError) {
        guard bytes.count > 0, bytes.count <= i2cBlockMax else {
            throw HardwareError(.invalidArgument, "block write of \(bytes.count) bytes (1…32 allowed)")
        }
        try select(address)
        _ = try sys.checked("block write 0x\(hex(register))+\(bytes.count) at 0x\(hex(address)) on \(path)",
                            group: group) {
            sys.smbusWriteI2CBlock(fd, register, bytes)
        }
    }
}

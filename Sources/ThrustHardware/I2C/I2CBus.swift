/// One I2C bus as the IMU drivers see it: SMBus byte transfers and I2C-block transfers of
/// at most 32 bytes (the SMBus block limit, which is all libi2c and i2c-stub offer).
///
/// A bus is used from one thread at a time (the reader's).
public protocol I2CBus: AnyObject {
    /// "/dev/i2c-1", or a fake's name.
    var path: String { get }
    /// SMBus read byte data: one register.
    func readByte(_ address: UInt8, _ register: UInt8) throws(HardwareError) -> UInt8
    /// SMBus write byte data: one register.
    func writeByte(_ address: UInt8, _ register: UInt8, _ value: UInt8) throws(HardwareError)
    /// I2C-block read of `buffer.count` (1…32) bytes starting at `register`.
    func readBlock(_ address: UInt8, _ register: UInt8, into buffer: UnsafeMutableBufferPointer<UInt8>) throws(HardwareError)
    /// I2C-block write of 1…32 bytes starting at `register`.
    func writeBlock(_ address: UInt8, _ register: UInt8, _ bytes: UnsafeBufferPointer<UInt8>) throws(HardwareError)
    /// Releases the device node; later calls fail with `.noDevice`.
    func close()
}

/// The SMBus limit on one block transfer, bytes.
public let i2cBlockMax = 32

extension I2CBus {
    /// Convenience for init sequences and tests: block write from an array.
    public func writeBlock(_ address: UInt8, _ register: UInt8, _ bytes: [UInt8]) throws(HardwareError) {
        guard !bytes.isEmpty, bytes.count <= i2cBlockMax else {
            throw HardwareError(.invalidArgument, "block write of \(bytes.count) bytes (1…32 allowed)")
        }
        // withUnsafeBufferPointer cannot forward a typed error; capture it instead.
        var failure: HardwareError?
        bytes.withUnsafeBufferPointer { buffer in
            do throws(HardwareError) { try writeBlock(address, register, buffer) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    /// Convenience: block read into a new array (allocates; not for the sample path).
    public func readBlock(_ address: UInt8, _ register: UInt8, count: Int) throws(HardwareError) -> [UInt8] {
        guard count > 0, count <= i2cBlockMax else {
            throw HardwareError(.invalidArgument, "block read of \(count) bytes (1…32 allowed)")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        var failure: HardwareError?
        bytes.withUnsafeMutableBufferPointer { buffer in
            do throws(HardwareError) { try readBlock(address, register, into: buffer) } catch { failure = error }
        }
        if let failure { throw failure }
        return bytes
    }
}

/// The I2C buses the kernel offers, from /dev/i2c-N, in numeric order.
public func listI2CBuses(sys: SystemCalls = .live) -> [String] {
    guard let names = sys.listDirectory("/dev") else { return [] }
    let numbers = names.compactMap { name -> Int? in
        guard name.hasPrefix("i2c-") else { return nil }
        return Int(name.dropFirst(4))
    }
    return numbers.sorted().map { "/dev/i2c-\($0)" }
}

#if canImport(Glibc)
import Glibc
#endif

/// A device on a `FakeI2CBus`: it sees whole transactions, like a chip on the wire.
public protocol FakeI2CDevice: AnyObject {
    /// A block (or single byte) read starting at `register`.
    func read(_ register: UInt8, into buffer: UnsafeMutableBufferPointer<UInt8>) throws(HardwareError)
    /// A block (or single byte) write starting at `register`.
    func write(_ register: UInt8, _ bytes: UnsafeBufferPointer<UInt8>) throws(HardwareError)
}

/// A 256-byte register file with auto-increment, the base of every fake chip. Subclasses give
/// registers behaviour by overriding the per-byte hooks.
open class RegisterFileDevice: FakeI2CDevice {
    /// The raw register contents.
    public var registers: [UInt8]

    public init(defaults: [UInt8: UInt8] = [:]) {
        registers = [UInt8](repeating: 0, count: 256)
        for (register, value) in defaults { registers[Int(register)] = value }
    }

    /// Called once at the start of every transaction (simulated chips catch up with time here).
    open func willAccess() throws(HardwareError) {}
    /// The value a read of `register` returns (may have side effects: clear-on-read, FIFO pop).
    open func readRegister(_ register: UInt8) -> UInt8 { registers[Int(register)] }
    /// A write of `value` to `register`.
    open func writeRegister(_ register: UInt8, _ value: UInt8) { registers[Int(register)] = value }
    /// The register a burst moves on to (FIFO ports override this to stay put).
    open func nextRegister(after register: UInt8) -> UInt8 { register &+ 1 }

    public final func read(_ register: UInt8, into buffer: UnsafeMutableBufferPointer<UInt8>) throws(HardwareError) {
        try willAccess()
        var r = register
        for i in 0..<buffer.count {
            buffer[i] = readRegister(r)
            r = nextRegister(after: r)
        }
    }

    public final func write(_ register: UInt8, _ bytes: UnsafeBufferPointer<UInt8>) throws(HardwareError) {
        try willAccess()
        var r = register
        for byte in bytes {
            writeRegister(r, byte)
            r = nextRegister(after: r)
        }
    }
}

/// One write transaction as the fake bus saw it.
public struct I2CWrite: Sendable, Equatable, CustomStringConvertible {
    public var address: UInt8
    public var register: UInt8
    public var bytes: [UInt8]

    public init(address: UInt8, register: UInt8, bytes: [UInt8]) {
        self.address = address
        self.register = register
        self.bytes = bytes
    }

    public var description: String {
        "0x\(hex(address)):0x\(hex(register))=[" + bytes.map { "0x" + hex($0) }.joined(separator: ",") + "]"
    }
}

/// A bus of register-level fakes with fault injection and a write log.
///
/// Errors are injected as errno values and mapped exactly as `LinuxI2CBus` maps them, so the
/// layers above see the same typed errors as on real hardware.
public final class FakeI2CBus: I2CBus {
    public let path: String
    public private(set) var devices: [UInt8: any FakeI2CDevice] = [:]

    /// Record write transactions (turn off for benchmarks).
    public var logWrites = true
    public private(set) var writeLog: [I2CWrite] = []
    /// Transactions attempted (reads and writes), including failed ones.
    public private(set) var transactionCount = 0

    /// While set, every transfer fails with this errno (e.g. ENODEV: wire pulled / adapter gone).
    public var unpluggedErrno: Int32?
    /// While true, opening the bus fails with ENOENT (/dev/i2c-N itself is gone).
    public var nodeMissing = false
    public private(set) var isClosed = false
    /// How many times the bus was (re)opened through `opener`.
    public private(set) var openCount = 0

    private struct Injection {
        var errno: Int32
        var remaining: Int
        var address: UInt8?
        var register: UInt8?
        var writesOnly: Bool
    }
    private var injections: [Injection] = []

    public init(path: String = "fake-i2c") {
        self.path = path
    }

    public func attach(_ device: any FakeI2CDevice, at address: UInt8) {
        devices[address] = device
    }

    public func detach(at address: UInt8) {
        devices[address] = nil
    }

    /// The next `count` transfers (matching the filters) fail with `errno`.
    public func inject(errno: Int32, count: Int = 1, address: UInt8? = nil, register: UInt8? = nil,
                       writesOnly: Bool = false) {
        injections.append(Injection(errno: errno, remaining: count, address: address, register: register,
                                    writesOnly: writesOnly))
    }

    public func clearInjections() { injections.removeAll() }

    public func clearLog() { writeLog.removeAll(keepingCapacity: true) }

    /// Writes logged for one address.
    public func writes(to address: UInt8) -> [I2CWrite] { writeLog.filter { $0.address == address } }

    public func close() { isClosed = true }

    /// A bus-opening function for `IMUReader`: fails while `nodeMissing`, else reopens this bus.
    public func opener() -> (String) throws(HardwareError) -> any I2CBus {
        return { (path: String) throws(HardwareError) -> any I2CBus in
            if self.nodeMissing {
                throw HardwareError.fromErrno(ENOENT, "open \(path): no such I2C bus")
            }
            self.isClosed = false
            self.openCount += 1
            return self
        }
    }

    @inline(__always)
    private func begin(_ address: UInt8, _ register: UInt8, write: Bool,
                       _ what: @autoclosure () -> String) throws(HardwareError) -> any FakeI2CDevice {
        transactionCount += 1
        if isClosed { throw HardwareError(.noDevice, "\(what()) on \(path): bus closed") }
        if let code = unpluggedErrno { throw HardwareError.fromErrno(code, "\(what()) at 0x\(hex(address)) on \(path)") }
        if !injections.isEmpty {
            for i in injections.indices {
                let inj = injections[i]
                if let a = inj.address, a != address { continue }
                if let r = inj.register, r != register { continue }
                if inj.writesOnly && !write { continue }
                injections[i].remaining -= 1
                if injections[i].remaining <= 0 { injections.remove(at: i) }
                throw HardwareError.fromErrno(inj.errno, "\(what()) at 0x\(hex(address)) on \(path)")
            }
        }
        guard let device = devices[address] else {
            throw HardwareError.fromErrno(ENXIO, "\(what()) at 0x\(hex(address)) on \(path)")
        }
        return device
    }

    public func readByte(_ address: UInt8, _ register: UInt8) throws(HardwareError) -> UInt8 {
        let device = try begin(address, register, write: false, "read 0x\(hex(register))")
        var value: UInt8 = 0
        var failure: HardwareError?
        withUnsafeMutablePointer(to: &value) { pointer in
            do throws(HardwareError) { try device.read(register, into: UnsafeMutableBufferPointer(start: pointer, count: 1)) } catch {
                failure = error
            }
        }
        if let failure { throw failure }
        return value
    }

    public func writeByte(_ address: UInt8, _ register: UInt8, _ value: UInt8) throws(HardwareError) {
        let device = try begin(address, register, write: true, "write 0x\(hex(register))")
        if logWrites { writeLog.append(I2CWrite(address: address, register: register, bytes: [value])) }
        var byte = value
        var failure: HardwareError?
        withUnsafePointer(to: &byte) { pointer in
            do throws(HardwareError) { try device.write(register, UnsafeBufferPointer(start: pointer, count: 1)) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    public func readBlock(_ address: UInt8, _ register: UInt8,
                          into buffer: UnsafeMutableBufferPointer<UInt8>) throws(HardwareError) {
        guard buffer.count > 0, buffer.count <= i2cBlockMax else {
            throw HardwareError(.invalidArgument, "block read of \(buffer.count) bytes (1…32 allowed)")
        }
        let device = try begin(address, register, write: false, "block read 0x\(hex(register))")
        try device.read(register, into: buffer)
    }

    public func writeBlock(_ address: UInt8, _ register: UInt8,
                           _ bytes: UnsafeBufferPointer<UInt8>) throws(HardwareError) {
        guard bytes.count > 0, bytes.count <= i2cBlockMax else {
            throw HardwareError(.invalidArgument, "block write of \(bytes.count) bytes (1…32 allowed)")
        }
        let device = try begin(address, register, write: true, "block write 0x\(hex(register))")
        if logWrites { writeLog.append(I2CWrite(address: address, register: register, bytes: Array(bytes))) }
        try device.write(register, bytes)
    }
}

// The one thin layer over libc, libi2c and libgpiod.
//
// Every call the hardware layer makes into C goes through a `SystemCalls` value: a struct of
// function values with one convention — a result ≥ 0 on success, `-errno` on failure — so a
// test can replace any of them and force every error path. `SystemCalls.live` holds the real
// calls. The wrappers at the end retry EINTR (bounded) and turn errno into `HardwareError`.

#if canImport(Glibc)
import Glibc
#endif
import CI2C
import CGPIOD

// MARK: - Errors

/// What can go wrong with the hardware, typed. `context` names the operation and the device
/// ("read 0x3A at 0x68 on /dev/i2c-1"); `errno` is the C error behind it, when there is one.
public struct HardwareError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// ENXIO / EREMOTEIO: nothing acknowledged the address (no chip there, or a loose wire).
        case nack
        /// EIO and friends: the transfer failed on the wire.
        case io
        /// ETIMEDOUT: the bus is stuck (SDA or SCL held low).
        case timeout
        /// ENODEV / ESHUTDOWN: the adapter or device went away (module removed, cable pulled).
        case noDevice
        /// ENOENT: no such bus, GPIO chip or line.
        case notFound
        /// EACCES / EPERM on a device node; `group` is the group that owns it (join it).
        case permissionDenied(group: String)
        /// EBUSY: a kernel driver or another process holds the address or line.
        case busy
        /// The adapter cannot do the transfer (no SMBus I2C-block support).
        case unsupported
        /// EINVAL: a bad argument, e.g. a GPIO offset past the chip's last line.
        case invalidArgument
        /// EINTR kept coming back after the bounded retries.
        case interrupted
        /// Any other errno.
        case otherErrno(Int32)
        /// A device answered with an unexpected WHO_AM_I.
        case wrongChip(whoAmI: UInt8)
        /// No IMU answered at any address probed.
        case noIMUFound
        /// The chip did not finish its reset within the bounded wait.
        case resetTimeout
        /// A configuration register no longer holds what the driver wrote (the chip reset itself).
        case configurationLost
        /// No new sample for longer than the stall timeout.
        case stalled
        /// The data are not from a working sensor.
        case implausibleData(DataFault)
        /// A value outside what the hardware supports (rate, range, pattern).
        case invalidConfiguration
    }

    public var kind: Kind
    /// The operation and the device it was aimed at.
    public var context: String
    /// The C error number behind it, if any.
    public var errno: Int32?

    public init(_ kind: Kind, _ context: String, errno: Int32? = nil) {
        self.kind = kind
        self.context = context
        self.errno = errno
    }

    /// Errors where re-detecting the device may help (as opposed to a wrong command line).
    public var isRecoverable: Bool {
        switch kind {
        case .invalidConfiguration, .invalidArgument, .unsupported: return false
        default: return true
        }
    }

    public var description: String {
        let what: String
        switch kind {
        case .nack: what = "no acknowledge (nothing answers at that address; check wiring and address)"
        case .io: what = "I/O error on the bus"
        case .timeout: what = "bus timeout (SDA or SCL held low?)"
        case .noDevice: what = "device gone (adapter removed or cable pulled)"
        case .notFound: what = "not found"
        case .permissionDenied(let group):
            what = "permission denied; join group '\(group)' (sudo usermod -aG \(group) $USER, then log in again) or run as root"
        case .busy: what = "busy (held by a kernel driver or another process)"
        case .unsupported: what = "not supported by the adapter"
        case .invalidArgument: what = "invalid argument"
        case .interrupted: what = "interrupted too often (EINTR)"
        case .otherErrno(let e): what = "error \(e) (\(HardwareError.errnoName(e)))"
        case .wrongChip(let w): what = "unexpected WHO_AM_I 0x\(hex(w))"
        case .noIMUFound: what = "no supported IMU found"
        case .resetTimeout: what = "chip did not come out of reset in time"
        case .configurationLost: what = "configuration lost (chip reset or power glitch)"
        case .stalled: what = "no new data (sensor stalled)"
        case .implausibleData(let f): what = "implausible data: \(f.rawValue)"
        case .invalidConfiguration: what = "invalid configuration"
        }
        // Contexts that already say it in words need no generic suffix.
        let saysItAlready: Bool
        switch kind {
        case .notFound, .noIMUFound, .invalidConfiguration, .resetTimeout, .stalled, .configurationLost:
            saysItAlready = !context.isEmpty
                && (context.contains("not found") || context.contains("no such") || context.contains("expected")
                    || context.contains(" no ") || context.hasPrefix("no ") || context.contains("not done")
                    || context.contains("reads 0x"))
        default:
            saysItAlready = false
        }
        var text = context.isEmpty ? what : saysItAlready ? context : "\(context): \(what)"
        if let errno {
            if case .otherErrno = kind {} else { text += " [\(HardwareError.errnoName(errno))]" }
        }
        return text
    }

    /// Maps a C errno to a kind. `group` is used for permission errors.
    public static func kind(forErrno code: Int32, group: String = "i2c") -> Kind {
        switch code {
        case ENXIO, EREMOTEIO: return .nack
        case EIO, EPROTO, EBADMSG, EAGAIN, EILSEQ, EOVERFLOW: return .io
        case ETIMEDOUT: return .timeout
        case ENODEV, ESHUTDOWN: return .noDevice
        case ENOENT: return .notFound
        case EACCES, EPERM: return .permissionDenied(group: group)
        case EBUSY: return .busy
        case EOPNOTSUPP, ENOSYS, ENOTTY: return .unsupported
        case EINVAL: return .invalidArgument
        case EINTR: return .interrupted
        default: return .otherErrno(code)
        }
    }

    public static func fromErrno(_ code: Int32, _ context: String, group: String = "i2c") -> HardwareError {
        HardwareError(kind(forErrno: code, group: group), context, errno: code)
    }

    static func errnoName(_ code: Int32) -> String {
        switch code {
        case ENXIO: return "ENXIO"
        case EREMOTEIO: return "EREMOTEIO"
        case EIO: return "EIO"
        case ETIMEDOUT: return "ETIMEDOUT"
        case ENODEV: return "ENODEV"
        case ENOENT: return "ENOENT"
        case EACCES: return "EACCES"
        case EPERM: return "EPERM"
        case EBUSY: return "EBUSY"
        case EINTR: return "EINTR"
        case EINVAL: return "EINVAL"
        case EAGAIN: return "EAGAIN"
        case EOPNOTSUPP: return "EOPNOTSUPP"
        case ESHUTDOWN: return "ESHUTDOWN"
        case EPROTO: return "EPROTO"
        default: return "errno \(code)"
        }
    }
}

/// Why data are judged not to come from a working sensor.
public enum DataFault: String, Sendable, Equatable {
    case allZeros = "all axes read exactly zero"
    case allOnes = "all bytes read 0xFF (bus stuck high)"
    case frozen = "values frozen (identical readings)"
    case saturated = "saturated (pinned at full scale)"
}

/// Two hex digits.
@inline(__always)
func hex(_ v: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    return String([digits[Int(v >> 4)], digits[Int(v & 0xF)]])
}

// MARK: - The seam

/// The C calls of the hardware layer as replaceable function values.
/// Convention: every function returns ≥ 0 on success and `-errno` on failure
/// (pointer-returning ones return the pointer or the errno).
public struct SystemCalls: @unchecked Sendable {
    // Files and i2c-dev.
    public var open: @Sendable (_ path: String, _ flags: Int32) -> Int32
    public var close: @Sendable (_ fd: Int32) -> Int32
    /// ioctl(I2C_SLAVE or I2C_SLAVE_FORCE).
    public var setSlaveAddress: @Sendable (_ fd: Int32, _ address: UInt8, _ force: Bool) -> Int32
    /// ioctl(I2C_FUNCS): the adapter's functionality bits, or -errno.
    public var adapterFunctions: @Sendable (_ fd: Int32) -> Int
    public var smbusReadByteData: @Sendable (_ fd: Int32, _ register: UInt8) -> Int32
    public var smbusWriteByteData: @Sendable (_ fd: Int32, _ register: UInt8, _ value: UInt8) -> Int32
    /// Reads `buffer.count` (≤ 32) bytes; returns the number read or -errno.
    public var smbusReadI2CBlock: @Sendable (_ fd: Int32, _ register: UInt8, _ buffer: UnsafeMutableBufferPointer<UInt8>) -> Int32
    public var smbusWriteI2CBlock: @Sendable (_ fd: Int32, _ register: UInt8, _ bytes: UnsafeBufferPointer<UInt8>) -> Int32
    /// Names in a directory (nil when it cannot be read).
    public var listDirectory: @Sendable (_ path: String) -> [String]?
    /// The group owning a path, for permission hints.
    public var groupOwning: @Sendable (_ path: String) -> String?
    // Clock.
    /// CLOCK_MONOTONIC in seconds.
    public var monotonicNow: @Sendable () -> Double
    /// clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME) until `deadline` seconds; 0 or -errno.
    public var sleepUntil: @Sendable (_ deadline: Double) -> Int32
    // libgpiod 1.6.
    public var gpioChipOpen: @Sendable (_ name: String) -> (chip: OpaquePointer?, errno: Int32)
    public var gpioChipClose: @Sendable (_ chip: OpaquePointer) -> Void
    public var gpioChipName: @Sendable (_ chip: OpaquePointer) -> String
    public var gpioChipNumLines: @Sendable (_ chip: OpaquePointer) -> Int
    public var gpioChipGetLine: @Sendable (_ chip: OpaquePointer, _ offset: Int) -> (line: OpaquePointer?, errno: Int32)
    public var gpioLineFind: @Sendable (_ name: String) -> (line: OpaquePointer?, errno: Int32)
    public var gpioLineCloseChip: @Sendable (_ line: OpaquePointer) -> Void
    public var gpioLineConsumer: @Sendable (_ line: OpaquePointer) -> String?
    public var gpioLineRequestOutput: @Sendable (_ line: OpaquePointer, _ consumer: String, _ initial: Int32) -> Int32
    public var gpioLineSetValue: @Sendable (_ line: OpaquePointer, _ value: Int32) -> Int32
    public var gpioLineRelease: @Sendable (_ line: OpaquePointer) -> Void

    /// The real calls.
    public static let live = SystemCalls(
        open: { path, flags in
            let fd = Glibc.open(path, flags)
            return fd >= 0 ? fd : -Glibc.errno
        },
        close: { fd in Glibc.close(fd) == 0 ? 0 : -Glibc.errno },
        setSlaveAddress: { fd, address, force in
            let request = UInt(force ? I2C_SLAVE_FORCE : I2C_SLAVE)
            return ioctl(fd, request, CInt(address)) >= 0 ? 0 : -Glibc.errno
        },
        adapterFunctions: { fd in
            var funcs: UInt = 0
            let r = withUnsafeMutablePointer(to: &funcs) { ioctl(fd, UInt(I2C_FUNCS), $0) }
            return r >= 0 ? Int(funcs & 0x7FFF_FFFF) : -Int(Glibc.errno)
        },
        smbusReadByteData: { fd, register in
            // libi2c 4.x returns -errno itself; errno is set as well.
            let r = i2c_smbus_read_byte_data(fd, register)
            return r >= 0 ? r : (r == -1 ? -Glibc.errno : r)
        },
        smbusWriteByteData: { fd, register, value in
            let r = i2c_smbus_write_byte_data(fd, register, value)
            return r >= 0 ? 0 : (r == -1 ? -Glibc.errno : r)
        },
        smbusReadI2CBlock: { fd, register, buffer in
            guard let base = buffer.baseAddress, buffer.count > 0, buffer.count <= 32 else { return -EINVAL }
            let r = i2c_smbus_read_i2c_block_data(fd, register, UInt8(buffer.count), base)
            return r >= 0 ? r : (r == -1 ? -Glibc.errno : r)
        },
        smbusWriteI2CBlock: { fd, register, bytes in
            guard let base = bytes.baseAddress, bytes.count > 0, bytes.count <= 32 else { return -EINVAL }
            let r = i2c_smbus_write_i2c_block_data(fd, register, UInt8(bytes.count), base)
            return r >= 0 ? 0 : (r == -1 ? -Glibc.errno : r)
        },
        listDirectory: { path in
            guard let dir = opendir(path) else { return nil }
            defer { closedir(dir) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafePointer(to: entry.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name != "." && name != ".." { names.append(name) }
            }
            return names
        },
        groupOwning: { path in
            var info = stat()
            guard stat(path, &info) == 0, let group = getgrgid(info.st_gid) else { return nil }
            return String(cString: group.pointee.gr_name)
        },
        monotonicNow: {
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
        },
        sleepUntil: { deadline in
            guard deadline.isFinite, deadline > 0 else { return 0 }
            let seconds = deadline.rounded(.down)
            var ts = timespec(tv_sec: Int(seconds), tv_nsec: Int((deadline - seconds) * 1e9))
            // clock_nanosleep returns the error number directly (not via errno).
            let r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
            return r == 0 ? 0 : -r
        },
        gpioChipOpen: { name in
            let chip = gpiod_chip_open_lookup(name)
            return (chip, chip == nil ? Glibc.errno : 0)
        },
        gpioChipClose: { chip in gpiod_chip_close(chip) },
        gpioChipName: { chip in
            guard let name = gpiod_chip_name(chip) else { return "?" }
            return String(cString: name)
        },
        gpioChipNumLines: { chip in Int(gpiod_chip_num_lines(chip)) },
        gpioChipGetLine: { chip, offset in
            guard offset >= 0, offset <= Int(UInt32.max) else { return (nil, EINVAL) }
            let line = gpiod_chip_get_line(chip, UInt32(offset))
            return (line, line == nil ? Glibc.errno : 0)
        },
        gpioLineFind: { name in
            let line = gpiod_line_find(name)
            // gpiod_line_find returns NULL with errno 0 or ENOENT when no line has that name.
            return (line, line == nil ? (Glibc.errno == 0 ? ENOENT : Glibc.errno) : 0)
        },
        gpioLineCloseChip: { line in gpiod_line_close_chip(line) },
        gpioLineConsumer: { line in
            guard let c = gpiod_line_consumer(line) else { return nil }
            return String(cString: c)
        },
        gpioLineRequestOutput: { line, consumer, initial in
            gpiod_line_request_output(line, consumer, initial) == 0 ? 0 : -Glibc.errno
        },
        gpioLineSetValue: { line, value in
            gpiod_line_set_value(line, value) == 0 ? 0 : -Glibc.errno
        },
        gpioLineRelease: { line in gpiod_line_release(line) }
    )
}

// MARK: - Wrappers: EINTR retry and errno → HardwareError

extension SystemCalls {
    /// How often EINTR is retried before giving up; the calls are short, so a storm of
    /// signals is the only way to hit this.
    static let maxInterruptRetries = 16

    /// Runs `call` until it returns something other than -EINTR (bounded).
    @inline(__always)
    func retryingEINTR(_ call: () -> Int32) -> Int32 {
        var result = call()
        var attempts = 0
        while result == -EINTR && attempts < SystemCalls.maxInterruptRetries {
            attempts += 1
            result = call()
        }
        return result
    }

    /// Runs `call` with EINTR retried; a negative result becomes a typed error naming `context`.
    @inline(__always)
    func checked(_ context: @autoclosure () -> String, group: String = "i2c",
                 _ call: () -> Int32) throws(HardwareError) -> Int32 {
        let result = retryingEINTR(call)
        if result < 0 { throw HardwareError.fromErrno(-result, context(), group: group) }
        return result
    }
}

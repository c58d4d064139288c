import ThrustCore

/// Writes a capture file (SPEC §4) through a 64 KiB buffer.
///
/// Layout: `# thrust-capture v1`, one `# key=value …` metadata line (omitted when the metadata
/// is empty), the header `t,ax,ay,az,gx,gy,gz`, then one row per sample: `t` with 6 decimals
/// (µs), the six readings with 6 significant digits (never in exponent notation for
/// |x| in [1e-9, 1e9); smaller is written as 0). Metadata keys and values cannot hold spaces or
/// `=`: such characters are written as `_`.
///
/// `path` "-" writes to standard output (not closed by `close()`).
public final class CaptureWriter {
    public static let bufferCapacity = 1 << 16
    /// Room one row can take at most (7 numbers, each < 32 bytes with sign, point and separator).
    private static let maxRowBytes = 256

    public let path: String
    private var fd: Int32
    private let ownsDescriptor: Bool
    private let buffer: UnsafeMutablePointer<UInt8>
    private var used = 0
    /// The previous row's `t` in µs as written: rows must stay strictly increasing after rounding.
    private var previousMicros = Int64.min
    /// Line number the next row will have, for error messages.
    private var nextLine = 1
    public private(set) var rowsWritten = 0

    public init(path: String, metadata: CaptureMetadata) throws(CaptureError) {
        self.path = path
        if path == "-" {
            fd = 1
            ownsDescriptor = false
        } else {
            switch FileIO.openForWriting(path) {
            case .success(let descriptor): fd = descriptor
            case .failure(let error):
                throw CaptureError(path: path, line: nil, message: "cannot open for writing: \(error.text)")
            }
            ownsDescriptor = true
        }
        buffer = .allocate(capacity: Self.bufferCapacity)
        var head = "# thrust-capture v1\n"
        let metadataLine = Self.metadataLine(metadata)
        if !metadataLine.isEmpty { head += "# " + metadataLine + "\n" }
        head += CaptureReader.columnNames.joined(separator: ",") + "\n"
        for byte in head.utf8 { buffer[used] = byte; used += 1 }
        nextLine = metadataLine.isEmpty ? 3 : 4
    }

    deinit {
        if fd >= 0 {
            _ = flushBuffer()
            if ownsDescriptor { _ = FileIO.closeFile(fd) }
        }
        buffer.deallocate()
    }

    /// The metadata as `key=value` pairs: rate_hz, sensor, mount, then the extras in order.
    public static func metadataLine(_ metadata: CaptureMetadata) -> String {
        var pairs: [String] = []
        if let rate = metadata.rateHz {
            let whole = rate.rounded()
            pairs.append("rate_hz=" + (whole == rate && abs(rate) < 1e15 ? String(Int64(whole)) : String(rate)))
        }
        if let sensor = metadata.sensor { pairs.append("sensor=" + sanitized(sensor)) }
        if let mount = metadata.mount { pairs.append("mount=" + mount.rawValue) }
        for (key, value) in metadata.extra { pairs.append(sanitized(key) + "=" + sanitized(value)) }
        return pairs.joined(separator: " ")
    }

    private static func sanitized(_ text: String) -> String {
        if text.isEmpty { return "_" }
        return String(text.map { $0.isWhitespace || $0 == "=" || $0 == "#" ? "_" : $0 })
    }

    /// Appends one row. Throws for non-finite values and for a `t` that is not after the
    /// previous row's once rounded to µs (the reader would reject the file).
    public func write(_ sample: Sample) throws(CaptureError) {
        guard fd >= 0 else { throw CaptureError(path: path, line: nil, message: "write after close") }
        let accel = sample.accel, gyro = sample.gyro
        guard sample.t.isFinite, accel.x.isFinite, accel.y.isFinite, accel.z.isFinite,
              gyro.x.isFinite, gyro.y.isFinite, gyro.z.isFinite else {
            throw CaptureError(path: path, line: nextLine, message: "sample at t=\(sample.t) has a non-finite value; expected finite numbers")
        }
        guard abs(sample.t) < 9e12 else {
            throw CaptureError(path: path, line: nextLine, message: "t=\(sample.t) s is out of range; expected |t| < 9e12 s")
        }
        let micros = Int64((sample.t * 1e6).rounded())
        guard micros > previousMicros else {
            throw CaptureError(path: path, line: nextLine, message:
                "t=\(sample.t) is not after the previous row's t once written with 6 decimals; expected strictly increasing t")
        }
        previousMicros = micros
        if Self.bufferCapacity - used < Self.maxRowBytes { try flush() }

        var position = used
        Self.writeFixed6(micros, to: buffer, at: &position)
        buffer[position] = UInt8(ascii: ","); position += 1
        Self.writeSignificant6(accel.x, to: buffer, at: &position)
        buffer[position] = UInt8(ascii: ","); position += 1
        Self.writeSignificant6(accel.y, to: buffer, at: &position)
        buffer[position] = UInt8(ascii: ","); position += 1
        Self.writeSignificant6(accel.z, to: buffer, at: &position)
        buffer[position] = UInt8(ascii: ","); position += 1
        Self.writeSignificant6(gyro.x, to: buffer, at: &position)
        buffer[position] = UInt8(ascii: ","); position += 1
        Self.writeSignificant6(gyro.y, to: buffer, at: &position)
        buffer[position] = UInt8(ascii: ","); position += 1
        Self.writeSignificant6(gyro.z, to: buffer, at: &position)
        buffer[position] = 0x0A; position += 1
        used = position
        nextLine += 1
        rowsWritten += 1
    }

    /// Writes buffered rows to the file.
    public func flush() throws(CaptureError) {
        guard fd >= 0 else { return }
        if case .failure(let error) = flushBuffer() {
            throw CaptureError(path: path, line: nil, message: "cannot write: \(error.text)")
        }
    }

    /// Flushes and closes. Further writes are errors; closing twice is harmless.
    public func close() throws(CaptureError) {
        guard fd >= 0 else { return }
        let flushed = flushBuffer()
        let descriptor = fd
        fd = -1
        if ownsDescriptor, case .failure(let error) = FileIO.closeFile(descriptor) {
            throw CaptureError(path: path, line: nil, message: "cannot close: \(error.text)")
        }
        if case .failure(let error) = flushed {
            throw CaptureError(path: path, line: nil, message: "cannot write: \(error.text)")
        }
    }

    private func flushBuffer() -> Result<Void, FileIOError> {
        guard used > 0 else { return .success(()) }
        let result = FileIO.writeAll(fd, buffer, count: used)
        used = 0
        return result
    }

    // MARK: - Number formatting (no Foundation, no String)

    /// Powers of ten 10^0 … 10^9 and 10^0 … 10^-10, as literal (static) tables.
    private static let powersOf10: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
    private static let negativePowersOf10: [Double] = [1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10]

    /// Writes `micros` / 10^6 with exactly 6 decimals.
    @inline(__always)
    static func writeFixed6(_ micros: Int64, to buffer: UnsafeMutablePointer<UInt8>, at position: inout Int) {
        var magnitude = micros.magnitude
        if micros < 0 { buffer[position] = UInt8(ascii: "-"); position += 1 }
        let whole = magnitude / 1_000_000
        magnitude %= 1_000_000
        writeDigits(whole, to: buffer, at: &position)
        buffer[position] = UInt8(ascii: "."); position += 1
        var divisor: UInt64 = 100_000
        while divisor > 0 {
            buffer[position] = UInt8(truncatingIfNeeded: magnitude / divisor) &+ 0x30
            position += 1
            magnitude %= divisor
            divisor /= 10
        }
    }

    /// Writes `value` with 6 significant digits in plain decimal notation, trailing zeros removed.
    @inline(__always)
    static func writeSignificant6(_ value: Double, to buffer: UnsafeMutablePointer<UInt8>, at position: inout Int) {
        let magnitude = abs(value)
        if magnitude < 5e-10 {
            buffer[position] = UInt8(ascii: "0"); position += 1
            return
        }
        if magnitude >= 1e9 {
            // Far outside any IMU's range; the reader still parses the shortest representation.
            for byte in value.description.utf8 { buffer[position] = byte; position += 1 }
            return
        }
        // exponent = floor(log10(magnitude)), in [-10, 8].
        var exponent = 0
        if magnitude >= 1 {
            while exponent < 8 && magnitude >= powersOf10[exponent + 1] { exponent += 1 }
        } else {
            exponent = -1
            while exponent > -10 && magnitude < negativePowersOf10[-exponent] { exponent -= 1 }
        }
        let decimals = min(max(5 - exponent, 0), 9)
        // Round half up (magnitude ≥ 0); cheaper than `rounded()`, which calls libm.
        var scaled = UInt64(magnitude * powersOf10[decimals] + 0.5)
        if scaled == 0 {
            buffer[position] = UInt8(ascii: "0"); position += 1
            return
        }
        if value < 0 { buffer[position] = UInt8(ascii: "-"); position += 1 }
        // Drop trailing zeros of the fraction.
        var shownDecimals = decimals
        while shownDecimals > 0 && scaled % 10 == 0 {
            scaled /= 10
            shownDecimals -= 1
        }
        if shownDecimals == 0 {
            writeDigits(scaled, to: buffer, at: &position)
            return
        }
        var divisor: UInt64 = 1
        for _ in 0..<shownDecimals { divisor &*= 10 }
        writeDigits(scaled / divisor, to: buffer, at: &position)
        buffer[position] = UInt8(ascii: "."); position += 1
        var fraction = scaled % divisor
        divisor /= 10
        while divisor > 0 {
            buffer[position] = UInt8(truncatingIfNeeded: fraction / divisor) &+ 0x30
            position += 1
            fraction %= divisor
            divisor /= 10
        }
    }

    @inline(__always)
    private static func writeDigits(_ number: UInt64, to buffer: UnsafeMutablePointer<UInt8>, at position: inout Int) {
        var digitCount = 1
        var rest = number / 10
        while rest > 0 { digitCount += 1; rest /= 10 }
        var value = number
        var index = position + digitCount - 1
        repeat {
            buffer[index] = UInt8(truncatingIfNeeded: value % 10) &+ 0x30
            value /= 10
            index -= 1
        } while value > 0
        position += digitCount
    }
}

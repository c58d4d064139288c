import ThrustCore

/// Something odd about a capture that does not stop it from being read (e.g. an unusual rate).
public struct CaptureWarning: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// 1-based line number, or nil for whole-file remarks.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// Reads a capture file (SPEC §4) one sample at a time, in constant memory.
///
/// The file is read through one 1 MiB buffer and parsed byte by byte; nothing grows with the
/// file's length. `init` reads the comments, the header and the first `unitCheckRows` samples
/// (to check units and rate), so a capture in the wrong units fails at open time.
///
/// Metadata: `key=value` pairs in `#` lines before the header. `#` lines after it are skipped.
///
/// A reader is an iterator over one open file: copies share the file position, so use one copy.
public struct CaptureReader {
    /// The seven columns a capture must have, in the writer's order.
    public static let columnNames = ["t", "ax", "ay", "az", "gx", "gy", "gz"]
    /// How many leading samples are buffered to check units and rate.
    public static let unitCheckRows = 200
    /// Gyro readings above this, rad/s (≈ 2000 °/s, beyond any IMU range we support), must be deg/s.
    public static let maxPlausibleGyroRadPerS = 35.0
    /// Accepted sample rates, Hz (SPEC §4), with 5 % slack for timestamp jitter.
    public static let rateRangeHz: ClosedRange<Double> = 10 * 0.95 ... 4000 * 1.05

    public let path: String
    public private(set) var metadata: CaptureMetadata
    /// Remarks that do not stop reading (rate out of range, rate disagreeing with `rate_hz=`).
    public private(set) var warnings: [CaptureWarning] = []
    /// Line of the sample `next()` returned last (1-based; 0 before the first).
    public private(set) var line = 0
    /// The sample rate implied by the median period of the first rows, Hz (nil with < 2 samples).
    public private(set) var measuredRateHz: Double?

    private let source: LineSource
    /// For each field of a row, the column slot it fills (0 = t, 1…3 = accel, 4…6 = gyro) or -1.
    private let slotOfField: [Int8]
    /// Fields a row needs: up to and including the last of the seven columns.
    private let fieldsNeeded: Int
    /// The first seven fields are t,ax,ay,az,gx,gy,gz in that order (the fast path).
    private let isCanonicalOrder: Bool
    /// Lines consumed so far.
    private var linesRead = 0
    private var previousT = -Double.infinity
    private var previousTLine = 0
    /// The first samples with their lines, held back for the unit checks; emptied once served.
    private var lookahead: [(sample: Sample, line: Int)] = []
    private var lookaheadIndex = 0

    /// Opens `path`, reads metadata and header, and checks the first samples' units.
    public init(path: String) throws(CaptureError) {
        self.path = path
        source = try LineSource(path: path)
        metadata = CaptureMetadata()

        // Comments with metadata, then the header.
        var header: [String]?
        while let raw = try source.nextLine(lineNumber: linesRead + 1) {
            linesRead += 1
            var text = Self.trimmedLine(raw)
            if linesRead == 1, text.count >= 3, text[0] == 0xEF, text[1] == 0xBB, text[2] == 0xBF {
                text = UnsafeBufferPointer(rebasing: text[3...])  // UTF-8 byte order mark
            }
            if Self.isBlank(text) { continue }
            if text[0] == UInt8(ascii: "#") {
                try Self.readMetadata(String(decoding: text.dropFirst(), as: UTF8.self),
                                      into: &metadata, path: path, line: linesRead)
                continue
            }
            header = String(decoding: text, as: UTF8.self).split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingSpaces().unquoted().lowercased() }
            break
        }
        guard let header else {
            throw CaptureError(path: path, line: linesRead == 0 ? nil : linesRead,
                               message: "no header row; expected a line naming the columns \(Self.columnList) (any order)")
        }
        let headerLine = linesRead
        var slots = [Int8](repeating: -1, count: header.count)
        var fieldOfSlot = [Int](repeating: -1, count: Self.columnNames.count)
        for (field, name) in header.enumerated() {
            guard let slot = Self.columnNames.firstIndex(of: name) else { continue }
            if fieldOfSlot[slot] >= 0 {
                throw CaptureError(path: path, line: headerLine,
                                   message: "column '\(name)' appears twice in the header; expected each of \(Self.columnList) once")
            }
            fieldOfSlot[slot] = field
            slots[field] = Int8(slot)
        }
        let missing = Self.columnNames.indices.filter { fieldOfSlot[$0] < 0 }.map { Self.columnNames[$0] }
        if !missing.isEmpty {
            let looksLikeData = header.first.map { Double($0) != nil } ?? false
            let what = looksLikeData
                ? "no header row (found numbers); expected a header naming the columns \(Self.columnList) before the data"
                : "header is missing column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", ")); expected \(Self.columnList) (any order, extra columns allowed)"
            throw CaptureError(path: path, line: headerLine, message: what)
        }
        slotOfField = Array(slots.prefix((fieldOfSlot.max() ?? 0) + 1))
        fieldsNeeded = slotOfField.count
        isCanonicalOrder = slotOfField == [0, 1, 2, 3, 4, 5, 6]

        // Buffer the first rows for the unit and rate checks.
        lookahead.reserveCapacity(Self.unitCheckRows)
        while lookahead.count < Self.unitCheckRows, let sample = try readSample() {
            lookahead.append((sample, linesRead))
        }
        try checkUnits()
    }

    /// The next sample, or nil at the end of the file.
    public mutating func next() throws(CaptureError) -> Sample? {
        if lookaheadIndex < lookahead.count {
            let (sample, line) = lookahead[lookaheadIndex]
            lookaheadIndex += 1
            if lookaheadIndex == lookahead.count {
                lookahead = []
                lookaheadIndex = 0
            }
            self.line = line
            return sample
        }
        guard let sample = try readSample() else { return nil }
        line = linesRead
        return sample
    }

    /// Samples held back for the unit checks (0 once they are served), and the fixed line
    /// buffer's size: for tests that check nothing grows with the file's length.
    var heldSampleCount: Int { lookahead.count }
    var lineBufferCapacity: Int { source.capacity }

    // MARK: - Rows

    private mutating func readSample() throws(CaptureError) -> Sample? {
        while let raw = try source.nextLine(lineNumber: linesRead + 1) {
            linesRead += 1
            let text = Self.trimmedLine(raw)
            if text.isEmpty || text[0] == UInt8(ascii: "#") { continue }
            if (text[0] == 0x20 || text[0] == 0x09) && Self.isBlank(text) { continue }
            return try parseRow(text)
        }
        return nil
    }

    private mutating func parseRow(_ text: UnsafeBufferPointer<UInt8>) throws(CaptureError) -> Sample {
        guard let bytes = text.baseAddress else {
            throw error("empty row; expected \(fieldsNeeded) comma-separated numbers")
        }
        let count = text.count
        var position = 0
        var values = SIMD8<Double>()
        if isCanonicalOrder {
            // The usual layout (t,ax,ay,az,gx,gy,gz first): straight-line parsing into registers.
            values[0] = try parseField(bytes, count, &position, slot: 0)
            values[1] = try parseField(bytes, count, &position, slot: 1)
            values[2] = try parseField(bytes, count, &position, slot: 2)
            values[3] = try parseField(bytes, count, &position, slot: 3)
            values[4] = try parseField(bytes, count, &position, slot: 4)
            values[5] = try parseField(bytes, count, &position, slot: 5)
            values[6] = try parseField(bytes, count, &position, slot: 6)
        } else {
            for field in 0..<fieldsNeeded {
                let slot = Int(slotOfField[field])
                if slot >= 0 {
                    values[slot] = try parseField(bytes, count, &position, slot: slot)
                } else {
                    try skipField(bytes, count, &position)
                }
            }
        }

        let t = values[0]
        if !(t > previousT) {
            throw error("t = \(t) is not after t = \(previousT) on line \(previousTLine); expected strictly increasing t")
        }
        previousT = t
        previousTLine = linesRead

        let gyroMagnitudeMax = max(abs(values[4]), abs(values[5]), abs(values[6]))
        if gyroMagnitudeMax > Self.maxPlausibleGyroRadPerS {
            let slot = abs(values[4]) == gyroMagnitudeMax ? 4 : (abs(values[5]) == gyroMagnitudeMax ? 5 : 6)
            throw error("column \(Self.columnNames[slot]) = \(values[slot]) looks like deg/s; expected rad/s "
                        + "(multiply by π/180 = 0.0174533); no IMU we support turns faster than \(Int(Self.maxPlausibleGyroRadPerS)) rad/s")
        }
        return Sample(t: t, ax: values[1], ay: values[2], az: values[3], gx: values[4], gy: values[5], gz: values[6])
    }

    /// Parses the field starting at `position` and moves past its comma. `position > count`
    /// means the row has no more fields.
    @inline(__always)
    private func parseField(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ position: inout Int,
                            slot: Int) throws(CaptureError) -> Double {
        if position > count { throw tooFewFields(bytes, count) }
        let fieldStart = position
        let outcome = DecimalParser.parseField(bytes, count: count, position: &position)
        let fieldEnd = position
        position += 1  // the comma
        switch outcome {
        case .value(let value):
            return value
        case .notANumber:
            throw error("column \(Self.columnNames[slot]): expected a number, found '\(Self.excerpt(bytes, fieldStart, fieldEnd))'")
        case .notFinite:
            throw error("column \(Self.columnNames[slot]): expected a finite number, found '\(Self.excerpt(bytes, fieldStart, fieldEnd))'")
        }
    }

    @inline(__always)
    private func skipField(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ position: inout Int) throws(CaptureError) {
        if position > count { throw tooFewFields(bytes, count) }
        while position < count, bytes[position] != UInt8(ascii: ",") { position += 1 }
        position += 1
    }

    private func tooFewFields(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CaptureError {
        var fields = 1
        for index in 0..<count where bytes[index] == UInt8(ascii: ",") { fields += 1 }
        return error("too few fields: found \(fields), expected \(fieldsNeeded) as in the header")
    }

    private func error(_ message: String) -> CaptureError {
        CaptureError(path: path, line: linesRead, message: message)
    }

    // MARK: - Unit and rate checks on the first rows

    private mutating func checkUnits() throws(CaptureError) {
        guard let first = lookahead.first else { return }
        let magnitudes = lookahead.map { ($0.sample.accel * $0.sample.accel).sum().squareRoot() }
        let medianAccel = Self.median(magnitudes)
        if medianAccel >= 0.5 && medianAccel <= 2 {
            throw CaptureError(path: path, line: first.line, message:
                "accelerometer values look like g (median |a| = \(JSONText.number(medianAccel, decimals: 3)) over the first "
                + "\(lookahead.count) rows); expected m/s² (multiply by 9.80665)")
        }
        guard lookahead.count >= 2 else { return }
        var periods: [Double] = []
        periods.reserveCapacity(lookahead.count - 1)
        for index in 1..<lookahead.count {
            periods.append(lookahead[index].sample.t - lookahead[index - 1].sample.t)
        }
        let period = Self.median(periods)
        let rate = 1 / period
        // A rate that is absurdly slow but in range a thousand times faster is a clock in ms
        // (judged on enough rows for the median step to be a sample period, not a gap).
        if periods.count >= 10 && rate < Self.rateRangeHz.lowerBound && Self.rateRangeHz.contains(rate * 1000) {
            throw CaptureError(path: path, line: first.line, message:
                "t looks like milliseconds (median step \(JSONText.number(period, decimals: 3)) over the first "
                + "\(lookahead.count) rows, \(JSONText.number(rate * 1000, decimals: 1)) Hz if in ms); expected seconds (divide by 1000)")
        }
        measuredRateHz = rate
        if !Self.rateRangeHz.contains(rate) {
            warnings.append(CaptureWarning(path: path, line: first.line, message:
                "sample rate \(JSONText.number(rate, decimals: 2)) Hz (median period of the first \(lookahead.count) rows) is "
                + (rate < Self.rateRangeHz.lowerBound ? "below 10 Hz" : "above 4 kHz")
                + "; expected 10 Hz to 4 kHz, results may be poor"))
        }
        if let declared = metadata.rateHz, declared > 0, abs(rate - declared) > 0.2 * declared {
            warnings.append(CaptureWarning(path: path, line: first.line, message:
                "rate_hz=\(JSONText.number(declared, decimals: 2)) in the metadata but the timestamps say \(JSONText.number(rate, decimals: 2)) Hz; using the timestamps"))
        }
    }

    // MARK: - Helpers

    static var columnList: String { columnNames.joined(separator: ",") }

    /// The line without a trailing `\r` (CRLF files).
    @inline(__always)
    private static func trimmedLine(_ raw: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if let last = raw.last, last == 0x0D { return UnsafeBufferPointer(rebasing: raw.dropLast()) }
        return raw
    }

    private static func isBlank(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        text.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }

    private static func excerpt(_ bytes: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> String {
        let limit = 40
        let text = String(decoding: UnsafeBufferPointer(start: bytes + from, count: min(to - from, limit)), as: UTF8.self)
        return to - from > limit ? text + "…" : text
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    /// Parses `key=value` pairs of one comment line (text after `#`) into `metadata`.
    static func readMetadata(_ comment: String, into metadata: inout CaptureMetadata,
                             path: String, line: Int) throws(CaptureError) {
        for token in comment.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
            guard let equals = token.firstIndex(of: "="), equals != token.startIndex else { continue }
            let key = String(token[..<equals])
            let value = String(token[token.index(after: equals)...])
            switch key {
            case "rate_hz":
                guard let rate = Double(value), rate.isFinite, rate > 0 else {
                    throw CaptureError(path: path, line: line,
                                       message: "rate_hz=\(value): expected a positive number of samples per second")
                }
                metadata.rateHz = rate
            case "sensor":
                metadata.sensor = value
            case "mount":
                guard let mount = Mount(rawValue: value) else {
                    throw CaptureError(path: path, line: line, message:
                        "mount=\(value): expected one of \(Mount.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                metadata.mount = mount
            case "units":
                let lower = value.lowercased()
                if lower.contains("deg") {
                    throw CaptureError(path: path, line: line,
                                       message: "units=\(value): gyro looks like deg/s; expected rad/s (multiply by π/180 = 0.0174533)")
                }
                let parts = lower.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == "+" })
                if parts.contains("g") || parts.contains("mg") {
                    throw CaptureError(path: path, line: line,
                                       message: "units=\(value): accelerometer values look like g; expected m/s² (multiply by 9.80665)")
                }
                metadata.extra.append((key, value))
            default:
                metadata.extra.append((key, value))
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice = slice.dropLast() }
        return String(slice)
    }
}

extension String {
    /// A header name without the double quotes some spreadsheet and R exports put around it.
    fileprivate func unquoted() -> String {
        guard count >= 2, first == "\"", last == "\"" else { return self }
        return dropFirst().dropLast().trimmingSpaces()
    }
}

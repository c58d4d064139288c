#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value of one top-level field of a JSON object line, as positions into the line's bytes.
public enum JSONToken: Sendable, Equatable {
    /// A string: the bytes between the quotes (`start..<end`), `escaped` when it holds a backslash.
    case string(start: Int, end: Int, escaped: Bool)
    case number(Double)
    case bool(Bool)
    case null
    /// An array, brackets included.
    case array(start: Int, end: Int)
    /// A nested object, braces included.
    case object(start: Int, end: Int)
}

/// A hash of a key's bytes (FNV-1a, 64 bit), so field names are matched without building
/// strings: the log reader compares it against `JSONKey.hash("depth_cm")` etc.
public struct JSONKey: Sendable {
    public let hash: UInt64
    /// The key's bytes in the line (between the quotes, escapes not decoded).
    public let start: Int
    public let end: Int

    @inlinable
    public init(hash: UInt64, start: Int, end: Int) {
        self.hash = hash
        self.start = start
        self.end = end
    }

    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x0000_0100_0000_01B3

    /// The hash of a field name written without escapes (all field names of SPEC §5).
    public static func hash(_ name: String) -> UInt64 {
        var value = offsetBasis
        for byte in name.utf8 { value = (value ^ UInt64(byte)) &* prime }
        return value
    }
}

/// Scans one line holding one JSON object, field by field, without allocating: the event lines of
/// SPEC §5 (flat objects; values are scalars or arrays of strings). Nested values are skipped
/// over (checked for balance) and handed out as positions.
///
/// Strict enough to tell a torn line (cut off mid-write, or two writes interleaved) from a whole
/// one: the object must be closed and nothing but white space may follow it.
public enum JSONLineScanner {
    /// Calls `field` for every top-level field in order; returns false when the line is not one
    /// complete JSON object (the fields seen before the fault have been reported already).
    @inline(__always)
    public static func scan(_ line: UnsafeBufferPointer<UInt8>, _ field: (JSONKey, JSONToken) -> Void) -> Bool {
        guard let base = line.baseAddress else { return false }
        return scan(base, count: line.count, field)
    }

    public static func scan(_ bytes: UnsafePointer<UInt8>, count: Int, _ field: (JSONKey, JSONToken) -> Void) -> Bool {
        var index = skipSpace(bytes, count, 0)
        guard index < count, bytes[index] == 0x7B /* { */ else { return false }
        index = skipSpace(bytes, count, index + 1)
        guard index < count else { return false }
        if bytes[index] == 0x7D /* } */ {
            return skipSpace(bytes, count, index + 1) == count
        }
        while true {
            // Key.
            guard index < count, bytes[index] == 0x22 /* " */ else { return false }
            var hash = JSONKey.offsetBasis
            index += 1
            let keyStart = index
            while true {
                guard index < count else { return false }
                let byte = bytes[index]
                if byte == 0x22 /* " */ { break }
                if byte == 0x5C /* \ */ {
                    // Escaped keys are not in the SPEC; hash the raw text so they match nothing known.
                    hash = (hash ^ UInt64(byte)) &* JSONKey.prime
                    index += 1
                    guard index < count else { return false }
                }
                hash = (hash ^ UInt64(bytes[index])) &* JSONKey.prime
                index += 1
            }
            let keyEnd = index
            // skipSpace only where there is space: most lines have none, and calls cost in debug builds.
            index += 1
            if index < count && bytes[index] <= 0x20 { index = skipSpace(bytes, count, index) }
            guard index < count, bytes[index] == 0x3A /* : */ else { return false }
            index += 1
            if index < count && bytes[index] <= 0x20 { index = skipSpace(bytes, count, index) }
            guard index < count else { return false }

            // Value.
            let token: JSONToken
            switch bytes[index] {
            case 0x22 /* " */:
                guard let (end, escaped) = stringEnd(bytes, count, index) else { return false }
                token = .string(start: index + 1, end: end, escaped: escaped)
                index = end + 1
            case 0x74 /* t */:
                guard matches(bytes, count, index, "true") else { return false }
                token = .bool(true)
                index += 4
            case 0x66 /* f */:
                guard matches(bytes, count, index, "false") else { return false }
                token = .bool(false)
                index += 5
            case 0x6E /* n */:
                guard matches(bytes, count, index, "null") else { return false }
                token = .null
                index += 4
            case 0x5B /* [ */, 0x7B /* { */:
                guard let end = nestedEnd(bytes, count, index) else { return false }
                token = bytes[index] == 0x5B /* [ */ ? .array(start: index, end: end) : .object(start: index, end: end)
                index = end
            default:
                guard let (value, end) = parseNumber(bytes, count, index) else { return false }
                token = .number(value)
                index = end
            }
            field(JSONKey(hash: hash, start: keyStart, end: keyEnd), token)

            if index < count && bytes[index] <= 0x20 { index = skipSpace(bytes, count, index) }
            guard index < count else { return false }
            if bytes[index] == 0x2C /* , */ {
                index += 1
                if index < count && bytes[index] <= 0x20 { index = skipSpace(bytes, count, index) }
                continue
            }
            guard bytes[index] == 0x7D /* } */ else { return false }
            return skipSpace(bytes, count, index + 1) == count
        }
    }

    @inline(__always)
    static func skipSpace(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ start: Int) -> Int {
        var index = start
        while index < count {
            let byte = bytes[index]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { break }
            index += 1
        }
        return index
    }

    @inline(__always)
    static func matches(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ start: Int, _ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard start + length <= count else { return false }
        return memcmp(bytes + start, word.utf8Start, length) == 0
    }

    /// Index of the closing quote of the string opening at `start`, and whether it holds escapes.
    static func stringEnd(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ start: Int) -> (Int, Bool)? {
        var index = start + 1
        var escaped = false
        while index < count {
            let byte = bytes[index]
            if byte == 0x22 /* " */ { return (index, escaped) }
            if byte == 0x5C /* \ */ {
                escaped = true
                index += 2
                continue
            }
            if byte < 0x20 { return nil }  // raw control characters are not allowed inside strings
            index += 1
        }
        return nil
    }

    /// Index just past the array or object opening at `start` (brackets balanced, strings skipped).
    static func nestedEnd(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ start: Int) -> Int? {
        var depth = 0
        var index = start
        while index < count {
            switch bytes[index] {
            case 0x22 /* " */:
                guard let (end, _) = stringEnd(bytes, count, index) else { return nil }
                index = end
            case 0x5B /* [ */, 0x7B /* { */:
                depth += 1
            case 0x5D /* ] */, 0x7D /* } */:
                depth -= 1
                if depth == 0 { return index + 1 }
            default:
                break
            }
            index += 1
        }
        return nil
    }

    private static let exactPowersOf10: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// A JSON number starting at `start`: its value and the index just past it.
    ///
    /// Up to 19 significant digits with a decimal exponent within ±22 are converted exactly with
    /// one multiplication or division (every such mantissa and power of ten is an exact Double);
    /// anything longer goes through `strtod`.
    static func parseNumber(_ bytes: UnsafePointer<UInt8>, _ count: Int, _ start: Int) -> (Double, Int)? {
        var index = start
        var negative = false
        if index < count, bytes[index] == 0x2D /* - */ {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var exponent10 = 0
        var simple = true
        let integerStart = index
        while index < count {
            let digit = bytes[index] &- 0x30
            if digit > 9 { break }
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                if mantissa != 0 { digits += 1 }
            } else {
                exponent10 += 1
                simple = false
            }
            index += 1
        }
        guard index > integerStart else { return nil }
        if index < count, bytes[index] == 0x2E /* . */ {
            index += 1
            let fractionStart = index
            while index < count {
                let digit = bytes[index] &- 0x30
                if digit > 9 { break }
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    if mantissa != 0 { digits += 1 }
                    exponent10 -= 1
                } else {
                    simple = false
                }
                index += 1
            }
            guard index > fractionStart else { return nil }
        }
        if index < count, bytes[index] == 0x65 /* e */ || bytes[index] == 0x45 /* E */ {
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == 0x2D /* - */ || bytes[index] == 0x2B /* + */ {
                exponentNegative = bytes[index] == 0x2D /* - */
                index += 1
            }
            let exponentStart = index
            var explicit = 0
            while index < count {
                let digit = bytes[index] &- 0x30
                if digit > 9 { break }
                if explicit < 100_000 { explicit = explicit * 10 + Int(digit) }
                index += 1
            }
            guard index > exponentStart else { return nil }
            exponent10 += exponentNegative ? -explicit : explicit
        }
        if simple && mantissa < (1 << 53) && exponent10 >= -22 && exponent10 <= 22 {
            var value = Double(mantissa)
            if exponent10 < 0 {
                value /= exactPowersOf10[-exponent10]
            } else if exponent10 > 0 {
                value *= exactPowersOf10[exponent10]
            }
            return (negative ? -value : value, index)
        }
        // Rare: long mantissas or big exponents. strtod needs a terminated copy.
        let length = index - start
        var text = [CChar](repeating: 0, count: length + 1)
        for offset in 0..<length { text[offset] = CChar(bitPattern: bytes[start + offset]) }
        let value = text.withUnsafeBufferPointer { buffer in buffer.baseAddress.map { strtod($0, nil) } ?? .nan }
        return (value, index)
    }

    /// The text of a string token (escapes decoded).
    public static func string(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, escaped: Bool) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[start..<end])
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        return decodeEscapes(raw)
    }

    /// Decodes the JSON escapes of a string's inner bytes (`\n`, `\"`, `\u00e9`, surrogate pairs).
    static func decodeEscapes(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = 0
        func hex4(_ at: Int) -> UInt32? {
            guard at + 4 <= raw.count else { return nil }
            var value: UInt32 = 0
            for offset in 0..<4 {
                let byte = raw[at + offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        while index < raw.count {
            let byte = raw[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < raw.count else {
                output.append(byte)
                index += 1
                continue
            }
            let escape = raw[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "u"):
                guard var scalar = hex4(index) else {
                    output.append(contentsOf: "\u{FFFD}".utf8)
                    continue
                }
                index += 4
                if (0xD800..<0xDC00).contains(scalar), index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"),
                   raw[index + 1] == UInt8(ascii: "u"), let low = hex4(index + 2), (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    index += 6
                }
                output.append(contentsOf: String(Unicode.Scalar(scalar).map(Character.init) ?? "\u{FFFD}").utf8)
            default: output.append(escape)  // \" \\ \/
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

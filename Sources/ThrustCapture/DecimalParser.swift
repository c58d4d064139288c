#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses decimal numbers straight from bytes (no `String`), for the capture reader's hot path.
enum DecimalParser {
    /// Exact powers of ten as Doubles (10^0 … 10^22 are all exactly representable).
    @usableFromInline
    static let exactPowersOf10: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    enum Outcome {
        case value(Double)
        /// Not a number at all (the caller names the column and the text).
        case notANumber
        /// Parsed, but infinite or NaN (`inf`, `nan`, `1e999`).
        case notFinite
    }

    /// Parses `bytes[from..<to]`, ignoring surrounding spaces and tabs.
    ///
    /// Fast path (Clinger): at most 19 significant digits and a decimal exponent within ±22 give a
    /// correctly rounded result with one multiplication or division. Anything else (more digits,
    /// huge exponents, `inf`, `nan`, hex floats) goes through `strtod`.
    @inline(__always)
    static func parse(_ bytes: UnsafePointer<UInt8>, from: Int, to: Int) -> Outcome {
        var start = from
        var end = to
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        if start == end { return .notANumber }

        var index = start
        var negative = false
        if bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        } else if bytes[index] == UInt8(ascii: "+") {
            index += 1
        }

        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent10 = 0
        var sawDigit = false
        var tooManyDigits = false

        // Integer part.
        while index < end {
            let digit = bytes[index] &- 0x30
            if digit > 9 { break }
            sawDigit = true
            if mantissa != 0 || digit != 0 {
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    significantDigits += 1
                } else {
                    tooManyDigits = true
                }
            }
            index += 1
        }
        // Fraction.
        if index < end, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < end {
                let digit = bytes[index] &- 0x30
                if digit > 9 { break }
                sawDigit = true
                if mantissa != 0 || digit != 0 {
                    if significantDigits < 19 {
                        mantissa = mantissa &* 10 &+ UInt64(digit)
                        significantDigits += 1
                        exponent10 -= 1
                    } else {
                        tooManyDigits = true
                    }
                } else {
                    exponent10 -= 1  // a leading zero after the point
                }
                index += 1
            }
        }
        if !sawDigit { return slowParse(bytes, from: start, to: end) }
        // Exponent.
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < end, bytes[index] == UInt8(ascii: "-") {
                exponentNegative = true
                index += 1
            } else if index < end, bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            var explicitExponent = 0
            var exponentDigits = 0
            while index < end {
                let digit = bytes[index] &- 0x30
                if digit > 9 { break }
                if explicitExponent < 100_000 { explicitExponent = explicitExponent * 10 + Int(digit) }
                exponentDigits += 1
                index += 1
            }
            if exponentDigits == 0 { return .notANumber }
            exponent10 += exponentNegative ? -explicitExponent : explicitExponent
        }
        if index != end { return .notANumber }
        if tooManyDigits { return slowParse(bytes, from: start, to: end) }

        if mantissa == 0 { return .value(negative ? -0.0 : 0.0) }
        guard mantissa <= 1 << 53, exponent10 >= -22, exponent10 <= 22 else {
            return slowParse(bytes, from: start, to: end)
        }
        var value = Double(mantissa)
        if exponent10 < 0 {
            value /= exactPowersOf10[-exponent10]
        } else if exponent10 > 0 {
            value *= exactPowersOf10[exponent10]
        }
        return .value(negative ? -value : value)
    }

    /// `strtod` on a NUL-terminated copy; the whole text must be consumed.
    static func slowParse(_ bytes: UnsafePointer<UInt8>, from: Int, to: Int) -> Outcome {
        let count = to - from
        if count <= 0 || count > 400 { return .notANumber }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { text -> Outcome in
            guard let base = text.baseAddress else { return .notANumber }
            for offset in 0..<count { base[offset] = CChar(bitPattern: bytes[from + offset]) }
            base[count] = 0
            // strtod skips leading whitespace; ours was trimmed already, anything else is not a number.
            if base[0] == 0x20 || base[0] == 0x09 || base[0] == 0x0A { return .notANumber }
            var endPointer: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(base, &endPointer)
            guard let endPointer, endPointer == base + count else { return .notANumber }
            return value.isFinite ? .value(value) : .notFinite
        }
    }
}

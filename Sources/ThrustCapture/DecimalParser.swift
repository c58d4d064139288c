#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses decimal numbers straight from bytes (no `String`), for the capture reader's hot path.
enum DecimalParser {
    /// Exact powers of ten as Doubles (10^0 … 10^22 are all exactly representable). A literal
    /// table, so the compiler emits it as static data (no lazy initialisation on each access).
    static let exactPowersOf10: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    enum Outcome {
        case value(Double)
        /// Not a number at all (the caller names the column and the text).
        case notANumber
        /// Parsed, but infinite or NaN (`inf`, `nan`, `1e999`).
        case notFinite
    }

    /// Parses the comma-separated field that starts at `position` in `bytes[0..<count]`,
    /// ignoring spaces and tabs around the number, and leaves `position` on the comma that ends
    /// the field (or at `count`).
    ///
    /// One pass over the bytes. Fast path (Clinger): at most 19 digits and a decimal exponent
    /// within ±22 give a correctly rounded result with one multiplication or division. Anything
    /// else (more digits, huge exponents, `inf`, `nan`, hex floats) goes through `strtod`.
    @inline(__always)
    static func parseField(_ bytes: UnsafePointer<UInt8>, count: Int, position: inout Int) -> Outcome {
        let fieldStart = position
        var index = position
        while index < count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }

        var negative = false
        if index < count {
            if bytes[index] == UInt8(ascii: "-") {
                negative = true
                index += 1
            } else if bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
        }

        var mantissa: UInt64 = 0
        var digits = 0  // digits taken into the mantissa (leading zeros included)
        var exponent10 = 0
        var exact = true
        let integerStart = index
        while index < count {
            let digit = bytes[index] &- 0x30
            if digit > 9 { break }
            if digits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                digits += 1
            } else {
                exact = false
            }
            index += 1
        }
        var sawDigit = index > integerStart
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count {
                let digit = bytes[index] &- 0x30
                if digit > 9 { break }
                if digits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    digits += 1
                    exponent10 -= 1
                } else if digit != 0 {
                    exact = false
                }
                index += 1
            }
            sawDigit = sawDigit || index > fractionStart
        }
        if sawDigit, index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < count, bytes[index] == UInt8(ascii: "-") {
                exponentNegative = true
                index += 1
            } else if index < count, bytes[index] == UInt8(ascii: "+") {
                index += 1
            }
            var explicitExponent = 0
            let exponentStart = index
            while index < count {
                let digit = bytes[index] &- 0x30
                if digit > 9 { break }
                if explicitExponent < 100_000 { explicitExponent = explicitExponent &* 10 &+ Int(digit) }
                index += 1
            }
            if index == exponentStart { sawDigit = false }  // "1e" is not a number
            exponent10 += exponentNegative ? -explicitExponent : explicitExponent
        }
        while index < count, bytes[index] == 0x20 || bytes[index] == 0x09 { index += 1 }

        if index < count && bytes[index] != UInt8(ascii: ",") || !sawDigit {
            // Not a plain decimal: find the field's end and let strtod (or the error) have it.
            while index < count, bytes[index] != UInt8(ascii: ",") { index += 1 }
            position = index
            return slowParse(bytes, from: fieldStart, to: index)
        }
        position = index
        if mantissa == 0 && exact { return .value(negative ? -0.0 : 0.0) }
        guard exact, mantissa <= 1 << 53, exponent10 >= -22, exponent10 <= 22 else {
            return slowParse(bytes, from: fieldStart, to: index)
        }
        var value = Double(mantissa)
        if exponent10 < 0 {
            value /= exactPowersOf10[-exponent10]
        } else if exponent10 > 0 {
            value *= exactPowersOf10[exponent10]
        }
        return .value(negative ? -value : value)
    }

    /// `strtod` on a trimmed, NUL-terminated copy; the whole text must be consumed.
    static func slowParse(_ bytes: UnsafePointer<UInt8>, from: Int, to: Int) -> Outcome {
        var start = from
        var end = to
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        let count = end - start
        if count <= 0 || count > 400 { return .notANumber }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { text -> Outcome in
            guard let base = text.baseAddress else { return .notANumber }
            for offset in 0..<count { base[offset] = CChar(bitPattern: bytes[start + offset]) }
            base[count] = 0
            var endPointer: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(base, &endPointer)
            guard let endPointer, endPointer == base + count else { return .notANumber }
            return value.isFinite ? .value(value) : .notFinite
        }
    }
}

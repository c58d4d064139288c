import Foundation
import Testing
@testable import ThrustCapture

/// Parses `text` as one field the way the reader does.
private func parse(_ text: String) -> DecimalParser.Outcome {
    var bytes = Array(text.utf8)
    bytes.append(0)  // keeps the pointer valid for empty text
    return bytes.withUnsafeBufferPointer { buffer -> DecimalParser.Outcome in
        guard let base = buffer.baseAddress else { return .notANumber }
        var position = 0
        let outcome = DecimalParser.parseField(base, count: buffer.count - 1, position: &position)
        return outcome
    }
}

private func value(_ text: String) -> Double? {
    if case .value(let number) = parse(text) { return number }
    return nil
}

@Suite struct DecimalParserTests {
    @Test(arguments: [
        ("0", 0.0), ("-0", -0.0), ("+1.5", 1.5), ("  2 ", 2), ("\t-3.25\t", -3.25), (".5", 0.5), ("5.", 5),
        ("1e3", 1000), ("1E-3", 0.001), ("-2.5e+2", -250), ("0.000000", 0), ("9.80665", 9.80665),
        ("123456789012345680", 123456789012345680), ("0.1", 0.1), ("1e22", 1e22), ("1e-22", 1e-22),
        ("12345678901234567890123", 12345678901234567890123.0), ("1e-300", 1e-300), ("4.9406564584124654e-324", Double.leastNonzeroMagnitude),
        ("0x10", 16),
    ])
    func parsesExactly(_ text: String, _ expected: Double) {
        let parsed = value(text)
        #expect(parsed == expected)
        #expect(parsed?.sign == expected.sign)
    }

    @Test(arguments: ["", " ", "-", "+", ".", "e5", "1e", "1e+", "--1", "1.2.3", "abc", "1,5", "1 2", "0x", "١٢"])
    func rejectsNonNumbers(_ text: String) {
        if text == "1,5" {
            // A comma ends the field: "1" parses and the rest belongs to the next field.
            #expect(value(text) == 1)
            return
        }
        guard case .notANumber = parse(text) else {
            Issue.record("'\(text)' should not parse")
            return
        }
    }

    @Test(arguments: ["inf", "-inf", "nan", "NaN", "infinity", "1e999", "-1e400"])
    func nonFiniteIsItsOwnError(_ text: String) {
        guard case .notFinite = parse(text) else {
            Issue.record("'\(text)' should be reported as not finite")
            return
        }
    }

    /// The fast path must agree bit for bit with the standard library on the forms writers use.
    @Test func agreesWithStandardLibrary() {
        var state: UInt64 = 12345
        func random() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        for _ in 0..<20_000 {
            let magnitude = pow(10, random() * 12 - 6)
            let number = (random() < 0.5 ? -1 : 1) * magnitude
            for text in [String(number), String(format: "%.6f", number), String(format: "%.9g", number),
                         String(format: "%.17g", number), String(format: "%.4e", number)] {
                let expected = Double(text)
                #expect(value(text) == expected, "\(text)")
            }
        }
    }
}

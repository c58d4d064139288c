import Testing
import ThrustCore
@testable import ThrustClient

@Suite struct JSONScannerTests {
    func fields(_ line: String) -> (complete: Bool, fields: [(String, JSONToken)]) {
        var copy = line
        var found: [(String, JSONToken)] = []
        let complete = copy.withUTF8 { bytes in
            JSONLineScanner.scan(bytes) { key, token in
                found.append((String(decoding: UnsafeBufferPointer(rebasing: bytes[key.start..<key.end]), as: UTF8.self), token))
            }
        }
        return (complete, found)
    }

    @Test func scansEveryKindOfValue() {
        let (complete, found) = fields(#" {"a":"x\"y","b":-12.5e1,"c":true,"d":false,"e":null,"f":["p","q"],"g":{"h":[1,{"i":2}]}} "#)
        #expect(complete)
        #expect(found.map(\.0) == ["a", "b", "c", "d", "e", "f", "g"])
        #expect(found[1].1 == .number(-125))
        #expect(found[2].1 == .bool(true))
        #expect(found[4].1 == .null)
        guard case .string(_, _, let escaped) = found[0].1 else {
            Issue.record("a is not a string")
            return
        }
        #expect(escaped)
    }

    @Test func rejectsTornAndMalformedLines() {
        for line in [#"{"class":"REP","set":1,"de"#, #"{"class":"REP""#, #"{"a":1"#, #"{"a":1,}"#, #"{"a":}"#,
                     #"{"a":1} trailing"#, #"["a"]"#, "", "   ", #"{"a":tru}"#, #"{"a":"unterminated}"#,
                     #"{"a":[1,2}"#, #"{"a":1}{"b":2}"#, "\u{0}\u{0}\u{0}", #"{"a":-}"#, #"{"a":1.}"#] {
            #expect(!fields(line).complete, "accepted: \(line)")
        }
        #expect(fields("{}").complete)
        #expect(fields(" { \"a\" : 1 , \"b\" : [ ] } ").complete)
    }

    @Test func numbersConvertExactly() {
        let cases: [(String, Double)] = [("0", 0), ("-0.5", -0.5), ("17.42", 17.42), ("1e3", 1000), ("2.5E-3", 0.0025),
                                         ("123456789012345678901234", 123456789012345678901234.0),
                                         ("0.1234567890123456789", 0.1234567890123456789), ("1e300", 1e300)]
        for (text, value) in cases {
            let (complete, found) = fields("{\"n\":\(text)}")
            #expect(complete)
            #expect(found.first?.1 == .number(value), "\(text)")
        }
    }

    /// The literal hashes in `LogLineParser`'s switch must be the hashes of their names.
    @Test func fieldHashLiteralsMatchTheirNames() {
        for (name, hash) in LogLineParser.fieldHashes {
            #expect(JSONKey.hash(name) == hash, "\(name)")
        }
        #expect(Set(LogLineParser.fieldHashes.map(\.hash)).count == LogLineParser.fieldHashes.count)
    }

    @Test func eventObjectDecodesEscapesAndArrays() throws {
        let line = #"{"class":"ERROR","message":"bad \"cmd\"\n\u00e9\ud83d\ude00","list":[1,"two",[3],null,true]}"#
        let event = try #require(EventObject(line: line))
        #expect(event.eventClass == "ERROR")
        #expect(event.string("message") == "bad \"cmd\"\né😀")
        #expect(event["list"] == .array([.number(1), .string("two"), .array([.number(3)]), .null, .bool(true)]))
        #expect(EventObject(line: #"{"class":"ERR"#) == nil)
    }

    @Test func rfc3339Times() {
        #expect(CivilTime.epochSeconds(rfc3339: "1970-01-01T00:00:00Z") == 0)
        #expect(abs((CivilTime.epochSeconds(rfc3339: "2024-05-01T10:00:00.123Z") ?? 0) - 1_714_557_600.123) < 1e-6)
        #expect(CivilTime.epochSeconds(rfc3339: "2024-05-01T12:00:00+02:00") == 1_714_557_600)
        #expect(CivilTime.epochSeconds(rfc3339: "2024-02-30T12:00:00Z") == nil)
        #expect(CivilTime.epochSeconds(rfc3339: "2024-05-01 12:00:00") == nil)
        #expect(CivilTime.rfc3339(1_714_557_600.123) == "2024-05-01T10:00:00.123Z")
        for day in [-800_000, -1, 0, 59, 11_016, 19_844, 2_932_896] {
            let (year, month, dayOfMonth) = CivilTime.civilFromDays(day)
            #expect(CivilTime.daysFromCivil(year: year, month: month, day: dayOfMonth) == day)
        }
        #expect(CivilTime.weekday(ofDay: CivilTime.daysFromCivil(year: 2024, month: 5, day: 6)) == 0)  // a Monday
    }
}

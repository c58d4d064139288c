import Foundation
import Testing
import ThrustCore

/// Parses one JSON line into a dictionary (fails the test when it is not a JSON object).
private func object(_ line: String) throws -> [String: Any] {
    let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
    return try #require(parsed as? [String: Any], "not a JSON object: \(line)")
}

private let sampleRep = RepReport(
    set: 1, rep: 3, t: 12.345, depthCm: 17.4249, eccentricS: 1.5304, bottomS: 0.41, concentricS: 1.12, holdS: 2.2,
    lockoutCm: 0.35, torsoDeg: nil, tiltDeg: 1.2, peakVelocityMps: 0.4124, meanVelocityMps: 0.201, partial: false,
    alerts: AlertSet(.tempoFast))

@Suite struct EventJSONTests {
    @Test func repMatchesTheSpecExample() {
        #expect(CoreEvent.rep(sampleRep).jsonLine() == """
            {"class":"REP","set":1,"rep":3,"t":12.345,"depth_cm":17.42,"eccentric_s":1.53,"bottom_s":0.41,\
            "concentric_s":1.12,"hold_s":2.2,"lockout_cm":0.35,"torso_deg":null,"tilt_deg":1.2,\
            "peak_velocity_mps":0.412,"mean_velocity_mps":0.201,"partial":false,"alerts":["tempo_fast"]}
            """)
    }

    @Test func everyClassHasItsFieldsInOrder() throws {
        var alerts = AlertSet(.shallow)
        alerts.insert(.tempoFast)
        let events: [(CoreEvent, String)] = [
            (.setStart(set: 2, t: 100.0004), #"{"class":"SET_START","set":2,"t":100}"#),
            (.phase(set: 2, rep: 1, phase: .concentric, t: 101.5), #"{"class":"PHASE","set":2,"rep":1,"phase":"concentric","t":101.5}"#),
            (.alert(Alert(set: 2, rep: 1, kind: .tempoFast, value: 0.6234, limit: 1, t: 102)),
             #"{"class":"ALERT","set":2,"rep":1,"kind":"tempo_fast","value":0.623,"limit":1,"unit":"s","t":102}"#),
            (.alert(Alert(set: 2, rep: 1, kind: .overextension, value: 7.126, limit: 5, t: 102)),
             #"{"class":"ALERT","set":2,"rep":1,"kind":"overextension","value":7.13,"limit":5,"unit":"cm","t":102}"#),
            // A belt's over-extension is the pelvis angle.
            (.alert(Alert(set: 2, rep: 1, kind: .overextension, value: 12.345, limit: 10, t: 102, unit: "deg")),
             #"{"class":"ALERT","set":2,"rep":1,"kind":"overextension","value":12.35,"limit":10,"unit":"deg","t":102}"#),
            (.alert(Alert(set: 2, rep: 1, kind: .asymmetry, value: 4.444, limit: 3, t: 102)),
             #"{"class":"ALERT","set":2,"rep":1,"kind":"asymmetry","value":4.44,"limit":3,"unit":"deg","t":102}"#),
            (.alert(Alert(set: 2, rep: 8, kind: .setTarget, value: 8, limit: 8, t: 130)),
             #"{"class":"ALERT","set":2,"rep":8,"kind":"set_target","value":8,"limit":8,"unit":"reps","t":130}"#),
            (.rep(RepReport(set: 2, rep: 1, t: 103, depthCm: 9.5, eccentricS: nil, bottomS: nil, concentricS: 0.6,
                            holdS: nil, lockoutCm: 0, torsoDeg: 11.25, tiltDeg: nil, peakVelocityMps: 0.5,
                            meanVelocityMps: 0.25, partial: true, alerts: alerts)),
             #"{"class":"REP","set":2,"rep":1,"t":103,"depth_cm":9.5,"eccentric_s":null,"bottom_s":null,"concentric_s":0.6,"#
             + #""hold_s":null,"lockout_cm":0,"torso_deg":11.25,"tilt_deg":null,"peak_velocity_mps":0.5,"#
             + #""mean_velocity_mps":0.25,"partial":true,"alerts":["tempo_fast","shallow"]}"#),
            (.setEnd(SetSummary(set: 2, t: 140, reps: 8, meanDepthCm: 16.666, meanEccentricS: 1.5, meanConcentricS: 1.25,
                                meanHoldS: 2.0004, peakVelocityMps: 0.61, velocityLossPct: 23.46, alerts: 3)),
             #"{"class":"SET_END","set":2,"t":140,"reps":8,"mean_depth_cm":16.67,"mean_eccentric_s":1.5,"#
             + #""mean_concentric_s":1.25,"mean_hold_s":2,"peak_velocity_mps":0.61,"velocity_loss_pct":23.5,"alerts":3}"#),
            (.setEnd(SetSummary(set: 3, t: 150, reps: 0)),
             #"{"class":"SET_END","set":3,"t":150,"reps":0,"mean_depth_cm":null,"mean_eccentric_s":null,"#
             + #""mean_concentric_s":null,"mean_hold_s":null,"peak_velocity_mps":null,"velocity_loss_pct":null,"alerts":0}"#),
            (.sensor(state: .uprightCalibrated, detail: "standing still 2.5 s", t: 3),
             #"{"class":"SENSOR","state":"upright_calibrated","detail":"standing still 2.5 s","t":3}"#),
        ]
        for (event, expected) in events {
            let line = event.jsonLine()
            #expect(line == expected)
            let parsed = try object(line)
            #expect(parsed["class"] as? String == event.jsonClass)
        }
    }

    @Test func repParsesBackWithTheRightTypes() throws {
        let parsed = try object(CoreEvent.rep(sampleRep).jsonLine())
        #expect(parsed["set"] as? Int == 1)
        #expect(parsed["depth_cm"] as? Double == 17.42)
        #expect(parsed["torso_deg"] is NSNull)
        #expect(parsed["partial"] as? Bool == false)
        #expect(parsed["alerts"] as? [String] == ["tempo_fast"])
    }

    @Test func noNegativeZeroAndNonFiniteIsNull() {
        #expect(JSONText.number(-0.0, decimals: 2) == "0")
        #expect(JSONText.number(-0.004, decimals: 2) == "0")
        #expect(JSONText.number(-0.005, decimals: 2) == "-0.01")
        #expect(JSONText.number(-1.5, decimals: 3) == "-1.5")
        #expect(JSONText.number(.nan, decimals: 2) == "null")
        #expect(JSONText.number(.infinity, decimals: 2) == "null")
        #expect(JSONText.number(-.infinity, decimals: 2) == "null")
        #expect(JSONText.number(nil, decimals: 2) == "null")
        #expect(JSONText.number(1e20, decimals: 2) == "1e+20")
        #expect(JSONText.number(1234567.891, decimals: 3) == "1234567.891")
        #expect(JSONText.number(0.0005, decimals: 3) == "0.001")
        #expect(JSONText.number(2.675, decimals: 0) == "3")
        let line = CoreEvent.alert(Alert(set: 1, rep: 1, kind: .overextension, value: .nan, limit: -0.0, t: -0.0001)).jsonLine()
        #expect(line == #"{"class":"ALERT","set":1,"rep":1,"kind":"overextension","value":null,"limit":0,"unit":"cm","t":0}"#)
        #expect(!line.contains("-0"))
    }

    @Test func fixedDecimalsForTables() {
        #expect(JSONText.fixed(17.4249, decimals: 1) == "17.4")
        #expect(JSONText.fixed(-0.04, decimals: 1) == "0.0")
        #expect(JSONText.fixed(-0.06, decimals: 1) == "-0.1")
        #expect(JSONText.fixed(3, decimals: 3) == "3.000")
        #expect(JSONText.fixed(nil, decimals: 2) == "-")
        #expect(JSONText.fixed(.nan, decimals: 2) == "-")
        #expect(JSONText.fixed(0.5, decimals: 0) == "1")
    }

    @Test func stringsAreEscaped() throws {
        let detail = "quote \" backslash \\ newline \n tab \t cr \r bell \u{07} del \u{7F} é 🏋️ \u{2028}"
        let line = CoreEvent.sensor(state: .fault, detail: detail, t: 1).jsonLine()
        #expect(line.contains(#"quote \" backslash \\ newline \n tab \t cr \r bell \u0007 del \u007f é 🏋️ \u2028"#))
        #expect(!line.contains("\n"))
        #expect(try object(line)["detail"] as? String == detail)
        #expect(JSONText.quoted("\u{08}\u{0C}\u{00}") == #""\b\f\u0000""#)
    }

    @Test func extraFieldsGoRightAfterClass() throws {
        let line = CoreEvent.setStart(set: 1, t: 5).jsonLine(extraFields: #""time":"2024-05-01T10:00:00.123Z","seq":17"#)
        #expect(line == #"{"class":"SET_START","time":"2024-05-01T10:00:00.123Z","seq":17,"set":1,"t":5}"#)
        #expect(try object(line)["seq"] as? Int == 17)
    }

    @Test func appendingBatchesLines() {
        var text = "prefix\n"
        CoreEvent.setStart(set: 1, t: 1).appendJSON(to: &text)
        text += "\n"
        CoreEvent.setEnd(SetSummary(set: 1, t: 2, reps: 0)).appendJSON(to: &text, extraFields: #""seq":2"#)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == "prefix")
        #expect(lines[1] == CoreEvent.setStart(set: 1, t: 1).jsonLine())
        #expect(lines[2].hasPrefix(#"{"class":"SET_END","seq":2,"set":1"#))
    }

    @Test func deterministic() {
        let events: [CoreEvent] = [.rep(sampleRep), .setStart(set: 1, t: 0.1 + 0.2), .sensor(state: .calibrated, detail: "ok", t: 1 / 3)]
        let first = events.map { $0.jsonLine() }
        for _ in 0..<100 {
            #expect(events.map { $0.jsonLine() } == first)
        }
        #expect(first[1] == #"{"class":"SET_START","set":1,"t":0.3}"#)
        #expect(first[2].hasSuffix(#""t":0.333}"#))
    }

    @Test func objectWriterForDaemonObjects() {
        var writer = JSONObjectWriter(className: "STATUS")
        writer.string("sensor", "mpu6050")
        writer.number("rate_hz", 200, decimals: 1)
        writer.int("clients", nil)
        writer.bool("muted", true)
        writer.strings("alerts", [])
        #expect(writer.finish() == #"{"class":"STATUS","sensor":"mpu6050","rate_hz":200,"clients":null,"muted":true,"alerts":[]}"#)
        var bare = JSONObjectWriter()
        bare.string("message", "bad \"cmd\"")
        #expect(bare.finish() == #"{"message":"bad \"cmd\""}"#)
    }
}

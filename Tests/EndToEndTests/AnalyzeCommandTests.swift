import Foundation
import Testing
import TestProcessSupport

/// A small valid capture: a still start, then slow 17 cm up-and-down strokes (bar mount, z up).
private func repLikeCapture(seconds: Double = 40, rateHz: Double = 200) -> String {
    var text = "# thrust-capture v1\n# rate_hz=\(Int(rateHz)) sensor=test mount=bar profile=barbell\nt,ax,ay,az,gx,gy,gz\n"
    let cycleS = 5.0
    let omega = 2 * Double.pi / cycleS
    for index in 0..<Int(seconds * rateHz) {
        let t = Double(index) / rateHz
        let moving = t >= 5
        let accelZ = moving ? 0.085 * omega * omega * cos(omega * (t - 5)) : 0
        let roll = moving ? 0.15 * sin(omega * (t - 5)) : 0
        text += String(format: "%.6f,%.5f,%.5f,%.5f,%.5f,%.5f,%.5f\n",
                       t, 0.003 * sin(t * 37), -0.002 * cos(t * 41), 9.80665 + accelZ, 0.001, roll, -0.001)
    }
    return text
}

@Suite struct AnalyzeCommandTests {
    @Test func badLineExitsTwoWithFileAndLine() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.file("bad.csv", """
            # thrust-capture v1
            t,ax,ay,az,gx,gy,gz
            0.000,0.01,0.02,9.81,0,0,0
            0.005,0.01,oops,9.81,0,0,0

            """)
        let result = try runBinary("thrust", ["analyze", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("thrust: \(path):4: column ay: expected a number, found 'oops'"), "\(result.stderr)")
        #expect(result.stdout.isEmpty)

        let json = try runBinary("thrust", ["analyze", path, "--json"])
        #expect(json.status == 2)
        #expect(json.stderr.contains("\(path):4:"))
    }

    @Test func errorAfterManyRowsStillNamesTheLine() throws {
        let scratch = try ScratchDirectory()
        var text = "t,ax,ay,az,gx,gy,gz\n"
        for index in 0..<1000 { text += "\(Double(index) / 100),0,0,9.81,0,0,0\n" }
        text += "5.0,0,0,9.81,0,0,0\n"  // t goes back
        let path = try scratch.file("back.csv", text)
        let result = try runBinary("thrust", ["analyze", path, "--json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(path):1002: t = 5.0 is not after t = 9.99 on line 1001"), "\(result.stderr)")
    }

    @Test func missingFileAndWrongUnits() throws {
        let scratch = try ScratchDirectory()
        let missing = try runBinary("thrust", ["analyze", scratch.path + "/none.csv"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("none.csv: cannot open for reading"))

        var rows = "t,ax,ay,az,gx,gy,gz\n"
        for index in 0..<100 { rows += "\(Double(index) / 100),0.01,0.0,1.0,0,0,0\n" }
        let inG = try scratch.file("g.csv", rows)
        let result = try runBinary("thrust", ["analyze", inG])
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(inG):2: accelerometer values look like g"))
    }

    @Test func unknownProfileOrMountIsAUsageError() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.file("ok.csv", repLikeCapture(seconds: 2))
        let profile = try runBinary("thrust", ["analyze", path, "--profile", "heavy"])
        #expect(profile.status == 64)
        #expect(profile.stderr.contains("banded, barbell, generic"))
        let mount = try runBinary("thrust", ["analyze", path, "--mount", "hip"])
        #expect(mount.status == 64)
        #expect(mount.stderr.contains("bar, belt"))
    }

    @Test func jsonLinesParse() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.file("reps.csv", repLikeCapture())
        let result = try runBinary("thrust", ["analyze", path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty || result.stdout.hasSuffix("\n"))
        let known: Set<String> = ["SET_START", "PHASE", "ALERT", "REP", "SET_END", "SENSOR"]
        for line in result.stdoutLines {
            let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
            let object = try #require(parsed as? [String: Any], "not an object: \(line)")
            let eventClass = try #require(object["class"] as? String)
            #expect(known.contains(eventClass), "\(line)")
            #expect(line.hasPrefix("{\"class\":"))
            // `t` is on the capture's clock (a REP's is its lockout, which may precede earlier-sent events).
            let t = try #require(object["t"] as? Double, "\(line)")
            #expect(t >= 0 && t <= 40, "\(line)")
        }
    }

    @Test func tableEndsWithASessionSummary() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.file("reps.csv", repLikeCapture())
        let result = try runBinary("thrust", ["analyze", path, "--mount", "bar", "--profile", "generic", "--style", "top"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("\(path): mount bar, profile generic, style top\n"))
        #expect(result.stdout.contains("\nSession: "))
        #expect(result.stdout.hasSuffix("8000 samples, 40.0 s of capture, 200.0 Hz\n"))
    }

    @Test func metadataChoosesMountAndProfile() throws {
        let scratch = try ScratchDirectory()
        let path = try scratch.file("reps.csv", repLikeCapture(seconds: 3).replacingOccurrences(
            of: "mount=bar profile=barbell", with: "mount=belt profile=banded"))
        let result = try runBinary("thrust", ["analyze", path])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("\(path): mount belt, profile banded, style auto\n"))
    }
}

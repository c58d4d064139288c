import Foundation
import TestProcessSupport
import Testing
import ThrustCore
@testable import ThrustCapture

/// Reads every sample of a capture (errors from `init` and `next` alike).
private func readAll(_ path: String) throws(CaptureError) -> [Sample] {
    var reader = try CaptureReader(path: path)
    var samples: [Sample] = []
    while let sample = try reader.next() { samples.append(sample) }
    return samples
}

private func captureError(_ path: String) -> CaptureError? {
    do {
        _ = try readAll(path)
        return nil
    } catch {
        return error
    }
}

@Suite struct CaptureReaderLayout {
    @Test func readsMetadataHeaderAndRows() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("a.csv", """
            # thrust-capture v1
            # rate_hz=200 sensor=mpu6050 mount=belt profile=banded scenario=quick seed=7
            t,ax,ay,az,gx,gy,gz
            0.000000,0.0123,-0.0345,9.8012,0.0012,-0.0021,0.0005
            0.005000,-1.5e-2,+0.5,9.81,0,-0,1E-3

            """)
        var reader = try CaptureReader(path: path)
        #expect(reader.metadata.rateHz == 200)
        #expect(reader.metadata.sensor == "mpu6050")
        #expect(reader.metadata.mount == .belt)
        #expect(reader.metadata.extra.map(\.key) == ["profile", "scenario", "seed"])
        #expect(reader.metadata["seed"] == "7")
        #expect(reader.warnings.isEmpty)

        let first = try #require(try reader.next())
        #expect(reader.line == 4)
        #expect(first == Sample(t: 0, ax: 0.0123, ay: -0.0345, az: 9.8012, gx: 0.0012, gy: -0.0021, gz: 0.0005))
        let second = try #require(try reader.next())
        #expect(reader.line == 5)
        #expect(second == Sample(t: 0.005, ax: -0.015, ay: 0.5, az: 9.81, gx: 0, gy: 0, gz: 0.001))
        #expect(second.gyro.y.sign == .minus)  // "-0" stays negative zero
        #expect(try reader.next() == nil)
        #expect(try reader.next() == nil)
    }

    @Test func columnsInAnyOrderWithExtraColumns() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("b.csv", """
            temp_c, GZ ,gy,gx,az,ay,ax,t,note
            25.0,0.3,0.2,0.1,9.8,0.02,0.01,1.5,hello
            25.1,0.6,0.5,0.4,9.7,0.05,0.04,1.6,anything goes, here
            """)
        let samples = try readAll(path)
        #expect(samples == [
            Sample(t: 1.5, ax: 0.01, ay: 0.02, az: 9.8, gx: 0.1, gy: 0.2, gz: 0.3),
            Sample(t: 1.6, ax: 0.04, ay: 0.05, az: 9.7, gx: 0.4, gy: 0.5, gz: 0.6),
        ])
    }

    @Test func quotedHeaderNames() throws {
        // R's write.csv and some spreadsheets quote every name in the header.
        let directory = try ScratchDirectory()
        let path = try directory.file("q.csv", "\"t\",\"ax\",\"ay\",\"az\",\" gx \",\"gy\",\"gz\",\"temp\"\n0,0,0,9.8,0,0,0,25\n")
        #expect(try readAll(path) == [Sample(t: 0, ax: 0, ay: 0, az: 9.8, gx: 0, gy: 0, gz: 0)])
    }

    @Test func trailingExtraColumnsMayBeMissing() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("c.csv", "t,ax,ay,az,gx,gy,gz,temp_c\n0,0,0,9.8,0,0,0,25\n0.01,0,0,9.8,0,0,0\n")
        #expect(try readAll(path).count == 2)
    }

    @Test func crlfCommentsBlankLinesSpacesBomAndNoFinalNewline() throws {
        let directory = try ScratchDirectory()
        let text = "\u{FEFF}# thrust-capture v1\r\n# rate_hz=100\r\n\r\n" + canonicalHeader + "\r\n"
            + "0.00, 0.1 ,0.2,9.8,0,0,0\r\n"
            + "   \r\n"
            + "# a comment in the middle, key=value ignored here\r\n"
            + "\t\r\n"
            + "0.01,0.1,0.2,9.8,0,0,0\r\n"
            + "0.02,0.1,0.2,9.8,0,0,0"
        let path = try directory.file("d.csv", text)
        var reader = try CaptureReader(path: path)
        #expect(reader.metadata.rateHz == 100)
        var lines: [Int] = []
        var ts: [Double] = []
        while let sample = try reader.next() {
            lines.append(reader.line)
            ts.append(sample.t)
            #expect(sample.accel == SIMD3(0.1, 0.2, 9.8))
        }
        #expect(lines == [5, 9, 10])
        #expect(ts == [0, 0.01, 0.02])
    }

    @Test func headerOnlyHasNoSamples() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("e.csv", "# mount=bar\n" + canonicalHeader + "\n")
        var reader = try CaptureReader(path: path)
        #expect(try reader.next() == nil)
        #expect(reader.measuredRateHz == nil)
    }

    @Test func anyStartTimeAndGaps() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("f.csv", canonicalHeader + "\n-5.0,0,0,9.8,0,0,0\n-4.99,0,0,9.8,0,0,0\n100,0,0,9.8,0,0,0\n")
        #expect(try readAll(path).map(\.t) == [-5, -4.99, 100])
    }

    @Test func metadataOnlyBeforeTheHeader() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("g.csv", "# a=1\n# sensor=x note b=2\n" + canonicalHeader + "\n# c=3\n0,0,0,9.8,0,0,0\n")
        let reader = try CaptureReader(path: path)
        #expect(reader.metadata.sensor == "x")
        #expect(reader.metadata.extra.map(\.key) == ["a", "b"])
    }
}

/// A malformed capture and what the error must say.
struct BadCapture: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var line: Int?
    var fragments: [String]
    var testDescription: String { name }
}

private let header = canonicalHeader + "\n"

let badCaptures: [BadCapture] = [
    BadCapture(name: "empty file", text: "", line: nil, fragments: ["no header row", "t,ax,ay,az,gx,gy,gz"]),
    BadCapture(name: "comments only", text: "# a=1\n# b\n", line: 2, fragments: ["no header row"]),
    BadCapture(name: "missing columns", text: "# thrust-capture v1\nt,ax,az,gx,gy\n", line: 2,
               fragments: ["header is missing columns ay, gz", "expected t,ax,ay,az,gx,gy,gz"]),
    BadCapture(name: "duplicate column", text: "t,ax,ay,az,gx,gy,gz,ax\n", line: 1,
               fragments: ["column 'ax' appears twice"]),
    BadCapture(name: "data without header", text: "0,1,2,9.8,0,0,0\n", line: 1,
               fragments: ["no header row (found numbers)"]),
    BadCapture(name: "non-numeric value", text: header + "0,0,0,9.8,0,0,0\n0.01,abc,0,9.8,0,0,0\n", line: 3,
               fragments: ["column ax: expected a number, found 'abc'"]),
    BadCapture(name: "empty field", text: header + "0,0,0,9.8,0,0,0\n0.01,0,,9.8,0,0,0\n", line: 3,
               fragments: ["column ay: expected a number, found ''"]),
    BadCapture(name: "two numbers in a field", text: header + "0,0,0,9.8 1,0,0,0\n", line: 2,
               fragments: ["column az: expected a number, found '9.8 1'"]),
    BadCapture(name: "too few fields", text: header + "0,0,0,9.8,0,0,0\n0.01,0,0\n", line: 3,
               fragments: ["too few fields: found 3, expected 7"]),
    BadCapture(name: "t decreasing", text: header + "0,0,0,9.8,0,0,0\n2,0,0,9.8,0,0,0\n1,0,0,9.8,0,0,0\n", line: 4,
               fragments: ["t = 1.0 is not after t = 2.0 on line 3", "strictly increasing"]),
    BadCapture(name: "t repeated", text: header + "0.5,0,0,9.8,0,0,0\n0.5,0,0,9.8,0,0,0\n", line: 3,
               fragments: ["t = 0.5 is not after t = 0.5 on line 2"]),
    BadCapture(name: "nan value", text: header + "0,0,0,9.8,0,0,0\n0.01,nan,0,9.8,0,0,0\n", line: 3,
               fragments: ["column ax: expected a finite number, found 'nan'"]),
    BadCapture(name: "infinite t", text: header + "inf,0,0,9.8,0,0,0\n", line: 2,
               fragments: ["column t: expected a finite number, found 'inf'"]),
    BadCapture(name: "overflowing value", text: header + "0,0,0,1e999,0,0,0\n", line: 2,
               fragments: ["column az: expected a finite number, found '1e999'"]),
    BadCapture(name: "accelerometer in g",
               text: "# x\n" + header + (0..<50).map { "\(Double($0) / 100),0.01,0.02,1.0,0,0,0\n" }.joined(),
               line: 3, fragments: ["accelerometer values look like g", "expected m/s² (multiply by 9.80665)"]),
    BadCapture(name: "t in milliseconds",
               text: header + (0..<50).map { "\(Double($0) * 10),0.01,0.02,9.8,0,0,0\n" }.joined(),
               line: 2, fragments: ["t looks like milliseconds (median step 10", "100 Hz if in ms", "expected seconds (divide by 1000)"]),
    BadCapture(name: "gyro in deg/s", text: header + "0,0,0,9.8,0,0,0\n0.01,0,0,9.8,0,0,0\n0.02,0,0,9.8,57.3,0,0\n", line: 4,
               fragments: ["column gx = 57.3 looks like deg/s; expected rad/s"]),
    BadCapture(name: "negative gyro in deg/s", text: header + "0,0,0,9.8,0,0,-120\n", line: 2,
               fragments: ["column gz = -120.0 looks like deg/s"]),
    BadCapture(name: "units metadata in deg", text: "# units=m/s2,deg/s\n" + header, line: 1,
               fragments: ["looks like deg/s; expected rad/s"]),
    BadCapture(name: "units metadata in g", text: "# rate_hz=100\n# units=g,rad/s\n" + header, line: 2,
               fragments: ["accelerometer values look like g; expected m/s²"]),
    BadCapture(name: "unknown mount", text: "# mount=hip\n" + header, line: 1,
               fragments: ["mount=hip: expected one of bar, belt"]),
    BadCapture(name: "bad rate", text: "# rate_hz=fast\n" + header, line: 1,
               fragments: ["rate_hz=fast: expected a positive number"]),
    BadCapture(name: "bad value after the checked rows", text: header + stillRows(300) + "3.5,0,x,9.8,0,0,0\n", line: 302,
               fragments: ["column ay: expected a number, found 'x'"]),
    BadCapture(name: "bad value in a CRLF file",
               text: "# c\r\n" + header.replacingOccurrences(of: "\n", with: "\r\n") + "0,0,0,9.8,0,0,0\r\n\r\n0.01,0,0,9.8,0,0,oops\r\n",
               line: 5, fragments: ["column gz: expected a number, found 'oops'"]),
    BadCapture(name: "line too long", text: header + String(repeating: "1", count: 1_100_000) + "\n", line: 2,
               fragments: ["line longer than 1048576 bytes"]),
]

@Suite struct CaptureReaderErrors {
    @Test(arguments: badCaptures)
    func namesFileLineAndWhatWasExpected(_ bad: BadCapture) throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("bad.csv", bad.text)
        let error = try #require(captureError(path))
        #expect(error.path == path)
        #expect(error.line == bad.line, "\(error)")
        for fragment in bad.fragments {
            #expect(error.message.contains(fragment), "\(error)")
        }
        let prefix = bad.line.map { "\(path):\($0): " } ?? "\(path): "
        #expect(error.description.hasPrefix(prefix))
    }

    @Test func missingFile() throws {
        let directory = try ScratchDirectory()
        let path = directory.path + "/nope.csv"
        let error = try #require(captureError(path))
        #expect(error.description == "\(path): cannot open for reading: No such file or directory")
    }

    @Test func directoryIsNotAFile() throws {
        let directory = try ScratchDirectory()
        let error = try #require(captureError(directory.path))
        #expect(error.line == nil)
        #expect(error.message.contains("cannot read"))
    }
}

@Suite struct CaptureReaderWarnings {
    @Test func rateBelowTenHz() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("slow.csv", header + stillRows(20, rateHz: 5))
        let reader = try CaptureReader(path: path)
        #expect(reader.warnings.count == 1)
        #expect(reader.warnings.first?.line == 2)
        #expect(reader.warnings.first?.message.contains("below 10 Hz") == true)
        #expect(reader.measuredRateHz.map { abs($0 - 5) < 1e-6 } == true)
    }

    @Test func rateAboveFourKilohertz() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("fast.csv", header + stillRows(50, rateHz: 8000))
        let reader = try CaptureReader(path: path)
        #expect(reader.warnings.map(\.message).contains { $0.contains("above 4 kHz") })
    }

    @Test func declaredRateDisagreesWithTimestamps() throws {
        let directory = try ScratchDirectory()
        let path = try directory.file("rate.csv", "# rate_hz=400\n" + header + stillRows(50, rateHz: 100))
        let reader = try CaptureReader(path: path)
        #expect(reader.warnings.map(\.message).contains { $0.contains("rate_hz=400") && $0.contains("100") })
    }

    @Test func jitterAndDropsAtTheLimitsAreFine() throws {
        let directory = try ScratchDirectory()
        // 10 Hz with 2 % jitter and a dropped sample.
        var rows = ""
        for index in 0..<40 where index != 17 {
            rows += "\(Double(index) * 0.1 + (index % 2 == 0 ? 0.002 : -0.002)),0,0,9.8,0,0,0\n"
        }
        let path = try directory.file("ten.csv", header + rows)
        let reader = try CaptureReader(path: path)
        #expect(reader.warnings.isEmpty)
    }
}

@Suite struct CaptureReaderStreaming {
    @Test func longFileKeepsNoGrowingState() throws {
        let directory = try ScratchDirectory()
        let path = directory.path + "/long.csv"
        let writer = try CaptureWriter(path: path, metadata: CaptureMetadata(rateHz: 1000, mount: .bar))
        var signal = RepLikeSignal(rateHz: 1000, durationS: 200)  // 200 000 rows, ~14 MB: > 10 line buffers
        while let sample = signal.next() { try writer.write(sample) }
        try writer.close()

        var reader = try CaptureReader(path: path)
        #expect(reader.heldSampleCount == CaptureReader.unitCheckRows)
        var count = 0
        var previous = -Double.infinity
        while let sample = try reader.next() {
            count += 1
            #expect(sample.t > previous)
            previous = sample.t
            if count > CaptureReader.unitCheckRows && count % 50_000 == 0 {
                // Past the unit-check rows nothing is held but the fixed line buffer.
                #expect(reader.heldSampleCount == 0)
                #expect(reader.lineBufferCapacity == 1 << 20)
            }
        }
        #expect(count == 200_000)
        #expect(reader.heldSampleCount == 0)
        #expect(reader.line == 200_000 + 3)
    }
}

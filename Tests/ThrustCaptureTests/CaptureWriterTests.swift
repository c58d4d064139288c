import Foundation
import TestProcessSupport
import Testing
import ThrustCore
@testable import ThrustCapture

private func formatted(_ body: (UnsafeMutablePointer<UInt8>, inout Int) -> Void) -> String {
    let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 128)
    defer { buffer.deallocate() }
    var position = 0
    body(buffer, &position)
    return String(decoding: UnsafeBufferPointer(start: buffer, count: position), as: UTF8.self)
}

private func significant6(_ value: Double) -> String {
    formatted { CaptureWriter.writeSignificant6(value, to: $0, at: &$1) }
}

private func fixed6(_ micros: Int64) -> String {
    formatted { CaptureWriter.writeFixed6(micros, to: $0, at: &$1) }
}

@Suite struct CaptureWriterFormatting {
    @Test(arguments: [
        (9.80665, "9.80665"), (-0.0345, "-0.0345"), (0, "0"), (-0.0, "0"), (1, "1"), (12.5, "12.5"),
        (1234567.8, "1234568"), (123456.7, "123457"), (0.000123456789, "0.000123457"), (-9.806651234, "-9.80665"),
        (1e-12, "0"), (-4e-10, "0"), (0.1, "0.1"), (0.3, "0.3"), (99.99999, "100"), (0.00999999, "0.00999999"),
        (3.0000004, "3"), (1e-9, "0.000000001"),
    ])
    func sixSignificantDigits(_ value: Double, _ expected: String) {
        #expect(significant6(value) == expected)
    }

    @Test func hugeValuesStayParseable() {
        #expect(Double(significant6(1e12)) == 1e12)
        #expect(Double(significant6(-3.5e20)) == -3.5e20)
    }

    @Test(arguments: [
        (Int64(0), "0.000000"), (1_500_000, "1.500000"), (-1_500_000, "-1.500000"), (123, "0.000123"),
        (-1, "-0.000001"), (3_600_000_000, "3600.000000"),
    ])
    func timeWithSixDecimals(_ micros: Int64, _ expected: String) {
        #expect(fixed6(micros) == expected)
    }
}

@Suite struct CaptureWriterFiles {
    let metadata = CaptureMetadata(rateHz: 200, sensor: "mpu6050", mount: .bar,
                                   extra: [("profile", "barbell"), ("scenario", "quick"), ("seed", "3")])

    @Test func layoutMatchesTheSpec() throws {
        let directory = try ScratchDirectory()
        let writer = try CaptureWriter(path: directory.path + "/a.csv", metadata: metadata)
        try writer.write(Sample(t: 0, ax: 0.0123, ay: -0.0345, az: 9.8012, gx: 0.0012, gy: -0.0021, gz: 0.0005))
        try writer.write(Sample(t: 0.005, ax: 0, ay: -0.0, az: 9.80665, gx: 1e-12, gy: 2, gz: -1.25))
        try writer.close()
        #expect(try directory.contents("a.csv") == """
            # thrust-capture v1
            # rate_hz=200 sensor=mpu6050 mount=bar profile=barbell scenario=quick seed=3
            t,ax,ay,az,gx,gy,gz
            0.000000,0.0123,-0.0345,9.8012,0.0012,-0.0021,0.0005
            0.005000,0,0,9.80665,0,2,-1.25

            """)
        #expect(writer.rowsWritten == 2)
    }

    @Test func emptyMetadataHasNoMetadataLine() throws {
        let directory = try ScratchDirectory()
        let writer = try CaptureWriter(path: directory.path + "/b.csv", metadata: CaptureMetadata())
        try writer.close()
        #expect(try directory.contents("b.csv") == "# thrust-capture v1\nt,ax,ay,az,gx,gy,gz\n")
    }

    @Test func metadataValuesCannotBreakTheLine() throws {
        let directory = try ScratchDirectory()
        let writer = try CaptureWriter(path: directory.path + "/c.csv", metadata: CaptureMetadata(
            rateHz: 99.5, sensor: "my sensor", extra: [("note", "a=b #c"), ("empty", "")]))
        try writer.close()
        let reader = try CaptureReader(path: directory.path + "/c.csv")
        #expect(reader.metadata.rateHz == 99.5)
        #expect(reader.metadata.sensor == "my_sensor")
        #expect(reader.metadata["note"] == "a_b__c")
        #expect(reader.metadata["empty"] == "_")
    }

    @Test func roundTripsThroughTheReader() throws {
        let directory = try ScratchDirectory()
        let path = directory.path + "/round.csv"
        var signal = RepLikeSignal(rateHz: 200, durationS: 30, startT: 1234.5)
        var written: [Sample] = []
        let writer = try CaptureWriter(path: path, metadata: metadata)
        while let sample = signal.next() {
            written.append(sample)
            try writer.write(sample)
        }
        try writer.close()

        var reader = try CaptureReader(path: path)
        #expect(reader.metadata == metadata)
        #expect(reader.warnings.isEmpty)
        var read: [Sample] = []
        while let sample = try reader.next() { read.append(sample) }
        #expect(read.count == written.count)
        for (original, copy) in zip(written, read) {
            #expect(abs(original.t - copy.t) <= 5e-7)
            for axis in 0..<3 {
                #expect(abs(original.accel[axis] - copy.accel[axis]) <= 5e-6 * max(abs(original.accel[axis]), 1e-3))
                #expect(abs(original.gyro[axis] - copy.gyro[axis]) <= 5e-6 * max(abs(original.gyro[axis]), 1e-3))
            }
        }
    }

    @Test func rewritingWhatWasReadIsByteIdentical() throws {
        let directory = try ScratchDirectory()
        var signal = RepLikeSignal(rateHz: 1000, durationS: 10)
        let first = try CaptureWriter(path: directory.path + "/1.csv", metadata: metadata)
        while let sample = signal.next() { try first.write(sample) }
        try first.close()

        var reader = try CaptureReader(path: directory.path + "/1.csv")
        let second = try CaptureWriter(path: directory.path + "/2.csv", metadata: reader.metadata)
        while let sample = try reader.next() { try second.write(sample) }
        try second.close()
        #expect(try directory.contents("1.csv") == directory.contents("2.csv"))
    }

    @Test func rejectsNonFiniteValues() throws {
        let directory = try ScratchDirectory()
        let writer = try CaptureWriter(path: directory.path + "/d.csv", metadata: CaptureMetadata())
        try writer.write(Sample(t: 0, ax: 0, ay: 0, az: 9.8, gx: 0, gy: 0, gz: 0))
        #expect(throws: CaptureError.self) {
            try writer.write(Sample(t: 1, ax: .nan, ay: 0, az: 9.8, gx: 0, gy: 0, gz: 0))
        }
        do {
            try writer.write(Sample(t: 1, ax: 0, ay: 0, az: 9.8, gx: .infinity, gy: 0, gz: 0))
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 4)
            #expect(error.message.contains("non-finite"))
        }
    }

    @Test func rejectsTimeThatDoesNotIncreaseOnceRounded() throws {
        let directory = try ScratchDirectory()
        let writer = try CaptureWriter(path: directory.path + "/e.csv", metadata: CaptureMetadata())
        try writer.write(Sample(t: 1, ax: 0, ay: 0, az: 9.8, gx: 0, gy: 0, gz: 0))
        #expect(throws: CaptureError.self) {
            try writer.write(Sample(t: 1.0000002, ax: 0, ay: 0, az: 9.8, gx: 0, gy: 0, gz: 0))
        }
        #expect(throws: CaptureError.self) {
            try writer.write(Sample(t: 0.5, ax: 0, ay: 0, az: 9.8, gx: 0, gy: 0, gz: 0))
        }
        try writer.write(Sample(t: 1.000001, ax: 0, ay: 0, az: 9.8, gx: 0, gy: 0, gz: 0))
        try writer.close()
    }

    @Test func unwritablePathAndWriteAfterClose() throws {
        let directory = try ScratchDirectory()
        do {
            _ = try CaptureWriter(path: directory.path + "/missing/dir/f.csv", metadata: CaptureMetadata())
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("cannot open for writing: No such file or directory"))
        }
        let writer = try CaptureWriter(path: directory.path + "/f.csv", metadata: CaptureMetadata())
        try writer.close()
        try writer.close()  // harmless
        #expect(throws: CaptureError.self) {
            try writer.write(Sample(t: 0, ax: 0, ay: 0, az: 9.8, gx: 0, gy: 0, gz: 0))
        }
    }

    @Test func flushesOnDeinitAndAcrossBufferBoundaries() throws {
        let directory = try ScratchDirectory()
        do {
            let writer = try CaptureWriter(path: directory.path + "/g.csv", metadata: CaptureMetadata())
            for index in 0..<5000 {  // ~ 5 buffers' worth
                try writer.write(Sample(t: Double(index) * 0.001, ax: 0.123456, ay: -0.654321, az: 9.80665,
                                        gx: 0.0123456, gy: -0.0654321, gz: 1.23456))
            }
        }
        var reader = try CaptureReader(path: directory.path + "/g.csv")
        var count = 0
        while try reader.next() != nil { count += 1 }
        #expect(count == 5000)
    }
}

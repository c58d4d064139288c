import Foundation
import Logging
import TestProcessSupport
import Testing
import ThrustCore
import ThrustDaemon

/// calibration.json: written whole, read back, and a bad or foreign file never stops the daemon.
@Suite struct CalibrationStoreTests {
    static let state = CalibrationState(gyroBiasRadS: SIMD3(0.0123, -0.004, 1e-5), accelOffsetMS2: SIMD3(0.1, -0.25, 0.05),
                                        accelScale: SIMD3(1.012, 0.991, 1.0), accelPoses: 6, mount: .belt,
                                        uprightAccelMS2: SIMD3(0.2, 0.1, 9.79), lockoutAngleRad: -0.42)

    /// Removed with the suite value after each test.
    let scratch: ScratchDirectory

    init() throws { scratch = try ScratchDirectory() }

    func temporaryPath() -> String { scratch.path + "/calibration.json" }

    @Test func savedCalibrationLoadsBackExactly() throws {
        let path = temporaryPath()
        let store = CalibrationStore(path: path, sensor: "i2c:/dev/i2c-1@0x68")
        #expect(store.load(logger: Logger(label: "test")) == nil, "no file yet")
        #expect(store.save(Self.state, savedAt: "2026-11-21T07:00:00Z", logger: Logger(label: "test")))
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        #expect(store.load(logger: Logger(label: "test")) == Self.state)
        // Nothing learnt yet also round-trips (nulls).
        let empty = CalibrationState(mount: .bar)
        store.save(empty, savedAt: "x", logger: Logger(label: "test"))
        #expect(store.load(logger: Logger(label: "test")) == empty)
    }

    @Test func anotherSensorsFileIsNotUsed() throws {
        let path = temporaryPath()
        CalibrationStore(path: path, sensor: "i2c:/dev/i2c-1@0x68").save(Self.state, savedAt: "x", logger: Logger(label: "test"))
        #expect(CalibrationStore(path: path, sensor: "i2c:/dev/i2c-1@0x6a").load(logger: Logger(label: "test")) == nil)
    }

    @Test(arguments: [
        ("{", "not JSON"),
        ("[1]", "expected a JSON object"),
        (#"{"version":2}"#, #"key "version": expected 1"#),
        (#"{"version":1,"sensor":"s","mount":"hip"}"#, #"key "mount": expected one of"#),
        (#"{"version":1,"sensor":"s","mount":"bar","accel_offset_m_s2":[1,2]}"#, #"key "accel_offset_m_s2": expected an array of 3"#),
        (#"{"version":1,"sensor":"s","mount":"bar","accel_offset_m_s2":[0,0,0],"accel_scale":[0,1,1]}"#, #"key "accel_scale""#),
        (#"{"version":1,"sensor":"s","mount":"bar","accel_offset_m_s2":[0,0,0],"accel_scale":[1,1,1],"accel_poses":-1}"#, #"key "accel_poses""#),
    ])
    func badFilesAreNamedWithTheKeyAndWhatWasExpected(text: String, message: String) {
        let store = CalibrationStore(path: "/var/lib/thrustd/calibration.json", sensor: "s")
        do {
            _ = try store.decode(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.hasPrefix("/var/lib/thrustd/calibration.json: "), "\(error.message)")
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func aBadFileOnDiskIsIgnoredNotFatal() throws {
        let path = temporaryPath()
        try "garbage".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(CalibrationStore(path: path, sensor: "s").load(logger: Logger(label: "test")) == nil)
    }

    @Test func anUnwritableDirectoryIsReportedNotFatal() {
        let store = CalibrationStore(path: "/nonexistent-dir-\(UUID().uuidString)/calibration.json", sensor: "s")
        #expect(!store.save(Self.state, savedAt: "x", logger: Logger(label: "test")))
    }

    /// The log thread writes what the sampling thread queued, once per batch.
    @Test func theLogThreadWritesQueuedCalibration() async throws {
        let path = temporaryPath()
        let directory = (path as NSString).deletingLastPathComponent
        let queue = BoundedQueue<Outbound>(capacity: 64)
        let status = StatusBoard { _ in }
        let writer = try RepLogWriter(directory: directory, fsyncIntervalS: 5, logger: Logger(label: "test"))
        let store = CalibrationStore(path: path, sensor: "i2c:/dev/i2c-1")
        let pipeline = EventPipeline(queue: queue, writer: writer, status: status, lastSeq: 0,
                                     calibrationStore: store, logger: Logger(label: "test"))
        try pipeline.start()
        queue.push(.calibration(CalibrationState(mount: .bar)))
        queue.push(.calibration(Self.state))
        await pipeline.barrier()
        pipeline.stop()
        #expect(store.load(logger: Logger(label: "test")) == Self.state, "the newest state is on disk")
    }
}

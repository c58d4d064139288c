import Foundation
import Logging
import Synchronization
import Testing
import ThrustCore
import ThrustDaemon
import ThrustHardware
import ThrustSim

/// The `i2c:` source in-process: the sampling engine reads a register-level simulated
/// MPU-6050 on a fake I2C bus in real time, and its events reach the queue.
@Suite struct I2CSourceTests {
    /// An engine on `i2c:/dev/i2c-fake`, where a simulated MPU-6050 plays the "quick" scenario at 200 Hz.
    struct Rig {
        let engine: SamplingEngine
        let queue: BoundedQueue<Outbound>
        let status: StatusBoard
        let ended: EndBox

        final class EndBox: Sendable {
            let value = Mutex<SamplingEnd?>(nil)
        }

        /// Lets the engine run for `seconds` of wall time. A blocking sleep, not `Task.sleep`: while
        /// other tests block the concurrency pool, a task's sleep can last far longer, and the
        /// engine's queue (4096 items) would overflow.
        static func run(seconds: Double) {
            usleep(UInt32(seconds * 1_000_000))
        }

        init(seed: UInt64, calibrationPath: String? = nil) throws {
            let clock = MonotonicClock()
            var session = try SimulatedSession(scenario: "quick", seed: seed, options: SimOptions(chip: .mpu6050, rateHz: 200))
            let chip = SimulatedMPU6050(chip: .mpu6050, clock: clock, source: { session.next() })
            let bus = FakeI2CBus(path: "/dev/i2c-fake")
            bus.logWrites = false
            bus.attach(chip, at: 0x68)
            let queue = BoundedQueue<Outbound>(capacity: 4096)
            let status = StatusBoard { snapshot in queue.push(.status(snapshot, wallNs: DaemonClock.wallNs())) }
            var config = DaemonConfig()
            config.source = .i2c(I2CSourceSpec(busPath: "/dev/i2c-fake"))
            let store = calibrationPath.map { CalibrationStore(path: $0, sensor: config.source.description) }
            let ended = EndBox()
            engine = try SamplingEngine(
                options: SamplingEngine.Options(source: config.source, imu: IMUConfig(rateHz: 200), calibration: store),
                config: config, out: queue, status: status, recorder: nil, logger: Logger(label: "test"),
                openBus: bus.opener(), onEnd: { end in ended.value.withLock { $0 = end } })
            self.queue = queue
            self.status = status
            self.ended = ended
        }
    }

    @Test func samplingEngineReadsASimulatedChipOnAFakeBus() throws {
        let rig = try Rig(seed: 2)
        let (engine, queue, status) = (rig.engine, rig.queue, rig.status)
        engine.rawWatchers.add(1, ordering: .relaxed)
        try engine.start()
        Rig.run(seconds: 3)
        engine.stop()

        #expect(rig.ended.value.withLock { $0 } == .stopped)
        let current = status.current
        #expect(current.sensor == "mpu6050", "\(current)")
        #expect(current.rateHz == 200)
        #expect(current.samples > 400, "3 s at 200 Hz: \(current.samples)")
        var items: [Outbound] = []
        queue.drain(into: &items)
        let samples = items.filter { if case .sample = $0 { return true } else { return false } }.count
        let sensorStates = items.compactMap { item -> SensorState? in
            if case .event(.sensor(let state, _, _), _, _) = item { return state }
            return nil
        }
        #expect(samples == current.samples, "every sample went to the raw watchers")
        #expect(sensorStates.first == .calibrating)
    }

    /// With a calibration store (i2c sources), what the core learns at rest is queued for
    /// calibration.json: the log thread writes it, never the sampling thread.
    @Test func learntCalibrationIsQueuedForTheFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("thrustd-cal-\(UUID().uuidString).json").path
        let rig = try Rig(seed: 3, calibrationPath: path)
        let (engine, queue) = (rig.engine, rig.queue)
        try engine.start()
        Rig.run(seconds: 3)
        engine.stop()

        var items: [Outbound] = []
        queue.drain(into: &items)
        let states = items.compactMap { item -> CalibrationState? in
            if case .calibration(let state) = item { return state }
            return nil
        }
        #expect(!states.isEmpty, "the calibration learnt at rest was queued")
        #expect(states.last?.gyroBiasRadS != nil)
        #expect(!FileManager.default.fileExists(atPath: path), "the sampling thread never writes it")
    }
}

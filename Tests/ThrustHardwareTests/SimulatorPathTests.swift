import Testing
import ThrustCore
import ThrustSim
@testable import ThrustHardware

/// The whole path in `swift test`: simulator → register-level fake chip → fake I2C bus →
/// driver → reader → RepAnalyzer, at 1 kHz on a virtual clock.
@Suite struct SimulatorPathTests {
    /// The rep-count comparison (hardware path vs ideal hardware vs truth) runs always; while the
    /// core is being tuned its mismatches are recorded as known issues. Set to true to make them
    /// failures. The samples-intact assertions never depend on the core.
    static let repCountsMustMatch = false

    struct PathCase: Sendable, CustomTestStringConvertible {
        var chip: IMUChip
        var simChip: ChipModel
        var mode: ReadMode
        var testDescription: String { "\(chip.rawValue) \(mode.rawValue)" }
    }

    static let cases: [PathCase] = [
        PathCase(chip: .mpu6050, simChip: .mpu6050, mode: .poll),
        PathCase(chip: .mpu6050, simChip: .mpu6050, mode: .fifo),
        PathCase(chip: .icm42688, simChip: .icm42688, mode: .fifo),
        PathCase(chip: .lsm6dso, simChip: .lsm6dso, mode: .fifo),
    ]

    @Test(arguments: cases)
    func simulatedSessionArrivesIntact(_ c: PathCase) throws {
        let config = IMUConfig(rateHz: 1000, mode: c.mode)
        let rig = makeRig(c.chip)
        // The chip's true output rate (the LSM6DSO's nearest to 1 kHz is 833 Hz).
        let probe = try makeDriver(chip: c.chip, bus: FakeI2CBus(), address: rig.address, config: config, clock: rig.clock)
        let odr = probe.settings.outputRateHz
        var session = try SimulatedSession(scenario: "quick", seed: 1,
                                           options: SimOptions(chip: c.simChip, rateHz: odr))
        let truth = session.truth
        var fed: [Sample] = []
        fed.reserveCapacity(60_000)
        rig.sim.source = {
            guard let s = session.next() else { return nil }
            fed.append(s)
            return s
        }
        rig.sim.recordProduced = true
        rig.bus.logWrites = false
        let reader = try IMUReader(options: ReaderOptions(busPath: rig.bus.path, config: config), clock: rig.clock,
                                   openBus: rig.bus.opener())
        var delivered: [Sample] = []
        var events: [ReaderEvent] = []
        var analyzer = RepAnalyzer(settings: CoreSettings(mount: session.info.mount, profile: .generic))
        var coreEvents: [CoreEvent] = []
        let duration = (session.info.durationS ?? 40) + 0.5
        reader.run(seconds: duration, shouldStop: { rig.sim.sourceExhausted },
                   onSample: { s in
                       delivered.append(s)
                       analyzer.update(s) { coreEvents.append($0) }
                   }, onEvent: { events.append($0) })
        // Read what is left in the FIFO / data registers after the source ran dry.
        reader.run(seconds: 0.1, onSample: { s in
            delivered.append(s)
            analyzer.update(s) { coreEvents.append($0) }
        }, onEvent: { events.append($0) })
        analyzer.finish { coreEvents.append($0) }

        // 1. Nothing lost, nothing duplicated, no faults.
        #expect(events.count == 1, "\(events)")
        #expect(reader.stats.missed == 0)
        #expect(reader.stats.duplicates == 0)
        let produced = rig.sim.produced
        #expect(produced.count == fed.count)
        #expect(delivered.count == produced.count, "delivered \(delivered.count) of \(produced.count)")
        #expect(delivered.count > Int(30 * odr))

        // 2. Values within one LSB of what the simulator produced (the sim saturates at the same
        //    ±4 g / ±500 °/s ranges).
        let settings = try #require(reader.device?.settings)
        let accelLSB = settings.accelScale
        let gyroLSB = settings.gyroScale
        var worstAccel = 0.0, worstGyro = 0.0
        for (got, want) in zip(delivered, fed) {
            let clippedA = want.accel.clamped(lowerBound: SIMD3(repeating: -32768 * accelLSB),
                                              upperBound: SIMD3(repeating: 32767 * accelLSB))
            let clippedG = want.gyro.clamped(lowerBound: SIMD3(repeating: -32768 * gyroLSB),
                                             upperBound: SIMD3(repeating: 32767 * gyroLSB))
            let da = got.accel - clippedA
            let dg = got.gyro - clippedG
            worstAccel = max(worstAccel, abs(da.x), abs(da.y), abs(da.z))
            worstGyro = max(worstGyro, abs(dg.x), abs(dg.y), abs(dg.z))
        }
        #expect(worstAccel <= accelLSB, "accel off by \(worstAccel / accelLSB) LSB")
        #expect(worstGyro <= gyroLSB, "gyro off by \(worstGyro / gyroLSB) LSB")

        // 3. Times: strictly increasing, one output period apart, and on the chip's clock.
        //    (The last FIFO batch, read after the simulator ran dry, is left out: it is stale by
        //    an unknown part of a read interval, so its spacing is compressed.)
        let period = 1 / odr
        var worstStep = 0.0
        #expect(zip(delivered.dropFirst(), delivered).allSatisfy { $0.t > $1.t })
        for i in 1..<(delivered.count - 100) {
            worstStep = max(worstStep, abs(delivered[i].t - delivered[i - 1].t - period))
        }
        #expect(worstStep < period * 0.3, "spacing off by \(worstStep) s")
        var worstTime = 0.0
        for (i, s) in delivered.enumerated().dropFirst(delivered.count / 10).dropLast(100) {
            worstTime = max(worstTime, abs(s.t - (produced[i].time - reader.origin)))
        }
        #expect(worstTime < 2 * period, "time off by \(worstTime) s")

        // 4. The core sees the same session through the hardware path as it would from ideal
        //    hardware (the simulator's values at the chip's exact production times): the same
        //    number of reps (and the truth's, when the core gets it right). The chip paces the
        //    motion at its own output rate, so the simulator's own time jitter and dropped
        //    samples are not part of either path.
        var direct = RepAnalyzer(settings: CoreSettings(mount: session.info.mount, profile: .generic))
        var directReps = 0
        for (s, p) in zip(fed, produced) {
            let retimed = Sample(t: p.time - reader.origin, accel: s.accel, gyro: s.gyro)
            direct.update(retimed) { if case .rep = $0 { directReps += 1 } }
        }
        direct.finish { if case .rep = $0 { directReps += 1 } }
        let pathReps = coreEvents.filter { if case .rep = $0 { true } else { false } }.count
        let truthReps = truth.sets.reduce(0) { $0 + $1.reps.count }
        let compare = {
            #expect(pathReps == directReps, "reps through the hardware path \(pathReps), ideal hardware \(directReps)")
            #expect(pathReps == truthReps, "reps through the hardware path \(pathReps), truth \(truthReps)")
        }
        if SimulatorPathTests.repCountsMustMatch {
            compare()
        } else {
            withKnownIssue("rep counts while the core is being tuned", isIntermittent: true) { compare() }
        }
    }
}

import Testing
import ThrustCore
@testable import ThrustHardware

#if canImport(Glibc)
import Glibc
#endif

/// A reader over a fake bus with a simulated chip, all on a virtual clock.
struct ReaderRig {
    let bus: FakeI2CBus
    let sim: SimulatedIMU
    let clock: VirtualClock
    let reader: IMUReader
    let log = ReaderLog()
    /// Clock times the reader tried to open the bus.
    let openTimes: OpenRecorder

    init(_ chip: IMUChip = .mpu6050, config: IMUConfig = IMUConfig(), options: (inout ReaderOptions) -> Void = { _ in },
         source: @escaping () -> Sample? = stillSource()) throws {
        let rig = makeRig(chip, source: source)
        bus = rig.bus
        sim = rig.sim
        clock = rig.clock
        var readerOptions = ReaderOptions(busPath: rig.bus.path, config: config)
        options(&readerOptions)
        let recorder = OpenRecorder(clock: rig.clock, open: rig.bus.opener())
        openTimes = recorder
        reader = try IMUReader(options: readerOptions, clock: rig.clock, openBus: recorder.open)
    }

    func run(_ seconds: Double) { reader.run(seconds: seconds, clock: clock, into: log) }
}

/// Wraps a bus opener to record when it was called.
final class OpenRecorder {
    let clock: VirtualClock
    let inner: (String) throws(HardwareError) -> any I2CBus
    var times: [Double] = []

    init(clock: VirtualClock, open: @escaping (String) throws(HardwareError) -> any I2CBus) {
        self.clock = clock
        inner = open
    }

    var open: (String) throws(HardwareError) -> any I2CBus {
        { [unowned self] (path: String) throws(HardwareError) -> any I2CBus in
            self.times.append(self.clock.now())
            return try self.inner(path)
        }
    }
}

@Suite struct ReaderPollingTests {
    @Test(arguments: [IMUChip.mpu6050, .mpu6500, .lsm6ds3, .lsm6dso, .icm42688])
    func pollsEverySampleOnce(_ chip: IMUChip) throws {
        let rig = try ReaderRig(chip, config: IMUConfig(rateHz: 200))
        rig.sim.recordProduced = true
        rig.run(5)
        #expect(rig.log.faults.isEmpty)
        guard case .connected(let info)? = rig.log.events.first else {
            Issue.record("no connected event: \(rig.log.events)")
            return
        }
        #expect(info.chip == chip)
        let produced = rig.sim.produced
        // Every produced sample arrives once, in order (the last may still be unread).
        #expect(rig.log.samples.count >= produced.count - 1 && rig.log.samples.count <= produced.count)
        #expect(rig.reader.stats.missed == 0)
        #expect(rig.reader.stats.duplicates == 0)
        let s = info.settings
        for (i, sample) in rig.log.samples.enumerated() {
            let raw = produced[i].raw
            #expect(sample == s.sample(from: raw, t: sample.t), "sample \(i)")
        }
        // Times strictly increase, one output period apart within the poll jitter.
        let period = 1 / s.outputRateHz
        for i in 1..<rig.log.samples.count {
            let dt = rig.log.samples[i].t - rig.log.samples[i - 1].t
            #expect(dt > period * 0.7 && dt < period * 1.3, "dt \(dt) at \(i)")
        }
        #expect(abs(rig.reader.stats.achievedRateHz - s.outputRateHz) < s.outputRateHz * 0.01)
    }

    @Test func timesTrackAChipThatRunsFast() throws {
        // A chip 0.4 % fast: nominal times would be 20 ms off after 5 s; tracked times are not.
        let rig = try ReaderRig(.mpu6050, config: IMUConfig(rateHz: 200))
        rig.sim.recordProduced = true
        rig.sim.rateErrorPpm = 4000
        rig.run(10)
        let produced = rig.sim.produced
        #expect(rig.reader.stats.missed == 0)
        var worst = 0.0
        for (i, sample) in rig.log.samples.enumerated().dropFirst(400) {
            worst = max(worst, abs(sample.t - (produced[i].time - rig.reader.origin)))
        }
        // Within one poll interval (2.5 ms at 200 Hz polled at 400 Hz).
        #expect(worst < 0.0025, "worst time error \(worst) s")
    }

    @Test func missedSamplesAreCountedWhenThePollerFallsBehind() throws {
        let rig = try ReaderRig(.mpu6050, config: IMUConfig(rateHz: 100))
        rig.run(1)
        let before = rig.log.samples.count
        // The reader is descheduled for 55 ms: 5 samples are overwritten in the data registers.
        rig.clock.advance(by: 0.055)
        rig.run(1)
        #expect(rig.reader.stats.missed >= 4 && rig.reader.stats.missed <= 6, "missed \(rig.reader.stats.missed)")
        #expect(rig.log.samples.count > before + 90)
        #expect(rig.log.faults.isEmpty)
        // The gap shows in the times: one step of ~6 periods.
        let steps = zip(rig.log.samples.dropFirst(), rig.log.samples).map { $0.t - $1.t }
        #expect((steps.max() ?? 0) > 0.05)
    }

    @Test func stubSemanticsWorkThroughTheClearingWrite() throws {
        // i2c-stub + feeder: INT_STATUS is plain memory; the driver's write of 0 clears it.
        let rig = try ReaderRig(.mpu6050, config: IMUConfig(rateHz: 100))
        let mpu = try #require(rig.sim as? SimulatedMPU6050)
        mpu.intStatusBehaviour = .clearOnWrite
        mpu.recordProduced = true
        rig.run(3)
        #expect(rig.reader.stats.duplicates == 0 && rig.reader.stats.missed == 0)
        #expect(rig.log.samples.count >= mpu.produced.count - 1)
    }

    @Test func duplicateReadsAreDropped() throws {
        // A chip whose data-ready never clears (the stub without its feeder's clear-on-read):
        // the same sample comes back on every poll.
        let rig = try ReaderRig(.mpu6050, config: IMUConfig(rateHz: 100))
        rig.run(0.5)
        let mpu = try #require(rig.sim as? SimulatedMPU6050)
        mpu.intStatusBehaviour = .sticky
        rig.run(0.5)
        #expect(rig.reader.stats.duplicates > 10)
        #expect(rig.reader.stats.missed == 0)
    }
}

@Suite struct FaultAndRecoveryTests {
    @Test func pulledWireIsReportedOnceAndRecoveredWithBackoff() throws {
        let rig = try ReaderRig()
        rig.run(1)
        #expect(rig.log.faults.isEmpty)
        let samplesBefore = rig.log.samples.count
        let unplugged = rig.clock.now()
        rig.bus.unpluggedErrno = ENODEV
        rig.run(4)
        #expect(rig.log.faults.map(\.kind) == [.noDevice])
        // Re-detection attempts back off: 50, 100, 200, 400, 800 ms, then every 1 s.
        let attempts = rig.openTimes.times.filter { $0 > unplugged }
        let gaps = zip(attempts.dropFirst(), attempts).map { $0 - $1 }
        #expect(gaps.count >= 5)
        for (gap, expected) in zip(gaps, [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]) {
            #expect(abs(gap - expected) < 0.02, "gap \(gap), expected \(expected)")
        }
        #expect(gaps.allSatisfy { $0 <= 1.0 + 1e-6 })
        rig.bus.unpluggedErrno = nil
        let replugged = rig.clock.now()
        rig.run(2)
        #expect(rig.log.recoveries == 1)
        guard let recoveredAt = zip(rig.log.events, rig.log.eventTimes).first(where: {
            if case .recovered = $0.0 { return true } else { return false }
        })?.1 else { return }
        #expect(recoveredAt - replugged <= 1.05)
        #expect(rig.log.samples.count > samplesBefore + 100)
        #expect(rig.reader.stats.faults == 1 && rig.reader.stats.recoveries == 1)
        // Times keep increasing across the outage.
        #expect(zip(rig.log.samples.dropFirst(), rig.log.samples).allSatisfy { $0.t > $1.t })
    }

    @Test func busNodeDisappearingIsRetriedUntilItReturns() throws {
        let rig = try ReaderRig()
        rig.run(0.5)
        rig.bus.unpluggedErrno = ENODEV
        rig.bus.nodeMissing = true // rmmod: /dev/i2c-N itself is gone
        rig.run(3)
        #expect(rig.log.faults.count == 1)
        rig.bus.nodeMissing = false
        rig.bus.unpluggedErrno = nil
        rig.sim.powerCycle() // the module reload lost the chip's state
        rig.run(2)
        #expect(rig.log.recoveries == 1)
        // Opening kept being tried while the node was gone (back-off ≤ 1 s over 3 s).
        #expect(rig.openTimes.times.count >= 6)
    }

    @Test func chipResetIsDetectedAndReinitialised() throws {
        let rig = try ReaderRig()
        rig.run(1.2)
        rig.sim.powerCycle() // the chip forgets its configuration and goes to sleep
        let resetAt = rig.clock.now()
        rig.run(3)
        #expect(rig.log.faults.count == 1)
        let kind = rig.log.faults.first?.kind
        #expect(kind == .configurationLost || kind == .stalled)
        let faultAt = rig.log.eventTimes[rig.log.events.firstIndex { if case .fault = $0 { true } else { false } } ?? 0]
        #expect(faultAt - resetAt <= 1.05, "detected after \(faultAt - resetAt) s")
        #expect(rig.log.recoveries == 1)
        #expect(rig.reader.device != nil)
    }

    @Test(arguments: [EIO, ENXIO, EREMOTEIO, ETIMEDOUT])
    func transientBusErrorsRecoverQuickly(code: Int32) throws {
        let rig = try ReaderRig()
        rig.run(0.5)
        rig.bus.inject(errno: code, count: 1)
        rig.run(1)
        #expect(rig.log.faults.map(\.errno) == [code])
        #expect(rig.log.recoveries == 1)
        #expect(rig.reader.stats.samples > 120)
    }

    @Test(arguments: [SimulatedDataFault.allZeros, .allOnes, .frozen, .saturated])
    func implausibleDataIsAFault(_ fault: SimulatedDataFault) throws {
        let rig = try ReaderRig()
        rig.run(0.5)
        rig.sim.dataFault = fault
        let start = rig.clock.now()
        rig.run(2)
        let expected: DataFault
        switch fault {
        case .allZeros: expected = .allZeros
        case .allOnes: expected = .allOnes
        case .frozen: expected = .frozen
        case .saturated: expected = .saturated
        }
        #expect(rig.log.faults.first?.kind == .implausibleData(expected))
        let faultAt = rig.log.eventTimes[rig.log.events.firstIndex { if case .fault = $0 { true } else { false } } ?? 0]
        #expect(faultAt - start < 1.2)
        // Cleared: re-detection brings it back.
        rig.sim.dataFault = nil
        rig.run(2)
        #expect(rig.log.recoveries >= 1)
        #expect(rig.reader.device != nil)
    }

    @Test func stalledDataIsAFault() throws {
        var motion = StillMotion()
        var remaining = 100
        let rig = try ReaderRig(source: {
            remaining -= 1
            return remaining >= 0 ? motion.next() : nil
        })
        rig.run(3)
        #expect(rig.log.faults.first?.kind == .stalled)
    }

    @Test func noDeviceAtStartIsAFaultThenConnects() throws {
        let rig = try ReaderRig()
        rig.bus.detach(at: 0x68)
        rig.run(1)
        #expect(rig.log.faults.map(\.kind) == [.noIMUFound])
        rig.bus.attach(rig.sim, at: 0x68)
        rig.run(2)
        #expect(rig.log.recoveries == 1)
        #expect(rig.reader.stats.samples > 50)
    }

    @Test func plausibilityMonitorThresholds() {
        var m = PlausibilityMonitor(outputRateHz: 100)
        let a = RawSample(ax: 1, ay: 2, az: 8192, gx: 3, gy: 4, gz: 5)
        #expect(m.check(.zero) == nil)
        #expect(m.check(.zero) == nil)
        #expect(m.check(.zero) == .allZeros)
        m.reset()
        // Frozen needs a second's worth (100 samples at 100 Hz) of identical readings.
        for i in 0..<99 { #expect(m.check(a) == nil, "sample \(i)") }
        #expect(m.check(a) == .frozen)
        m.reset()
        var s = a
        for i in 0..<49 {
            s.ax = .max
            s.gz = Int16(i)
            #expect(m.check(s) == nil)
        }
        s.gz = 99
        #expect(m.check(s) == .saturated)
        m.reset()
        let ones = RawSample(ax: -1, ay: -1, az: -1, gx: -1, gy: -1, gz: -1)
        #expect(m.check(ones) == nil)
        #expect(m.check(ones) == nil)
        #expect(m.check(ones) == .allOnes)
    }
}

@Suite struct FIFOTests {
    @Test(arguments: [IMUChip.mpu6050, .mpu6500, .lsm6ds3, .lsm6dso, .icm42688])
    func fifoDeliversEverySampleInOrder(_ chip: IMUChip) throws {
        let rig = try ReaderRig(chip, config: IMUConfig(rateHz: 1000, mode: .fifo))
        rig.sim.recordProduced = true
        rig.run(3)
        #expect(rig.log.faults.isEmpty, "\(rig.log.faults)")
        #expect(rig.log.overflows.isEmpty)
        let produced = rig.sim.produced
        #expect(produced.count > 2000)
        // Everything produced up to the last read arrived (the rest is still in the FIFO).
        #expect(rig.log.samples.count <= produced.count && rig.log.samples.count > produced.count - 60)
        let s = try #require(rig.reader.device?.settings)
        for (i, sample) in rig.log.samples.enumerated() {
            #expect(sample == s.sample(from: produced[i].raw, t: sample.t), "sample \(i)")
        }
        #expect(rig.reader.stats.missed == 0)
    }

    @Test(arguments: [IMUChip.mpu6050, .lsm6dso, .lsm6ds3, .icm42688])
    func overflowIsReportedAndReadingResumes(_ chip: IMUChip) throws {
        let rig = try ReaderRig(chip, config: IMUConfig(rateHz: 1000, mode: .fifo))
        rig.run(1)
        let before = rig.log.samples.count
        // The reader is held off longer than the FIFO lasts (85 ms for the MPU-6050 at 1 kHz,
        // 4 s for the DS3's 8 KiB).
        let hold = chip == .lsm6ds3 ? 5.0 : 0.6
        rig.clock.advance(by: hold)
        rig.run(1)
        #expect(rig.log.overflows.count == 1)
        let lost = rig.log.overflows.first ?? 0
        let rate = rig.reader.device?.settings.outputRateHz ?? 1000
        #expect(abs(Double(lost) - hold * rate) < 0.05 * hold * rate, "lost \(lost)")
        #expect(rig.reader.stats.overflows == 1)
        #expect(rig.log.faults.isEmpty)
        #expect(rig.log.samples.count > before + Int(0.8 * rate))
        // Times after the gap are real times again (re-anchored), and still increasing.
        let steps = zip(rig.log.samples.dropFirst(), rig.log.samples).map { $0.t - $1.t }
        #expect(steps.allSatisfy { $0 > 0 })
        #expect((steps.max() ?? 0) > hold * 0.9)
    }

    @Test(arguments: [IMUChip.mpu6050, .lsm6dso, .icm42688])
    func fifoTimesFollowTheODRWithDriftCorrection(_ chip: IMUChip) throws {
        let rig = try ReaderRig(chip, config: IMUConfig(rateHz: 1000, mode: .fifo))
        rig.sim.recordProduced = true
        rig.sim.rateErrorPpm = -3000 // 0.3 % slow: 90 ms behind nominal after 30 s
        rig.run(30)
        let produced = rig.sim.produced
        let period = 1 / (rig.reader.device?.settings.outputRateHz ?? 1000)
        var worst = 0.0
        var sum = 0.0
        var n = 0
        for (i, sample) in rig.log.samples.enumerated() where i > rig.log.samples.count / 3 {
            let error = sample.t - (produced[i].time - rig.reader.origin)
            worst = max(worst, abs(error))
            sum += error
            n += 1
        }
        // Within two output periods everywhere after convergence, and unbiased on average.
        #expect(worst < 2 * period, "worst \(worst) s")
        #expect(abs(sum / Double(n)) < period, "mean \(sum / Double(n)) s")
        // Consecutive samples are evenly spaced at the chip's true period.
        let last = rig.log.samples.suffix(2000)
        let spacing = ((last.last?.t ?? 0) - (last.first?.t ?? 0)) / Double(last.count - 1)
        #expect(abs(spacing / (period * (1 - 0.003)) - 1) < 2e-4, "spacing \(spacing)")
    }

    @Test func statsLineIsTheStreamInterface() {
        var stats = ReaderStats()
        stats.samples = 1001
        stats.missed = 2
        stats.faults = 1
        stats.recoveries = 1
        stats.firstT = 0.5
        stats.lastT = 10.5
        #expect(stats.jsonLine() == #"{"class":"STATS","samples":1001,"missed":2,"duplicates":0,"rate_hz":100,"#
                + #""faults":1,"recoveries":1}"#)
    }

    @Test func sampleTimerDetectsSkippedSlots() {
        var timer = SampleTimer(nominalPeriod: 0.01)
        var t = 0.0
        for _ in 0..<50 {
            t += 0.01
            _ = timer.stampSingle(arrival: t + 0.002, latency: 0.0025)
        }
        let (time, missed) = timer.stampSingle(arrival: t + 0.04 + 0.002, latency: 0.0025)
        #expect(missed == 3)
        #expect(abs(time - (t + 0.04)) < 0.002)
    }
}


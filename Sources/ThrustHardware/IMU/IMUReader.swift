import ThrustCore

/// How an `IMUReader` runs.
public struct ReaderOptions: Sendable, Equatable {
    /// "/dev/i2c-1".
    public var busPath: String
    /// A fixed address, or nil to detect at 0x68, 0x69, 0x6A, 0x6B.
    public var address: UInt8?
    public var config: IMUConfig
    /// Data-ready polls per output period (≥ 2, so a sample is never overwritten before it is read).
    public var pollsPerPeriod: Double
    /// FIFO read interval, s; nil = the smaller of 20 ms and a quarter of the FIFO's fill time.
    public var fifoInterval_s: Double?
    /// Re-detection back-off: doubles from `backoffInitial_s` up to `backoffMax_s` (≤ 1 s).
    public var backoffInitial_s: Double
    public var backoffMax_s: Double
    /// No new sample for this long (after data flowed) is a fault, s.
    public var stallTimeout_s: Double
    /// No first sample for this long after (re-)initialisation is a fault, s.
    public var firstDataTimeout_s: Double
    /// How often the configuration registers are read back, s.
    public var configCheckInterval_s: Double
    public var plausibility: PlausibilityLimits

    public init(busPath: String, address: UInt8? = nil, config: IMUConfig = IMUConfig(), pollsPerPeriod: Double = 2,
                fifoInterval_s: Double? = nil, backoffInitial_s: Double = 0.05, backoffMax_s: Double = 1.0,
                stallTimeout_s: Double = 1.0, firstDataTimeout_s: Double = 5.0, configCheckInterval_s: Double = 1.0,
                plausibility: PlausibilityLimits = PlausibilityLimits()) {
        self.busPath = busPath
        self.address = address
        self.config = config
        self.pollsPerPeriod = pollsPerPeriod
        self.fifoInterval_s = fifoInterval_s
        self.backoffInitial_s = backoffInitial_s
        self.backoffMax_s = backoffMax_s
        self.stallTimeout_s = stallTimeout_s
        self.firstDataTimeout_s = firstDataTimeout_s
        self.configCheckInterval_s = configCheckInterval_s
        self.plausibility = plausibility
    }
}

/// The chip a reader is talking to.
public struct DeviceInfo: Sendable, Equatable, CustomStringConvertible {
    public var busPath: String
    public var chip: IMUChip
    public var address: UInt8
    public var whoAmI: UInt8
    public var settings: ChipSettings

    public var description: String {
        "\(chip.displayName) at 0x\(hex(address)) on \(busPath), \(formatHz(settings.outputRateHz)) Hz "
            + "\(settings.mode == .fifo ? "FIFO" : "polling"), ±\(settings.accelRangeG) g, ±\(settings.gyroRangeDps) °/s"
    }
}

/// What a reader reports besides samples.
public enum ReaderEvent: Sendable, Equatable {
    /// First successful initialisation.
    case connected(DeviceInfo)
    /// The device failed; the reader re-detects with back-off. Reported once per outage.
    case fault(HardwareError)
    /// Re-detection and re-initialisation succeeded after a fault.
    case recovered(DeviceInfo, downtime_s: Double)
    /// The chip FIFO overflowed; its contents were discarded.
    case overflow(lostSamples: Int)
}

/// Counters over a reader's life.
public struct ReaderStats: Sendable, Equatable {
    public var samples = 0
    /// Samples known to be lost: skipped data-ready periods and FIFO overflows.
    public var missed = 0
    /// The same sample read twice (dropped).
    public var duplicates = 0
    /// Outages (one per fault event).
    public var faults = 0
    public var recoveries = 0
    public var overflows = 0
    public var connectAttempts = 0
    /// Times (s, on the samples' clock) of the first and last sample.
    public var firstT: Double?
    public var lastT: Double?

    public init() {}

    /// Samples per second between the first and last sample.
    public var achievedRateHz: Double {
        guard let firstT, let lastT, lastT > firstT, samples > 1 else { return 0 }
        return Double(samples - 1) / (lastT - firstT)
    }

    /// `thrust stream`'s closing line (the real-kernel test parses it):
    /// `{"class":"STATS","samples":N,"missed":M,"duplicates":D,"rate_hz":R,"faults":F,"recoveries":K}`.
    public func jsonLine() -> String {
        "{\"class\":\"STATS\",\"samples\":\(samples),\"missed\":\(missed),\"duplicates\":\(duplicates),"
            + "\"rate_hz\":\(JSONText.number(achievedRateHz, decimals: 3)),\"faults\":\(faults),"
            + "\"recoveries\":\(recoveries)}"
    }
}

/// Reads one IMU on one bus against absolute deadlines, detects faults, and recovers by
/// re-detecting and re-initialising with back-off. Never blocks longer than one deadline
/// (≤ the back-off maximum), never stops on a device error.
///
/// Sample times are seconds since the reader was created, from the chip's output rate with
/// drift correction against the monotonic clock (`SampleTimer`).
public final class IMUReader {
    public let options: ReaderOptions
    public private(set) var stats = ReaderStats()
    /// The chip in use (nil while disconnected).
    public private(set) var device: DeviceInfo?
    /// The last fault reported.
    public private(set) var lastFault: HardwareError?
    /// Clock time of t = 0.
    public let origin: Double

    private let clock: any HardwareClock
    private let openBus: (String) throws(HardwareError) -> any I2CBus
    private var bus: (any I2CBus)?
    private var driver: (any IMUDriver)?
    private var timer: SampleTimer?
    private var monitor: PlausibilityMonitor?
    private var everConnected = false
    private var outageSince: Double?
    private var backoff: Double
    private var nextAction: Double
    private var interval = 0.01
    private var lastDataTime = 0.0
    private var sawData = false
    private var lastConfigCheck = 0.0
    private var lastRaw: RawSample?
    private var lastArrival = -Double.infinity
    private var lastFIFORead = 0.0
    /// Clock time of the previous poll (data-ready mode).
    private var lastPoll = 0.0
    private var fifoBuffer: [RawSample] = []

    /// Throws `.invalidConfiguration` for a rate or range the chips do not support.
    public init(options: ReaderOptions, clock: any HardwareClock = MonotonicClock(),
                openBus: @escaping (String) throws(HardwareError) -> any I2CBus
                    = { (path: String) throws(HardwareError) -> any I2CBus in try LinuxI2CBus(path: path) })
        throws(HardwareError) {
        try options.config.validate()
        if let address = options.address, IMUDetector.candidates(at: address) == nil {
            throw HardwareError(.invalidConfiguration,
                                "address 0x\(hex(address)): expected 0x68, 0x69 (InvenSense) or 0x6a, 0x6b (ST)")
        }
        self.options = options
        self.clock = clock
        self.openBus = openBus
        origin = clock.now()
        nextAction = origin
        backoff = options.backoffInitial_s
        fifoBuffer.reserveCapacity(512)
    }

    /// Runs until the clock reaches `endTime` (absolute clock seconds; nil = no end) or
    /// `shouldStop` returns true (checked after every wake-up).
    public func run(until endTime: Double? = nil, shouldStop: () -> Bool = { false },
                    onSample: (Sample) -> Void, onEvent: (ReaderEvent) -> Void) {
        while !shouldStop() {
            if let endTime, nextAction >= endTime {
                clock.sleep(until: endTime)
                if clock.now() >= endTime { return }
                continue // woken early (signal): check shouldStop, sleep again
            }
            clock.sleep(until: nextAction)
            let now = clock.now()
            if now < nextAction { continue }
            step(now: now, onSample: onSample, onEvent: onEvent)
        }
    }

    /// Runs for `seconds` from now.
    public func run(seconds: Double, shouldStop: () -> Bool = { false },
                    onSample: (Sample) -> Void, onEvent: (ReaderEvent) -> Void) {
        run(until: clock.now() + seconds, shouldStop: shouldStop, onSample: onSample, onEvent: onEvent)
    }

    /// Closes the bus.
    public func close() {
        bus?.close()
        bus = nil
        driver = nil
        device = nil
    }

    // MARK: - One scheduled action

    private func step(now: Double, onSample: (Sample) -> Void, onEvent: (ReaderEvent) -> Void) {
        if driver == nil {
            connect(now: now, onEvent: onEvent)
        } else {
            service(now: now, onSample: onSample, onEvent: onEvent)
        }
    }

    private func connect(now: Double, onEvent: (ReaderEvent) -> Void) {
        stats.connectAttempts += 1
        do {
            let openedBus: any I2CBus
            if let bus { openedBus = bus } else {
                openedBus = try openBus(options.busPath)
                bus = openedBus
            }
            let detected = try IMUDetector.detectOne(openedBus, address: options.address)
            let newDriver = try makeDriver(chip: detected.chip, bus: openedBus, address: detected.address,
                                           config: options.config, clock: clock)
            try newDriver.initialize()
            let settings = newDriver.settings
            let info = DeviceInfo(busPath: options.busPath, chip: detected.chip, address: detected.address,
                                  whoAmI: detected.whoAmI, settings: settings)
            driver = newDriver
            device = info
            let period = 1 / settings.outputRateHz
            if var existing = timer, abs(existing.nominalPeriod - period) < 1e-12 {
                existing.reanchor()
                timer = existing
            } else {
                var fresh = SampleTimer(nominalPeriod: period)
                if let old = timer?.lastT { fresh.continueAfter(old) }
                timer = fresh
            }
            monitor = PlausibilityMonitor(limits: options.plausibility, outputRateHz: settings.outputRateHz)
            switch settings.mode {
            case .poll:
                interval = period / max(2, options.pollsPerPeriod)
            case .fifo:
                let fillTime = Double(settings.fifoCapacitySamples) * period
                interval = options.fifoInterval_s ?? min(0.02, fillTime / 4)
            }
            let ready = clock.now()
            lastDataTime = ready
            lastFIFORead = ready
            lastPoll = ready
            lastConfigCheck = ready
            sawData = false
            lastRaw = nil
            if let since = outageSince {
                stats.recoveries += 1
                onEvent(.recovered(info, downtime_s: ready - since))
            } else if !everConnected {
                onEvent(.connected(info))
            }
            everConnected = true
            outageSince = nil
            backoff = options.backoffInitial_s
            nextAction = ready + interval
        } catch {
            // Start from a fresh bus next time (the node may have gone and come back).
            bus?.close()
            bus = nil
            if outageSince == nil {
                // Failing to connect at all counts as an outage too, reported once.
                outageSince = now
                stats.faults += 1
                lastFault = error
                onEvent(.fault(error))
            }
            nextAction = clock.now() + backoff
            backoff = min(backoff * 2, options.backoffMax_s)
        }
    }

    private func service(now: Double, onSample: (Sample) -> Void, onEvent: (ReaderEvent) -> Void) {
        guard let driver, let settings = device?.settings else { return }
        do {
            switch settings.mode {
            case .poll: try pollOnce(driver, settings, now: now, onSample: onSample)
            case .fifo: try readFIFOOnce(driver, settings, now: now, onSample: onSample, onEvent: onEvent)
            }
            if now - lastConfigCheck >= options.configCheckInterval_s {
                lastConfigCheck = now
                try driver.verifyConfiguration()
            }
            // Next absolute deadline; after a long delay skip the missed slots instead of bursting.
            nextAction += interval
            let after = clock.now()
            if nextAction <= after {
                nextAction += (((after - nextAction) / interval).rounded(.down) + 1) * interval
            }
        } catch {
            fault(error, now: now, onEvent: onEvent)
        }
    }

    private func pollOnce(_ driver: any IMUDriver, _ settings: ChipSettings, now: Double,
                          onSample: (Sample) -> Void) throws(HardwareError) {
        let previousPoll = lastPoll
        lastPoll = now
        guard let raw = try driver.pollSample() else {
            try checkStall(now: now, settings)
            return
        }
        let period = timer?.period ?? 1 / settings.outputRateHz
        // A repeat of the last sample, sooner than a period could produce a new one, is the
        // same sample read twice (data-ready not cleared): drop it.
        if let lastRaw, raw == lastRaw, now - lastArrival < period * 0.75 {
            stats.duplicates += 1
            return
        }
        if let fault = monitor?.check(raw) {
            throw HardwareError(.implausibleData(fault), deviceContext(driver))
        }
        lastRaw = raw
        lastArrival = now
        lastDataTime = now
        sawData = true
        guard var timer else { return }
        // Only a poll later than a whole period can have let a sample be overwritten.
        let (t, missed) = timer.stampSingle(arrival: now, latency: interval / 2,
                                            mayHaveSkipped: now - previousPoll > period)
        self.timer = timer
        stats.missed += missed
        deliver(settings.sample(from: raw, t: t - origin), onSample)
    }

    private func readFIFOOnce(_ driver: any IMUDriver, _ settings: ChipSettings, now: Double,
                              onSample: (Sample) -> Void, onEvent: (ReaderEvent) -> Void) throws(HardwareError) {
        fifoBuffer.removeAll(keepingCapacity: true)
        let status = try driver.readFIFO(into: &fifoBuffer, maxSamples: settings.fifoCapacitySamples)
        let period = timer?.period ?? 1 / settings.outputRateHz
        if status.overflowed {
            // Everything since the previous read is gone.
            let lost = max(1, Int(((now - lastFIFORead) / period).rounded()))
            stats.overflows += 1
            stats.missed += lost
            timer?.reanchor()
            lastFIFORead = now
            lastDataTime = now
            onEvent(.overflow(lostSamples: lost))
            return
        }
        lastFIFORead = now
        guard !fifoBuffer.isEmpty else {
            try checkStall(now: now, settings)
            return
        }
        for raw in fifoBuffer {
            if let fault = monitor?.check(raw) {
                throw HardwareError(.implausibleData(fault), deviceContext(driver))
            }
        }
        lastDataTime = now
        sawData = true
        guard var timer else { return }
        // The newest sample is on average half a period old (plus what is still in the FIFO).
        let latency = period * (0.5 + Double(status.samplesLeft))
        let (first, spacing) = timer.stampBatch(count: fifoBuffer.count, arrival: now, latency: latency)
        self.timer = timer
        for (i, raw) in fifoBuffer.enumerated() {
            deliver(settings.sample(from: raw, t: first + Double(i) * spacing - origin), onSample)
        }
    }

    @inline(__always)
    private func deliver(_ sample: Sample, _ onSample: (Sample) -> Void) {
        stats.samples += 1
        if stats.firstT == nil { stats.firstT = sample.t }
        stats.lastT = sample.t
        onSample(sample)
    }

    private func checkStall(now: Double, _ settings: ChipSettings) throws(HardwareError) {
        let limit = sawData ? options.stallTimeout_s : options.firstDataTimeout_s
        if now - lastDataTime > limit {
            let context = (device.map { "\($0.chip.displayName) at 0x\(hex($0.address)) on \($0.busPath)" } ?? "")
                + ": no new sample for \(formatHz(now - lastDataTime)) s"
            throw HardwareError(.stalled, context)
        }
    }

    private func deviceContext(_ driver: any IMUDriver) -> String {
        "\(driver.chip.displayName) at 0x\(hex(driver.address)) on \(options.busPath)"
    }

    private func fault(_ error: HardwareError, now: Double, onEvent: (ReaderEvent) -> Void) {
        driver = nil
        device = nil
        bus?.close()
        bus = nil
        stats.faults += 1
        lastFault = error
        outageSince = now
        onEvent(.fault(error))
        backoff = options.backoffInitial_s
        nextAction = clock.now() + backoff
        backoff = min(backoff * 2, options.backoffMax_s)
    }
}

/// A short decimal without Foundation: up to 3 decimals, trailing zeros trimmed.
func formatHz(_ value: Double) -> String {
    guard value.isFinite else { return "\(value)" }
    let scaled = (value * 1000).rounded()
    let negative = scaled < 0
    let magnitude = Int(abs(scaled))
    var text = String(magnitude / 1000)
    var fraction = magnitude % 1000
    if fraction != 0 {
        var digits = String(fraction)
        while digits.count < 3 { digits = "0" + digits }
        while digits.hasSuffix("0") { digits.removeLast(); fraction /= 10 }
        text += "." + digits
    }
    return negative ? "-" + text : text
}

#if canImport(Glibc)
import Glibc
#endif

struct FeederOptions {
    var busPath = "/dev/i2c-0"
    var address: UInt8 = 0x68
    var rateHz = 100.0
    /// Serial port the host's samples arrive on; nil = publish a synthetic still pose.
    var inputPath: String?
    /// CSV log of every published sample (raw counts, the scale used, CLOCK_MONOTONIC time of
    /// publication and the sample's deadline in s), for the host's checks.
    var publishedLogPath: String?
    /// Register checks per sample period (INT_STATUS consumed? DEVICE_RESET set?).
    var pollsPerPeriod = 4
    /// SCHED_FIFO priority (1…99) so the emulated chip keeps time like hardware; nil = normal.
    var realtimePriority: Int32?
}

/// Counters reported at the end (one JSON line) and on demand.
struct FeederStats {
    var published = 0          // samples written to the data registers
    var fedPublished = 0       // … of them from the host's stream
    var fillerPublished = 0    // … synthetic or repeated (before/after the fed data)
    var firstFedIndex: Int?    // `published` count when the first fed sample went out
    var consumed = 0           // samples whose DATA_RDY the driver cleared
    var late = 0               // samples still unread a whole period after publishing
    var lateFed = 0            // … of them fed ones (the filler after the data is read by a
                               // stream that may already have stopped: that one is not late)
    var maxUnreadNs: Int64 = 0 // longest time a sample waited to be read
    var maxUnreadFedNs: Int64 = 0
    var underruns = 0          // a sample was due but the host's stream had not delivered it
    var resets = 0             // DEVICE_RESET requests served
    var wakes = 0              // SLEEP → awake transitions
    var busLosses = 0          // the bus vanished under us (ENODEV …)
    var reopens = 0            // successful (re)opens of the bus
    var ioErrors = 0           // other transfer errors
    var unplugs = 0            // SIGUSR1 power-loss emulations

    func json(link: SampleLink?, scale: SensorScale?) -> String {
        var fields: [String] = [
            "\"feeder\":\"stats\"",
            "\"published\":\(published)", "\"fed\":\(fedPublished)", "\"filler\":\(fillerPublished)",
            "\"first_fed_index\":\(firstFedIndex.map(String.init) ?? "null")",
            "\"consumed\":\(consumed)", "\"late\":\(late)", "\"late_fed\":\(lateFed)",
            "\"max_unread_ms\":\(Double(maxUnreadNs / 10_000) / 100)",
            "\"max_unread_fed_ms\":\(Double(maxUnreadFedNs / 10_000) / 100)",
            "\"underruns\":\(underruns)", "\"resets\":\(resets)", "\"wakes\":\(wakes)",
            "\"bus_losses\":\(busLosses)", "\"reopens\":\(reopens)", "\"io_errors\":\(ioErrors)",
            "\"unplugs\":\(unplugs)",
        ]
        if let link {
            fields.append("\"input_samples\":\(link.sampleCount)")
            fields.append("\"input_complete\":\(link.endReceived)")
            fields.append("\"input_bad_records\":\(link.badRecords)")
            fields.append("\"input_sequence_gaps\":\(link.sequenceGaps)")
        }
        if let scale {
            fields.append("\"accel_range_g\":\(MPU6050.accelRangeG[scale.accelSelect])")
            fields.append("\"gyro_range_dps\":\(MPU6050.gyroRangeDps[scale.gyroSelect])")
        }
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// The in-guest MPU-6050 emulator on top of i2c-stub's passive register file.
///
/// Each poll: serve DEVICE_RESET (restore the power-on register file), do nothing while the
/// chip sleeps, and when the previous sample was read (INT_STATUS back at 0) and the next
/// absolute 1/rate deadline has come, publish one sample as a single 15-byte block write.
/// A sample is never skipped: a late driver delays the next one, and the schedule catches up.
final class Feeder {
    private let options: FeederOptions
    private let periodNs: Int64
    private let link: SampleLink?
    private var bus: StubBus?
    private var publishedLog: UnsafeMutablePointer<FILE>?
    private var stats = FeederStats()

    private var unplugged = false
    private var nextOpenAttemptNs: Int64 = 0
    private var lastOpenErrno: Int32 = 0
    private var awake = false
    private var nextSampleNs: Int64 = 0
    private var unreadSinceNs: Int64?      // publication time of the sample not yet read
    private var unreadSinceScheduledNs: Int64 = 0  // … and the deadline of the poll that published it
    private var lateCounted = false
    private var unreadIsFed = false
    private var scale: SensorScale?
    private var nextFedIndex = 0
    private var lastFed: RawSample?

    init(options: FeederOptions) throws(BusError) {
        self.options = options
        periodNs = Int64((1e9 / options.rateHz).rounded())
        link = try options.inputPath.map { path throws(BusError) in try SampleLink(path: path) }
        if let path = options.publishedLogPath {
            publishedLog = fopen(path, "w")
            guard let file = publishedLog else { throw BusError(operation: "create \(path)", errnoValue: errno) }
            fputs("n,kind,fed_index,ax,ay,az,gx,gy,gz,accel_lsb_per_mps2,gyro_lsb_per_radps,published_s,deadline_s\n", file)
        }
    }

    deinit { if let publishedLog { fclose(publishedLog) } }

    /// Runs until SIGTERM/SIGINT; SIGUSR1 unplugs the chip (power loss), SIGUSR2 plugs it back.
    func run() {
        let signals = SignalInbox()
        if let priority = options.realtimePriority {
            var parameters = sched_param()
            parameters.sched_priority = priority
            if sched_setscheduler(0, SCHED_FIFO, &parameters) != 0 {
                log("SCHED_FIFO \(priority) refused: \(BusError(operation: "sched_setscheduler", errnoValue: errno)); running at normal priority")
            }
        }
        let pollNs = max(periodNs / Int64(max(1, options.pollsPerPeriod)), 200_000)
        var nextPollNs = MonotonicClock.nowNs()
        var loadAnnounced = false
        log("emulating an MPU-6050 at 0x\(hex(options.address)) on \(options.busPath), \(options.rateHz) Hz"
            + (options.inputPath.map { ", samples from \($0)" } ?? ", synthetic still pose"))
        while true {
            while let signal = signals.next() {
                switch signal {
                case SIGUSR1: unplug()
                case SIGUSR2: plug()
                default:
                    finish()
                    return
                }
            }
            let nowNs = MonotonicClock.nowNs()
            if let link {
                link.announceReadyIfNeeded(nowNs: nowNs)
                link.drain()
                if link.endReceived, !loadAnnounced {
                    loadAnnounced = true
                    log("loaded \(link.sampleCount) samples (announced \(link.announcedCount), "
                        + "\(link.badRecords) bad records, \(link.sequenceGaps) sequence gaps)")
                }
            }
            if !unplugged { service(nowNs: nowNs, scheduledNs: nextPollNs) }
            nextPollNs += pollNs
            let afterNs = MonotonicClock.nowNs()
            if nextPollNs < afterNs - periodNs { nextPollNs = afterNs }  // starved: don't burst polls
            MonotonicClock.sleep(untilNs: nextPollNs)
        }
    }

    // MARK: - Bus and chip state

    /// `scheduledNs` is the poll's deadline and `nowNs` when it actually ran: sample deadlines are
    /// compared with the former, so a poll that lands on a deadline publishes no matter how late
    /// the wake-up was (else publication would jitter by a poll interval).
    private func service(nowNs: Int64, scheduledNs: Int64) {
        if bus == nil, !openBus(nowNs: nowNs) { return }
        guard let bus else { return }
        do {
            try step(bus, nowNs: nowNs, scheduledNs: scheduledNs)
        } catch {
            if error.busVanished {
                stats.busLosses += 1
                log("bus lost: \(error); reopening")
                self.bus = nil
                awake = false
                unreadSinceNs = nil
            } else {
                stats.ioErrors += 1
                if stats.ioErrors <= 10 { log("transfer error: \(error)") }
            }
        }
    }

    /// Opens the bus (at most every 50 ms); a fresh register file (after insmod) gets the
    /// power-on values, an existing one (we only lost our descriptor) is left alone.
    private func openBus(nowNs: Int64) -> Bool {
        guard nowNs >= nextOpenAttemptNs else { return false }
        nextOpenAttemptNs = nowNs + 50_000_000
        do {
            let opened = try StubBus(path: options.busPath, address: options.address)
            if try opened.readByte(MPU6050.whoAmI) != MPU6050.whoAmIValue {
                try loadPowerOnRegisters(opened)
                log("register file initialised (WHO_AM_I=0x\(hex(MPU6050.whoAmIValue)), PWR_MGMT_1=0x\(hex(MPU6050.pwrMgmt1PowerOn)))")
            }
            bus = opened
            stats.reopens += 1
            lastOpenErrno = 0
            if stats.reopens > 1 { log("bus \(options.busPath) back") }
            return true
        } catch {
            if error.errnoValue != lastOpenErrno { log("waiting for \(options.busPath): \(error)") }
            lastOpenErrno = error.errnoValue
            return false
        }
    }

    private func loadPowerOnRegisters(_ bus: StubBus) throws(BusError) {
        let file = MPU6050.powerOnRegisterFile()
        // WHO_AM_I last, so a driver never sees a valid ID above half-reset registers.
        for start in stride(from: 0, to: 256, by: 32) {
            try bus.writeBlock(UInt8(start), Array(file[start..<(start + 32)]))
        }
        awake = false
        unreadSinceNs = nil
    }

    private func step(_ bus: StubBus, nowNs: Int64, scheduledNs: Int64) throws(BusError) {
        let power = try bus.readByte(MPU6050.pwrMgmt1)
        if power & MPU6050.deviceResetBit != 0 {
            try loadPowerOnRegisters(bus)
            stats.resets += 1
            return
        }
        if power & MPU6050.sleepBit != 0 {
            if awake { log("chip put to sleep") }
            awake = false
            unreadSinceNs = nil
            return
        }
        if !awake {
            awake = true
            stats.wakes += 1
            nextSampleNs = scheduledNs + periodNs  // the first conversion completes one period after wake-up
            unreadSinceNs = nil
        }
        let status = try bus.readByte(MPU6050.intStatus)
        if status & MPU6050.dataReadyBit != 0 {
            if let since = unreadSinceNs {
                noteUnread(nowNs - since)
                if !lateCounted, scheduledNs - unreadSinceScheduledNs >= periodNs {
                    stats.late += 1
                    if unreadIsFed { stats.lateFed += 1 }
                    lateCounted = true
                }
            }
            return
        }
        if let since = unreadSinceNs {
            stats.consumed += 1
            noteUnread(nowNs - since)
            unreadSinceNs = nil
        }
        guard scheduledNs >= nextSampleNs else { return }
        try publish(bus, nowNs: nowNs, deadlineNs: nextSampleNs)
        unreadSinceScheduledNs = scheduledNs
        nextSampleNs += periodNs
    }

    private func noteUnread(_ waitedNs: Int64) {
        stats.maxUnreadNs = max(stats.maxUnreadNs, waitedNs)
        if unreadIsFed { stats.maxUnreadFedNs = max(stats.maxUnreadFedNs, waitedNs) }
    }

    private func publish(_ bus: StubBus, nowNs: Int64, deadlineNs: Int64) throws(BusError) {
        let config = try bus.readBlock(MPU6050.gyroConfig, count: 2)
        let currentScale = SensorScale(gyroConfig: config[0], accelConfig: config[1])
        if currentScale != scale {
            log("scale: \(currentScale.summary)")
            scale = currentScale
        }
        let (sample, kind, fedIndex) = nextSample(scale: currentScale)
        try bus.writeBlock(MPU6050.intStatus, sample.dataReadyBlock())
        unreadSinceNs = nowNs
        unreadIsFed = kind == "fed"
        lateCounted = false
        if let publishedLog {
            let counts = sample.allCounts.map(String.init).joined(separator: ",")
            fputs("\(stats.published),\(kind),\(fedIndex),\(counts),\(currentScale.accelLsbPerMps2),\(currentScale.gyroLsbPerRadps),\(MonotonicClock.seconds(nowNs)),\(MonotonicClock.seconds(deadlineNs))\n", publishedLog)
        }
        stats.published += 1
    }

    /// The host's next sample; before it starts or after it ends, a filler: the synthetic
    /// still pose (no input) or the last fed sample, dithered by ±1 LSB.
    private func nextSample(scale: SensorScale) -> (RawSample, String, Int) {
        let dither = Int16(stats.published % 3) - 1
        guard let link else {
            stats.fillerPublished += 1
            return (RawSample(si: Self.stillPose[...], scale: scale).dithered(dither), "rest", -1)
        }
        if nextFedIndex < link.sampleCount {
            let base = nextFedIndex * 6
            let sample = RawSample(si: link.values[base..<(base + 6)], scale: scale)
            if stats.firstFedIndex == nil { stats.firstFedIndex = stats.published }
            if nextFedIndex == 0 { log("first fed sample published") }
            nextFedIndex += 1
            stats.fedPublished += 1
            lastFed = sample
            if nextFedIndex == link.sampleCount, link.endReceived { log("last fed sample published") }
            return (sample, "fed", nextFedIndex - 1)
        }
        if !link.endReceived, lastFed != nil { stats.underruns += 1 }
        stats.fillerPublished += 1
        let hold = lastFed ?? RawSample(si: Self.stillPose[...], scale: scale)
        return (hold.dithered(dither), "filler", -1)
    }

    /// Lying still, slightly tilted: specific force (m/s²) and a small gyro bias (rad/s).
    private static let stillPose: [Float] = [0.42, -0.31, 9.79, 0.0012, -0.0021, 0.0007]

    // MARK: - Fault emulation and shutdown

    /// Power loss: the register file reads back zeros (no WHO_AM_I, no data) and the bus is
    /// released, so `rmmod i2c-stub` can proceed once the driver lets go too.
    private func unplug() {
        guard !unplugged else { return }
        stats.unplugs += 1
        if let bus {
            let zeros = [UInt8](repeating: 0, count: 32)
            for start in stride(from: 0, to: 256, by: 32) { try? bus.writeBlock(UInt8(start), zeros) }
        }
        bus = nil
        unplugged = true
        awake = false
        unreadSinceNs = nil
        log("unplugged: registers cleared, bus released")
    }

    private func plug() {
        guard unplugged else { return }
        unplugged = false
        nextOpenAttemptNs = 0
        lastOpenErrno = 0
        if let bus { try? loadPowerOnRegisters(bus) }
        log("plugged in: waiting for \(options.busPath)")
    }

    private func finish() {
        if let publishedLog { fflush(publishedLog) }
        writeLine("FEEDER " + stats.json(link: link, scale: scale))
    }
}

func log(_ message: String) {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let millis = now.tv_nsec / 1_000_000
    let stamp = "\(now.tv_sec)." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + "\(millis)"
    writeLine("stub-feeder[\(stamp)]: \(message)")
}

/// Unbuffered line output (stdout is a file in the guest; lines must land in order with the shell's).
func writeLine(_ text: String, to fd: Int32 = STDOUT_FILENO) {
    var bytes = Array(text.utf8)
    bytes.append(UInt8(ascii: "\n"))
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if written < 0, errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}

/// SIGINT/SIGTERM/SIGUSR1/SIGUSR2 are blocked and collected between polls (no async handlers).
struct SignalInbox {
    private var set = sigset_t()

    init() {
        sigemptyset(&set)
        for signal in [SIGINT, SIGTERM, SIGUSR1, SIGUSR2] {
            // A shell starts background jobs with SIGINT ignored; ignored signals never become pending.
            Glibc.signal(signal, SIG_DFL)
            sigaddset(&set, signal)
        }
        sigprocmask(SIG_BLOCK, &set, nil)
    }

    func next() -> Int32? {
        var zero = timespec()
        var copy = set
        let received = sigtimedwait(&copy, nil, &zero)
        return received > 0 ? received : nil
    }
}

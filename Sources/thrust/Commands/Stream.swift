import ArgumentParser
import Synchronization
import ThrustCapture
import ThrustCore
import ThrustHardware

#if canImport(Glibc)
import Glibc
#endif

/// Set by SIGINT/SIGTERM; the reader checks it after every wake-up (at most one poll or
/// back-off interval, ≤ 1 s).
let hardwareStopRequested = Atomic<Bool>(false)

/// Ctrl-C and `kill` end a stream cleanly (the STATS line is still printed).
func installHardwareStopHandlers() {
    signal(SIGINT) { _ in hardwareStopRequested.store(true, ordering: .relaxed) }
    signal(SIGTERM) { _ in hardwareStopRequested.store(true, ordering: .relaxed) }
}

struct Stream: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stream",
        abstract: "Read an I2C IMU live and run the rep-counting core on every sample.",
        discussion: """
            Detects the IMU by WHO_AM_I (or uses the given address), resets and configures it, \
            reads it against absolute deadlines of the monotonic clock (data-ready polling at twice \
            the output rate, or the chip FIFO with --read fifo), feeds every sample to the core and \
            prints its events (JSON Lines with --json).

            When the device fails (I/O error, NACK, timeout, bus gone, stuck/frozen/saturated data, \
            configuration lost) it prints {"class":"SENSOR","state":"fault",...} and re-detects and \
            re-initialises with back-off (50 ms doubling to 1 s), even while the bus node itself is \
            gone; on success it prints {"class":"SENSOR","state":"recovered",...}. At the end \
            (--seconds, Ctrl-C or SIGTERM) it prints \
            {"class":"STATS","samples":N,"missed":M,"duplicates":D,"rate_hz":R,"faults":F,"recoveries":K}.

            Exit status: 0 success; 1 no IMU could be started within --connect-timeout (or \
            permission denied); 64 bad command-line usage.
            """
    )

    @Option(help: "i2c:/dev/i2c-N (chip detected at 0x68, 0x69, 0x6a, 0x6b) or i2c:/dev/i2c-N@0x68.")
    var source: String

    @Option(name: .customLong("rate-hz"), help: "Output data rate, 50…1000 Hz (the chip's nearest rate is used).")
    var rateHz: Double = 100

    @Option(help: "Stop after this many seconds (default: until Ctrl-C).")
    var seconds: Double?

    @Flag(help: "Print events as JSON Lines (SPEC §5) on standard output.")
    var json = false

    @Option(help: "Also write the samples read to this capture file (SPEC §4).")
    var record: String?

    @Option(help: "Where the sensor is worn: bar or belt.")
    var mount: String = "bar"

    @Option(help: "Limits to judge against: \(Profile.builtIn.map(\.name).joined(separator: ", ")).")
    var profile: String = "generic"

    @Option(name: .customLong("read"), help: "poll (data-ready polling) or fifo (the chip's FIFO).")
    var readMode: String = "poll"

    @Option(name: .customLong("accel-range-g"), help: "Accelerometer full scale: 2, 4, 8 or 16 g.")
    var accelRangeG: Int = 4

    @Option(name: .customLong("gyro-range-dps"), help: "Gyro full scale: 250, 500, 1000 or 2000 °/s.")
    var gyroRangeDps: Int = 500

    @Option(name: .customLong("rt-priority"),
            help: "Run the reader under SCHED_FIFO at this priority (1…99; needs root or CAP_SYS_NICE).")
    var rtPriority: Int32?

    @Option(name: .customLong("connect-timeout"),
            help: "Give up when no IMU can be started within this many seconds at startup.")
    var connectTimeout: Double = 5

    func validate() throws {
        do {
            _ = try I2CSourceSpec(parsing: source)
            try imuConfig().validate()
        } catch {
            throw ValidationError(error.context)
        }
        guard ReadMode(rawValue: readMode) != nil else {
            throw ValidationError("--read \(readMode): expected poll or fifo")
        }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be > 0") }
        if let rtPriority, !(1...99).contains(rtPriority) { throw ValidationError("--rt-priority: expected 1…99") }
        if case .failure(let error) = CaptureAnalysis.settings(metadata: CaptureMetadata(), mount: mount,
                                                                profile: profile, style: nil) {
            throw ValidationError(error.message)
        }
    }

    private func imuConfig() -> IMUConfig {
        IMUConfig(rateHz: rateHz, accelRangeG: accelRangeG, gyroRangeDps: gyroRangeDps,
                  mode: ReadMode(rawValue: readMode) ?? .poll)
    }

    func run() async throws {
        let spec: I2CSourceSpec
        let settings: CoreSettings
        do {
            spec = try I2CSourceSpec(parsing: source)
            guard case .success(let resolved) = CaptureAnalysis.settings(
                metadata: CaptureMetadata(), mount: mount, profile: profile, style: nil) else {
                throw ExitCode.validationFailure
            }
            settings = resolved.settings
        }
        let clock = MonotonicClock()
        let reader: IMUReader
        do {
            reader = try IMUReader(options: ReaderOptions(busPath: spec.busPath, address: spec.address,
                                                          config: imuConfig()), clock: clock)
        } catch {
            HardwareConsole.error("thrust: \(error)")
            throw ExitCode.validationFailure
        }
        installHardwareStopHandlers()
        if let rtPriority {
            var parameters = sched_param()
            parameters.sched_priority = rtPriority
            if sched_setscheduler(0, SCHED_FIFO, &parameters) != 0 {
                HardwareConsole.error("thrust: warning: SCHED_FIFO \(rtPriority) refused (errno \(errno)); normal priority")
            }
        }

        var analyzer = RepAnalyzer(settings: settings)
        var writer: CaptureWriter?
        var recordError: String?
        var connected = false
        var giveUp: HardwareError?
        let json = self.json
        let start = clock.now()
        let sensorTime = { clock.now() - reader.origin }

        /// Opens the capture once the chip (and so its rate) is known.
        func startRecording(_ info: DeviceInfo) {
            guard let record, writer == nil, recordError == nil else { return }
            let metadata = CaptureMetadata(rateHz: info.settings.outputRateHz, sensor: info.chip.rawValue,
                                           mount: settings.mount,
                                           extra: [("profile", settings.profile.name), ("source", spec.description)])
            do throws(CaptureError) { writer = try CaptureWriter(path: record, metadata: metadata) } catch {
                recordError = error.description
            }
        }

        let emitEvent: (CoreEvent) -> Void = { event in
            HardwareConsole.out(json ? event.jsonLine() : HardwareConsole.describe(event))
        }

        reader.run(
            until: seconds.map { start + $0 },
            shouldStop: {
                if hardwareStopRequested.load(ordering: .relaxed) || giveUp != nil { return true }
                if !connected && clock.now() - start > connectTimeout {
                    giveUp = reader.lastFault ?? HardwareError(.noIMUFound, "no IMU on \(spec.busPath)")
                    return true
                }
                return false
            },
            onSample: { sample in
                analyzer.update(sample, emit: emitEvent)
                if let active = writer {
                    do throws(CaptureError) { try active.write(sample) } catch {
                        recordError = error.description
                        writer = nil
                    }
                }
            },
            onEvent: { event in
                switch event {
                case .connected(let info):
                    connected = true
                    HardwareConsole.error("thrust: \(info)")
                    startRecording(info)
                case .recovered(let info, let downtime):
                    // Also the first connection when the device was missing at startup.
                    if !connected { HardwareConsole.error("thrust: \(info)") }
                    connected = true
                    startRecording(info)
                    let detail = "\(info); re-initialised after \(HardwareConsole.seconds(downtime)) s"
                    emitEvent(.sensor(state: .recovered, detail: detail, t: sensorTime()))
                case .fault(let error):
                    if !connected && (error.kind == .invalidConfiguration || error.kind == .unsupported) {
                        giveUp = error
                    } else if case .permissionDenied = error.kind, !connected {
                        giveUp = error
                    }
                    emitEvent(.sensor(state: .fault, detail: error.description, t: sensorTime()))
                case .overflow(let lost):
                    HardwareConsole.error("thrust: warning: chip FIFO overflowed, about \(lost) samples lost")
                }
            })
        reader.close()
        analyzer.finish(emit: emitEvent)
        if let active = writer {
            do { try active.close() } catch { recordError = error.description }
        }

        let stats = reader.stats
        if json {
            HardwareConsole.out(stats.jsonLine())
        } else {
            HardwareConsole.out("stats: \(stats.samples) samples, \(stats.missed) missed, \(stats.duplicates) duplicates, "
                                + "\(JSONText.number(stats.achievedRateHz, decimals: 3)) Hz, \(stats.faults) faults, "
                                + "\(stats.recoveries) recoveries")
        }
        if let recordError {
            HardwareConsole.error("thrust: cannot record to \(record ?? "?"): \(recordError)")
            throw ExitCode(1)
        }
        if let giveUp, !connected {
            HardwareConsole.error("thrust: no IMU started on \(spec.busPath): \(giveUp)")
            throw ExitCode(1)
        }
    }
}

/// Line output for the hardware commands: each line is written at once (events are rare and
/// the QEMU test reads them live), standard error for diagnostics.
enum HardwareConsole {
    static func out(_ line: String) { write(line, to: 1) }
    static func error(_ line: String) { write(line, to: 2) }

    private static func write(_ line: String, to fd: Int32) {
        FileIO.writeAll(fd, line + "\n")
    }

    static func seconds(_ value: Double) -> String { JSONText.number(value, decimals: 3) }

    /// One event in words (the JSON form is `jsonLine()`).
    static func describe(_ event: CoreEvent) -> String {
        let t = "t=" + seconds(event.t)
        switch event {
        case .setStart(let set, _): return "\(t) set \(set) started"
        case .phase(let set, let rep, let phase, _): return "\(t) set \(set) rep \(rep): \(phase.rawValue)"
        case .alert(let a):
            return "\(t) set \(a.set) rep \(a.rep): ALERT \(a.kind.rawValue) \(JSONText.number(a.value, decimals: 2)) "
                + "\(a.unit) (limit \(JSONText.number(a.limit, decimals: 2)))"
        case .rep(let r):
            return "\(t) set \(r.set) rep \(r.rep): depth \(JSONText.number(r.depthCm, decimals: 1)) cm, "
                + "lockout \(JSONText.number(r.lockoutCm, decimals: 1)) cm"
                + (r.alerts.kinds.isEmpty ? "" : ", alerts " + r.alerts.kinds.map(\.rawValue).joined(separator: ","))
        case .setEnd(let s): return "\(t) set \(s.set) ended: \(s.reps) reps"
        case .sensor(let state, let detail, _): return "\(t) sensor \(state.rawValue): \(detail)"
        }
    }
}

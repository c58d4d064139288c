#if canImport(Glibc)
import Glibc
#endif
import Logging
import ServiceLifecycle
import Synchronization
import ThrustCapture
import ThrustCore
import UnixSignals

/// `thrustd`: sample source → core → rep log → socket clients, terminal and buzzer.
///
/// Start-up is ordered and fails early: config, directories, the log's resume point, the source
/// (a missing replay file stops the daemon here), the socket. Then swift-service-lifecycle runs
/// the parts as services, started in this order and shut down in reverse on SIGTERM/SIGINT:
///
///     log pipeline → buzzer → socket → sampling → sd_notify → SIGHUP reload
///
/// so on shutdown the sampling thread stops first (its open set is closed and logged), the
/// events reach the clients, the socket is closed and unlinked, the buzzer switched off, and the
/// log written, fsynced and closed last.
public final class Daemon: Sendable {
    /// How `thrustd` was started.
    public struct Launch: Sendable {
        public var configPath: String?
        /// `--config` was given: the file must exist.
        public var configRequired: Bool
        public var flags: [FlagValue]
        /// Add `mono_ns` to events (daemon-bench).
        public var traceLatency: Bool

        public init(configPath: String? = nil, configRequired: Bool = false, flags: [FlagValue] = [],
                    traceLatency: Bool = false) {
            self.configPath = configPath
            self.configRequired = configRequired
            self.flags = flags
            self.traceLatency = traceLatency
        }
    }

    /// Exit statuses.
    public enum ExitStatus {
        public static let success: Int32 = 0
        /// The source failed (a replay with a malformed line, with exit_at_end).
        public static let sourceFailed: Int32 = 1
        /// Start-up failed (socket, directories, source).
        public static let startupFailed: Int32 = 1
        /// EX_CONFIG: the configuration is invalid (the message names the key and line).
        public static let configError: Int32 = 78
    }

    let launch: Launch
    let config: Shared<DaemonConfig>
    let logger: Logger
    let paths: DaemonPaths
    let status: StatusBoard
    let queue: BoundedQueue<Outbound>
    let pipeline: EventPipeline
    let engine: SamplingEngine
    let socket: SocketServer
    let buzzer: BuzzerService
    let console: ConsolePrinter?
    let recorder: SampleRecorder?
    let notify: SystemdNotify
    let hangups: UnixSignalsSequence
    let sourceEnded = AsyncSignal()
    let exitCode = Shared<Int32>(0)

    /// Loads the configuration. Problems are `DaemonError`s naming key and line.
    public static func loadConfig(_ launch: Launch) throws(DaemonError) -> DaemonConfig {
        try ConfigLoader.load(path: launch.configPath, required: launch.configRequired, flags: launch.flags)
    }

    /// Everything that can fail at start-up, in order.
    public init(launch: Launch, config initialConfig: DaemonConfig, logger: Logger) async throws(DaemonError) {
        self.launch = launch
        self.logger = logger
        config = Shared(initialConfig)
        let environment = DaemonPaths.processEnvironment()
        notify = SystemdNotify(environment: environment)
        paths = DaemonPaths.resolve(initialConfig, environment: environment)
        try DaemonPaths.makeDirectories(paths.stateDir, mode: 0o750)
        try DaemonPaths.makeDirectories(paths.logDir, mode: 0o750)
        try DaemonPaths.makeDirectories(paths.runtimeDir, mode: 0o750)

        let nowWall = DaemonClock.wallNs()
        let resume = RepLogFiles.resume(directory: paths.logDir, today: RFC3339.utcDate(wallNs: nowWall))
        if resume.repairedTornLine {
            logger.warning("rep log: the last line of the newest file was torn (a crash mid-write); terminated it, readers skip it")
        }

        // Events are rare; raw samples for `watch raw` clients are the bulk (16 s at 1 kHz if the
        // log thread were starved; the ring grows only as far as it is used).
        let queue = BoundedQueue<Outbound>(capacity: 16_384)
        self.queue = queue
        status = StatusBoard { snapshot in
            queue.push(.status(snapshot, wallNs: DaemonClock.wallNs()))
        }
        status.count { $0.muted = initialConfig.muted }

        let foreground = environment["INVOCATION_ID"] == nil && environment["NOTIFY_SOCKET"] == nil
        console = (initialConfig.printEvents ?? foreground) ? ConsolePrinter() : nil
        buzzer = BuzzerService(config: initialConfig, console: console, logger: logger)

        let writer = try RepLogWriter(directory: paths.logDir, fsyncIntervalS: initialConfig.fsyncIntervalS,
                                      queueLines: initialConfig.logQueueLines, logger: logger)
        // calibration.json belongs to a real sensor: replays and simulations start afresh.
        var calibrationStore: CalibrationStore?
        if case .i2c = initialConfig.source {
            calibrationStore = CalibrationStore(path: paths.calibrationPath, sensor: initialConfig.source.description)
        }
        pipeline = EventPipeline(queue: queue, writer: writer, status: status, lastSeq: resume.lastSeq,
                                 traceLatency: launch.traceLatency, calibrationStore: calibrationStore, logger: logger)

        let statusBoard = status
        recorder = initialConfig.record.map { path in
            SampleRecorder(path: path, logger: logger) {
                let current = statusBoard.current
                var extra: [(key: String, value: String)] = [("profile", current.profile), ("source", current.source)]
                extra.removeAll { $0.value.isEmpty }
                return CaptureMetadata(rateHz: current.rateHz, sensor: current.sensor, mount: current.mount, extra: extra)
            }
        }

        let imu = IMUConfigBuilder.make(initialConfig)
        let options = SamplingEngine.Options(source: initialConfig.source, speed: initialConfig.speed,
                                             seed: initialConfig.seed, rtPriority: initialConfig.rtPriority,
                                             imu: imu, setOffset: resume.lastSet, calibration: calibrationStore)
        let ended = sourceEnded
        let exitCode = self.exitCode
        let exitAtEnd = initialConfig.exitAtEnd
        engine = try SamplingEngine(options: options, config: initialConfig, out: queue, status: status,
                                    recorder: recorder, logger: logger) { end in
            switch end {
            case .stopped:
                return
            case .sourceEnded:
                logger.notice(exitAtEnd ? "source ended; exiting" : "source ended; idling (clients may stay connected)")
            case .sourceFailed(let message):
                logger.error("source failed: \(message)")
                if exitAtEnd { exitCode.value = ExitStatus.sourceFailed }
            }
            if exitAtEnd { ended.fire() }
        }

        // The socket last: once it answers, everything behind it exists.
        let engine = self.engine
        let buzzer = self.buzzer
        let configBox = config
        let actions = SocketActions(
            status: { statusBoard.current },
            rawWatchers: { delta in engine.rawWatchers.add(delta, ordering: .relaxed) },
            control: { command in
                Daemon.control(command, engine: engine, buzzer: buzzer, status: statusBoard,
                               config: configBox.value)
            },
            clientsChanged: { connected, dropped in
                statusBoard.count { s in
                    s.clients = connected
                    s.clientsDropped = dropped
                }
            })
        socket = SocketServer(options: SocketServer.Options(path: paths.socketPath, mode: initialConfig.socketMode,
                                                            groupName: initialConfig.socketGroup,
                                                            maxClients: initialConfig.maxClients,
                                                            queueBytes: initialConfig.clientQueueBytes),
                              actions: actions, logger: logger)
        // SIGHUP is trapped before READY, so a reload never kills the daemon.
        hangups = await UnixSignalsSequence(trapping: .sighup)
        try await socket.start()

        let console = self.console
        let socket = self.socket
        pipeline.setSinks(EventPipeline.Sinks(
            lines: { lines in socket.broadcast(lines) },
            event: { event in
                if let console, let line = ConsolePrinter.describe(event) { console.print(line) }
                buzzer.handle(event)
            }))
    }

    /// Runs until SIGTERM/SIGINT (or the end of the source with `exit_at_end`); returns the exit status.
    public func run() async -> Int32 {
        let logGate = AsyncSignal()
        let samplingGate = AsyncSignal()
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: PipelineService(daemon: self, started: logGate), serviceName: "log"),
            .init(service: BuzzerLifecycle(daemon: self), serviceName: "buzzer"),
            .init(service: SocketLifecycle(daemon: self), serviceName: "socket"),
            .init(service: SamplingService(daemon: self, after: logGate, started: samplingGate),
                  successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "sampling"),
            .init(service: NotifyService(daemon: self, after: samplingGate), serviceName: "sd_notify"),
            .init(service: ReloadService(daemon: self), serviceName: "reload"),
        ]
        var groupLogger = logger
        groupLogger.logLevel = max(logger.logLevel, .notice)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [],
            logger: groupLogger))
        do {
            try await group.run()
        } catch {
            logger.error("stopped on an error: \(error)")
            return ExitStatus.startupFailed
        }
        let final = status.current
        let lateness = JSONText.number(final.maxLatenessMs, decimals: 3)
        logger.notice("stopped: \(final.samples) samples, max lateness \(lateness) ms, \(final.droppedEvents) events dropped, \(final.clientsDropped) clients dropped")
        return exitCode.value
    }

    /// A control command from a permitted client. Returns an error text or nil.
    static func control(_ command: ClientCommand, engine: SamplingEngine, buzzer: BuzzerService, status: StatusBoard,
                        config: DaemonConfig) -> String? {
        switch command {
        case .calibrate(let what):
            engine.send(.recalibrate(what: what))
            return nil
        case .profile(let name):
            var chosen = config
            chosen.profile = name
            let current = status.current
            engine.send(.settings(CoreSettings(mount: current.mount,
                                               profile: chosen.resolvedProfile(fromSource: nil), style: config.style)))
            return nil
        case .endSet:
            engine.send(.endSet)
            return nil
        case .mute(let on):
            buzzer.setMuted(on)
            status.update { $0.muted = on }
            return nil
        case .status, .watch:
            return nil
        }
    }

    /// SIGHUP: re-read the file; a bad file keeps the running configuration and says why.
    func reload() {
        notify.reloading()
        defer { notify.ready(status: statusText()) }
        let newConfig: DaemonConfig
        do {
            newConfig = try Daemon.loadConfig(launch)
        } catch {
            logger.error("reload failed, keeping the running configuration: \(error.message)")
            return
        }
        let old = config.value
        let needRestart = Daemon.restartOnlyChanges(from: old, to: newConfig)
        if !needRestart.isEmpty {
            logger.warning("reload: \(needRestart.joined(separator: ", ")) changed; that takes effect after a restart")
        }
        let settings = CoreSettings(mount: newConfig.mount ?? engine.sourceMount ?? .bar,
                                    profile: newConfig.resolvedProfile(fromSource: engine.sourceProfile),
                                    style: newConfig.style)
        engine.send(.settings(settings))
        buzzer.reconfigure(newConfig)
        if newConfig.muted != old.muted {
            buzzer.setMuted(newConfig.muted)
            status.update { $0.muted = newConfig.muted }
        }
        config.value = newConfig
        logger.notice("configuration reloaded: profile \(settings.profile.name), mount \(settings.mount.rawValue)")
    }

    /// Keys a reload cannot apply to a running daemon.
    static func restartOnlyChanges(from old: DaemonConfig, to new: DaemonConfig) -> [String] {
        var changed: [String] = []
        if old.source != new.source { changed.append("source") }
        if old.speed != new.speed { changed.append("speed") }
        if old.seed != new.seed { changed.append("seed") }
        if old.exitAtEnd != new.exitAtEnd { changed.append("exit_at_end") }
        if old.record != new.record { changed.append("record") }
        if old.rtPriority != new.rtPriority { changed.append("rt_priority") }
        if old.i2cRateHz != new.i2cRateHz || old.i2cAccelRangeG != new.i2cAccelRangeG
            || old.i2cGyroRangeDps != new.i2cGyroRangeDps || old.i2cReadMode != new.i2cReadMode {
            changed.append("i2c.*")
        }
        if old.stateDir != new.stateDir { changed.append("state_dir") }
        if old.runtimeDir != new.runtimeDir { changed.append("runtime_dir") }
        if old.socketPath != new.socketPath { changed.append("socket") }
        if old.socketGroup != new.socketGroup { changed.append("socket_group") }
        if old.socketMode != new.socketMode { changed.append("socket_mode") }
        if old.fsyncIntervalS != new.fsyncIntervalS { changed.append("fsync_interval_s") }
        if old.logQueueLines != new.logQueueLines { changed.append("log_queue_lines") }
        if old.maxClients != new.maxClients || old.clientQueueBytes != new.clientQueueBytes { changed.append("clients.*") }
        if old.buzzerLine != new.buzzerLine { changed.append("buzzer.line") }
        if old.printEvents != new.printEvents { changed.append("print_events") }
        if old.logLevel != new.logLevel { changed.append("log_level") }
        return changed
    }

    /// sd_notify STATUS= text.
    func statusText() -> String {
        let s = status.current
        return "\(s.state.rawValue); \(s.source) \(s.sensor); profile \(s.profile); \(s.clients) clients; log \(s.log.rawValue)"
    }
}

/// IMU settings from the config.
enum IMUConfigBuilder {
    static func make(_ config: DaemonConfig) -> ThrustHardwareIMUConfig {
        ThrustHardwareIMUConfig(rateHz: config.i2cRateHz, accelRangeG: config.i2cAccelRangeG,
                                gyroRangeDps: config.i2cGyroRangeDps, mode: config.i2cReadMode)
    }
}

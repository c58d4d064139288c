import Logging
import ServiceLifecycle
import ThrustHardware

typealias ThrustHardwareIMUConfig = IMUConfig

/// The log stage (and the terminal printer and capture recorder): first up, last down, so every
/// event queued before shutdown is written, fsynced and closed.
struct PipelineService: Service {
    let daemon: Daemon
    let started: AsyncSignal

    func run() async throws {
        try daemon.console?.start()
        try daemon.recorder?.start()
        try daemon.pipeline.start()
        started.fire()
        try? await gracefulShutdown()
        let daemon = self.daemon
        await runBlocking("thrustd-stop") {
            daemon.recorder?.stop()
            daemon.pipeline.stop()
            daemon.console?.stop()
        }
    }
}

/// The buzzer: switched off and released on shutdown.
struct BuzzerLifecycle: Service {
    let daemon: Daemon

    func run() async throws {
        try? await gracefulShutdown()
        await daemon.buzzer.shutdown()
    }
}

/// The socket (bound at start-up): closed and unlinked on shutdown, after the sampling thread
/// stopped and its last events were delivered.
struct SocketLifecycle: Service {
    let daemon: Daemon

    func run() async throws {
        try? await gracefulShutdown()
        await daemon.socket.stop()
    }
}

/// The sampling thread. Returns (ending the group gracefully) when the source ends with
/// `exit_at_end`; on shutdown it stops the thread, which closes any open set.
struct SamplingService: Service {
    let daemon: Daemon
    let after: AsyncSignal
    let started: AsyncSignal

    func run() async throws {
        await after.wait()
        try daemon.engine.start()
        started.fire()
        let ended = daemon.sourceEnded
        await withGracefulShutdownHandler {
            await ended.wait()
        } onGracefulShutdown: {
            ended.fire()
        }
        let engine = daemon.engine
        await runBlocking("thrustd-stop") { engine.stop() }
        // The last events (an open set's SET_END) reach the log and the clients before they close.
        await daemon.pipeline.barrier()
    }
}

/// READY, STATUS and WATCHDOG for systemd (Type=notify). The watchdog is fed only while the
/// sampling thread makes progress (or has legitimately ended).
struct NotifyService: Service {
    let daemon: Daemon
    let after: AsyncSignal

    func run() async throws {
        await after.wait()
        let notify = daemon.notify
        let daemon = self.daemon
        notify.ready(status: daemon.statusText())
        daemon.logger.notice("ready: source \(daemon.status.current.source), socket \(daemon.paths.socketPath), log \(daemon.paths.logDir)")
        let intervalS = min(notify.watchdogIntervalS.map { $0 / 2 } ?? 5, 5)
        try? await cancelWhenGracefulShutdown {
            var lastBeat = daemon.engine.heartbeat.load(ordering: .relaxed)
            var lastStatus = ""
            while true {
                try await Task.sleep(for: .milliseconds(Int(intervalS * 1000)))
                let beat = daemon.engine.heartbeat.load(ordering: .relaxed)
                if beat != lastBeat || daemon.engine.end != nil { notify.watchdog() }
                lastBeat = beat
                let text = daemon.statusText()
                if text != lastStatus {
                    notify.status(text)
                    lastStatus = text
                }
            }
        }
        notify.stopping()
    }
}

/// SIGHUP: reload the configuration file.
struct ReloadService: Service {
    let daemon: Daemon

    func run() async throws {
        let daemon = self.daemon
        await cancelWhenGracefulShutdown {
            for await _ in daemon.hangups {
                daemon.reload()
            }
        }
    }
}

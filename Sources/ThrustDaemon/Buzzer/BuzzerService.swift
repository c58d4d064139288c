import Logging
import Synchronization
import ThrustCore
import ThrustHardware

/// Alerts to beeps: each alert kind plays its own pattern (config `buzzer.patterns.*`), a
/// counted rep without alerts may tick, `mute` silences. Patterns play on the BuzzerPlayer's own
/// task against absolute deadlines; `handle` returns at once.
///
/// With no buzzer line, beeps are printed (foreground) or skipped (service).
public final class BuzzerService: Sendable {
    struct Settings: Sendable {
        var patterns: [AlertKind: BuzzerPattern]
        var tick: BuzzerPattern?
        var repTick: Bool
    }

    private let player: BuzzerPlayer<ContinuousClock>?
    private let gpio: (any GPIOLine)?
    private let console: ConsolePrinter?
    private let settings: Mutex<Settings>
    private let mutedState: Mutex<Bool>
    private let logger: Logger

    /// The line is opened here; a missing chip or line is logged and the buzzer left out.
    /// `line` replaces the configured GPIO line (tests: a FakeGPIOLine).
    public init(config: DaemonConfig, console: ConsolePrinter?, logger: Logger, line injected: (any GPIOLine)? = nil) {
        self.logger = logger
        self.console = console
        settings = Mutex(Settings(patterns: config.patterns, tick: config.tickPattern, repTick: config.repTick))
        mutedState = Mutex(config.muted)
        var line: (any GPIOLine)? = injected
        if line == nil, let text = config.buzzerLine {
            do {
                line = try LibgpiodLine(spec: try GPIOLineSpec(parsing: text), consumer: "thrustd")
                logger.info("buzzer on \(text)")
            } catch {
                logger.error("buzzer \(text) not available: \(error); continuing without it")
            }
        }
        gpio = line
        if let line {
            let player = BuzzerPlayer(line: line, clock: ContinuousClock()) { error in
                logger.error("buzzer: \(error)")
            }
            player.setMuted(config.muted)
            self.player = player
        } else {
            player = nil
        }
    }

    public var hasBuzzer: Bool { player != nil }
    public var isMuted: Bool { mutedState.withLock { $0 } }

    public func setMuted(_ muted: Bool) {
        mutedState.withLock { $0 = muted }
        player?.setMuted(muted)
    }

    /// New patterns and tick setting (SIGHUP).
    public func reconfigure(_ config: DaemonConfig) {
        settings.withLock { $0 = Settings(patterns: config.patterns, tick: config.tickPattern, repTick: config.repTick) }
    }

    /// Called for every event after it was logged; never blocks.
    public func handle(_ event: CoreEvent) {
        let current = settings.withLock { $0 }
        switch event {
        case .alert(let alert):
            if let pattern = current.patterns[alert.kind] { beep(pattern, because: alert.kind.rawValue) }
        case .rep(let rep):
            // A rep with alerts already beeped for them; the tick would cut that pattern short.
            if current.repTick, rep.alerts.isEmpty, let tick = current.tick { beep(tick, because: "rep \(rep.rep)") }
        default:
            break
        }
    }

    private func beep(_ pattern: BuzzerPattern, because reason: String) {
        if isMuted { return }
        if let player {
            player.play(pattern)
        } else {
            console?.print("BEEP \(reason) (\(pattern.description) ms)")
        }
    }

    /// Buzzer off and the line released.
    public func shutdown() async {
        guard let player else { return }
        player.stop()
        await player.waitUntilIdle()
        do { try gpio?.set(false) } catch { logger.error("buzzer off: \(error)") }
        gpio?.close()
    }
}

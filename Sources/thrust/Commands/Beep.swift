import ArgumentParser
import ThrustCore
import ThrustHardware

struct Beep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "beep",
        abstract: "Play a pattern on the buzzer's GPIO line.",
        discussion: """
            PATTERN is a name — short (100 ms), long (600 ms), double (100 on, 100 off, 100 on), \
            triple (three 100 ms beeps, 100 ms apart) — or milliseconds on,off,on,… such as \
            200,100,200 (each 1…10000 ms, at most 64). The line is left off at the end.

            --line names the GPIO line: gpiochip0:17 (chip and offset), /dev/gpiochip0:17, a bare \
            offset (on gpiochip0), or a line name as gpioinfo lists it (GPIO17 on a Raspberry Pi).

            Exit status: 0 played; 1 the chip or line is missing, in use, or not accessible; \
            64 bad pattern or line syntax.
            """
    )

    @Argument(help: "short, long, double, triple, or on,off,on… in ms (e.g. 200,100,200).")
    var pattern: String

    @Option(help: "The buzzer's GPIO line.")
    var line: String = "gpiochip0:17"

    @Flag(help: "Print the result as one JSON object: {\"class\":\"BEEP\",\"pattern\",\"line\",\"ok\",\"error\"}.")
    var json = false

    func validate() throws {
        do {
            _ = try BuzzerPattern(parsing: pattern)
            _ = try GPIOLineSpec(parsing: line)
        } catch {
            throw ValidationError(error.context)
        }
    }

    func run() async throws {
        let parsedPattern: BuzzerPattern
        let spec: GPIOLineSpec
        do {
            parsedPattern = try BuzzerPattern(parsing: pattern)
            spec = try GPIOLineSpec(parsing: line)
        } catch {
            throw ValidationError(error.context)
        }
        let gpio: LibgpiodLine
        do {
            gpio = try LibgpiodLine(spec: spec, consumer: "thrust-beep")
        } catch {
            report(error: "\(error)")
            throw ExitCode(1)
        }
        let player = BuzzerPlayer(line: gpio, clock: ContinuousClock())
        player.play(parsedPattern)
        await player.waitUntilIdle()
        gpio.close()
        if let error = player.lastError {
            report(error: "\(error)")
            throw ExitCode(1)
        }
        report(error: nil)
    }

    /// The error on stderr; with `--json`, the result on stdout too.
    func report(error: String?) {
        if let error { HardwareConsole.error("thrust: \(error)") }
        guard json else { return }
        var object = JSONObjectWriter(className: "BEEP")
        object.string("pattern", pattern)
        object.string("line", line)
        object.bool("ok", error == nil)
        object.string("error", error)
        HardwareConsole.out(object.finish())
    }
}

// stub-feeder: makes the kernel's i2c-stub behave like an MPU-6050 for the real-kernel test
// (Tests/qemu/run.sh). i2c-stub is a passive 256-byte register file; this program supplies
// the chip's active side: WHO_AM_I, DEVICE_RESET, the full-scale ranges and data-ready
// samples at a fixed rate, fed from the host over a serial port.
#if canImport(Glibc)
import Glibc
#endif

let usage = """
    usage: stub-feeder [--bus /dev/i2c-0] [--address 0x68] [--rate-hz 100] [--input /dev/ttyS1]
                       [--published-log FILE.csv] [--polls-per-period 4] [--realtime PRIORITY]

      --input TTY          samples from the host (Tests/qemu/feed.py's format); without it a
                           synthetic still pose is published
      --published-log F    CSV of every sample written to the registers (raw counts, scale, time)
      --realtime P         run under SCHED_FIFO priority P, so the emulated chip keeps time
    Signals: SIGUSR1 = unplug (registers cleared, bus released), SIGUSR2 = plug back in,
    SIGTERM/SIGINT = print a FEEDER {...} stats line and exit.
    """

enum UsageError: Error, CustomStringConvertible {
    case bad(String)
    var description: String {
        switch self { case .bad(let text): return text }
    }
}

func parseOptions(_ arguments: [String]) throws(UsageError) -> FeederOptions {
    var options = FeederOptions()
    var index = 0
    func value(_ flag: String) throws(UsageError) -> String {
        index += 1
        guard index < arguments.count else { throw .bad("\(flag) needs a value") }
        return arguments[index]
    }
    while index < arguments.count {
        let flag = arguments[index]
        switch flag {
        case "--bus": options.busPath = try value(flag)
        case "--input": options.inputPath = try value(flag)
        case "--published-log": options.publishedLogPath = try value(flag)
        case "--address":
            let text = try value(flag)
            let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
            guard let address = UInt8(digits, radix: 16), (0x03...0x77).contains(address) else {
                throw .bad("--address: expected a 7-bit hex address like 0x68, got '\(text)'")
            }
            options.address = address
        case "--rate-hz":
            let text = try value(flag)
            guard let rate = Double(text), (10...1000).contains(rate) else {
                throw .bad("--rate-hz: expected a number from 10 to 1000, got '\(text)'")
            }
            options.rateHz = rate
        case "--polls-per-period":
            let text = try value(flag)
            guard let polls = Int(text), (1...20).contains(polls) else {
                throw .bad("--polls-per-period: expected 1…20, got '\(text)'")
            }
            options.pollsPerPeriod = polls
        case "--realtime":
            let text = try value(flag)
            guard let priority = Int32(text), (1...99).contains(priority) else {
                throw .bad("--realtime: expected a SCHED_FIFO priority 1…99, got '\(text)'")
            }
            options.realtimePriority = priority
        case "-h", "--help":
            writeLine(usage)
            exit(0)
        default:
            throw .bad("unknown argument '\(flag)'")
        }
        index += 1
    }
    return options
}

do {
    let options = try parseOptions(Array(CommandLine.arguments.dropFirst()))
    let feeder = try Feeder(options: options)
    feeder.run()
} catch let error as UsageError {
    writeLine("stub-feeder: \(error)\n\(usage)", to: STDERR_FILENO)
    exit(2)
} catch {
    writeLine("stub-feeder: \(error)", to: STDERR_FILENO)
    exit(1)
}

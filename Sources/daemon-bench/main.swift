#if canImport(Glibc)
import Glibc
#endif
import ThrustCapture
import ThrustCore
import ThrustSim

/// daemon-bench: latency, CPU and memory of a real `thrustd` (release build) replaying a 1 kHz
/// capture to 64 socket clients, then a whole-hour replay at high speed for memory growth.
///
///     swift build -c release --product thrustd && swift build -c release --product daemon-bench
///     .build/release/daemon-bench [--seconds 120] [--clients 64] [--soak-speed 60] [--no-soak]
///
/// Latency: each event carries `mono_ns` (thrustd --trace-latency), the CLOCK_MONOTONIC instant
/// the sampling thread took in the sample that decided it; a client's latency is its receive
/// time minus that. CPU: utime+stime of thrustd over the steady part of the run (after 5 s).
/// RSS: VmRSS each second, VmHWM at the end.

struct Options {
    var seconds = 120.0
    var clients = 64
    var soakSpeed = 60.0
    var soak = true
    var soakClients = 8
    var work = "/tmp/thrustd-bench"
    var thrustd: String?
    var seed: UInt64 = 1

    static let usage = """
        usage: daemon-bench [--seconds S] [--clients N] [--soak-speed X] [--soak-clients N] [--no-soak]
                            [--work DIR] [--thrustd PATH] [--seed N]
        """

    init(_ arguments: [String]) throws(BenchError) {
        var rest = arguments[...]
        func value(_ flag: String) throws(BenchError) -> String {
            guard let next = rest.popFirst() else { throw BenchError("\(flag) needs a value\n\(Options.usage)") }
            return next
        }
        func number(_ flag: String) throws(BenchError) -> Double {
            let text = try value(flag)
            guard let number = Double(text), number > 0 else { throw BenchError("\(flag) \(text): expected a number > 0") }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--seconds": seconds = try number(flag)
            case "--clients": clients = Int(try number(flag))
            case "--soak-speed": soakSpeed = try number(flag)
            case "--soak-clients": soakClients = Int(try number(flag))
            case "--no-soak": soak = false
            case "--work": work = try value(flag)
            case "--thrustd": thrustd = try value(flag)
            case "--seed": seed = UInt64(try number(flag))
            case "--help", "-h":
                print(Options.usage)
                exit(0)
            default: throw BenchError("unknown option \(flag)\n\(Options.usage)")
            }
        }
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let index = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[index]
}

func fixed(_ value: Double, _ decimals: Int = 2) -> String { JSONText.fixed(value, decimals: decimals) }

/// The long simulated session at 1 kHz as a capture (made once, ≈ 200 MB).
func makeCapture(_ options: Options) throws(BenchError) -> (path: String, samples: Int, seconds: Double) {
    let path = options.work + "/long-1khz-seed\(options.seed).csv"
    let session: SimulatedSession
    do {
        session = try SimulatedSession(scenario: "long", seed: options.seed, options: SimOptions(rateHz: 1000))
    } catch {
        throw BenchError("simulator: \(error)")
    }
    if let existing = readText(path + ".count"), let samples = Int(existing.split(separator: " ").first ?? ""),
       let seconds = Double(existing.split(separator: " ").last ?? "") {
        return (path, samples, seconds)
    }
    print("making \(path) (the simulator's 'long' session at 1 kHz)…")
    let started = monotonicSeconds()
    var running = session
    let metadata = CaptureMetadata(rateHz: 1000, sensor: session.info.sensor, mount: session.info.mount,
                                   extra: [("profile", session.info.profile), ("scenario", "long"), ("seed", String(options.seed))])
    var samples = 0
    var firstT: Double?
    var lastT = 0.0
    do throws(CaptureError) {
        let writer = try CaptureWriter(path: path, metadata: metadata)
        while let sample = running.next() {
            try writer.write(sample)
            if firstT == nil { firstT = sample.t }
            lastT = sample.t
            samples += 1
        }
        try writer.close()
    } catch {
        throw BenchError("writing the capture: \(error)")
    }
    let seconds = lastT - (firstT ?? lastT)
    let note = "\(samples) \(seconds)"
    let fd = open(path + ".count", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    if fd >= 0 {
        _ = note.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }
    print("  \(samples) samples, \(fixed(seconds / 60, 1)) min, made in \(fixed(monotonicSeconds() - started, 1)) s")
    return (path, samples, seconds)
}

func thrustdPath(_ options: Options) -> String {
    if let given = options.thrustd { return given }
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    let me = count > 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "./daemon-bench"
    let directory = me.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
    return directory + "/thrustd"
}

func runBench() throws(BenchError) {
    let options = try Options(Array(CommandLine.arguments.dropFirst()))
    _ = mkdir(options.work, 0o755)
    let binary = thrustdPath(options)
    guard access(binary, X_OK) == 0 else { throw BenchError("\(binary) not found; build it: swift build -c release --product thrustd") }
    let capture = try makeCapture(options)
    print("thrustd: \(binary)")
    print("capture: \(capture.path): \(capture.samples) samples at 1 kHz (\(fixed(capture.seconds / 60, 1)) min)")

    // 1. Latency, CPU and RSS at 1 kHz in real time with N clients.
    print("\n== replay at 1 kHz, real time, \(options.clients) clients, \(fixed(options.seconds, 0)) s")
    let daemon = try BenchDaemon(binary: binary, arguments: ["--source", "replay:" + capture.path, "--speed", "1",
                                                             "--trace-latency"],
                                 workDirectory: options.work, name: "latency")
    var clients: [BenchClient] = []
    for _ in 0..<options.clients { clients.append(try BenchClient(path: daemon.socketPath)) }
    var collector = LatencyCollector()
    var cpuAtWarmup: (wall: Double, cpu: Double)?
    var rssSamples: [Int] = []
    let warmupS = 5.0
    let started = monotonicSeconds()
    pump(clients, seconds: options.seconds, tick: { elapsed in
        if let memory = daemon.memoryKiB() { rssSamples.append(memory.rss) }
        if cpuAtWarmup == nil, elapsed >= warmupS, let cpu = daemon.cpuSeconds() { cpuAtWarmup = (monotonicSeconds(), cpu) }
        return true
    }, consume: { line, now in collector.consume(line, receivedNs: now) })
    let cpuEnd = daemon.cpuSeconds()
    let wallEnd = monotonicSeconds()
    let memory = daemon.memoryKiB()
    daemon.terminate()
    let status = daemon.exitStatus(wait: true) ?? -1
    let sorted = collector.latenciesMs.sorted()
    let cpuPercent: Double? = {
        guard let start = cpuAtWarmup, let end = cpuEnd else { return nil }
        return (end - start.cpu) / (wallEnd - start.wall) * 100
    }()
    print("events received: \(collector.latenciesMs.count) (\(collector.latenciesMs.count / max(1, options.clients)) per client), exit \(status)")
    print("latency sample → client line, ms: p50 \(fixed(percentile(sorted, 50), 3))  p90 \(fixed(percentile(sorted, 90), 3))"
          + "  p99 \(fixed(percentile(sorted, 99), 3))  max \(fixed(sorted.last ?? .nan, 3))   (limit p99 ≤ 5 ms)")
    for (name, values) in collector.byClass.sorted(by: { $0.key < $1.key }) {
        let classSorted = values.sorted()
        print("  \(name): \(values.count) lines, p50 \(fixed(percentile(classSorted, 50), 3)) p99 \(fixed(percentile(classSorted, 99), 3)) ms")
    }
    print("CPU: \(cpuPercent.map { fixed($0, 2) } ?? "?") % of one core (after \(fixed(warmupS, 0)) s warm-up; limit 2 %)")
    print("RSS: \(fixed(Double(rssSamples.last ?? 0) / 1024, 1)) MB at the end, peak (VmHWM) \(fixed(Double(memory?.peak ?? 0) / 1024, 1)) MB (limit 30 MB)")
    _ = started

    // 2. The whole hour at high speed: memory must not grow.
    guard options.soak else { return }
    print("\n== the whole capture at \(fixed(options.soakSpeed, 0))× (\(fixed(capture.seconds / options.soakSpeed, 0)) s), \(options.soakClients) clients")
    let soak = try BenchDaemon(binary: binary, arguments: ["--source", "replay:" + capture.path, "--speed",
                                                           String(options.soakSpeed), "--exit-at-end"],
                               workDirectory: options.work, name: "soak")
    var soakClients: [BenchClient] = []
    for _ in 0..<options.soakClients { soakClients.append(try BenchClient(path: soak.socketPath)) }
    var soakRSS: [(t: Double, kib: Int)] = []
    var lines = 0
    let soakStart = monotonicSeconds()
    let soakCPUStart = soak.cpuSeconds() ?? 0
    var soakCPUEnd = soakCPUStart
    pump(soakClients, seconds: capture.seconds / options.soakSpeed + 60, tick: { elapsed in
        if let memory = soak.memoryKiB() {
            soakRSS.append((elapsed, memory.rss))
            soakCPUEnd = soak.cpuSeconds() ?? soakCPUEnd
            return true
        }
        return false
    }, consume: { _, _ in lines += 1 })
    let soakStatus = soak.exitStatus(wait: true) ?? -1
    let soakWall = monotonicSeconds() - soakStart
    guard soakRSS.count >= 4 else { throw BenchError("the soak ended too early (exit \(soakStatus))") }
    func rss(at fraction: Double) -> Int { soakRSS[min(soakRSS.count - 1, Int(Double(soakRSS.count - 1) * fraction))].kib }
    let early = rss(at: 0.25)
    let last = soakRSS[soakRSS.count - 1].kib
    print("exit \(soakStatus) after \(fixed(soakWall, 1)) s; \(lines) lines to the clients; CPU \(fixed((soakCPUEnd - soakCPUStart) / soakWall * 100, 1)) % of one core")
    print("RSS MB at 10/25/50/75/100 %: " + [0.1, 0.25, 0.5, 0.75, 1.0].map { fixed(Double(rss(at: $0)) / 1024, 1) }.joined(separator: " / ")
          + "; growth 25 % → end: \(fixed(Double(last - early) / 1024, 2)) MB")
}

do {
    try runBench()
} catch {
    let text = "daemon-bench: \(error)\n"
    _ = text.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

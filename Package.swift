// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "thrustd",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "ThrustCore", targets: ["ThrustCore"]),
        .library(name: "ThrustSim", targets: ["ThrustSim"]),
        .executable(name: "thrust", targets: ["thrust"]),
        .executable(name: "thrust-bench", targets: ["thrust-bench"]),
        .executable(name: "log-bench", targets: ["log-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The daemon (thrustd): socket server, services, logging, config file.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
    ],
    targets: [
        // The signal-processing core: pure Swift, no I/O, no clock, no Foundation.
        .target(name: "ThrustCore"),
        // Capture files (SPEC §4): streaming reader and writer.
        .target(name: "ThrustCapture", dependencies: ["ThrustCore"]),
        // Simulated lifter and IMU; also the daemon's built-in sensor.
        .target(name: "ThrustSim", dependencies: ["ThrustCore"]),

        // C libraries of the hardware layer (Debian: libi2c-dev, libgpiod-dev).
        .systemLibrary(name: "CI2C"),
        .systemLibrary(name: "CGPIOD"),
        // I2C bus, IMU drivers, GPIO buzzer; fakes for tests.
        .target(name: "ThrustHardware", dependencies: ["ThrustCore", "CI2C", "CGPIOD"]),

        // The client's library: rep log reading, summaries, frequency advice, HTML report, socket client.
        // Where thrustd's files are (SPEC §7): one resolution for the daemon and its clients.
        .target(name: "ThrustPaths"),
        .target(name: "ThrustClient", dependencies: ["ThrustCore", "ThrustCapture", "ThrustPaths"]),
        // The client and offline tools.
        .executableTarget(
            name: "thrust",
            dependencies: [
                "ThrustCore", "ThrustCapture", "ThrustSim", "ThrustHardware",
                "ThrustClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks: programs that print figures (not tests).
        .executableTarget(name: "thrust-bench", dependencies: ["ThrustCore", "ThrustCapture", "ThrustSim"]),
        .executableTarget(name: "log-bench", dependencies: ["ThrustCore", "ThrustClient"]),
        .executableTarget(name: "hw-bench", dependencies: ["ThrustCore", "ThrustSim", "ThrustHardware"]),
        // Real-kernel test helper: writes simulated samples into i2c-stub's registers.
        .executableTarget(name: "stub-feeder", dependencies: ["CI2C"]),

        .testTarget(name: "ThrustCoreTests", dependencies: ["ThrustCore", "ThrustSim"]),
        .testTarget(name: "ThrustSimTests", dependencies: ["ThrustCore", "ThrustSim"]),
        .testTarget(name: "ThrustCaptureTests", dependencies: ["ThrustCore", "ThrustCapture", "TestProcessSupport"]),
        .testTarget(name: "ThrustHardwareTests", dependencies: ["ThrustCore", "ThrustSim", "ThrustHardware"]),
        // Accuracy on simulated sessions, scored like ../shared/eval/score.py.
        .testTarget(name: "AccuracyTests", dependencies: ["ThrustCore", "ThrustSim", "ThrustCapture"]),
        // Runs the real binaries.
        // Finding and running the built programs, and scratch directories, shared by the test targets.
        .target(name: "TestProcessSupport", path: "Tests/TestProcessSupport"),
        // Replay fixtures (captures and their expected events) are read from the source tree.
        .testTarget(name: "EndToEndTests", dependencies: ["ThrustCore", "TestProcessSupport"], exclude: ["Fixtures"]),
        // The client: log fixtures, fake daemon socket, real thrust/thrustd binaries, headless chromium.
        .testTarget(name: "ClientTests", dependencies: ["ThrustClient", "ThrustCore", "ThrustCapture", "TestProcessSupport"]),
        // The daemon's services (sampling thread, rep log, socket, buzzer, config, sd_notify),
        // a library so tests can drive them in-process; thrustd is its command line.
        .target(
            name: "ThrustDaemon",
            dependencies: [
                "ThrustCore", "ThrustCapture", "ThrustSim", "ThrustHardware", "ThrustPaths",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        .executableTarget(
            name: "thrustd",
            dependencies: ["ThrustDaemon", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Daemon latency/CPU/RSS benchmark (drives a real thrustd over its socket).
        .executableTarget(name: "daemon-bench", dependencies: ["ThrustCore", "ThrustCapture", "ThrustSim"]),
        // Runs the real thrustd binary, and its services in-process.
        .testTarget(name: "DaemonTests", dependencies: ["ThrustDaemon", "ThrustCore", "ThrustCapture", "ThrustSim", "ThrustHardware",
                                                    "TestProcessSupport"]),
    ]
)

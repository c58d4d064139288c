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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The signal-processing core: pure Swift, no I/O, no clock, no Foundation.
        .target(name: "ThrustCore"),
        // Capture files (SPEC §4): streaming reader and writer.
        .target(name: "ThrustCapture", dependencies: ["ThrustCore"]),
        // Simulated lifter and IMU; also the daemon's built-in sensor.
        .target(name: "ThrustSim", dependencies: ["ThrustCore"]),
        // The client and offline tools.
        .executableTarget(
            name: "thrust",
            dependencies: [
                "ThrustCore", "ThrustCapture", "ThrustSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks: a program that prints figures (not a test).
        .executableTarget(name: "thrust-bench", dependencies: ["ThrustCore", "ThrustCapture", "ThrustSim"]),
        .testTarget(name: "ThrustCoreTests", dependencies: ["ThrustCore", "ThrustSim"]),
    ]
)

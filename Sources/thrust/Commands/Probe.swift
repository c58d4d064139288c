import ArgumentParser
import ThrustCore
import ThrustHardware

struct Probe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "List the I2C buses, find the IMUs on them and check their data.",
        discussion: """
            For each /dev/i2c-N (or --bus), reads WHO_AM_I at 0x68, 0x69 (MPU-6050, MPU-6500, \
            ICM-42688-P) and 0x6a, 0x6b (LSM6DS3, LSM6DSO/LSM6DSOX), then reads each chip found \
            for --seconds and checks the data: gravity magnitude (≈ 9.81 m/s² at rest), noise, and \
            the sample rate achieved. Keep the sensor still while it runs.

            Exit status: 0 at least one IMU found; 1 none found, no bus, or no access.
            """
    )

    @Option(help: "Probe only this bus, e.g. /dev/i2c-1.")
    var bus: String?

    @Flag(help: "One JSON object per bus and per IMU.")
    var json = false

    @Option(help: "Length of the data check per IMU, s (0 skips it).")
    var seconds: Double = 2

    @Option(name: .customLong("rate-hz"), help: "Output data rate for the check, 50…1000 Hz.")
    var rateHz: Double = 100

    func validate() throws {
        guard seconds >= 0, seconds <= 60 else { throw ValidationError("--seconds: expected 0…60") }
        do { try IMUConfig(rateHz: rateHz).validate() } catch {
            throw ValidationError(error.context)
        }
    }

    func run() async throws {
        let buses = bus.map { [$0] } ?? listI2CBuses()
        if buses.isEmpty {
            if json {
                HardwareConsole.out("{\"class\":\"PROBE\",\"buses\":0,\"imus\":0,\"error\":"
                                    + JSONText.quoted(HardwareProbe.noBusMessage) + "}")
            }
            HardwareConsole.error("thrust: " + HardwareProbe.noBusMessage)
            throw ExitCode(1)
        }
        installHardwareStopHandlers()
        let results = HardwareProbe.run(buses: buses, checkSeconds: seconds, config: IMUConfig(rateHz: rateHz))
        var imuCount = 0
        for result in results {
            imuCount += result.imus.count
            json ? printJSON(result) : printText(result)
        }
        if json {
            HardwareConsole.out("{\"class\":\"PROBE\",\"buses\":\(results.count),\"imus\":\(imuCount)}")
        }
        if imuCount == 0 { throw ExitCode(1) }
    }

    private func printText(_ bus: ProbedBus) {
        HardwareConsole.out("\(bus.path):")
        if let error = bus.error {
            HardwareConsole.out("  cannot open: \(error)")
            return
        }
        if bus.imus.isEmpty {
            HardwareConsole.out("  no supported IMU at 0x68, 0x69, 0x6a, 0x6b")
        }
        for imu in bus.imus {
            let d = imu.detected
            HardwareConsole.out("  \(d.chip.displayName) at 0x\(hex2(d.address)) (WHO_AM_I 0x\(hex2(d.whoAmI)))")
            guard let c = imu.check else { continue }
            HardwareConsole.out("    \(num(c.seconds, 1)) s check: \(c.samples) samples, \(num(c.rateHz, 1)) Hz "
                                + "(chip \(num(c.outputRateHz, 2)) Hz), |a| \(num(c.gravityMps2, 3)) m/s², "
                                + "noise \(num(c.accelNoiseMps2, 4)) m/s², gyro noise \(num(c.gyroNoiseDps, 3)) °/s")
            if let fault = c.fault { HardwareConsole.out("    fault: \(fault)") }
            for problem in c.problems { HardwareConsole.out("    problem: \(problem)") }
            if c.ok { HardwareConsole.out("    OK") }
        }
        for problem in bus.problems { HardwareConsole.out("  \(problem)") }
    }

    private func printJSON(_ bus: ProbedBus) {
        var line = "{\"class\":\"BUS\",\"path\":" + JSONText.quoted(bus.path) + ",\"ok\":\(bus.error == nil)"
        if let error = bus.error { line += ",\"error\":" + JSONText.quoted(error.description) }
        line += ",\"imus\":\(bus.imus.count),\"problems\":["
            + bus.problems.map { JSONText.quoted($0.description) }.joined(separator: ",") + "]}"
        HardwareConsole.out(line)
        for imu in bus.imus {
            let d = imu.detected
            var text = "{\"class\":\"IMU\",\"bus\":" + JSONText.quoted(bus.path)
                + ",\"address\":\"0x\(hex2(d.address))\",\"chip\":\"\(d.chip.rawValue)\""
                + ",\"name\":" + JSONText.quoted(d.chip.displayName) + ",\"who_am_i\":\"0x\(hex2(d.whoAmI))\""
            if let c = imu.check {
                text += ",\"check_s\":\(num(c.seconds, 3)),\"samples\":\(c.samples),\"rate_hz\":\(num(c.rateHz, 3))"
                    + ",\"output_rate_hz\":\(num(c.outputRateHz, 3)),\"missed\":\(c.missed)"
                    + ",\"gravity_mps2\":\(num(c.gravityMps2, 4)),\"accel_noise_mps2\":\(num(c.accelNoiseMps2, 5))"
                    + ",\"gyro_noise_dps\":\(num(c.gyroNoiseDps, 4)),\"ok\":\(c.ok)"
                    + ",\"fault\":" + (c.fault.map { JSONText.quoted($0.description) } ?? "null")
                    + ",\"problems\":[" + c.problems.map { JSONText.quoted($0) }.joined(separator: ",") + "]"
            }
            HardwareConsole.out(text + "}")
        }
    }

    private func num(_ value: Double, _ decimals: Int) -> String { JSONText.number(value, decimals: decimals) }
}

/// Two lowercase hex digits.
func hex2(_ value: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(value >> 4)], digits[Int(value & 0x0F)]])
}

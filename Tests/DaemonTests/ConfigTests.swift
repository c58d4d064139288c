import Foundation
import TestProcessSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ThrustdProcessTests {
    /// Configuration errors stop the daemon with a message naming the file, line and key; SIGHUP
    /// reloads a good file and keeps the running configuration on a bad one.
    @Suite struct ConfigTests {
        private func start(_ scratch: ScratchDirectory, config: String, _ extra: [String] = []) throws -> ProcessOutput {
            let path = try scratch.file("thrustd.toml", config)
            return try runBinary("thrustd", ["--config", path, "--state-dir", scratch.stateDir,
                                             "--runtime-dir", scratch.runtimeDir, "--check-config"] + extra, timeoutS: 30)
        }

        @Test func badValuesNameTheKeyTheLineAndWhatIsAllowed() throws {
            let scratch = try ScratchDirectory()
            let path = scratch.path + "/thrustd.toml"
            let cases: [(toml: String, says: String)] = [
                ("speed = -2\n", "\(path):1: key 'speed' = -2: expected a number from 0.01 to 10000"),
                ("# comment\n\nprofile = \"yoga\"\n", "\(path):3: key 'profile' = \"yoga\": expected one of banded, barbell, generic, custom"),
                ("[custom]\nmin_hold_s = -1\n", "\(path):2: key 'custom.min_hold_s' = -1: expected a number from 0 to 1000 in the key's unit, or false"),
                ("[buzzer]\nline = \"gpiochip0:17\"\n[buzzer.patterns]\ntempo_fast = \"beep\"\n", "\(path):4: key 'buzzer.patterns.tempo_fast'"),
                ("source = \"usb:0\"\n", "\(path):1: key 'source' = \"usb:0\": 'usb:0': expected sim, sim:SCENARIO, replay:FILE.csv or i2c:/dev/i2c-N[@0xAA]"),
                ("mount = \"bar\"\nspeeed = 2\n", "\(path):2: unknown key 'speeed'; expected one of: source, speed"),
                ("[clients]\nmax = 8\n", "\(path):2: key 'clients.max' = 8: expected an integer from 64 to 4096"),
                ("socket_mode = 0o644\nfsync_interval_s = 30\n", "\(path):2: key 'fsync_interval_s' = 30"),
                ("speed = [1, 2]\n", "\(path):1: key 'speed' = a TOML array"),
                ("exit_at_end = \"yes\"\n", "\(path):1: key 'exit_at_end' = \"yes\": expected true or false"),
                ("speed = 1\nspeed = 2\n", "\(path):2:"),
                ("[limits\nx = 1\n", "\(path):1:"),
            ]
            for (toml, says) in cases {
                let result = try start(scratch, config: toml)
                #expect(result.status == 78, "\(toml): status \(result.status) \(result.stderr)")
                #expect(result.stderr.contains(says), "\(toml) → \(result.stderr)")
            }
            let good = try start(scratch, config: """
                profile = "custom"
                speed = 2.5
                [custom]
                min_hold_s = 3
                max_depth_cm = false
                target_reps = 12
                [buzzer]
                rep_tick = true
                [buzzer.patterns]
                overextension = "200,100,200"
                """)
            #expect(good.status == 0, "\(good.stderr)")
            #expect(good.stdout.contains("hold ≥ 3 s") && good.stdout.contains("target 12 reps"), "\(good.stdout)")
        }

        @Test func flagsWinAndBadFlagsAreUsageErrors() throws {
            let scratch = try ScratchDirectory()
            let flagWins = try start(scratch, config: "profile = \"banded\"\n", ["--profile", "barbell"])
            #expect(flagWins.status == 0)
            #expect(flagWins.stdout.contains("profile: barbell"), "\(flagWins.stdout)")
            let badFlag = try runBinary("thrustd", ["--speed", "fast", "--check-config"], timeoutS: 30)
            #expect(badFlag.status == 64, "\(badFlag.stderr)")
            #expect(badFlag.stderr.contains("--speed fast: expected a number"), "\(badFlag.stderr)")
            let missing = try runBinary("thrustd", ["--config", scratch.path + "/none.toml", "--check-config"], timeoutS: 30)
            #expect(missing.status == 78)
            #expect(missing.stderr.contains("none.toml: cannot read the config file"), "\(missing.stderr)")
            let reference = try runBinary("thrustd", ["--help-config"], timeoutS: 30)
            #expect(reference.stdout.contains("custom.min_eccentric_s") && reference.stdout.contains("buzzer.patterns.set_target"))
        }

        @Test func aMissingReplayFileStopsTheStart() throws {
            let scratch = try ScratchDirectory()
            let result = try runBinary("thrustd", ["--source", "replay:" + scratch.path + "/none.csv",
                                                   "--state-dir", scratch.stateDir, "--runtime-dir", scratch.runtimeDir],
                                       timeoutS: 30)
            #expect(result.status == 1)
            #expect(result.stderr.contains("none.csv"), "\(result.stderr)")
        }

        @Test func sighupReloadsAGoodFileAndKeepsTheOldConfigOnABadOne() throws {
            let scratch = try ScratchDirectory()
            let config = try scratch.file("thrustd.toml", "profile = \"generic\"\n")
            // A still capture: the core calibrates and stays between sets, so a new profile applies at once.
            let still = try scratch.file("still.csv", Self.stillCapture(seconds: 600))
            let daemon = try DaemonUnderTest(scratch, ["--config", config, "--source", "replay:" + still, "--no-print-events"])
            let client = try daemon.connect()
            _ = client.readLine()
            #expect(client.readLine().flatMap(JSONObject.init)?.string("profile") == "generic")

            try Data("profile = \"barbell\"\n[buzzer]\nrep_tick = true\n".utf8).write(to: URL(fileURLWithPath: config))
            kill(daemon.process.pid, SIGHUP)
            let changed = client.readUntil(timeoutS: 20) { $0.className == "STATUS" && $0.string("profile") == "barbell" }
            #expect(changed != nil, "\(daemon.process.stderrSoFar)")
            #expect(daemon.process.waitUntil(timeoutS: 5) { daemon.process.stderrSoFar.contains("configuration reloaded") })

            try Data("profile = \"banded\"\nspeed = \"fast\"\n".utf8).write(to: URL(fileURLWithPath: config))
            kill(daemon.process.pid, SIGHUP)
            #expect(daemon.process.waitUntil(timeoutS: 10) {
                daemon.process.stderrSoFar.contains("reload failed, keeping the running configuration: \(config):2: key 'speed'")
            }, "\(daemon.process.stderrSoFar)")
            #expect(daemon.process.isRunning)
            client.send("{\"cmd\":\"status\"}\n")
            let status = client.readUntil(timeoutS: 10) { $0.className == "STATUS" && $0["seq"] == nil }?.last
            #expect(status?.string("profile") == "barbell")
            let output = daemon.process.stop()
            #expect(output.status == 0, "\(output.stderr)")
        }

        /// A sensor lying still (z up) for `seconds` at 100 Hz.
        static func stillCapture(seconds: Int) -> String {
            var text = "# thrust-capture v1\n# rate_hz=100 sensor=test mount=bar\nt,ax,ay,az,gx,gy,gz\n"
            text.reserveCapacity(seconds * 100 * 48)
            for index in 0..<(seconds * 100) {
                let wobble = Double(index % 7) * 0.0005
                text += "\(Double(index) / 100),\(0.01 + wobble),-0.02,9.80665,0.001,\(-0.001 + wobble * 0.1),0.0005\n"
            }
            return text
        }
    }
}

import Foundation
import TestProcessSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension ThrustdProcessTests {
    /// Bad client input of every kind against the real daemon: each gets an ERROR and the
    /// connection stays usable, except an over-long line, which closes it.
    @Suite struct SocketProtocolTests {
        /// Sends `line` and returns the first reply that is an ERROR or a STATUS (skipping streamed events).
        private func reply(_ client: LineClient, _ bytes: [UInt8]) -> JSONObject? {
            client.send(bytes)
            return client.readUntil(timeoutS: 10) { ["ERROR", "STATUS"].contains($0.className) && $0["seq"] == nil }?.last
        }

        @Test func badInputGetsAnErrorAndTheConnectionStaysUsable() throws {
            let scratch = try ScratchDirectory()
            let daemon = try DaemonUnderTest(scratch, ["--source", "sim", "--speed", "5", "--no-print-events"])
            let client = try daemon.connect()
            #expect(client.readLine().flatMap(JSONObject.init)?.className == "VERSION")
            #expect(client.readLine().flatMap(JSONObject.init)?.className == "STATUS")

            let cases: [(bytes: [UInt8], says: String)] = [
                (Array("garbage\n".utf8), "not JSON"),
                ([0xFF, 0xFE, 0x7B, 0x0A], "invalid UTF-8"),
                (Array("{\"cmd\":\"fly\"}\n".utf8), "unknown command \\\"fly\\\""),
                (Array("[1,2,3]\n".utf8), "expected a JSON object"),
                (Array("\"status\"\n".utf8), "expected a JSON object"),
                (Array("{}\n".utf8), "missing \\\"cmd\\\""),
                (Array("{\"cmd\":7}\n".utf8), "expected a string"),
                (Array("{\"cmd\":\"status\",}\n".utf8), "not JSON"),
                (Array("{\"cmd\":\"watch\",\"raw\":\"yes\"}\n".utf8), "expected true or false"),
                (Array("{\"cmd\":\"calibrate\",\"what\":\"knees\"}\n".utf8), "gyro, accel, lockout, upright"),
                (Array("{\"cmd\":\"calibrate\"}\n".utf8), "gyro, accel, lockout, upright"),
                (Array("{\"cmd\":\"profile\",\"name\":\"yoga\"}\n".utf8), "banded, barbell, generic, custom"),
                (Array("{\"cmd\":\"mute\",\"on\":1}\n".utf8), "expected true or false"),
                (Array(String(repeating: "[", count: 100).utf8) + [0x0A], "nested deeper"),
                (Array("{\"cmd\":\"status\"}{\"cmd\":\"status\"}\n".utf8), "after the JSON value"),
            ]
            for (bytes, says) in cases {
                let answer = reply(client, bytes)
                #expect(answer?.className == "ERROR", "\(String(decoding: bytes, as: UTF8.self)) → \(answer?.line ?? "nothing")")
                #expect(answer?.line.contains(says) ?? false, "\(answer?.line ?? "nothing") should say \(says)")
            }
            // Still usable: status, with CRLF, after empty lines.
            client.send("\n\r\n   \n")
            let status = reply(client, Array("{\"cmd\":\"status\"}\r\n".utf8))
            #expect(status?.className == "STATUS")
            // Root (the tests' user, or the daemon's own uid) may send control commands.
            let muted = reply(client, Array("{\"cmd\":\"mute\",\"on\":true}\n".utf8))
            #expect(muted?.className == "STATUS" && (muted?["muted"] as? Bool) == true, "\(muted?.line ?? "")")
            // A control command is answered with STATUS (its effects follow as events).
            let lockout = reply(client, Array("{\"cmd\":\"calibrate\",\"what\":\"lockout\"}\n".utf8))
            #expect(lockout?.className == "STATUS", "\(lockout?.line ?? "")")

            // Raw watching adds SAMPLE lines.
            client.send("{\"cmd\":\"watch\",\"raw\":true}\n")
            let sample = client.readUntil(timeoutS: 10) { $0.className == "SAMPLE" }?.last
            #expect(sample?.double("t") != nil && sample?.double("az") != nil)
            client.send("{\"cmd\":\"watch\",\"raw\":false}\n")

            // An over-long line: ERROR, then the daemon closes this connection (others are unaffected).
            let other = try daemon.connect()
            client.send(Array(repeating: UInt8(ascii: "x"), count: 5000) + [0x0A])
            let long = client.readUntil(timeoutS: 10) { $0.className == "ERROR" }?.last
            #expect(long?.line.contains("longer than 4096 bytes") ?? false)
            var rest = 0
            while client.readLine(timeoutS: 5) != nil { rest += 1 }
            #expect(client.closedByPeer)
            #expect(reply(other, Array("{\"cmd\":\"status\"}\n".utf8))?.className == "STATUS")

            // A client that half-closes after its command still gets the answer.
            let halfClosed = try daemon.connect()
            halfClosed.send("{\"cmd\":\"status\"}")
            shutdown(halfClosed.fd, Int32(SHUT_WR))
            #expect(halfClosed.readUntil(timeoutS: 10) { $0.className == "STATUS" && $0["seq"] == nil } != nil)

            let output = daemon.process.stop()
            #expect(output.status == 0, "\(output.stderr)")
        }

        /// Control commands need root or the socket's group (SO_PEERCRED): a client running as
        /// `nobody` may watch but not mute. Needs root (to switch user) and setpriv.
        @Test(.enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
                       && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
        func controlCommandsNeedRootOrTheGroup() throws {
            let scratch = try ScratchDirectory()
            // The socket must be reachable for nobody: open directories, mode 0666.
            try FileManager.default.createDirectory(atPath: scratch.runtimeDir, withIntermediateDirectories: true)
            chmod(scratch.path, 0o755)
            chmod(scratch.runtimeDir, 0o755)
            let config = try scratch.file("thrustd.toml", "socket_mode = 0o666\nsocket_group = \"nogroup\"\n")
            let daemon = try DaemonUnderTest(scratch, ["--config", config, "--source", "sim", "--speed", "5",
                                                       "--no-print-events"])
            let script = try scratch.file("client.py", """
                import socket, sys
                s = socket.socket(socket.AF_UNIX)
                s.connect(sys.argv[1])
                f = s.makefile('rb')
                f.readline(); f.readline()
                for cmd in [b'{"cmd":"mute","on":true}', b'{"cmd":"end_set"}', b'{"cmd":"status"}']:
                    s.sendall(cmd + b'\\n')
                    while True:
                        line = f.readline().decode()
                        if ('"ERROR"' in line) or ('"STATUS"' in line and '"seq"' not in line):
                            print(line.strip())
                            break
                """)
            chmod(script, 0o644)
            let result = try runBinary("/usr/bin/setpriv", ["--reuid=65534", "--regid=12345", "--clear-groups",
                                                            "/usr/bin/python3", script, scratch.socketPath], timeoutS: 30)
            let lines = result.stdoutLines
            #expect(lines.count == 3, "\(result.stdout) \(result.stderr)")
            if lines.count == 3 {
                #expect(lines[0].contains("\"class\":\"ERROR\"") && lines[0].contains("permission denied"), "\(lines[0])")
                #expect(lines[1].contains("permission denied"))
                #expect(lines[2].contains("\"class\":\"STATUS\""))
            }
            // The group's members may: nobody with nogroup as its primary group.
            let member = try runBinary("/usr/bin/setpriv", ["--reuid=65534", "--regid=\(groupID("nogroup") ?? 65534)",
                                                            "--clear-groups", "/usr/bin/python3", script, scratch.socketPath],
                                       timeoutS: 30)
            #expect(member.stdoutLines.first?.contains("\"class\":\"STATUS\"") ?? false, "\(member.stdout) \(member.stderr)")
            _ = daemon.process.stop()
        }

        private func groupID(_ name: String) -> UInt32? {
            guard let entry = getgrnam(name) else { return nil }
            return entry.pointee.gr_gid
        }
    }
}

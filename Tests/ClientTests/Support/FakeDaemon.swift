import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A stand-in for thrustd's socket (SPEC §6) in tests: listens on a Unix socket and runs a
/// script per accepted connection on its own thread. The script talks through `FakePeer`.
final class FakeDaemon: Sendable {
    let path: String
    private let listener: Int32
    private let stopped = Atomic<Bool>(false)
    /// Connections accepted so far.
    private let accepted = Atomic<Int>(0)
    /// Every line received from clients, in arrival order.
    private let received = Mutex<[String]>([])

    var acceptedCount: Int { accepted.load(ordering: .relaxed) }
    var receivedLines: [String] { received.withLock { $0 } }

    /// Starts listening at `path`; `script` runs for each connection with its number (0, 1, …).
    init(path: String, script: @escaping @Sendable (FakePeer, Int) -> Void) throws {
        self.path = path
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FakeDaemonError("socket: errno \(errno)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw FakeDaemonError("socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw FakeDaemonError("bind/listen \(path): errno \(errno)")
        }
        listener = fd
        let thread = Thread { [self] in
            var number = 0
            while !stopped.load(ordering: .relaxed) {
                var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 50) > 0 else { continue }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { continue }
                accepted.add(1, ordering: .relaxed)
                let peer = FakePeer(fd: client, daemon: self)
                let index = number
                number += 1
                let worker = Thread {
                    script(peer, index)
                    peer.close()
                }
                worker.start()
            }
        }
        thread.start()
    }

    func record(_ line: String) {
        received.withLock { $0.append(line) }
    }

    /// Stops accepting and removes the socket (connections in progress finish their scripts).
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        usleep(60_000)
        close(listener)
        unlink(path)
    }

    deinit { stop() }
}

struct FakeDaemonError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One accepted connection, seen from the fake daemon's side.
final class FakePeer: @unchecked Sendable {
    private var fd: Int32
    private var buffer: [UInt8] = []
    private unowned let daemon: FakeDaemon

    init(fd: Int32, daemon: FakeDaemon) {
        self.fd = fd
        self.daemon = daemon
    }

    /// Sends lines (newline added to each); false once the client has gone.
    @discardableResult
    func send(_ lines: String...) -> Bool {
        lines.allSatisfy { sendRaw($0 + "\n") }
    }

    /// Sends bytes as they are (to split a line over several writes).
    @discardableResult
    func sendRaw(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return Glibc.send(fd, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }

    /// The next line from the client within `timeoutS`, nil on timeout or when it hung up.
    func readLine(timeoutS: Double = 5) -> String? {
        let deadline = Date().addingTimeInterval(timeoutS)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                daemon.record(line)
                return line
            }
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { return nil }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, Int32(left * 1000) + 1) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return recv(fd, base, raw.count, 0)
            }
            guard count > 0 else { return nil }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }

    /// Waits until the client hangs up (or `timeoutS` passes); true when it did.
    func waitForHangUp(timeoutS: Double = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutS)
        while deadline.timeIntervalSinceNow > 0 {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, 50) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return recv(fd, base, raw.count, 0)
            }
            if count <= 0 { return true }
            buffer.append(contentsOf: chunk[0..<count])
        }
        return false
    }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }
}

/// Event lines as thrustd writes them (SPEC §5/§6).
enum FakeLines {
    static let version = #"{"class":"VERSION","release":"0.9-test","proto":1}"#

    static func status(state: String = "ready", profile: String = "banded", mount: String = "bar",
                      clients: Int = 1) -> String {
        #"{"class":"STATUS","sensor":"mpu6050","source":"sim","rate_hz":200,"mount":"\#(mount)","profile":"\#(profile)","state":"\#(state)","muted":false,"log":"ok","log_pending":0,"clients":\#(clients),"samples":1234}"#
    }

    static func rep(set: Int, rep: Int, depth: Double = 17.2, eccentric: Double = 1.3, concentric: Double = 1.1,
                    hold: Double = 2.2, alerts: [String] = []) -> String {
        let kinds = alerts.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"class":"REP","time":"2024-05-01T18:00:0\#(rep % 10).000Z","seq":\#(rep),"set":\#(set),"rep":\#(rep),"t":\#(10 + rep),"depth_cm":\#(depth),"eccentric_s":\#(eccentric),"bottom_s":0.3,"concentric_s":\#(concentric),"hold_s":\#(hold),"lockout_cm":0.4,"torso_deg":null,"tilt_deg":1.1,"peak_velocity_mps":0.81,"mean_velocity_mps":0.42,"partial":false,"alerts":[\#(kinds)]}"#
    }

    static func alert(set: Int, rep: Int, kind: String, value: Double, limit: Double, unit: String) -> String {
        #"{"class":"ALERT","set":\#(set),"rep":\#(rep),"kind":"\#(kind)","value":\#(value),"limit":\#(limit),"unit":"\#(unit)","t":12.5}"#
    }

    static func sample(t: Double) -> String {
        #"{"class":"SAMPLE","t":\#(t),"ax":0.01,"ay":-0.02,"az":9.81,"gx":0.001,"gy":-0.002,"gz":0.0005}"#
    }
}

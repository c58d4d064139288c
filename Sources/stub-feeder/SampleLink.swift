#if canImport(Glibc)
import Glibc
#endif

/// The host → guest sample stream on a serial port (QEMU's second UART, `/dev/ttyS1`).
///
/// Wire format, little-endian, 32 bytes per record (`Tests/qemu/feed.py` writes it):
///
///     [0]      0xA5 sync
///     [1]      type: 1 = sample, 2 = end of stream
///     [2..<6]  UInt32: sample sequence number from 0 (end record: the number of samples)
///     [6..<30] 6 × Float32: ax, ay, az in m/s², gx, gy, gz in rad/s (end record: zeros)
///     [30..<32] UInt16: Fletcher-16 of bytes 0..<30
///
/// Flow control: the host may write everything at once. The guest drains the port into
/// memory on every poll, and QEMU stops reading the host's socket while the UART's receive
/// FIFO is full, so bytes wait in the host's socket buffer instead of being dropped. The port
/// is put in raw mode before the feeder announces `READY`; the host sends nothing before.
final class SampleLink {
    static let recordSize = 32
    static let syncByte: UInt8 = 0xA5
    static let sampleType: UInt8 = 1
    static let endType: UInt8 = 2

    let path: String
    private let fd: Int32
    private var pending: [UInt8] = []
    private var pendingStart = 0
    private var lastReadyNs: Int64 = 0
    private(set) var receivedAnything = false

    /// Fed samples, 6 values each (ax, ay, az, gx, gy, gz), in sequence order.
    private(set) var values: [Float] = []
    private(set) var endReceived = false
    private(set) var announcedCount: UInt32 = 0
    private(set) var badRecords = 0
    private(set) var sequenceGaps = 0

    var sampleCount: Int { values.count / 6 }

    init(path: String) throws(BusError) {
        self.path = path
        let opened = path.withCString { open($0, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) }
        guard opened >= 0 else { throw BusError(operation: "open \(path)", errnoValue: errno) }
        var mode = termios()
        guard tcgetattr(opened, &mode) == 0 else {
            let saved = errno
            close(opened)
            throw BusError(operation: "tcgetattr \(path)", errnoValue: saved)
        }
        cfmakeraw(&mode)  // no echo, no line editing, no CR/LF translation: bytes pass as sent
        cfsetispeed(&mode, speed_t(B115200))
        cfsetospeed(&mode, speed_t(B115200))
        guard tcsetattr(opened, TCSANOW, &mode) == 0 else {
            let saved = errno
            close(opened)
            throw BusError(operation: "tcsetattr \(path)", errnoValue: saved)
        }
        tcflush(opened, TCIFLUSH)  // anything that arrived before raw mode is noise
        fd = opened
    }

    deinit { close(fd) }

    /// Tells the host to start sending; repeated every 0.5 s until the first byte arrives,
    /// in case the host connected to QEMU's socket after the first announcement.
    func announceReadyIfNeeded(nowNs: Int64) {
        guard !receivedAnything, nowNs - lastReadyNs >= 500_000_000 else { return }
        lastReadyNs = nowNs
        sendLine("READY")
    }

    func sendLine(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.append(UInt8(ascii: "\n"))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// Reads whatever the port holds (non-blocking) and decodes complete records.
    func drain() {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { break }  // EAGAIN (nothing more now), EOF or an error: try next poll
            receivedAnything = true
            pending.append(contentsOf: chunk[0..<count])
        }
        decodeRecords()
    }

    private func decodeRecords() {
        while pending.count - pendingStart >= Self.recordSize {
            let start = pendingStart
            guard pending[start] == Self.syncByte,
                  fletcher16(pending, start, Self.recordSize - 2) == readUInt16(start + 30)
            else {
                badRecords += 1
                pendingStart += 1  // resynchronise on the next sync byte
                continue
            }
            let type = pending[start + 1]
            let number = readUInt32(start + 2)
            if type == Self.sampleType {
                if number != UInt32(sampleCount) { sequenceGaps += 1 }
                for axis in 0..<6 { values.append(readFloat(start + 6 + 4 * axis)) }
            } else if type == Self.endType {
                endReceived = true
                announcedCount = number
            } else {
                badRecords += 1
            }
            pendingStart += Self.recordSize
        }
        if pendingStart > 65_536 {
            pending.removeFirst(pendingStart)
            pendingStart = 0
        }
    }

    private func readUInt16(_ at: Int) -> UInt16 {
        UInt16(pending[at]) | UInt16(pending[at + 1]) << 8
    }

    private func readUInt32(_ at: Int) -> UInt32 {
        var value: UInt32 = 0
        for offset in 0..<4 { value |= UInt32(pending[at + offset]) << (8 * UInt32(offset)) }
        return value
    }

    private func readFloat(_ at: Int) -> Float { Float(bitPattern: readUInt32(at)) }
}

/// Fletcher-16 over `count` bytes from `start` (the host computes the same).
func fletcher16(_ bytes: [UInt8], _ start: Int, _ count: Int) -> UInt16 {
    var sum1: UInt16 = 0
    var sum2: UInt16 = 0
    for index in start..<(start + count) {
        sum1 = (sum1 + UInt16(bytes[index])) % 255
        sum2 = (sum2 + sum1) % 255
    }
    return sum2 << 8 | sum1
}

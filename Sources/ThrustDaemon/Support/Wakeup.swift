#if canImport(Glibc)
import Glibc
#endif

/// A wake-up signal for a worker thread (a non-blocking pipe): `signal()` never blocks, `wait`
/// sleeps until signalled or a timeout passes. Many signals before a wait collapse into one.
public final class Wakeup: @unchecked Sendable {
    // @unchecked: the descriptors are fixed for the object's life; pipe reads/writes are thread-safe.
    private let readEnd: Int32
    private let writeEnd: Int32

    public init() {
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            for fd in ends {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// Never blocks: when the pipe is full a wake-up is already pending.
    public func signal() {
        guard writeEnd >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Sleeps until `signal()` was called (since the last wait) or `timeoutS` passes (nil = forever).
    public func wait(timeoutS: Double?) {
        guard readEnd >= 0 else {
            // No pipe (out of descriptors): degrade to a short sleep.
            usleep(UInt32(min(timeoutS ?? 0.01, 0.01) * 1e6))
            return
        }
        var entry = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        let timeoutMs: Int32
        if let timeoutS {
            timeoutMs = timeoutS <= 0 ? 0 : Int32(min((timeoutS * 1000).rounded(.up), 3_600_000))
        } else {
            timeoutMs = -1
        }
        if poll(&entry, 1, timeoutMs) > 0 {
            var drain = [UInt8](repeating: 0, count: 64)
            while drain.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
        }
    }
}

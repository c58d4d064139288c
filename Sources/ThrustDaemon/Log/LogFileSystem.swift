#if canImport(Glibc)
import Glibc
#endif
import ThrustCapture

/// The system calls the rep log uses, as a seam: tests make the disk full or read-only.
public struct LogFileSystem: Sendable {
    /// Opens for appending (O_WRONLY|O_APPEND|O_CREAT, 0640); returns the descriptor or -errno.
    public var openAppend: @Sendable (_ path: String) -> Int32
    /// One write(2); returns bytes written or -errno.
    public var write: @Sendable (_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int
    /// 0 or -errno.
    public var fsync: @Sendable (_ fd: Int32) -> Int32
    public var close: @Sendable (_ fd: Int32) -> Void
    /// A second descriptor for the same file (for the fsync thread), or -errno.
    public var dup: @Sendable (_ fd: Int32) -> Int32

    public init(openAppend: @escaping @Sendable (String) -> Int32,
                write: @escaping @Sendable (Int32, UnsafeRawBufferPointer) -> Int,
                fsync: @escaping @Sendable (Int32) -> Int32,
                close: @escaping @Sendable (Int32) -> Void,
                dup: @escaping @Sendable (Int32) -> Int32) {
        self.openAppend = openAppend
        self.write = write
        self.fsync = fsync
        self.close = close
        self.dup = dup
    }

    public static let live = LogFileSystem(
        openAppend: { path in
            let fd = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
            return fd >= 0 ? fd : -errno
        },
        write: { fd, bytes in
            while true {
                let count = Glibc.write(fd, bytes.baseAddress, bytes.count)
                if count >= 0 { return count }
                if errno != EINTR { return -Int(errno) }
            }
        },
        fsync: { fd in Glibc.fsync(fd) == 0 ? 0 : -errno },
        close: { fd in _ = Glibc.close(fd) },
        dup: { fd in
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
            return copy >= 0 ? copy : -errno
        }
    )

    /// fsyncs a directory, so a new file's entry survives a power cut.
    public static func syncDirectory(_ path: String) {
        let fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = Glibc.fsync(fd)
        _ = Glibc.close(fd)
    }

    /// Replaces a small file whole: writes `path.tmp`, fsyncs it, renames it over `path` and
    /// fsyncs the directory, so a crash leaves the old file or the new one. 0 or an errno value.
    public static func replaceFile(_ path: String, with text: String) -> Int32 {
        let temporary = path + ".tmp"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return errno }
        var failure: Int32 = 0
        if case .failure(let error) = FileIO.writeAll(fd, text) { failure = error.code }
        if failure == 0 && Glibc.fsync(fd) != 0 { failure = errno }
        _ = Glibc.close(fd)
        if failure == 0 && Glibc.rename(temporary, path) != 0 { failure = errno }
        if failure != 0 {
            _ = Glibc.unlink(temporary)
            return failure
        }
        let slash = path.lastIndex(of: "/")
        syncDirectory(slash.map { String(path[..<$0]) } ?? ".")
        return 0
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }
}

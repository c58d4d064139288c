#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin wrappers over open/read/write/close that retry `EINTR` and report `errno` as text.
/// The one write-everything loop of the project: the CLI, the daemon and the log files use it.
public enum FileIO {
    public static func errorText(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }

    /// Opens for reading. Returns the descriptor or the `errno` text.
    static func openForReading(_ path: String) -> Result<Int32, FileIOError> {
        while true {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { return .success(fd) }
            if errno == EINTR { continue }
            return .failure(FileIOError(code: errno))
        }
    }

    /// Whether `path` names a regular file (one that can be read twice; not a pipe or a terminal).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Creates or truncates for writing, mode 0644.
    static func openForWriting(_ path: String) -> Result<Int32, FileIOError> {
        while true {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            if fd >= 0 { return .success(fd) }
            if errno == EINTR { continue }
            return .failure(FileIOError(code: errno))
        }
    }

    /// Reads up to `count` bytes; 0 means end of file.
    static func readSome(_ fd: Int32, into buffer: UnsafeMutablePointer<UInt8>, count: Int) -> Result<Int, FileIOError> {
        while true {
            let got = read(fd, buffer, count)
            if got >= 0 { return .success(got) }
            if errno == EINTR { continue }
            return .failure(FileIOError(code: errno))
        }
    }

    /// Writes all of `text` (handles short writes).
    @discardableResult
    public static func writeAll(_ fd: Int32, _ text: String) -> Result<Void, FileIOError> {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return .success(()) }
            return writeAll(fd, base, count: bytes.count)
        }
    }

    /// Writes all `count` bytes (handles short writes).
    static func writeAll(_ fd: Int32, _ buffer: UnsafePointer<UInt8>, count: Int) -> Result<Void, FileIOError> {
        var done = 0
        while done < count {
            let wrote = write(fd, buffer + done, count - done)
            if wrote > 0 {
                done += wrote
            } else if wrote < 0 && errno == EINTR {
                continue
            } else {
                return .failure(FileIOError(code: wrote < 0 ? errno : EIO))
            }
        }
        return .success(())
    }

    static func closeFile(_ fd: Int32) -> Result<Void, FileIOError> {
        // Linux: the descriptor is released even when close reports EINTR; do not retry.
        if close(fd) == 0 { return .success(()) }
        return .failure(FileIOError(code: errno))
    }
}

public struct FileIOError: Error {
    /// `errno` of the failed call.
    public var code: Int32
    public var text: String { FileIO.errorText(code) }
}

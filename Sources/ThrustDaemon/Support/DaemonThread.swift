#if canImport(Glibc)
import Glibc
#endif

/// A named POSIX thread running one closure; `join()` waits for it.
///
/// The daemon's hot path (sampling) and its blocking I/O (log writes, fsync, terminal output,
/// capture recording) each get their own thread, so none can delay another.
public final class DaemonThread: @unchecked Sendable {
    // @unchecked: `thread` is written once in `start` before any `join` (callers' ordering).
    private final class Box {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    public let name: String
    private var thread: pthread_t?
    private var joined = false

    /// Starts `body` on a new thread named `name` (≤ 15 bytes shown by the kernel).
    public init(name: String, _ body: @escaping @Sendable () -> Void) throws(DaemonError) {
        self.name = name
        let box = Unmanaged.passRetained(Box(name: name, body: body))
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { raw in
            guard let raw else { return nil }
            let box = Unmanaged<Box>.fromOpaque(raw).takeRetainedValue()
            box.body()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw DaemonError("cannot start thread \(name): \(String(cString: strerror(result)))")
        }
        thread = handle
    }

    /// Waits for the thread to end (once; later calls return at once).
    public func join() {
        guard !joined, let thread else { return }
        joined = true
        pthread_join(thread, nil)
    }
}

/// An error of the daemon with a message meant for a person.
public struct DaemonError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// `strerror` text for an errno value, with its symbolic name for the common I/O ones.
public func errnoText(_ code: Int32) -> String {
    let name: String
    switch code {
    case ENOSPC: name = "ENOSPC"
    case EROFS: name = "EROFS"
    case EDQUOT: name = "EDQUOT"
    case EIO: name = "EIO"
    case EACCES: name = "EACCES"
    case EPERM: name = "EPERM"
    case ENOENT: name = "ENOENT"
    case EEXIST: name = "EEXIST"
    default: name = "errno \(code)"
    }
    return "\(String(cString: strerror(code))) (\(name))"
}

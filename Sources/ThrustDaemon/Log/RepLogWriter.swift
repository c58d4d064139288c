#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// The rep log (SPEC §7): `<dir>/YYYY-MM-DD.jsonl` (UTC date), append-only JSON Lines, one
/// write(2) per line.
///
/// Durability: fsync after every `SET_END` and at least every `fsyncIntervalS` while anything is
/// unsynced. The fsync runs on its own thread (on a duplicate descriptor), so a slow card does
/// not hold back the socket; `close()` fsyncs synchronously.
///
/// A full or read-only disk (or any write error): the line and those after it wait in a bounded
/// memory queue (the oldest are dropped beyond `queueLines`, and counted), `health` says why, and
/// the file is reopened and the queue written once a retry (every `retryIntervalS`) succeeds.
///
/// Not thread-safe: one thread (the event pipeline) owns it.
public final class RepLogWriter {
    struct PendingLine {
        var date: String
        var bytes: [UInt8]
        var isSetEnd: Bool
    }

    public let directory: String
    public let fsyncIntervalS: Double
    public let retryIntervalS: Double
    private let fs: LogFileSystem
    private let logger: Logger
    private let syncer: FsyncWorker

    private var fd: Int32?
    private var fileDate: String?
    private var pending: Ring<PendingLine>
    /// A failed write left part of a line in the file: terminate it before the next line.
    private var tornTail = false
    private var unsynced = false
    private var lastSyncS: Double
    private var nextRetryS = 0.0
    public private(set) var health: LogHealth = .ok
    public private(set) var lastProblem: String?
    public private(set) var droppedLines = 0
    public private(set) var linesWritten = 0
    public private(set) var syncs = 0

    public init(directory: String, fsyncIntervalS: Double = 5, queueLines: Int = 65_536,
                retryIntervalS: Double = 1, fs: LogFileSystem = .live, logger: Logger,
                now: Double = DaemonClock.monotonicS()) throws(DaemonError) {
        self.directory = directory
        self.fsyncIntervalS = fsyncIntervalS
        self.retryIntervalS = retryIntervalS
        self.fs = fs
        self.logger = logger
        pending = Ring(capacity: queueLines)
        lastSyncS = now
        syncer = try FsyncWorker(fs: fs, logger: logger)
    }

    public var pendingCount: Int { pending.count }

    /// The file a line stamped `date` goes to.
    public func path(forDate date: String) -> String { directory + "/" + date + ".jsonl" }

    /// Appends one line (`line` without its newline). Returns true when the line is in the file
    /// now, false when it waits in memory for the disk.
    @discardableResult
    public func append(_ line: String, date: String, isSetEnd: Bool, now: Double) -> Bool {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        let entry = PendingLine(date: date, bytes: bytes, isSetEnd: isSetEnd)
        if pending.isEmpty, write(entry) {
            if isSetEnd { sync(now: now) }
            return true
        }
        if pending.isFull {
            _ = pending.removeFirst()
            droppedLines += 1
        }
        pending.append(entry)
        if now >= nextRetryS { flushPending(now: now) }
        return pending.isEmpty
    }

    /// Periodic work: fsync when due, retry the queue when the disk failed.
    public func tick(now: Double) {
        if !pending.isEmpty && now >= nextRetryS { flushPending(now: now) }
        if unsynced && now - lastSyncS >= fsyncIntervalS { sync(now: now) }
    }

    /// Seconds until `tick` has something to do (for the pipeline's sleep).
    public func secondsUntilDue(now: Double) -> Double? {
        var due: Double?
        if unsynced { due = max(0, lastSyncS + fsyncIntervalS - now) }
        if !pending.isEmpty {
            let retry = max(0, nextRetryS - now)
            due = min(due ?? retry, retry)
        }
        return due
    }

    /// Final write attempt of the queue, fsync (synchronous), close.
    public func close(now: Double) {
        if !pending.isEmpty { flushPending(now: now, force: true) }
        if let fd {
            if unsynced {
                let result = fs.fsync(fd)
                if result < 0 { logger.error("rep log fsync failed: \(errnoText(-result))") }
            }
            fs.close(fd)
        }
        fd = nil
        syncer.stop()
        if !pending.isEmpty {
            logger.error("rep log: \(pending.count) lines could not be written (\(lastProblem ?? "disk unavailable")) and are lost")
        }
    }

    // MARK: - Internals

    private func flushPending(now: Double, force: Bool = false) {
        var syncNeeded = false
        while let entry = pending.first {
            guard write(entry) else {
                nextRetryS = now + retryIntervalS
                return
            }
            syncNeeded = syncNeeded || entry.isSetEnd
            _ = pending.removeFirst()
        }
        if health != .ok || lastProblem != nil {
            logger.notice("rep log writable again; queued lines written")
        }
        health = .ok
        lastProblem = nil
        if syncNeeded || force { sync(now: now) }
    }

    /// One line to the file (opening or rotating it as needed). False on any error (then the
    /// descriptor is closed so the next attempt reopens the path).
    private func write(_ entry: PendingLine) -> Bool {
        guard let fd = descriptor(for: entry.date) else { return false }
        if tornTail {
            let newline: [UInt8] = [0x0A]
            let result = newline.withUnsafeBytes { fs.write(fd, $0) }
            guard result == 1 else {
                fail(errno: result < 0 ? Int32(-result) : ENOSPC)
                return false
            }
            tornTail = false
        }
        var offset = 0
        while offset < entry.bytes.count {
            let result = entry.bytes.withUnsafeBytes { raw in
                fs.write(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
            }
            if result <= 0 {
                if offset > 0 { tornTail = true }
                fail(errno: result < 0 ? Int32(-result) : ENOSPC)
                return false
            }
            offset += result
        }
        unsynced = true
        linesWritten += 1
        return true
    }

    private func descriptor(for date: String) -> Int32? {
        if let fd, fileDate == date { return fd }
        if let old = fd {
            // New UTC day: the old file is complete.
            if unsynced { _ = fs.fsync(old) }
            fs.close(old)
            fd = nil
            unsynced = false
        }
        let path = path(forDate: date)
        let isNew = !LogFileSystem.exists(path)
        let opened = fs.openAppend(path)
        guard opened >= 0 else {
            fail(errno: -opened)
            return nil
        }
        if isNew { LogFileSystem.syncDirectory(directory) }
        fd = opened
        fileDate = date
        return opened
    }

    private func fail(errno code: Int32) {
        let newHealth: LogHealth
        switch code {
        case ENOSPC, EDQUOT: newHealth = .diskFull
        case EROFS: newHealth = .readOnly
        default: newHealth = .error
        }
        let problem = "\(directory): \(errnoText(code))"
        if newHealth != health || problem != lastProblem {
            logger.error("rep log cannot be written: \(problem); events are kept in memory (up to \(pending.capacity) lines) and written when it can be")
        }
        health = newHealth
        lastProblem = problem
        if let fd { fs.close(fd) }
        fd = nil
        fileDate = nil
    }

    private func sync(now: Double) {
        lastSyncS = now
        guard unsynced, let fd else { return }
        unsynced = false
        syncs += 1
        let copy = fs.dup(fd)
        if copy >= 0 {
            syncer.sync(copy)
        } else {
            let result = fs.fsync(fd)
            if result < 0 { logger.error("rep log fsync failed: \(errnoText(-result))") }
        }
    }
}

/// fsyncs descriptors on its own thread, then closes them.
final class FsyncWorker: Sendable {
    private let queue = BoundedQueue<Int32>(capacity: 256)
    private let stopping = Atomic<Bool>(false)
    private let thread: Mutex<DaemonThread?> = Mutex(nil)
    private let fs: LogFileSystem
    private let logger: Logger

    init(fs: LogFileSystem, logger: Logger) throws(DaemonError) {
        self.fs = fs
        self.logger = logger
        let started = try DaemonThread(name: "thrustd-fsync") { [self] in self.run() }
        thread.withLock { $0 = started }
    }

    func sync(_ fd: Int32) {
        if !queue.push(fd) {
            // Queue full (the disk is very slow): sync here rather than lose the request.
            _ = fs.fsync(fd)
            fs.close(fd)
        }
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        queue.wakeup.signal()
        thread.withLock { $0 }?.join()
    }

    private func run() {
        var batch: [Int32] = []
        while true {
            let finishing = stopping.load(ordering: .acquiring)
            batch.removeAll(keepingCapacity: true)
            queue.drain(into: &batch)
            for fd in batch {
                let result = fs.fsync(fd)
                if result < 0 { logger.error("rep log fsync failed: \(errnoText(-result))") }
                fs.close(fd)
            }
            if finishing && queue.count == 0 { return }
            queue.wakeup.wait(timeoutS: 1)
        }
    }
}

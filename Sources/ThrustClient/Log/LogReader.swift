#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An error reading the rep log, naming the path and what went wrong.
public struct LogReadError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}

/// One daily log file `YYYY-MM-DD.jsonl` (the date is the UTC date its lines were written on).
public struct LogFile: Sendable, Equatable {
    public var path: String
    /// UTC day number of the name's date.
    public var utcDay: Int
}

/// Reads the daily files of the rep log (SPEC §7) in date order, as one stream of lines: a set
/// that runs over midnight UTC continues in the next file.
///
/// Each file is read whole with read(2) and split at newlines with memchr; lines are parsed in
/// place (`LogLineParser`). A year of daily logs (≈ 100 000 reps, ~40 MB) takes well under a
/// second in a release build.
public enum LogReader {
    /// The `YYYY-MM-DD.jsonl` files in `directory`, oldest first. Other names are ignored.
    public static func logFiles(in directory: String) throws(LogReadError) -> [LogFile] {
        guard let handle = opendir(directory) else {
            throw LogReadError(path: directory, message: "cannot open the log directory: \(errnoText())")
        }
        defer { closedir(handle) }
        var files: [LogFile] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw -> String in
                let bytes = raw.bindMemory(to: UInt8.self)
                let length = bytes.firstIndex(of: 0) ?? bytes.count
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<length]), as: UTF8.self)
            }
            guard name.hasSuffix(".jsonl"), let day = CivilTime.day(parsingDate: name.dropLast(6)) else { continue }
            files.append(LogFile(path: directory + "/" + name, utcDay: day))
        }
        files.sort { $0.utcDay < $1.utcDay }
        return files
    }

    /// The files that can hold sets starting in `range`: from the UTC day of `since` to the day
    /// after the UTC day of `until` (a set started before `until` may end in the next file).
    public static func files(_ files: [LogFile], covering range: TimeRange) -> [LogFile] {
        files.filter { file in
            if let since = range.since, file.utcDay < Int((since / 86_400).rounded(.down)) { return false }
            if let until = range.until, file.utcDay > Int((until / 86_400).rounded(.down)) + 1 { return false }
            return true
        }
    }

    /// Reads the log in `directory` and groups the sets that start in `range` into sessions.
    public static func read(directory: String, range: TimeRange = TimeRange(),
                            calendar: LocalCalendar,
                            maxGapS: Double = SessionGrouping.defaultMaxGapS) throws(LogReadError) -> TrainingLog {
        let selected = files(try logFiles(in: directory), covering: range)
        var grouping = SessionGrouping(range: range, calendar: calendar, maxGapS: maxGapS)
        var skipped = SkippedLines()
        var lines = 0
        var buffer = FileBuffer()
        for file in selected {
            try buffer.load(file.path)
            lines += buffer.forEachLine { line, lineNumber in
                let record = LogLineParser.parse(line)
                switch record {
                case .torn:
                    skipped.torn += 1
                    if skipped.firstTorn == nil { skipped.firstTorn = "\(file.path):\(lineNumber)" }
                case .unknown:
                    skipped.unknown += 1
                    if skipped.firstUnknown == nil { skipped.firstUnknown = "\(file.path):\(lineNumber)" }
                default:
                    grouping.consume(record)
                }
            }
        }
        return TrainingLog(sessions: grouping.finish(), skipped: skipped, filesRead: selected.count, linesRead: lines)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// A reusable buffer holding one whole file.
struct FileBuffer {
    private var storage: [UInt8] = []
    private var count = 0

    mutating func load(_ path: String) throws(LogReadError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LogReadError(path: path, message: "cannot open: \(LogReader.errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LogReadError(path: path, message: "cannot stat: \(LogReader.errnoText())") }
        // Room for the file and then some (the daemon may be appending); grown by doubling so
        // that a year of slightly growing daily files does not reallocate for each.
        reserve(Int(info.st_size) + 4096)
        count = 0
        while true {
            if count == storage.count { reserve(storage.count * 2) }
            let free = storage.count - count
            let got = storage.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return 0 }
                return read(fd, base + count, free)
            }
            if got > 0 {
                count += got
            } else if got == 0 {
                break
            } else if errno != EINTR {
                throw LogReadError(path: path, message: "cannot read: \(LogReader.errnoText())")
            }
        }
    }

    private mutating func reserve(_ bytes: Int) {
        guard storage.count < bytes else { return }
        var size = max(storage.count, 65_536)
        while size < bytes { size *= 2 }
        let kept = count
        let old = storage
        storage = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            // Only the bytes already read need copying; the rest is overwritten by read(2).
            for index in 0..<kept { buffer[index] = old[index] }
            initialized = size
        }
    }

    /// Calls `body` with every non-blank line (without its newline) and its 1-based number;
    /// returns the number of lines.
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) -> Void) -> Int {
        storage.withUnsafeBufferPointer { all -> Int in
            guard let base = all.baseAddress else { return 0 }
            var start = 0
            var lineNumber = 0
            while start < count {
                lineNumber += 1
                let end: Int
                if let newline = memchr(base + start, 0x0A, count - start) {
                    end = base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
                } else {
                    end = count
                }
                if end > start {
                    body(UnsafeBufferPointer(start: base + start, count: end - start), lineNumber)
                }
                start = end + 1
            }
            return lineNumber
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// Reading the rep log back: the daemon's restart (seq and set numbers go on) and any reader
/// that must skip a torn last line.
public enum RepLogFiles {
    /// `YYYY-MM-DD.jsonl` names in `directory`, oldest first.
    public static func logFiles(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if isLogName(name) { names.append(name) }
        }
        return names.sorted()
    }

    static func isLogName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard bytes.count == 16, name.hasSuffix(".jsonl") else { return false }
        for (index, byte) in bytes.prefix(10).enumerated() {
            if index == 4 || index == 7 {
                if byte != UInt8(ascii: "-") { return false }
            } else if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                return false
            }
        }
        return true
    }

    /// Where a restarted daemon goes on from.
    public struct Resume: Sendable, Equatable {
        /// The last `seq` in the newest file (0 = none).
        public var lastSeq: UInt64 = 0
        /// The highest set number in the file of `date` (today), 0 = none.
        public var lastSet = 0
        /// A torn last line was found and terminated with a newline.
        public var repairedTornLine = false
        public init() {}
    }

    /// Reads the newest log file's tail: the last `seq`, and the last set number when that file
    /// is today's (`today`, UTC). A last line without its newline (a crash mid-write) is
    /// terminated, so the next line starts clean; readers then skip the fragment.
    public static func resume(directory: String, today: String) -> Resume {
        var resume = Resume()
        guard let newest = logFiles(in: directory).last else { return resume }
        let path = directory + "/" + newest
        let tail = readTail(path, maxBytes: 256 * 1024)
        if let last = tail.last, last != 0x0A {
            let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
            if fd >= 0 {
                var newline: UInt8 = 0x0A
                if write(fd, &newline, 1) == 1 { resume.repairedTornLine = true }
                _ = fsync(fd)
                close(fd)
            }
        }
        let isToday = newest == today + ".jsonl"
        // Complete lines only, newest first.
        var lines = tail.split(separator: 0x0A, omittingEmptySubsequences: true)
        if let last = tail.last, last != 0x0A, !lines.isEmpty { lines.removeLast() }
        for line in lines.reversed() {
            guard let value = try? MiniJSON.parse(String(decoding: line, as: UTF8.self)) else { continue }
            if resume.lastSeq == 0, let seq = value["seq"]?.numberValue, seq >= 0 { resume.lastSeq = UInt64(seq) }
            if isToday, let set = value["set"]?.numberValue, set >= 0 { resume.lastSet = max(resume.lastSet, Int(set)) }
            if resume.lastSeq != 0 && (!isToday || resume.lastSet != 0) { break }
        }
        return resume
    }

    /// The last `maxBytes` of a file (or all of it).
    static func readTail(_ path: String, maxBytes: Int) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return [] }
        let start = max(0, Int(size) - maxBytes)
        guard lseek(fd, off_t(start), SEEK_SET) >= 0 else { return [] }
        var bytes = [UInt8](repeating: 0, count: Int(size) - start)
        var filled = 0
        while filled < bytes.count {
            let count = bytes.withUnsafeMutableBytes { raw in Glibc.read(fd, raw.baseAddress.map { $0 + filled }, raw.count - filled) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            filled += count
        }
        bytes.removeLast(bytes.count - filled)
        if start > 0, let firstNewline = bytes.firstIndex(of: 0x0A) {
            // Started mid-line: drop the partial first line.
            bytes.removeFirst(firstNewline + 1)
        }
        return bytes
    }

    /// One file's events: each complete line parsed; invalid lines (a torn line from a crash or
    /// a power cut) are skipped with a warning naming the file and line.
    public static func read(path: String) -> (events: [JSONValue], warnings: [String]) {
        let bytes = readTail(path, maxBytes: Int.max / 2)
        var events: [JSONValue] = []
        var warnings: [String] = []
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            lineNumber += 1
            let isLast = end == bytes.count
            let slice = bytes[start..<end]
            start = end + 1
            if slice.isEmpty { continue }
            guard let text = String(validating: slice, as: UTF8.self), let value = try? MiniJSON.parse(text),
                  case .object = value else {
                warnings.append("\(path):\(lineNumber): skipping \(isLast ? "a torn last line" : "an invalid line") (not a complete JSON object)")
                continue
            }
            events.append(value)
        }
        return (events, warnings)
    }
}

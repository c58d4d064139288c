#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a file into lines through one fixed buffer: constant memory for any file length.
///
/// A line handed out is valid until the next call. A line longer than the buffer is an error.
final class LineSource {
    let path: String
    /// Buffer size, bytes: also the longest line accepted.
    let capacity: Int
    private let fd: Int32
    private let buffer: UnsafeMutablePointer<UInt8>
    /// Unconsumed bytes are `buffer[start..<end]`.
    private var start = 0
    private var end = 0
    private var atEndOfFile = false

    init(path: String, capacity: Int = 1 << 20) throws(CaptureError) {
        self.path = path
        self.capacity = capacity
        switch FileIO.openForReading(path) {
        case .success(let fd): self.fd = fd
        case .failure(let error):
            throw CaptureError(path: path, line: nil, message: "cannot open for reading: \(error.text)")
        }
        buffer = .allocate(capacity: capacity)
    }

    deinit {
        buffer.deallocate()
        _ = FileIO.closeFile(fd)
    }

    /// The next line without its `\n` (a `\r` before it is kept; the caller strips it),
    /// or nil at the end of the file. `lineNumber` is only used for the error message.
    func nextLine(lineNumber: Int) throws(CaptureError) -> UnsafeBufferPointer<UInt8>? {
        while true {
            let available = end - start
            if available > 0,
               let newline = memchr(buffer + start, 0x0A, available) {
                let lineEnd = newline.assumingMemoryBound(to: UInt8.self) - buffer
                let line = UnsafeBufferPointer(start: buffer + start, count: lineEnd - start)
                start = lineEnd + 1
                return line
            }
            if atEndOfFile {
                if available == 0 { return nil }
                // The last line has no newline.
                let line = UnsafeBufferPointer(start: buffer + start, count: available)
                start = end
                return line
            }
            try refill(lineNumber: lineNumber)
        }
    }

    private func refill(lineNumber: Int) throws(CaptureError) {
        if start > 0 {
            let remaining = end - start
            if remaining > 0 { memmove(buffer, buffer + start, remaining) }
            start = 0
            end = remaining
        }
        if end == capacity {
            throw CaptureError(path: path, line: lineNumber,
                               message: "line longer than \(capacity) bytes; expected a CSV row of numbers")
        }
        switch FileIO.readSome(fd, into: buffer + end, count: capacity - end) {
        case .success(let count):
            if count == 0 { atEndOfFile = true } else { end += count }
        case .failure(let error):
            throw CaptureError(path: path, line: nil, message: "cannot read: \(error.text)")
        }
    }
}

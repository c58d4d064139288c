#if canImport(Glibc)
import Glibc
#endif
import Logging
import ThrustCapture

/// swift-log to standard error, one line per message: `thrustd: warning: …` in a terminal, or
/// with a `<N>` syslog priority prefix under systemd (journald files it at that level).
public struct StderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    let syslogPrefix: Bool

    public init(level: Logger.Level, syslogPrefix: Bool) {
        logLevel = level
        self.syslogPrefix = syslogPrefix
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line: String
        if syslogPrefix {
            line = "<\(Self.syslogPriority(event.level))>"
        } else {
            line = "thrustd: "
            if event.level != .info && event.level != .notice { line += "\(event.level.rawValue): " }
        }
        line += event.message.description
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if !merged.isEmpty {
            line += " (" + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")"
        }
        line += "\n"
        FileIO.writeAll(2, line)
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }
}

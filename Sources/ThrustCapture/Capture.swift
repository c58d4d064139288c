import ThrustCore

/// Metadata from `# key=value` comment lines of a capture (SPEC §4). All optional.
public struct CaptureMetadata: Sendable, Equatable {
    public var rateHz: Double?
    public var sensor: String?
    public var mount: Mount?
    /// Other `key=value` pairs in file order (e.g. `profile`, `scenario`, `seed`).
    public var extra: [(key: String, value: String)]

    public init(rateHz: Double? = nil, sensor: String? = nil, mount: Mount? = nil,
                extra: [(key: String, value: String)] = []) {
        self.rateHz = rateHz
        self.sensor = sensor
        self.mount = mount
        self.extra = extra
    }

    public subscript(key: String) -> String? {
        extra.first { $0.key == key }?.value
    }

    public static func == (a: CaptureMetadata, b: CaptureMetadata) -> Bool {
        a.rateHz == b.rateHz && a.sensor == b.sensor && a.mount == b.mount
            && a.extra.map(\.key) == b.extra.map(\.key) && a.extra.map(\.value) == b.extra.map(\.value)
    }
}

/// A capture error that names the file and line and says what was expected.
public struct CaptureError: Error, Sendable, CustomStringConvertible {
    public var path: String
    /// 1-based line number, or nil for whole-file problems.
    public var line: Int?
    public var message: String

    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(path):\(line): \(message)" }
        return "\(path): \(message)"
    }
}

/// A JSON value of an event field, as the client needs it.
public enum JSONValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    case array([JSONValue])
    /// A nested object, kept as its JSON text (no SPEC event nests objects).
    case object(String)

    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var number: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The value as a script would print it: strings bare, numbers shortest, `null` as "-".
    public var displayText: String {
        switch self {
        case .string(let text): return text
        case .number(let value):
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .bool(let value): return value ? "true" : "false"
        case .null: return "-"
        case .array(let values): return values.map(\.displayText).joined(separator: ",")
        case .object(let text): return text
        }
    }
}

/// One event line (SPEC §5) as its fields in order; for the socket, where lines are few and may
/// carry fields this client does not know.
public struct EventObject: Sendable, Equatable {
    public var fields: [(key: String, value: JSONValue)]
    /// The line as received, without its newline.
    public var line: String

    public static func == (a: EventObject, b: EventObject) -> Bool { a.line == b.line }

    /// The `class` field, or "" when missing.
    public var eventClass: String { self["class"]?.string ?? "" }

    public subscript(key: String) -> JSONValue? {
        fields.first { $0.key == key }?.value
    }

    public func number(_ key: String) -> Double? { self[key]?.number }
    public func string(_ key: String) -> String? { self[key]?.string }
    public func int(_ key: String) -> Int? {
        guard let value = self[key]?.number, value.isFinite, abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    /// Parses one JSON object line; nil when it is not one complete object.
    public init?(line: String) {
        var text = line
        var fields: [(key: String, value: JSONValue)] = []
        let complete = text.withUTF8 { bytes -> Bool in
            JSONLineScanner.scan(bytes) { key, token in
                let name = JSONLineScanner.string(bytes, start: key.start, end: key.end,
                                                  escaped: bytes[key.start..<key.end].contains(UInt8(ascii: "\\")))
                fields.append((name, Self.value(of: token, in: bytes)))
            }
        }
        guard complete else { return nil }
        self.fields = fields
        self.line = line
    }

    static func value(of token: JSONToken, in bytes: UnsafeBufferPointer<UInt8>) -> JSONValue {
        switch token {
        case .string(let start, let end, let escaped):
            return .string(JSONLineScanner.string(bytes, start: start, end: end, escaped: escaped))
        case .number(let value): return .number(value)
        case .bool(let value): return .bool(value)
        case .null: return .null
        case .object(let start, let end):
            return .object(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
        case .array(let start, let end):
            return .array(arrayElements(bytes, start: start, end: end))
        }
    }

    /// The elements of the array `bytes[start..<end]` (brackets included, already balanced).
    static func arrayElements(_ bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int) -> [JSONValue] {
        guard let base = bytes.baseAddress else { return [] }
        var elements: [JSONValue] = []
        let last = end - 1  // the closing bracket
        var index = JSONLineScanner.skipSpace(base, last, start + 1)
        while index < last {
            switch bytes[index] {
            case UInt8(ascii: "\""):
                guard let (close, escaped) = JSONLineScanner.stringEnd(base, last, index) else { return elements }
                elements.append(.string(JSONLineScanner.string(bytes, start: index + 1, end: close, escaped: escaped)))
                index = close + 1
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                guard let close = JSONLineScanner.nestedEnd(base, last, index) else { return elements }
                let inner = bytes[index] == UInt8(ascii: "[")
                    ? JSONValue.array(arrayElements(bytes, start: index, end: close))
                    : JSONValue.object(String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<close]), as: UTF8.self))
                elements.append(inner)
                index = close
            case UInt8(ascii: "t"):
                elements.append(.bool(true))
                index += 4
            case UInt8(ascii: "f"):
                elements.append(.bool(false))
                index += 5
            case UInt8(ascii: "n"):
                elements.append(.null)
                index += 4
            default:
                guard let (value, next) = JSONLineScanner.parseNumber(base, last, index) else { return elements }
                elements.append(.number(value))
                index = next
            }
            index = JSONLineScanner.skipSpace(base, last, index)
            if index < last, bytes[index] == UInt8(ascii: ",") {
                index = JSONLineScanner.skipSpace(base, last, index + 1)
            }
        }
        return elements
    }
}

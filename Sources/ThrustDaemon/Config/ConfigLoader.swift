#if canImport(Glibc)
import Glibc
#endif
import TOMLKit

/// A value given on the command line for a key (flags win over the file).
public struct FlagValue: Sendable, Equatable {
    public var key: String
    public var flag: String
    public var text: String
    public init(key: String, flag: String, text: String) {
        self.key = key
        self.flag = flag
        self.text = text
    }
}

/// Reads `thrustd.toml` (TOMLKit) and the flags into a `DaemonConfig`. Every problem names the
/// file, line and key (or the flag) and says what is allowed.
public enum ConfigLoader {
    public static let defaultPath = "/etc/thrustd/thrustd.toml"

    /// - Parameters:
    ///   - path: the config file; nil = `defaultPath` if it exists.
    ///   - required: the file was named explicitly (`--config`), so a missing file is an error.
    public static func load(path: String?, required: Bool, flags: [FlagValue]) throws(DaemonError) -> DaemonConfig {
        var config = DaemonConfig()
        let filePath = path ?? defaultPath
        if let text = try readConfigText(filePath, required: required) {
            try apply(toml: text, path: filePath, to: &config)
        }
        for flag in flags {
            guard let key = ConfigKeys.named(flag.key) else {
                throw DaemonError("\(flag.flag): no configuration key '\(flag.key)'")
            }
            if let problem = key.apply(key.value(fromFlagText: flag.text), &config) {
                throw DaemonError("\(flag.flag) \(flag.text): \(problem)")
            }
        }
        return config
    }

    /// Applies a TOML document's keys to `config`.
    public static func apply(toml text: String, path: String, to config: inout DaemonConfig) throws(DaemonError) {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw DaemonError("\(path):\(error.source.begin.line):\(error.source.begin.column): \(error.description); "
                              + "expected TOML (key = value lines, [table] headers)")
        } catch {
            throw DaemonError("\(path): not valid TOML: \(error)")
        }
        let lines = KeyLineIndex(text: text)
        var entries: [(name: String, value: ConfigValue)] = []
        flatten(table, prefix: "", into: &entries)
        for (name, value) in entries {
            let line = lines.line(of: name).map { ":\($0)" } ?? ""
            guard let key = ConfigKeys.named(name) else {
                let known = ConfigKeys.all.map(\.name).joined(separator: ", ")
                throw DaemonError("\(path)\(line): unknown key '\(name)'; expected one of: \(known)")
            }
            if let problem = key.apply(value, &config) {
                throw DaemonError("\(path)\(line): key '\(name)' = \(value): \(problem)")
            }
        }
    }

    /// Every leaf of `table` as (dotted name, value), tables recursed, in the file's key order
    /// where TOMLKit keeps it.
    static func flatten(_ table: TOMLTable, prefix: String, into entries: inout [(name: String, value: ConfigValue)]) {
        for key in table.keys {
            guard let node = table[key] else { continue }
            let name = prefix.isEmpty ? key : prefix + "." + key
            switch node.type {
            case .table:
                if let child = node.table { flatten(child, prefix: name, into: &entries) }
            case .string: entries.append((name, .string(node.string ?? "")))
            case .int: entries.append((name, node.int.map(ConfigValue.int) ?? .unsupported("integer")))
            case .double: entries.append((name, node.double.map(ConfigValue.double) ?? .unsupported("float")))
            case .bool: entries.append((name, node.bool.map(ConfigValue.bool) ?? .unsupported("boolean")))
            default: entries.append((name, .unsupported(node.type.description)))
            }
        }
    }

    /// The file's text; nil when it does not exist and was not required.
    static func readConfigText(_ path: String, required: Bool) throws(DaemonError) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            let code = errno
            if code == ENOENT && !required { return nil }
            throw DaemonError("\(path): cannot read the config file: \(errnoText(code))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw DaemonError("\(path): cannot read the config file: \(errnoText(errno))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > 1 << 20 { throw DaemonError("\(path): larger than 1 MiB; expected a small TOML file") }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let line = lineOfFirstInvalidUTF8(bytes)
            throw DaemonError("\(path):\(line): not valid UTF-8; expected a UTF-8 TOML file")
        }
        return text
    }

    static func lineOfFirstInvalidUTF8(_ bytes: [UInt8]) -> Int {
        var line = 1
        var start = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            if String(validating: bytes[start..<index], as: UTF8.self) == nil { return line }
            line += 1
            start = index + 1
        }
        return line
    }
}

/// Finds the line of each key in a TOML text: tracks `[table]` headers and `key = value` lines
/// (dotted and quoted keys included; a key inside an inline table gets the line of its table).
struct KeyLineIndex {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var table = ""
        var lineNumber = 0
        var inMultiline = false
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.trimmed(of: [" ", "\t", "\r"])
            // Skip the bodies of multi-line strings.
            let tripleQuotes = line.components(of: "\"\"\"") + line.components(of: "'''")
            if inMultiline {
                if tripleQuotes % 2 == 1 { inMultiline = false }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") {
                let isArray = line.hasPrefix("[[")
                let inner = line.dropFirst(isArray ? 2 : 1).prefix { $0 != "]" }
                table = Self.normalized(String(inner))
                if lines[table] == nil { lines[table] = lineNumber }
                continue
            }
            guard let equals = Self.keyEnd(line) else { continue }
            let key = Self.normalized(String(line[line.startIndex..<equals]))
            let full = table.isEmpty ? key : table + "." + key
            if lines[full] == nil { lines[full] = lineNumber }
            if tripleQuotes % 2 == 1 { inMultiline = true }
        }
    }

    /// The line of `name`, or of the nearest enclosing table or inline table.
    func line(of name: String) -> Int? {
        var candidate = name
        while true {
            if let line = lines[candidate] { return line }
            guard let dot = candidate.lastIndex(of: ".") else { return nil }
            candidate = String(candidate[..<dot])
        }
    }

    /// Index of the `=` that ends the key part (outside quotes).
    private static func keyEnd(_ line: String) -> String.Index? {
        var quote: Character?
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "=" {
                return index
            }
        }
        return nil
    }

    /// `a . "b c" . d` → `a.b c.d`.
    private static func normalized(_ key: String) -> String {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in key {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "." {
                parts.append(current.trimmed(of: [" ", "\t"]))
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmed(of: [" ", "\t"]))
        return parts.joined(separator: ".")
    }
}

extension StringProtocol {
    func trimmed(of set: Set<Character>) -> String {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }

    /// How many times `needle` occurs (non-overlapping).
    func components(of needle: String) -> Int {
        guard !needle.isEmpty else { return 0 }
        var count = 0
        var rest = Substring(String(self))
        while let range = rest.range(of: needle) {
            count += 1
            rest = rest[range.upperBound...]
        }
        return count
    }
}

extension Substring {
    /// Naive search (Foundation-free).
    func range(of needle: String) -> Range<Substring.Index>? {
        let needleChars = Array(needle)
        guard !needleChars.isEmpty else { return nil }
        var index = startIndex
        while index < endIndex {
            var probe = index
            var matched = 0
            while matched < needleChars.count, probe < endIndex, self[probe] == needleChars[matched] {
                matched += 1
                probe = self.index(after: probe)
            }
            if matched == needleChars.count { return index..<probe }
            index = self.index(after: index)
        }
        return nil
    }
}

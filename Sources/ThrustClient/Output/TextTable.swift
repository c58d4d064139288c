import ThrustCore

/// A plain-text table: columns right-aligned (numbers) or left-aligned (words), two spaces apart.
public struct TextTable {
    public enum Alignment { case left, right }

    public var headers: [String]
    public var alignments: [Alignment]
    public private(set) var rows: [[String]] = []

    public init(_ columns: [(String, Alignment)]) {
        headers = columns.map(\.0)
        alignments = columns.map(\.1)
    }

    public mutating func add(_ row: [String]) {
        rows.append(row)
    }

    /// The table with every line prefixed by `indent`; the last column is never padded.
    public func render(indent: String = "  ") -> String {
        var widths = headers.map(\.count)
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var text = ""
        for row in [headers] + rows {
            var line = indent
            for (index, cell) in row.enumerated() where index < widths.count {
                if index > 0 { line += "  " }
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                let isLast = index == row.count - 1
                switch alignments[index] {
                case .right: line += padding + cell
                case .left: line += isLast ? cell : cell + padding
                }
            }
            text += line + "\n"
        }
        return text
    }
}

/// Number formatting for tables: fixed decimals, "-" for missing values.
public enum Cell {
    public static func fixed(_ value: Double?, _ decimals: Int) -> String {
        JSONText.fixed(value, decimals: decimals)
    }

    /// With an explicit sign (`+0.4`, `-1.2`), for heights relative to a reference.
    public static func signed(_ value: Double?, _ decimals: Int) -> String {
        guard let value, value.isFinite else { return "-" }
        let text = JSONText.fixed(value, decimals: decimals)
        return text.hasPrefix("-") || Double(text) == 0 ? text : "+" + text
    }
}

extension String {
    /// The text followed by spaces up to `width` characters (unchanged when already wider).
    public func padded(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

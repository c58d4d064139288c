import ThrustCore

/// Escapes text for HTML/SVG content and attribute values.
public func htmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}

/// A number for SVG coordinates: at most one decimal, no exponent.
func svgNumber(_ value: Double) -> String {
    JSONText.number(value.isFinite ? value : 0, decimals: 1)
}

/// A value axis: a range rounded out to "nice" ticks (1, 2, 2.5, 5 × 10^n).
public struct ValueAxis: Sendable, Equatable {
    public var low: Double
    public var high: Double
    public var step: Double

    /// Covers `values` and `include` (limit lines), ≥ `minimumSpan` wide, about `tickCount` ticks.
    public init(values: [Double], include: [Double] = [], minimumSpan: Double = 1, tickCount: Int = 5,
                floorAtZero: Bool = true) {
        var all = values.filter(\.isFinite) + include.filter(\.isFinite)
        if all.isEmpty { all = [0, minimumSpan] }
        var low = all.min() ?? 0
        var high = all.max() ?? minimumSpan
        if floorAtZero && low > 0 { low = 0 }
        if high - low < minimumSpan {
            let middle = (high + low) / 2
            low = floorAtZero && low >= 0 ? max(0, middle - minimumSpan / 2) : middle - minimumSpan / 2
            high = low + minimumSpan
        }
        let rough = (high - low) / Double(max(tickCount, 1))
        var magnitude = 1.0
        while magnitude * 10 <= rough { magnitude *= 10 }
        while magnitude > rough { magnitude /= 10 }
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? magnitude * 10
        self.step = step
        self.low = (low / step).rounded(.down) * step
        self.high = (high / step).rounded(.up) * step
        if self.high <= self.low { self.high = self.low + step }
    }

    public var ticks: [Double] {
        var ticks: [Double] = []
        var value = low
        while value <= high + step * 1e-6 {
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return ticks
    }

    func label(_ value: Double) -> String {
        let decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : step >= 0.01 ? 2 : 3
        return JSONText.fixed(value, decimals: decimals)
    }
}

/// One SVG chart: a plot area with a value axis on the left and evenly spaced slots (reps,
/// sessions, weeks) along x. Everything is inline SVG with presentation attributes (no CSS or
/// script needed), scaled to the page width by its viewBox.
public struct SVGChart {
    public let id: String
    public let kind: String
    public let title: String
    public let width: Double
    public let height: Double
    public let axis: ValueAxis
    public let slots: Int
    public let unit: String
    let left = 46.0
    let right = 10.0
    let top = 28.0
    let bottom = 34.0
    private var body = ""

    /// Slots wider than this many make the chart scroll sideways instead of shrinking on a phone.
    public static let scrollAboveSlots = 36

    /// `slots` positions along x; a plot `height` tall. The width (in viewBox units, about CSS
    /// pixels) is a phone's width for few slots and grows by 10 per slot beyond that, so text
    /// keeps its size and long sessions scroll.
    public init(id: String, kind: String, title: String, slots: Int, axis: ValueAxis, unit: String,
                height: Double = 220, minimumWidth: Double = 420) {
        self.id = id
        self.kind = kind
        self.title = title
        self.slots = max(slots, 1)
        self.axis = axis
        self.unit = unit
        self.height = height
        width = max(minimumWidth, 56 + Double(max(slots, 1)) * 10)
    }

    var plotWidth: Double { width - left - right }
    var plotHeight: Double { height - top - bottom }
    public var slotWidth: Double { plotWidth / Double(slots) }

    /// x of the centre of slot `index`.
    public func x(_ index: Int) -> Double { left + (Double(index) + 0.5) * slotWidth }

    /// y of `value` (clamped to the plot).
    public func y(_ value: Double) -> Double {
        let fraction = (value - axis.low) / (axis.high - axis.low)
        return top + plotHeight * (1 - min(max(fraction, -0.02), 1.02))
    }

    public mutating func raw(_ svg: String) { body += svg }

    /// A shaded horizontal band (a limit range), with a label at the right.
    public mutating func band(from low: Double, to high: Double, color: String, label: String) {
        let yHigh = y(min(high, axis.high)), yLow = y(max(low, axis.low))
        body += "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(yHigh))\" width=\"\(svgNumber(plotWidth))\" "
            + "height=\"\(svgNumber(max(yLow - yHigh, 0)))\" fill=\"\(color)\" fill-opacity=\"0.18\"/>"
        body += "<text x=\"\(svgNumber(left + plotWidth - 4))\" y=\"\(svgNumber(yHigh + 12))\" text-anchor=\"end\" "
            + "font-size=\"11\" fill=\"#2e7d32\">\(htmlEscaped(label))</text>"
    }

    /// A dashed horizontal limit line with a label.
    public mutating func limitLine(at value: Double, color: String, label: String) {
        let yValue = y(value)
        body += "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left + plotWidth))\" y1=\"\(svgNumber(yValue))\" "
            + "y2=\"\(svgNumber(yValue))\" stroke=\"\(color)\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
        body += "<text x=\"\(svgNumber(left + plotWidth - 4))\" y=\"\(svgNumber(yValue - 4))\" text-anchor=\"end\" "
            + "font-size=\"11\" fill=\"\(color)\">\(htmlEscaped(label))</text>"
    }

    /// A bar from the axis base (0, or the axis low) to `value` in slot `index`, `share` of the slot
    /// wide, shifted by `offset` slot widths.
    public mutating func bar(_ index: Int, _ value: Double, color: String, share: Double = 0.7, offset: Double = 0,
                             outline: String? = nil, title: String) {
        let base = y(max(axis.low, min(0, axis.high)))
        let top = y(value)
        let barWidth = min(slotWidth * share, 48 * share)  // one wide slot stays a bar, not a block
        let xStart = x(index) - barWidth / 2 + offset * slotWidth
        body += "<rect x=\"\(svgNumber(xStart))\" y=\"\(svgNumber(min(top, base)))\" width=\"\(svgNumber(max(barWidth, 1)))\" "
            + "height=\"\(svgNumber(max(abs(base - top), 0.5)))\" fill=\"\(color)\""
        if let outline { body += " stroke=\"\(outline)\" stroke-width=\"2\"" }
        body += "><title>\(htmlEscaped(title))</title></rect>"
    }

    /// A dot in slot `index`.
    public mutating func dot(_ index: Int, _ value: Double, color: String, radius: Double = 4, title: String) {
        body += "<circle cx=\"\(svgNumber(x(index)))\" cy=\"\(svgNumber(y(value)))\" r=\"\(svgNumber(radius))\" "
            + "fill=\"\(color)\"><title>\(htmlEscaped(title))</title></circle>"
    }

    /// A polyline through (slot, value) points.
    public mutating func line(_ points: [(Int, Double)], color: String, width: Double = 2) {
        guard points.count >= 2 else { return }
        let coordinates = points.map { svgNumber(x($0.0)) + "," + svgNumber(y($0.1)) }.joined(separator: " ")
        body += "<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(svgNumber(width))\"/>"
    }

    /// A vertical separator before slot `index` with a label at the top (a new set, a new month).
    public mutating func separator(before index: Int, label: String) {
        let xLine = left + Double(index) * slotWidth
        if index > 0 {
            body += "<line x1=\"\(svgNumber(xLine))\" x2=\"\(svgNumber(xLine))\" y1=\"\(svgNumber(top))\" "
                + "y2=\"\(svgNumber(top + plotHeight))\" stroke=\"#9e9e9e\" stroke-width=\"1\"/>"
        }
        body += "<text x=\"\(svgNumber(xLine + 3))\" y=\"\(svgNumber(top + 11))\" font-size=\"11\" "
            + "fill=\"#616161\">\(htmlEscaped(label))</text>"
    }

    /// A label under slot `index` on the x axis.
    public mutating func xLabel(_ index: Int, _ label: String) {
        body += "<text x=\"\(svgNumber(x(index)))\" y=\"\(svgNumber(top + plotHeight + 14))\" text-anchor=\"middle\" "
            + "font-size=\"10\" fill=\"#424242\">\(htmlEscaped(label))</text>"
    }

    /// A text note placed above slot `index` at `value`.
    public mutating func note(_ index: Int, _ value: Double, _ text: String, color: String = "#424242") {
        body += "<text x=\"\(svgNumber(x(index)))\" y=\"\(svgNumber(y(value) - 6))\" text-anchor=\"middle\" "
            + "font-size=\"11\" font-weight=\"bold\" fill=\"\(color)\">\(htmlEscaped(text))</text>"
    }

    /// The finished `<svg>` element: frame, grid, ticks, title, x-axis caption, then the body.
    public func render(xCaption: String) -> String {
        var svg = "<svg id=\"\(htmlEscaped(id))\" class=\"chart\" data-chart=\"\(htmlEscaped(kind))\" "
            + "xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(svgNumber(width)) \(svgNumber(height))\" "
            + "width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" role=\"img\" "
            + "aria-label=\"\(htmlEscaped(title))\" font-family=\"sans-serif\">"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(svgNumber(width))\" height=\"\(svgNumber(height))\" fill=\"#ffffff\"/>"
        svg += "<text x=\"\(svgNumber(left))\" y=\"16\" font-size=\"13\" font-weight=\"bold\" fill=\"#212121\">"
            + htmlEscaped(title) + "</text>"
        for tick in axis.ticks {
            let yTick = y(tick)
            svg += "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left + plotWidth))\" y1=\"\(svgNumber(yTick))\" "
                + "y2=\"\(svgNumber(yTick))\" stroke=\"#e0e0e0\" stroke-width=\"1\"/>"
            svg += "<text x=\"\(svgNumber(left - 5))\" y=\"\(svgNumber(yTick + 4))\" text-anchor=\"end\" "
                + "font-size=\"11\" fill=\"#424242\">\(axis.label(tick))</text>"
        }
        svg += "<text x=\"12\" y=\"\(svgNumber(top + plotHeight / 2))\" font-size=\"11\" fill=\"#424242\" "
            + "transform=\"rotate(-90 12 \(svgNumber(top + plotHeight / 2)))\" text-anchor=\"middle\">"
            + htmlEscaped(unit) + "</text>"
        svg += body
        svg += "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left + plotWidth))\" "
            + "y1=\"\(svgNumber(top + plotHeight))\" y2=\"\(svgNumber(top + plotHeight))\" stroke=\"#616161\"/>"
        svg += "<text x=\"\(svgNumber(left + plotWidth / 2))\" y=\"\(svgNumber(height - 4))\" text-anchor=\"middle\" "
            + "font-size=\"11\" fill=\"#424242\">\(htmlEscaped(xCaption))</text>"
        svg += "</svg>"
        return svg
    }
}

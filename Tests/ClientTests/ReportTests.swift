import Foundation
import TestProcessSupport
import Testing
import ThrustCore
@testable import ThrustClient

@Suite struct ReportTests {
    func report() throws -> (String, TrainingLog) {
        let (_, log) = try weekOfTraining()
        let html = HTMLReport(log: log, calendar: utcCalendar, range: TimeRange(), detailedSessions: 2,
                              generatedAt: utc(2024, 5, 10, 12)).render()
        return (html, log)
    }

    static func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    @Test func isOneSelfContainedPage() throws {
        let (html, _) = try report()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"))
        // Nothing to fetch and nothing to run: no scripts, links, images, fonts or imports.
        for forbidden in ["<script", "<link", "<img", "<iframe", "src=", "url(", "@import", "https://"] {
            #expect(!html.contains(forbidden), "\(forbidden)")
        }
        // The only http URL is the SVG namespace, which is a name, not a fetch.
        #expect(Self.count("http://", in: html) == Self.count("xmlns=\"http://www.w3.org/2000/svg\"", in: html))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test func hasEveryChart() throws {
        let (html, _) = try report()
        #expect(Self.count("data-chart=\"sessions-per-week\"", in: html) == 1)
        #expect(Self.count("data-chart=\"trend-velocity\"", in: html) == 1)
        #expect(Self.count("data-chart=\"trend-depth\"", in: html) == 1)
        // Per-rep charts for the two most recent sessions only.
        for kind in ["depth", "tempo", "lockout", "velocity"] {
            #expect(Self.count("data-chart=\"\(kind)\"", in: html) == 2, "\(kind)")
        }
        #expect(html.contains("id=\"session-3\""))
        #expect(html.contains("id=\"session-2\""))
        #expect(!html.contains("id=\"session-1\""))
        #expect(html.contains("1 older session appears in the trend charts"))
        #expect(Self.count("<svg", in: html) == Self.count("</svg>", in: html))
        // Limits drawn: the depth band, the tempo and hold minimums, over-extension.
        #expect(html.contains("15–20 cm"))
        #expect(html.contains("≥ 1 s each way"))
        #expect(html.contains("hold ≥ 2 s"))
        #expect(html.contains("over-extension &gt; 5 cm"))
        #expect(html.contains("3–4 a week"))
        // The consecutive-day warning, and flagged reps in red with their alerts in the tooltip.
        #expect(html.contains("sessions on consecutive days: Mon 2024-05-06 – Tue 2024-05-07"))
        #expect(html.contains("rep 8: 14.0 cm (shallow)"))
        #expect(html.contains("−"))  // velocity loss notes
    }

    @Test func emptyLogStillMakesAPage() {
        let empty = TrainingLog(sessions: [], skipped: SkippedLines(), filesRead: 0, linesRead: 0)
        let html = HTMLReport(log: empty, calendar: utcCalendar, range: TimeRange(since: 0), generatedAt: 0).render()
        #expect(html.contains("No sets in the log for this range."))
        #expect(!html.contains("<svg"))
    }

    @Test func escapesText() {
        #expect(htmlEscaped("<a href=\"x\">&'") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;")
    }

    @Test func axesHaveRoundTicks() {
        let axis = ValueAxis(values: [14.2, 22.9], include: [25], minimumSpan: 10)
        #expect(axis.low == 0)
        #expect(axis.high >= 25)
        #expect(axis.ticks.first == 0)
        #expect(axis.ticks.count >= 4 && axis.ticks.count <= 7)
        let signed = ValueAxis(values: [-2.5, 6.1], minimumSpan: 8, floorAtZero: false)
        #expect(signed.low <= -2.5 && signed.high >= 6.1)
        let flat = ValueAxis(values: [], minimumSpan: 3)
        #expect(flat.high > flat.low)
    }
}

/// The report in a real browser: Debian's chromium, headless, at a phone's width.
@Suite(.serialized) struct ReportBrowserTests {
    static func chromium() -> String? {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return nil
    }

    /// Decodes an 8-bit RGB/RGBA PNG (zlib + the five row filters) and prints pixel counts:
    /// `width height nonwhite blue green red` — python3's standard library only.
    static let pngStatistics = #"""
    import struct, sys, zlib
    data = open(sys.argv[1], 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, width, height, ctype = 8, b'', 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, ctype = struct.unpack('>IIBB', body[:10])
            assert depth == 8 and ctype in (2, 6), 'unsupported PNG type'
        elif kind == b'IDAT':
            idat += body
        pos += 12 + length
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    counts = [0, 0, 0, 0]
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        for x in range(0, stride, bpp):
            r, g, bl = line[x], line[x + 1], line[x + 2]
            if r < 235 or g < 235 or bl < 235: counts[0] += 1
            if bl > 150 and r < 80 and g < 140: counts[1] += 1          # chart blue (#1565c0)
            if g > 100 and r < 90 and bl < 90: counts[2] += 1           # in-range green (#2e7d32)
            if r > 170 and g < 80 and bl < 80: counts[3] += 1           # alert red (#c62828)
        prev = line
    print(width, height, *counts)
    """#

    @Test func rendersInHeadlessChromium() throws {
        guard let chromium = Self.chromium() else {
            Issue.record("chromium is not installed (Debian: apt-get install chromium); the report cannot be checked in a browser")
            return
        }
        let (dir, log) = try weekOfTraining()
        let html = HTMLReport(log: log, calendar: utcCalendar, range: TimeRange(), generatedAt: utc(2024, 5, 10)).render()
        let page = try dir.file("report.html", html)
        let profile = dir.path + "/chromium-profile"
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                      "--hide-scrollbars", "--user-data-dir=" + profile]

        // The DOM as the browser built it: every chart is there.
        let dom = try runBinary(chromium, common + ["--dump-dom", "file://" + page], timeoutS: 90)
        #expect(dom.status == 0, "chromium --dump-dom failed: \(dom.stderr.suffix(2000))")
        #expect(ReportTests.count("<svg", in: dom.stdout) == 3 + 4 * 3)
        #expect(dom.stdout.contains("data-chart=\"sessions-per-week\""))
        #expect(dom.stdout.contains("Hip-thrust report"))

        // A phone-sized screenshot that is not blank and shows the charts' colours.
        let png = dir.path + "/report.png"
        let shot = try runBinary(chromium, common + ["--screenshot=" + png, "--window-size=412,2400", "file://" + page],
                                 timeoutS: 90)
        #expect(shot.status == 0, "chromium --screenshot failed: \(shot.stderr.suffix(2000))")
        let script = try dir.file("png_stats.py", Self.pngStatistics)
        let stats = try runBinary("/usr/bin/python3", [script, png], timeoutS: 120)
        #expect(stats.status == 0, "\(stats.stderr)")
        let numbers = stats.stdout.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try #require(numbers.count == 6, "png statistics: \(stats.stdout) \(stats.stderr)")
        let (width, height, nonWhite, blue, green, red) = (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])
        #expect(width == 412 && height == 2400)
        #expect(Double(nonWhite) / Double(width * height) > 0.05, "the screenshot is (nearly) blank")
        #expect(blue > 500, "no chart blue in the screenshot")
        #expect(green > 500, "no in-range green in the screenshot")
        #expect(red > 100, "no alert red in the screenshot")
    }
}

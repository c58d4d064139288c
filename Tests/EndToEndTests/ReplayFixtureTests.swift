import Foundation
import Testing
import TestProcessSupport

/// Replay fixtures: captures made by `thrust simulate` (with their truth files), and the events
/// `thrust analyze --json` gives on them, checked line for line through the real binary.
///
/// When the core changes on purpose, regenerate the expected files and explain the change in
/// the commit:
///
///     THRUST_UPDATE_FIXTURES=1 swift test --filter ReplayFixtureTests
@Suite struct ReplayFixtureTests {
    static let fixtures = ["quick-bar-100hz", "barbell-bar-50hz", "banded-belt-25hz"]

    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    @Test(arguments: fixtures)
    func analyzeGivesTheExpectedEvents(name: String) throws {
        let capture = Self.directory.appendingPathComponent("\(name).csv").path
        let expectedURL = Self.directory.appendingPathComponent("\(name).events.jsonl")
        let result = try runBinary("thrust", ["analyze", capture, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        if ProcessInfo.processInfo.environment["THRUST_UPDATE_FIXTURES"] != nil {
            try result.stdout.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        let got = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        let want = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let common = min(got.count, want.count)
        let firstDifference = (0..<common).first { got[$0] != want[$0] } ?? (got.count != want.count ? common : nil)
        if let index = firstDifference {
            let line = index + 1
            Issue.record("""
                \(name): events differ from \(expectedURL.lastPathComponent) at line \(line)
                  expected: \(index < want.count ? String(want[index]) : "<end>")
                  got:      \(index < got.count ? String(got[index]) : "<end>")
                (if the change is intended: THRUST_UPDATE_FIXTURES=1 swift test --filter ReplayFixtureTests)
                """)
        }
    }

    /// Analysing the same capture twice gives the same events, and there are reps in them.
    @Test(arguments: fixtures)
    func expectedEventsAreDeterministic(name: String) throws {
        let capture = Self.directory.appendingPathComponent("\(name).csv").path
        let first = try runBinary("thrust", ["analyze", capture, "--json"])
        let second = try runBinary("thrust", ["analyze", capture, "--json"])
        #expect(first.stdout == second.stdout)
        #expect(first.stdout.contains("\"class\":\"REP\""))
    }

    /// A capture file is read twice, the second pass starting from the sensor calibration the
    /// first learnt; `--one-pass` reports from a single pass, as a daemon replaying the file
    /// would, and so does a pipe (it cannot be read again).
    @Test func aFileIsReadTwiceAPipeOnce() throws {
        let capture = Self.directory.appendingPathComponent("barbell-bar-50hz.csv").path
        let twice = try runBinary("thrust", ["analyze", capture, "--json"])
        let once = try runBinary("thrust", ["analyze", capture, "--json", "--one-pass"])
        let piped = try runBinary("/bin/sh", ["-c", "cat \"$1\" | \"$2\" analyze /dev/stdin --json", "sh", capture,
                                               try Binaries.path("thrust")])
        #expect(twice.status == 0 && once.status == 0 && piped.status == 0, "\(piped.stderr)")
        #expect(once.stdout.contains("\"class\":\"REP\""))
        #expect(twice.stdout != once.stdout, "the learnt calibration changes this capture's measures")
        #expect(piped.stdout == once.stdout)
        let table = try runBinary("thrust", ["analyze", capture])
        let tableOnce = try runBinary("thrust", ["analyze", capture, "--one-pass"])
        #expect(table.stdout.contains("\nsensor calibration learnt in a first pass over the file\n"))
        #expect(!tableOnce.stdout.contains("first pass"))
    }
}

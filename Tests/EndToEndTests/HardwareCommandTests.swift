import Foundation
import Testing
import TestProcessSupport

/// The hardware commands on a machine without the hardware (CI, a laptop): clear errors, the
/// documented exit codes, and the `--json` forms.
@Suite struct HardwareCommandTests {
    @Test func beepWithoutAChipSaysSoInJSONToo() throws {
        let result = try runBinary("thrust", ["beep", "short", "--line", "gpiochip9:17", "--json"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("gpiochip9"), "\(result.stderr)")
        let line = result.stdoutLines.last ?? ""
        #expect(line.hasPrefix(#"{"class":"BEEP","pattern":"short","line":"gpiochip9:17","ok":false,"error":"#), "\(line)")
    }

    @Test func beepRejectsABadPatternAsUsage() throws {
        let result = try runBinary("thrust", ["beep", "200,,100"])
        #expect(result.status == 64)
    }

    @Test func probeWithoutABusNamesTheFix() throws {
        let result = try runBinary("thrust", ["probe", "--bus", "/dev/i2c-97"])
        #expect(result.status == 1)
        #expect((result.stdout + result.stderr).contains("/dev/i2c-97"), "\(result.stdout) \(result.stderr)")
    }
}

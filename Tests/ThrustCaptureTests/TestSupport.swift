import Foundation
import ThrustCore

/// A deterministic rep-like signal (bar mount, z up): still, then strokes of about 17 cm.
struct RepLikeSignal {
    var rateHz: Double
    var durationS: Double
    var startT: Double
    private var index = 0

    init(rateHz: Double, durationS: Double, startT: Double = 0) {
        self.rateHz = rateHz
        self.durationS = durationS
        self.startT = startT
    }

    mutating func next() -> Sample? {
        let elapsed = Double(index) / rateHz
        guard elapsed < durationS else { return nil }
        index += 1
        let cycleS = 5.0
        let phase = elapsed.truncatingRemainder(dividingBy: cycleS)
        let omega = 2 * Double.pi / cycleS
        let accelZ = elapsed < 3 ? 0 : 0.085 * omega * omega * cos(omega * phase)
        let wobble = 0.01 * sin(Double(index) * 0.7)
        return Sample(t: startT + elapsed, ax: wobble, ay: -0.02 + wobble, az: standardGravity + accelZ,
                      gx: 0.001, gy: 0.3 * sin(omega * phase), gz: -0.002)
    }
}

let canonicalHeader = "t,ax,ay,az,gx,gy,gz"

/// Rows of a still sensor at `rateHz`, one per line, starting at t = 0.
func stillRows(_ count: Int, rateHz: Double = 100, startLine: Int = 0) -> String {
    (0..<count).map { index in
        let t = Double(startLine + index) / rateHz
        return "\(t),0.01,-0.02,9.81,0.001,-0.002,0.0005"
    }.joined(separator: "\n") + "\n"
}

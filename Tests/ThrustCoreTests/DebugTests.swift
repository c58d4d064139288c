import Testing
@testable import ThrustCore

@Test func debugStrokes() {
    var lift = SyntheticLift()
    lift.degreesPerCm = Double(Int(ProcessInfoShim.env("DEG") ?? "1") ?? 1)
    let (samples, moves) = lift.render(SyntheticLift.barbellSet(reps: 3))
    var tracker = MotionTracker()
    for s in samples {
        tracker.update(s)
        while !tracker.strokes.isEmpty {
            let st = tracker.strokes[0]; tracker.strokes.removeFirst(1)
            print("stroke dir \(st.direction) on \(st.onsetT) off \(st.offsetT) dz \(st.endZ - st.startZ) z \(st.startZ)->\(st.endZ)")
        }
    }
    print("moves", moves)
    print("cal", tracker.accelCal.offset, tracker.accelCal.scale, "bias", tracker.gyroBias as Any)
}

enum ProcessInfoShim {
    static func env(_ k: String) -> String? {
        guard let p = getenv(k) else { return nil }
        return String(cString: p)
    }
}
import Foundation

@Test func debugTrace() {
    var lift = SyntheticLift()
    lift.degreesPerCm = 0
    let (samples, _) = lift.render(SyntheticLift.barbellSet(reps: 3))
    var tracker = MotionTracker()
    var k = 0
    for s in samples {
        tracker.update(s)
        if s.t > 8.3 && s.t < 10.4 && k % 4 == 0 {
            print(String(format: "t %.3f still %d v %.4f z %.4f rg %.4f up %.3f %.3f %.3f", s.t, tracker.isStill ? 1 : 0, tracker.velocity, tracker.liveHeight, tracker.restGravity, tracker.up.x, tracker.up.y, tracker.up.z))
        }
        k += 1
    }
}

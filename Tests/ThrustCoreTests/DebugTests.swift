import Testing
@testable import ThrustCore

@Test func debugStrokes() {
    var lift = SyntheticLift()
    lift.degreesPerCm = Double(Int(ProcessInfoShim.env("DEG") ?? "1") ?? 1)
    if ProcessInfoShim.env("OFF") != nil {
        lift.accelOffset = SIMD3(0.3, -0.4, 0.5)
        lift.gyroBias = SIMD3(0.03, -0.05, 0.04)
    }
    let (samples, moves) = lift.render(SyntheticLift.barbellSet(reps: 3))
    var tracker = MotionTracker()
    var wasStill = false
    for s in samples {
        tracker.update(s)
        if tracker.isStill != wasStill { wasStill = tracker.isStill; print("still", wasStill, s.t, "v", tracker.velocity, "rg", tracker.restGravity, "cal", tracker.accelCal.offset) }
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
    lift.degreesPerCm = 1
    lift.accelOffset = SIMD3(0.3, -0.4, 0.5)
    lift.gyroBias = SIMD3(0.03, -0.05, 0.04)
    let (samples, _) = lift.render(SyntheticLift.barbellSet(reps: 3))
    var tracker = MotionTracker()
    var k = 0
    for s in samples {
        tracker.update(s)
        if s.t > 12.9 && s.t < 14.6 && k % 8 == 0 {
            print(String(format: "t %.3f still %d q %d range %.4f v %.4f z %.4f rg %.4f gm %.4f", s.t, tracker.isStill ? 1 : 0, tracker.stillness.isQuasiStill ? 1:0, tracker.steadyRange.range, tracker.velocity, tracker.liveHeight, tracker.restGravity, length(tracker.stillness.meanGyro - (tracker.gyroBias ?? .zero))))
        }
        k += 1
    }
}

@Test func debugOffsets() {
    var lift = SyntheticLift()
    lift.degreesPerCm = Double(Int(ProcessInfoShim.env("DEG") ?? "1") ?? 1)
    lift.accelOffset = SIMD3(0.3, -0.4, 0.5)
    lift.gyroBias = SIMD3(0.03, -0.05, 0.04)
    let (samples, _) = lift.render(SyntheticLift.barbellSet(reps: 5))
    let events = runCore(samples, settings: CoreSettings(mount: .bar, profile: .barbell))
    for e in events { if case .phase = e {} else { print(e.jsonLine()) } }
}

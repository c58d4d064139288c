import Testing
@testable import ThrustCore

/// Keeping what the core learnt across restarts (`RepAnalyzer.calibration` / `restore`).
@Suite struct CalibrationStateTests {
    @Test func aFreshCoreHasNothingLearnt() {
        let core = RepAnalyzer(settings: CoreSettings(mount: .bar))
        let state = core.calibration
        #expect(state.gyroBiasRadS == nil)
        #expect(state.accelOffsetMS2 == .zero)
        #expect(state.accelScale == SIMD3(repeating: 1))
        #expect(state.accelPoses == 0)
        #expect(state.mount == .bar)
    }

    @Test func restoredValuesComeBackOut() {
        let stored = CalibrationState(gyroBiasRadS: SIMD3(0.01, -0.02, 0.005), accelOffsetMS2: SIMD3(0.1, -0.2, 0.3),
                                      accelScale: SIMD3(1.01, 0.99, 1.02), accelPoses: 7, mount: .belt,
                                      uprightAccelMS2: SIMD3(0, 0, 9.8), lockoutAngleRad: 0.3)
        var core = RepAnalyzer(settings: CoreSettings(mount: .belt))
        core.restore(stored)
        let out = core.calibration
        #expect(out.gyroBiasRadS == stored.gyroBiasRadS)
        #expect(out.accelPoses == 7)
        #expect(out.uprightAccelMS2 == stored.uprightAccelMS2)
        #expect(out.lockoutAngleRad == 0.3)
        for k in 0..<3 {
            #expect(abs(out.accelOffsetMS2[k] - stored.accelOffsetMS2[k]) < 1e-12)
            #expect(abs(out.accelScale[k] - stored.accelScale[k]) < 1e-12)
        }
    }

    @Test func mountReferencesStayWithTheirMount() {
        let stored = CalibrationState(gyroBiasRadS: SIMD3(0.01, 0, 0), mount: .belt,
                                      uprightAccelMS2: SIMD3(0, 0, 9.8), lockoutAngleRad: 0.3)
        var core = RepAnalyzer(settings: CoreSettings(mount: .bar))
        core.restore(stored)
        let out = core.calibration
        #expect(out.gyroBiasRadS == stored.gyroBiasRadS, "the sensor's own calibration carries over")
        #expect(out.uprightAccelMS2 == nil)
        #expect(out.lockoutAngleRad == nil)
    }

    @Test func implausibleAccelerometerValuesAreClamped() {
        let cal = AccelCalibration(restoringOffset: SIMD3(5, 0, 0), scale: SIMD3(2, 1, 1), poses: 3)
        #expect(cal.offset.x <= 0.8 + 1e-12)
        #expect(cal.scale.x <= 1.06 + 1e-12)
    }

    @Test func theRestoredModelIsThePriorThatPosesRefine() {
        // A restored offset stays put without new evidence, and the solve keeps it.
        var cal = AccelCalibration(restoringOffset: SIMD3(0.2, 0, 0), scale: SIMD3(repeating: 1), poses: 4)
        cal.solve()
        #expect(abs(cal.offset.x - 0.2) < 1e-9)
        // A pose the stored offset explains exactly (flat, gravity on z) leaves it there.
        cal.addPose(mean: SIMD3(0.2, 0, standardGravity))
        cal.solve()
        #expect(abs(cal.offset.x - 0.2) < 0.01)
    }
}

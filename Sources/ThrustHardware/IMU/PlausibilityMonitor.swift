/// Thresholds for judging whether data come from a working sensor.
public struct PlausibilityLimits: Sendable, Equatable {
    /// Consecutive all-zero (or all-0xFF) readings that make a fault. A real accelerometer never
    /// reads exactly zero on all six axes (gravity); a dead bus or an unpowered chip does.
    public var stuckSamples: Int
    /// Identical six-axis readings for this long make a fault, s. Real sensors have noise in the
    /// last bits; a repeat or two is normal, a second of them is not.
    public var frozen_s: Double
    /// …but never judged on fewer samples than this.
    public var frozenMinSamples: Int
    /// An axis pinned at full scale for this long makes a fault, s (a dropped bar saturates
    /// for a few milliseconds; a broken sensor stays there).
    public var saturated_s: Double

    public init(stuckSamples: Int = 3, frozen_s: Double = 1.0, frozenMinSamples: Int = 50, saturated_s: Double = 0.5) {
        self.stuckSamples = stuckSamples
        self.frozen_s = frozen_s
        self.frozenMinSamples = frozenMinSamples
        self.saturated_s = saturated_s
    }
}

/// Watches raw samples for stuck, frozen or saturated data.
public struct PlausibilityMonitor: Sendable {
    public let limits: PlausibilityLimits
    private let frozenLimit: Int
    private let saturatedLimit: Int
    private var zeroRun = 0
    private var onesRun = 0
    private var sameRun = 0
    private var saturatedRun = 0
    private var previous: RawSample?

    public init(limits: PlausibilityLimits = PlausibilityLimits(), outputRateHz: Double) {
        self.limits = limits
        frozenLimit = max(limits.frozenMinSamples, Int((limits.frozen_s * outputRateHz).rounded(.up)))
        saturatedLimit = max(2, Int((limits.saturated_s * outputRateHz).rounded(.up)))
    }

    public mutating func reset() {
        zeroRun = 0
        onesRun = 0
        sameRun = 0
        saturatedRun = 0
        previous = nil
    }

    /// Returns the fault the newest sample completes, if any.
    @inline(__always)
    public mutating func check(_ s: RawSample) -> DataFault? {
        if s.ax == 0 && s.ay == 0 && s.az == 0 && s.gx == 0 && s.gy == 0 && s.gz == 0 {
            zeroRun += 1
            if zeroRun >= limits.stuckSamples { return .allZeros }
        } else {
            zeroRun = 0
        }
        // 0xFFFF on every axis: SDA floating high.
        if s.ax == -1 && s.ay == -1 && s.az == -1 && s.gx == -1 && s.gy == -1 && s.gz == -1 {
            onesRun += 1
            if onesRun >= limits.stuckSamples { return .allOnes }
        } else {
            onesRun = 0
        }
        if let p = previous, p == s {
            sameRun += 1
            if sameRun + 1 >= frozenLimit { return .frozen }
        } else {
            sameRun = 0
        }
        previous = s
        if isSaturated(s.ax) || isSaturated(s.ay) || isSaturated(s.az)
            || isSaturated(s.gx) || isSaturated(s.gy) || isSaturated(s.gz) {
            saturatedRun += 1
            if saturatedRun >= saturatedLimit { return .saturated }
        } else {
            saturatedRun = 0
        }
        return nil
    }

    @inline(__always)
    private func isSaturated(_ v: Int16) -> Bool { v == .max || v == .min }
}

/// Where the sensor is worn (SPEC §3).
public enum Mount: String, Sendable, CaseIterable, Codable {
    /// Clipped to the barbell; the sensor's y axis lies along the bar.
    case bar
    /// Worn on a hip belt; rotates with the pelvis.
    case belt
}

/// The limits a profile judges reps against (SPEC §3). `nil` = not judged.
public struct Limits: Sendable, Equatable {
    /// Minimum eccentric (lowering) duration, s.
    public var minEccentricS: Double?
    /// Minimum concentric (raising) duration, s.
    public var minConcentricS: Double?
    /// Minimum pause at lockout, s.
    public var minHoldS: Double?
    /// Minimum depth (hips lowered below lockout), cm.
    public var minDepthCm: Double?
    /// Maximum depth, cm.
    public var maxDepthCm: Double?
    /// Bar mount: lockout more than this above the set's reference lockout is over-extension, cm.
    public var overextensionCm: Double?
    /// Belt mount: pelvis more than this past parallel is over-extension, degrees.
    public var overextensionDeg: Double?
    /// Bar mount: side-to-side tilt at lockout past this is asymmetry, degrees.
    public var asymmetryDeg: Double?
    /// `set_target` fires once when a set reaches this many reps.
    public var targetReps: Int?

    public init(
        minEccentricS: Double? = nil, minConcentricS: Double? = nil, minHoldS: Double? = nil,
        minDepthCm: Double? = nil, maxDepthCm: Double? = nil,
        overextensionCm: Double? = 5, overextensionDeg: Double? = 10, asymmetryDeg: Double? = 3,
        targetReps: Int? = nil
    ) {
        self.minEccentricS = minEccentricS
        self.minConcentricS = minConcentricS
        self.minHoldS = minHoldS
        self.minDepthCm = minDepthCm
        self.maxDepthCm = maxDepthCm
        self.overextensionCm = overextensionCm
        self.overextensionDeg = overextensionDeg
        self.asymmetryDeg = asymmetryDeg
        self.targetReps = targetReps
    }
}

/// A named bundle of limits (SPEC §3).
public struct Profile: Sendable, Equatable {
    public var name: String
    public var limits: Limits
    /// Counts any barbell lift, not only hip thrusts: squats, deadlifts and presses move 0.4–1 m
    /// and finish standing, so neither the hip thrust's range nor its lockout posture is required.
    public var anyLift: Bool
    /// How this lift's sets start (SPEC §5: barbell style starts at the top, banded style at
    /// the bottom); `auto` decides from the motion.
    public var style: SetStyle

    public init(name: String, limits: Limits, anyLift: Bool = false, style: SetStyle = .auto) {
        self.name = name
        self.limits = limits
        self.anyLift = anyLift
        self.style = style
    }

    /// Banded hip thrust: ≥ 1 s each way, ≥ 2 s hold, depth ≥ 15 cm (full range, no maximum), 8–20 reps.
    public static let banded = Profile(name: "banded", limits: Limits(
        minEccentricS: 1, minConcentricS: 1, minHoldS: 2, minDepthCm: 15, maxDepthCm: nil, targetReps: 8),
        style: .bottomStart)
    /// Barbell hip thrust: power concentric (no minimum), eccentric ≥ 1 s, depth 15–20 cm.
    public static let barbell = Profile(name: "barbell", limits: Limits(
        minEccentricS: 1, minConcentricS: nil, minHoldS: nil, minDepthCm: 15, maxDepthCm: 20),
        style: .topStart)
    /// Counts and measures any barbell lift; judges only the safety limits
    /// (over-extension, asymmetry), which hold for every profile.
    public static let generic = Profile(name: "generic", limits: Limits(), anyLift: true)

    public static let builtIn: [Profile] = [.banded, .barbell, .generic]

    public static func named(_ name: String) -> Profile? {
        builtIn.first { $0.name == name }
    }
}

/// Which way a set starts (SPEC §5).
public enum SetStyle: String, Sendable, CaseIterable {
    /// The profile's style (barbell: top, banded: bottom); under a profile without one
    /// (`generic`, a custom profile), decided from the motion at each set's first bottom.
    case auto
    /// Barbell: the lifter bridges up first; a rep is eccentric → bottom → concentric → hold.
    case topStart = "top"
    /// Banded: a rep is concentric → hold → eccentric → bottom.
    case bottomStart = "bottom"
}

/// Everything the core needs to know, in physical units.
public struct CoreSettings: Sendable, Equatable {
    public var mount: Mount
    public var profile: Profile
    public var style: SetStyle
    /// Calibrated lockout height is not known up front; `nil` = use the set's median (SPEC §5).
    public var lockoutReferenceCm: Double?

    public init(mount: Mount = .bar, profile: Profile = .generic, style: SetStyle = .auto,
                lockoutReferenceCm: Double? = nil) {
        self.mount = mount
        self.profile = profile
        self.style = style
        self.lockoutReferenceCm = lockoutReferenceCm
    }
}

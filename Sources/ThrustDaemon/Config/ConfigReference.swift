import ThrustCore

/// The configuration reference (`thrustd --help-config`, docs/DAEMON.md) and the effective
/// configuration (`thrustd --check-config`).
public enum ConfigReference {
    public static func text() -> String {
        var lines = ["Keys of thrustd.toml (dotted names are [table] keys: buzzer.line = line in [buzzer]):", ""]
        for key in ConfigKeys.all {
            var head = key.name
            if let flag = key.flag { head += "  (flag \(flag))" }
            lines.append(head)
            lines.append("    \(key.help)")
            lines.append("    allowed: \(key.allowed); default: \(key.defaultText)")
        }
        return lines.joined(separator: "\n")
    }

    /// A Markdown table of the keys.
    public static func markdown() -> String {
        var lines = ["| key | flag | allowed | default | meaning |", "| --- | --- | --- | --- | --- |"]
        for key in ConfigKeys.all {
            let cells = [ "`\(key.name)`", key.flag.map { "`\($0)`" } ?? "", key.allowed, key.defaultText, key.help]
            lines.append("| " + cells.map { $0.replacingPipes() }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    public static func summary(_ config: DaemonConfig) -> String {
        let paths = DaemonPaths.resolve(config)
        let profile = config.resolvedProfile(fromSource: nil)
        var lines = [
            "configuration OK",
            "source: \(config.source) (speed \(JSONText.number(config.speed, decimals: 3)), seed \(config.seed))",
            "mount: \(config.mount?.rawValue ?? "from the source, else bar")",
            "profile: \(config.profile ?? "from the source, else generic")",
            "state_dir: \(paths.stateDir)",
            "log: \(paths.logDir)/YYYY-MM-DD.jsonl (fsync every \(JSONText.number(config.fsyncIntervalS, decimals: 3)) s and at SET_END)",
            "socket: \(paths.socketPath) (mode \(String(config.socketMode, radix: 8)), group \(config.socketGroup))",
            "buzzer: \(config.buzzerLine ?? "none")\(config.repTick ? ", rep tick" : "")\(config.muted ? ", muted" : "")",
        ]
        if config.profile == "custom" {
            let l = profile.limits
            func show(_ value: Double?) -> String { value.map { JSONText.number($0, decimals: 3) } ?? "not judged" }
            lines.append("custom limits: eccentric ≥ \(show(l.minEccentricS)) s, concentric ≥ \(show(l.minConcentricS)) s, "
                         + "hold ≥ \(show(l.minHoldS)) s, depth \(show(l.minDepthCm))–\(show(l.maxDepthCm)) cm, "
                         + "target \(l.targetReps.map(String.init) ?? "none") reps")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func replacingPipes() -> String {
        var result = ""
        for character in self { result += character == "|" ? "\\|" : String(character) }
        return result
    }
}

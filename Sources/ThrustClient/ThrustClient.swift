/// The client's library (`thrust watch/status/log/report/calibrate/record`): reading the rep log
/// (SPEC §7) into sessions → sets → reps, summaries, training-frequency advice (SPEC §3), the
/// HTML/SVG report, and the daemon socket client (SPEC §6).
public enum ThrustClientInfo {
    /// The socket protocol version this client speaks (`VERSION.proto`).
    public static let protocolVersion = 1
}

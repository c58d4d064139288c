// The daemon library: see Daemon.swift.
public enum ThrustDaemonInfo {
    /// `VERSION.release`.
    public static let release = "0.1.0"
    /// `VERSION.proto`: the socket protocol version (SPEC §6).
    public static let proto = 1
}

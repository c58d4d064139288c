import Testing

/// Every suite that starts `thrustd` processes, run one test at a time: their waits block a
/// thread of the shared concurrency pool, and one at a time leaves the other thread (on two
/// cores) to the rest of `swift test`. The whole group takes about a minute.
@Suite(.serialized) enum ThrustdProcessTests {}

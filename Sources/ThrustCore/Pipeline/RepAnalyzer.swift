/// The core: one per sensor stream. Feed it samples in time order; it emits events.
///
/// Pure and deterministic: no I/O, no clock, no allocation per sample.
public struct RepAnalyzer: Sendable {
    public private(set) var settings: CoreSettings

    public init(settings: CoreSettings) {
        self.settings = settings
    }

    /// Feed one sample. Events are passed to `emit` in time order before this returns.
    public mutating func update(_ sample: Sample, emit: (CoreEvent) -> Void) {
        // Filled in by the core implementation.
    }

    /// End of stream: close any open set.
    public mutating func finish(emit: (CoreEvent) -> Void) {
    }
}

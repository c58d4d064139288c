import Logging
import Synchronization
import ThrustCapture
import ThrustCore

/// `--record FILE`: writes the samples to a capture (SPEC §4) on its own thread, so a slow disk
/// never delays sampling. Samples that do not fit in the queue are counted and reported.
public final class SampleRecorder: Sendable {
    private let queue: BoundedQueue<Sample>
    private let stopping = Atomic<Bool>(false)
    private let threadBox = Mutex<DaemonThread?>(nil)
    private let path: String
    private let metadata: @Sendable () -> CaptureMetadata
    private let logger: Logger
    private let written = Atomic<Int>(0)

    /// - Parameter metadata: read when the file is opened (at the first sample, once the sensor is known).
    public init(path: String, capacity: Int = 16_384, logger: Logger, metadata: @escaping @Sendable () -> CaptureMetadata) {
        self.path = path
        queue = BoundedQueue(capacity: capacity)
        self.metadata = metadata
        self.logger = logger
    }

    public func start() throws(DaemonError) {
        let thread = try DaemonThread(name: "thrustd-record") { [self] in self.run() }
        threadBox.withLock { $0 = thread }
    }

    /// Called by the sampling thread; never blocks.
    public func push(_ sample: Sample) {
        queue.push(sample)
    }

    /// Writes what is queued, closes the file, waits for the thread.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        queue.wakeup.signal()
        threadBox.withLock { $0 }?.join()
    }

    public var samplesWritten: Int { written.load(ordering: .relaxed) }
    public var samplesDropped: Int { queue.dropped }

    private func run() {
        var writer: CaptureWriter?
        var failed = false
        var batch: [Sample] = []
        batch.reserveCapacity(1024)
        while true {
            let finishing = stopping.load(ordering: .acquiring)
            batch.removeAll(keepingCapacity: true)
            queue.drain(into: &batch)
            if !batch.isEmpty && !failed {
                do throws(CaptureError) {
                    if writer == nil { writer = try CaptureWriter(path: path, metadata: metadata()) }
                    for sample in batch { try writer?.write(sample) }
                    written.add(batch.count, ordering: .relaxed)
                } catch {
                    logger.error("recording stopped: \(error)")
                    failed = true
                }
            }
            if finishing && queue.count == 0 { break }
            queue.wakeup.wait(timeoutS: 0.5)
        }
        do throws(CaptureError) { try writer?.close() } catch { logger.error("recording: \(error)") }
        if queue.dropped > 0 { logger.warning("recording: \(queue.dropped) samples did not fit in the queue") }
    }
}

#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import ThrustCapture
import ThrustCore

/// The foreground view: events and beeps as lines on standard output, written by their own
/// thread (a terminal or pipe that stops reading never holds anything else back; lines that do
/// not fit in the queue are dropped).
public final class ConsolePrinter: Sendable {
    private let queue = BoundedQueue<String>(capacity: 4096)
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<DaemonThread?>(nil)
    private let fd: Int32

    public init(fd: Int32 = 1) {
        self.fd = fd
    }

    public func start() throws(DaemonError) {
        let started = try DaemonThread(name: "thrustd-console") { [self] in self.run() }
        thread.withLock { $0 = started }
    }

    public func print(_ line: String) {
        queue.push(line)
    }

    public func stop() {
        stopping.store(true, ordering: .releasing)
        queue.wakeup.signal()
        thread.withLock { $0 }?.join()
    }

    private func run() {
        var batch: [String] = []
        while true {
            let finishing = stopping.load(ordering: .acquiring)
            batch.removeAll(keepingCapacity: true)
            queue.drain(into: &batch)
            if !batch.isEmpty {
                var text = batch.joined(separator: "\n")
                text.append("\n")
                FileIO.writeAll(fd, text)
            }
            if finishing && queue.count == 0 { return }
            queue.wakeup.wait(timeoutS: 1)
        }
    }

    /// One event in words, or nil for the ones the foreground view leaves out (phases).
    public static func describe(_ event: CoreEvent) -> String? {
        let t = "t=" + JSONText.fixed(event.t, decimals: 2)
        switch event {
        case .setStart(let set, _): return "\(t)  set \(set) started"
        case .phase: return nil
        case .alert(let a):
            return "\(t)  set \(a.set) rep \(a.rep)  ALERT \(a.kind.rawValue): \(JSONText.number(a.value, decimals: 2)) \(a.unit)"
                + " (limit \(JSONText.number(a.limit, decimals: 2)))"
        case .rep(let r):
            var text = "\(t)  set \(r.set) rep \(r.rep)  depth \(JSONText.fixed(r.depthCm, decimals: 1)) cm"
            if let e = r.eccentricS { text += ", down \(JSONText.fixed(e, decimals: 1)) s" }
            if let c = r.concentricS { text += ", up \(JSONText.fixed(c, decimals: 1)) s" }
            if let h = r.holdS { text += ", hold \(JSONText.fixed(h, decimals: 1)) s" }
            text += ", lockout \(JSONText.fixed(r.lockoutCm, decimals: 1)) cm"
            if !r.alerts.kinds.isEmpty { text += "  [" + r.alerts.kinds.map(\.rawValue).joined(separator: ", ") + "]" }
            return text
        case .setEnd(let s):
            return "\(t)  set \(s.set) ended: \(s.reps) reps, \(s.alerts) alerts"
        case .sensor(let state, let detail, _):
            return "\(t)  sensor \(state.rawValue): \(detail)"
        }
    }
}

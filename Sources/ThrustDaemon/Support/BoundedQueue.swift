import Synchronization

/// A bounded FIFO ring. Storage starts small and doubles up to `capacity`, so a large bound
/// costs memory only when it is used. Not thread-safe on its own (see `BoundedQueue`).
struct Ring<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0
    let capacity: Int

    init(capacity: Int, initialStorage: Int = 64) {
        self.capacity = max(1, capacity)
        storage = Array(repeating: nil, count: min(self.capacity, max(1, initialStorage)))
    }

    var isEmpty: Bool { count == 0 }
    var isFull: Bool { count == capacity }

    /// Appends; false when full (nothing changes).
    @discardableResult
    mutating func append(_ element: Element) -> Bool {
        guard count < capacity else { return false }
        if count == storage.count { grow() }
        storage[(head + count) % storage.count] = element
        count += 1
        return true
    }

    var first: Element? { count == 0 ? nil : storage[head] }

    mutating func removeFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        return element
    }

    private mutating func grow() {
        var larger = [Element?](repeating: nil, count: min(capacity, storage.count * 2))
        for index in 0..<count { larger[index] = storage[(head + index) % storage.count] }
        storage = larger
        head = 0
    }
}

/// A bounded multi-producer queue with one consuming thread. `push` never blocks (beyond a
/// lock held for a few instructions) and never allocates once the ring exists: when full, the
/// element is refused and counted, so a stuck consumer can never stall a producer (the
/// sampling thread).
public final class BoundedQueue<Element: Sendable>: Sendable {
    private struct State {
        var ring: Ring<Element>
        var dropped = 0
        var highWater = 0
    }

    private let state: Mutex<State>
    /// Signalled on every successful push.
    public let wakeup: Wakeup

    public init(capacity: Int, wakeup: Wakeup = Wakeup()) {
        state = Mutex(State(ring: Ring(capacity: capacity)))
        self.wakeup = wakeup
    }

    /// Adds `element`; false (and counted as dropped) when the queue is full.
    @discardableResult
    public func push(_ element: sending Element) -> Bool {
        let accepted = state.withLock { s -> Bool in
            guard s.ring.append(element) else {
                s.dropped += 1
                return false
            }
            s.highWater = max(s.highWater, s.ring.count)
            return true
        }
        if accepted { wakeup.signal() }
        return accepted
    }

    /// Moves every queued element into `batch` (in order).
    public func drain(into batch: inout [Element]) {
        state.withLock { s in
            while let element = s.ring.removeFirst() { batch.append(element) }
        }
    }

    public var count: Int { state.withLock { $0.ring.count } }
    /// Elements refused because the queue was full.
    public var dropped: Int { state.withLock { $0.dropped } }
    /// The most elements ever queued at once.
    public var highWater: Int { state.withLock { $0.highWater } }
}

/// A ring buffer of fixed capacity, allocated once. Appending past capacity drops the oldest.
///
/// Index 0 is the oldest element still held; `count - 1` the newest.
public struct FixedRing<Element>: Sendable where Element: Sendable {
    @usableFromInline var storage: [Element]
    @usableFromInline var head = 0  // index in storage of the oldest element
    public private(set) var count = 0
    /// Elements dropped from the front since creation (so absolute positions stay stable).
    public private(set) var dropped = 0

    public init(capacity: Int, filler: Element) {
        storage = Array(repeating: filler, count: max(1, capacity))
    }

    public var capacity: Int { storage.count }
    public var isEmpty: Bool { count == 0 }
    public var isFull: Bool { count == storage.count }

    @inlinable
    public subscript(i: Int) -> Element {
        get { storage[physical(i)] }
        set { storage[physical(i)] = newValue }
    }

    @inlinable
    func physical(_ i: Int) -> Int {
        let p = head + i
        return p >= storage.count ? p - storage.count : p
    }

    public var last: Element? { count > 0 ? self[count - 1] : nil }

    public mutating func append(_ e: Element) {
        if count == storage.count {
            storage[head] = e
            head += 1
            if head == storage.count { head = 0 }
            dropped += 1
        } else {
            storage[physical(count)] = e
            count += 1
        }
    }

    /// Drops the `n` oldest elements.
    public mutating func removeFirst(_ n: Int) {
        let k = min(n, count)
        head = (head + k) % storage.count
        count -= k
        dropped += k
    }

    public mutating func removeAll() {
        dropped += count
        head = 0
        count = 0
    }
}
